/* Chip ids of the image header (esp_chip_id_t in esp_app_format.h) and the
 * target names ESP-IDF uses for them (idf.py set-target). */
#include <string.h>

#include "otafmt/app_image.h"

static const struct {
    uint16_t id;
    const char *name;
} chips[] = {
    {IMG_CHIP_ESP32, "esp32"},     {IMG_CHIP_ESP32S2, "esp32s2"}, {IMG_CHIP_ESP32C3, "esp32c3"},
    {IMG_CHIP_ESP32S3, "esp32s3"}, {IMG_CHIP_ESP32C2, "esp32c2"}, {IMG_CHIP_ESP32C6, "esp32c6"},
    {IMG_CHIP_ESP32H2, "esp32h2"}, {IMG_CHIP_ESP32P4, "esp32p4"},
};

const char *img_chip_name(uint16_t chip_id)
{
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (chips[i].id == chip_id) {
            return chips[i].name;
        }
    }
    return NULL;
}

bool img_chip_from_name(const char *name, uint16_t *chip_id)
{
    if (name == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (strcmp(chips[i].name, name) == 0) {
            *chip_id = chips[i].id;
            return true;
        }
    }
    return false;
}
