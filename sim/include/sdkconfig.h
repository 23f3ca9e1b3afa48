/*
 * sdkconfig.h of the virtual ESP32-S3: the configuration the firmware is
 * built with when it runs in ota-node. Values follow
 * firmware/esp32-csi-node/sdkconfig.defaults and ESP-IDF v5.2's defaults for
 * the ESP32-S3, so the same source sees the same CONFIG_ values as on the chip.
 */
#pragma once

#define CONFIG_IDF_TARGET                      "esp32s3"
#define CONFIG_IDF_TARGET_ESP32S3              1
#define CONFIG_IDF_FIRMWARE_CHIP_ID            0x0009
#define CONFIG_ESPTOOLPY_FLASHSIZE             "8MB"
#define CONFIG_ESPTOOLPY_FLASHSIZE_8MB         1
#define CONFIG_PARTITION_TABLE_CUSTOM          1
#define CONFIG_PARTITION_TABLE_CUSTOM_FILENAME "partitions.csv"
#define CONFIG_PARTITION_TABLE_OFFSET          0x8000
#define CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE  1
#define CONFIG_LOG_DEFAULT_LEVEL               3
#define CONFIG_LOG_MAXIMUM_LEVEL               3
#define CONFIG_ESP_MAIN_TASK_STACK_SIZE        3584
#define CONFIG_FREERTOS_HZ                     100

/* ESP-IDF v5.2 defaults of the components the virtual chip emulates. */
#define CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE      32
#define CONFIG_ESP_SYSTEM_EVENT_TASK_STACK_SIZE 2304
#define CONFIG_HTTPD_MAX_REQ_HDR_LEN            1024 /* sdkconfig.defaults raises it from 512 */
#define CONFIG_HTTPD_MAX_URI_LEN                512

/* Task watchdog (components/esp_system/Kconfig, v5.2 defaults: on, 5 s,
 * watching both idle tasks). ESP_TASK_WDT_PANIC defaults to n there: the
 * watchdog then only prints. The recipe's "reset_reason=TASK_WDT" needs it
 * on: the firmware's sdkconfig.defaults sets CONFIG_ESP_TASK_WDT_PANIC=y. */
#define CONFIG_ESP_TASK_WDT_EN                   1
#define CONFIG_ESP_TASK_WDT_INIT                 1
#define CONFIG_ESP_TASK_WDT_TIMEOUT_S            5
#define CONFIG_ESP_TASK_WDT_CHECK_IDLE_TASK_CPU0 1
#define CONFIG_ESP_TASK_WDT_CHECK_IDLE_TASK_CPU1 1
#define CONFIG_ESP_TASK_WDT_PANIC                1

/* The firmware's own options: main/Kconfig.projbuild defaults. */
#define CONFIG_CSI_WIFI_SSID            "csi-lab"
#define CONFIG_CSI_WIFI_PASSWORD        ""
#define CONFIG_OTA_HTTP_PORT            8032
#define CONFIG_OTA_RESTART_DELAY_MS     1000
#define CONFIG_OTA_HEALTH_DELAY_MS      10000
#define CONFIG_OTA_RECV_TIMEOUT_S       30
#define CONFIG_OTA_RECV_TIMEOUT_RETRIES 2
