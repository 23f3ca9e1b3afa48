/* The stack model (vchip/models.h): a call's stated stack need against the
 * calling task's configured stack. */
#include <stdatomic.h>
#include <stdio.h>

#include "vchip/chip.h"
#include "vchip/coredump.h"
#include "vchip/models.h"

static _Atomic(vchip_task_info_fn) s_task_info;

void vchip_set_task_info_source(vchip_task_info_fn fn)
{
    atomic_store(&s_task_info, fn);
}

bool vchip_current_task_info(vchip_task_info_t *out)
{
    vchip_task_info_fn fn = atomic_load(&s_task_info);
    return fn != NULL && fn(out);
}

bool vchip_stack_fits(size_t configured, size_t need)
{
    return configured >= need;
}

void vchip_stack_need(size_t need)
{
    vchip_task_info_t task;
    if (!vchip_current_task_info(&task) || vchip_stack_fits(task.stack_bytes, need)) {
        return;
    }
    /* ESP-IDF's vApplicationStackOverflowHook wording, then esp_system_abort:
     * the message is also the core dump's panic details. */
    char details[80];
    snprintf(details, sizeof(details), "***ERROR*** A stack overflow in task %s has been detected.",
             task.name != NULL ? task.name : "");
    vchip_coredump_set_cause(VCHIP_EXCCAUSE_STORE_PROHIBITED, 0, details, false);
    vchip_panic_report(ESP_RST_PANIC, "%s\n", details);
}
