/*
 * The reset circuit's view of how a boot ended (vchip/chip.h): the child
 * exits with VCHIP_EXIT_BASE + esp_reset_reason_t when the firmware or a
 * model resets the chip; anything else is a crash of the firmware code,
 * which the chip would meet with its panic handler.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "node_reset.h"
#include "vchip/chip.h"

bool node_wait_status_is_chip_reset(int wait_status)
{
    if (!WIFEXITED(wait_status)) {
        return false;
    }
    int code = WEXITSTATUS(wait_status) - VCHIP_EXIT_BASE;
    return code > (int)ESP_RST_UNKNOWN && code <= (int)ESP_RST_CPU_LOCKUP;
}

const char *node_reset_reason_name(esp_reset_reason_t reason)
{
    static const char *const names[] = {
        [ESP_RST_UNKNOWN] = "UNKNOWN",
        [ESP_RST_POWERON] = "POWERON",
        [ESP_RST_EXT] = "EXT",
        [ESP_RST_SW] = "SW",
        [ESP_RST_PANIC] = "PANIC",
        [ESP_RST_INT_WDT] = "INT_WDT",
        [ESP_RST_TASK_WDT] = "TASK_WDT",
        [ESP_RST_WDT] = "WDT",
        [ESP_RST_DEEPSLEEP] = "DEEPSLEEP",
        [ESP_RST_BROWNOUT] = "BROWNOUT",
        [ESP_RST_SDIO] = "SDIO",
        [ESP_RST_USB] = "USB",
        [ESP_RST_JTAG] = "JTAG",
        [ESP_RST_EFUSE] = "EFUSE",
        [ESP_RST_PWR_GLITCH] = "PWR_GLITCH",
        [ESP_RST_CPU_LOCKUP] = "CPU_LOCKUP",
    };
    if ((unsigned)reason < sizeof(names) / sizeof(names[0]) && names[reason] != NULL) {
        return names[reason];
    }
    return "UNKNOWN";
}

void node_describe_wait_status(int wait_status, char *out, size_t len)
{
    if (WIFEXITED(wait_status)) {
        snprintf(out, len, "exit status %d", WEXITSTATUS(wait_status));
    } else if (WIFSIGNALED(wait_status)) {
        snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(wait_status),
                 strsignal(WTERMSIG(wait_status)));
    } else {
        snprintf(out, len, "wait status 0x%x", (unsigned)wait_status);
    }
}
