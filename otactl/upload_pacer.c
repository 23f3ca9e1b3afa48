#include "upload_pacer.h"

void upload_pacer_init(upload_pacer_t *p, size_t image_len, uint64_t budget_ms, double assumed_bps)
{
    double assumed = assumed_bps > 0 ? assumed_bps : UPLOAD_PACER_DEFAULT_AIR_BPS;
    *p = (upload_pacer_t){
        .image_len = image_len,
        .budget_ms = budget_ms,
        .assumed_bps = assumed,
        .estimate_bps = assumed,
    };
}

static double average(const upload_pacer_t *p, double old, double sample)
{
    return p->intervals == 0
               ? sample
               : (1.0 - UPLOAD_PACER_SAMPLE_WEIGHT) * old + UPLOAD_PACER_SAMPLE_WEIGHT * sample;
}

void upload_pacer_sample(upload_pacer_t *p, uint64_t now_ms, uint64_t counted, unsigned active)
{
    if (active == 0) {
        p->open = 0;
        return;
    }
    if (!p->open || counted < p->since_bytes) {
        p->open = 1;
        p->since_ms = now_ms;
        p->since_bytes = counted;
        return;
    }
    uint64_t span = now_ms - p->since_ms;
    if (span < UPLOAD_PACER_INTERVAL_MS) {
        return;
    }
    double rate = (double)(counted - p->since_bytes) * 1000.0 / (double)span;
    p->measured_bps = average(p, p->measured_bps, rate);
    p->measured_active = average(p, p->measured_active, (double)active);
    p->intervals++;
    p->since_ms = now_ms;
    p->since_bytes = counted;

    double share = p->measured_bps / p->measured_active;
    double budget_s = (double)p->budget_ms / 1000.0;
    if (p->budget_ms != 0 && share * budget_s < (double)p->image_len) {
        p->estimate_bps = p->measured_bps; /* shares too thin: the air is full */
    } else if (p->measured_bps > p->estimate_bps) {
        p->estimate_bps = p->measured_bps;
    }
}

double upload_pacer_rate_bps(const upload_pacer_t *p)
{
    return p->estimate_bps;
}

unsigned upload_pacer_limit(const upload_pacer_t *p)
{
    if (p->image_len == 0 || p->budget_ms == 0) { /* no budget: nothing to wait for */
        return UINT32_MAX;
    }
    /* k uploads sharing rate R each take k * image / R: the largest k whose
     * uploads end within the budget. */
    double k = p->estimate_bps * (double)p->budget_ms / 1000.0 / (double)p->image_len;
    if (k < 1.0) {
        return 1;
    }
    return k >= (double)UINT32_MAX ? UINT32_MAX : (unsigned)k;
}
