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
 * - the image at an equal share of the aggregate rate - stays within a
 * budget (a third of --upload-timeout); the others start as uploads end.
 *
 * The aggregate rate is measured: bytes the uploads handed to the network,
 * counted by the caller and sampled about once a second. Until a
 * measurement exists it is assumed (the calibrated access point of
 * docs/performance.md, or --air-rate). The caller leaves out each upload's
 * first UPLOAD_PACER_WARMUP_MS: the kernel's send and receive buffers fill
 * at memory speed then, which says nothing about the air.
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

/* Weight of a new interval's rate in the measured rate. */
#define UPLOAD_PACER_SAMPLE_WEIGHT 0.25

typedef struct {
    size_t image_len;
    uint64_t budget_ms;  /* an upload should end within this (0: no limit) */
    double assumed_bps;  /* the aggregate rate until one is measured */
    double measured_bps; /* 0 until an interval was measured */
    /* The open interval: since when, from which count (open = 0: none). */
    uint64_t since_ms;
    uint64_t since_bytes;
    int open;
    unsigned intervals; /* measured so far */
} upload_pacer_t;

void upload_pacer_init(upload_pacer_t *p, size_t image_len, uint64_t budget_ms, double assumed_bps);

/*
 * A sample: counted is the cumulative count of bytes handed to the network
 * by uploads past their warm-up, counting how many such uploads are in
 * flight now. An interval during which none was in flight is dropped.
 */
void upload_pacer_sample(upload_pacer_t *p, uint64_t now_ms, uint64_t counted, unsigned counting);

/* The aggregate rate in use: measured, else assumed (bytes per second). */
double upload_pacer_rate_bps(const upload_pacer_t *p);

/* How many uploads may be in flight now (at least 1). */
unsigned upload_pacer_limit(const upload_pacer_t *p);

#endif
