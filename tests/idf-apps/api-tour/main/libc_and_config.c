/* esp_err.h brings <stdio.h>, <stdlib.h>, <assert.h> and sdkconfig.h
 * (esp_err.h, v5.2.5): nothing else is included here on purpose. */
#include "esp_err.h"
#include "tour.h"

void tour_libc_and_config(void)
{
    char *buf = malloc(16);
    assert(buf != NULL);
    int n = snprintf(buf, 16, "%d-%s", 42, "ok");
    tour_check("libc_via_esp_err", n == 5 && buf[0] == '4' && buf[3] == 'o');
    free(buf);

#if CONFIG_IDF_TARGET_ESP32S3 && CONFIG_LOG_COLORS && CONFIG_APP_RETRIEVE_LEN_ELF_SHA == 9
    tour_check("sdkconfig_via_esp_err", true);
#else
    tour_check("sdkconfig_via_esp_err", false);
#endif
    tour_check("err_to_name_known", esp_err_to_name(ESP_ERR_NO_MEM)[0] == 'E' &&
                                        esp_err_to_name(ESP_ERR_NO_MEM)[8] == 'N');
    const char *unknown = esp_err_to_name(0x7ff1);
    tour_check("err_to_name_unknown", unknown[0] == 'E' && unknown[5] == '\0');
}
