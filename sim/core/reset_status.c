/* How the supervisor reads the end of a boot (vchip/chip.h): an exit with
 * VCHIP_EXIT_BASE + reason is a reset the chip chose; anything else (a fatal
 * signal, a sanitizer's exit) is a crash of the firmware code = PANIC. */
#include <sys/wait.h>

#include "vchip/chip.h"

esp_reset_reason_t vchip_reason_from_wait_status(int wait_status)
{
    if (WIFEXITED(wait_status)) {
        int code = WEXITSTATUS(wait_status) - VCHIP_EXIT_BASE;
        if (code > (int)ESP_RST_UNKNOWN && code <= (int)ESP_RST_CPU_LOCKUP) {
            return (esp_reset_reason_t)code;
        }
    }
    /* A fatal signal, or an exit the chip has no reason for: the firmware crashed. */
    return ESP_RST_PANIC;
}
