/* Which firmware build an ota-node executable carries: the correct one, or
 * a variant compiled with one of the firmware's CONFIG_OTA_DEFECT_* options
 * (main/Kconfig.projbuild) that reproduces a recipe failure on purpose. */
#ifndef OTA_NODE_FIRMWARE_BUILD_H
#define OTA_NODE_FIRMWARE_BUILD_H

#include <stdbool.h>

/* One line: "default (...)" or the defect option and the model it is. */
const char *node_firmware_build(void);
bool node_firmware_is_defect_build(void);
/* Built with CONFIG_OTA_ALLOW_UNAUTHENTICATED: a node without a PSK takes
 * updates from anyone (otherwise it refuses them: fail-closed). */
bool node_firmware_open_without_psk(void);

#endif
