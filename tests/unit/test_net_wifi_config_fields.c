/* wifi_sta_config_t as ESP-IDF v5.2.5's esp_wifi_types.h lays it out: code
 * that sets the 802.11 feature bits, the HE bits and the SAE H2E identifier
 * compiles, the fields come in v5.2.5's order, and esp_wifi_set_config
 * accepts such a configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "esp_wifi.h"

static void v52_station_fields_exist_in_order(void **state)
{
    (void)state;
    wifi_config_t cfg = {
        .sta =
            {
                .ssid = "lab",
                .password = "secret-pass",
                .threshold.authmode = WIFI_AUTH_WPA2_PSK,
                .pmf_cfg = {.capable = true, .required = false},
                .rm_enabled = 1,
                .btm_enabled = 1,
                .mbo_enabled = 1,
                .ft_enabled = 1,
                .owe_enabled = 1,
                .transition_disable = 1,
                .sae_pwe_h2e = WPA3_SAE_PWE_BOTH,
                .sae_pk_mode = WPA3_SAE_PK_MODE_AUTOMATIC,
                .failure_retry_cnt = 3,
                .he_dcm_set = 1,
                .he_dcm_max_constellation_tx = 3,
                .he_dcm_max_constellation_rx = 3,
                .he_mcs9_enabled = 1,
                .he_su_beamformee_disabled = 1,
                .he_trig_su_bmforming_feedback_disabled = 1,
                .he_trig_mu_bmforming_partial_feedback_disabled = 1,
                .he_trig_cqi_feedback_disabled = 1,
                .sae_h2e_identifier = "id",
            },
    };
    assert_int_equal(SAE_H2E_IDENTIFIER_LEN, 32);
    assert_int_equal(sizeof(cfg.sta.sae_h2e_identifier), 32);
    assert_true(offsetof(wifi_sta_config_t, failure_retry_cnt) >
                offsetof(wifi_sta_config_t, sae_pk_mode));
    assert_true(offsetof(wifi_sta_config_t, sae_h2e_identifier) >
                offsetof(wifi_sta_config_t, failure_retry_cnt));
    assert_int_equal(cfg.sta.he_dcm_max_constellation_tx, 3);

    wifi_ap_config_t ap = {.csa_count = 3,
                           .dtim_period = 1,
                           .pairwise_cipher = WIFI_CIPHER_TYPE_CCMP,
                           .ftm_responder = false};
    assert_int_equal(ap.pairwise_cipher, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v52_station_fields_exist_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
