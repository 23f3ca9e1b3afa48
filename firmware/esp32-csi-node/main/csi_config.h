/* The CSI part's settings in NVS namespace "csi_cfg", as the operator
 * endpoints leave them: where CSI frames go and whether a gain-lock
 * calibration is stored (gl_agc, gl_fft, gl_ap_mac).
 *
 * The target is ONE string, csi_cfg/target = "IPv4:PORT", so that it
 * changes in a single NVS write: with two keys a power cut between them
 * left the new address with the old port. Nodes provisioned before keep
 * csi_cfg/target_ip (string) + target_port (u16); they are read when
 * "target" is absent, and the next set-target replaces them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "nvs.h"

#define CSI_NAMESPACE       "csi_cfg"
#define CSI_TARGET_KEY      "target"      /* "IPv4:PORT", one value */
#define CSI_LEGACY_IP_KEY   "target_ip"   /* before the single key */
#define CSI_LEGACY_PORT_KEY "target_port" /* before the single key */
#define CSI_TARGET_STR_MAX  22            /* "255.255.255.255:65535" and its NUL */

typedef enum {
    CSI_TARGET_UNSET,
    CSI_TARGET_STORED, /* csi_cfg/target */
    CSI_TARGET_LEGACY, /* csi_cfg/target_ip + target_port */
} csi_target_source_t;

/* The gain-lock calibration keys, cleared together by recalibrate. */
#define CSI_CALIBRATION_KEYS                                                                       \
    {                                                                                              \
        "gl_agc", "gl_fft", "gl_ap_mac"                                                            \
    }

/* Clears every calibration key in the open handle (absent ones are fine)
 * and commits. */
esp_err_t csi_config_clear_calibration(nvs_handle_t h);

/* At boot: finishes a recalibrate that a reset cut short. NVS has no
 * transaction over three keys, so a power cut between the erases leaves
 * one or two of them; a partial calibration is cleared the rest of the
 * way, so the sampler starts from none, as recalibrate promised. */
void csi_config_finish_recalibration(void);

/* The stored CSI target as "IPv4:PORT" (empty when unset). */
csi_target_source_t csi_config_read_target(char out[CSI_TARGET_STR_MAX]);

/* Logs one line at boot, e.g.
 *   "csi_cfg: target=192.168.0.103:5005 calibration=3/3"
 * so the UART shows what set-target and recalibrate changed. */
void csi_config_log(void);
