/* Compiled once per ota-node executable with that executable's firmware
 * options (sim/vchip.cmake), unlike the rest of sim/node. */
#include "node_firmware_build.h"

#include "sdkconfig.h" /* the app's (sim/vchip.cmake) */

#if defined(CONFIG_OTA_DEFECT_SEQUENTIAL_WRITES)
#define FIRMWARE_BUILD                                                                             \
    "CONFIG_OTA_DEFECT_SEQUENTIAL_WRITES=y (model of recipe fix A missing: "                       \
    "esp_ota_begin with OTA_WITH_SEQUENTIAL_WRITES)"
#elif defined(CONFIG_OTA_DEFECT_SMALL_HTTPD_STACK)
#define FIRMWARE_BUILD                                                                             \
    "CONFIG_OTA_DEFECT_SMALL_HTTPD_STACK=y (model of recipe fix B missing: httpd stack "           \
    "stays at 4096 bytes)"
#elif defined(CONFIG_OTA_DEFECT_NO_BOOT_LINE)
#define FIRMWARE_BUILD                                                                             \
    "CONFIG_OTA_DEFECT_NO_BOOT_LINE=y (model of recipe fix C missing: no "                         \
    "'boot: reset_reason=...' line)"
#elif defined(CONFIG_OTA_DEFECT_NEVER_CONFIRM)
#define FIRMWARE_BUILD                                                                             \
    "CONFIG_OTA_DEFECT_NEVER_CONFIRM=y (model of an app that never calls "                         \
    "esp_ota_mark_app_valid_cancel_rollback)"
#else
/* The correct firmware, or another ESP-IDF app (scripts/build-node.sh). */
#define FIRMWARE_BUILD      VCHIP_FIRMWARE_DESCRIPTION
#define FIRMWARE_IS_DEFAULT 1
#endif

const char *node_firmware_build(void)
{
    return FIRMWARE_BUILD;
}

bool node_firmware_open_without_psk(void)
{
#ifdef CONFIG_OTA_ALLOW_UNAUTHENTICATED
    return true;
#else
    return false;
#endif
}

bool node_firmware_is_defect_build(void)
{
#ifdef FIRMWARE_IS_DEFAULT
    return false;
#else
    return true;
#endif
}
