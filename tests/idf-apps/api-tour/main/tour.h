/* The tour's bookkeeping: each check logs one line the test reads. */
#pragma once

#include <stdbool.h>

#include "esp_log.h"

void tour_check(const char *name, bool ok);
void tour_summary(void);

/* The checks, one file per area. */
void tour_libc_and_config(void);
void tour_freertos(void);
void tour_timers(void);
void tour_storage(void);
void tour_app(void);
void tour_http_start(void);
