/* The CSI part's settings in NVS namespace "csi_cfg", as the operator
 * endpoints leave them: where CSI frames go (target_ip, target_port) and
 * whether a gain-lock calibration is stored (gl_agc, gl_fft, gl_ap_mac). */
#pragma once

/* Logs one line at boot, e.g.
 *   "csi_cfg: target=192.168.0.103:5005 calibration=3/3"
 * so the UART shows what set-target and recalibrate changed. */
void csi_config_log(void);
