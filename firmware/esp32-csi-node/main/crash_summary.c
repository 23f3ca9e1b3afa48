#include "crash_summary.h"

#include <string.h>

/* Placeholder until the core dump is emulated: no summary is ever read. */
bool crash_summary_supported(void)
{
    return false;
}

bool crash_summary_read(crash_summary_t *out)
{
    memset(out, 0, sizeof(*out));
    return false;
}

void crash_summary_forget(void)
{
}
