/* esp_types.h (esp_common, ESP-IDF v5.2): the fixed-width, bool and size
 * types, for headers and apps that include it instead of the C headers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
