/*
 * How many uploads a deploy keeps in flight when --jobs is not given.
 *
 * Every node of a site draws from one access point's airtime, so a node's
 * share shrinks as uploads are added. Starting every upload at once is the
 * fastest way to the last byte while the shares stay large (every node's
 * erase overlaps the others' transfers, and nodes whose turn came later
 * erase while the air is busy), but with enough nodes each share becomes
 * so thin that every upload outlasts its timeout and the whole fleet fails
 * together. The pacer admits uploads while the predicted length of each one
 * - the image at an equal share of the air's rate - stays within a budget
 * (half of --upload-timeout); the others start as uploads end.
 *
 * The air's rate is first assumed (the calibrated access point of
 * docs/performance.md, or --air-rate), then corrected by measurement: the
 * bytes the uploads hand to the network, counted by the caller and sampled
 * once a second, with how many uploads moved bytes in that second. An
 * aggregate rate says how fast the air is only when the air is what limits
 * it: with few uploads each runs at its own link's pace, and the sum is
 * below what the air could carry. So the estimate drops to the measured
 * rate only when each upload's measured share is too thin to end within
 * the budget (the air is full), and otherwise only rises with it; holding
 * uploads back can then never make the air look slower and hold back more.
 *
 * The caller leaves out each upload's first UPLOAD_PACER_WARMUP_MS: the
 * kernel's send and receive buffers fill at memory speed then, which says
 * nothing about the air.
 *
 * Pure arithmetic on a clock passed in: unit-tested with made-up times.
 */
#ifndef OTACTL_UPLOAD_PACER_H
#define OTACTL_UPLOAD_PACER_H

#include <stddef.h>
#include <stdint.h>

/* The calibrated access point's goodput for all its stations together
 * (docs/performance.md: ESP32-S3 TCP RX "Air In Lab", 20 Mbit/s). */
#define UPLOAD_PACER_DEFAULT_AIR_BPS (2441.0 * 1024.0)

/* Each upload's bytes count only after this long (see above). */
#define UPLOAD_PACER_WARMUP_MS 2000u

/* Samples closer together than this are merged into one interval. */
#define UPLOAD_PACER_INTERVAL_MS 1000u

/* Weight of a new interval in the measured averages. */
#define UPLOAD_PACER_SAMPLE_WEIGHT 0.25

typedef struct {
    size_t image_len;
    uint64_t budget_ms;     /* an upload should end within this (0: no limit) */
    double assumed_bps;     /* the air's rate before any measurement */
    double estimate_bps;    /* the air's rate the limit uses (see above) */
    double measured_bps;    /* average aggregate rate, 0 until measured */
    double measured_active; /* average number of uploads that moved bytes */
    /* The open interval: since when, from which count (open = 0: none). */
    uint64_t since_ms;
    uint64_t since_bytes;
    int open;
    unsigned intervals; /* measured so far */
} upload_pacer_t;

void upload_pacer_init(upload_pacer_t *p, size_t image_len, uint64_t budget_ms, double assumed_bps);

/*
 * A sample: counted is the cumulative count of bytes handed to the network
 * by uploads past their warm-up, active how many of those moved bytes since
 * the previous sample. An interval in which none did is dropped (idle air
 * is not slow air).
 */
void upload_pacer_sample(upload_pacer_t *p, uint64_t now_ms, uint64_t counted, unsigned active);

/* The air's rate the limit uses (bytes per second). */
double upload_pacer_rate_bps(const upload_pacer_t *p);

/* How many uploads may be in flight now (at least 1). */
unsigned upload_pacer_limit(const upload_pacer_t *p);

#endif
