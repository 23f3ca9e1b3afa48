/*
 * The WiFi link model of the virtual chip (not ESP-IDF API; firmware never
 * includes this). docs/performance.md describes it and its calibration.
 *
 * On the host every upload crosses loopback at GB/s. On a chip, bytes reach
 * httpd_req_recv through lwIP: the sender may have at most the receive
 * window (CONFIG_LWIP_TCP_WND_DEFAULT) unacknowledged, each segment crosses
 * the air at the link's goodput and half a round trip later sits in lwIP's
 * receive buffer; the window reopens only as the application reads, and
 * the sender learns of it half a round trip after the read. A handler busy
 * writing flash does not read, so the window fills and the sender stalls.
 * Optionally every node of a fleet draws its airtime from one access
 * point's capacity (the "air").
 *
 * Two layers: the arithmetic (link_model_*, link_air_reserve) takes the
 * time as an argument and never sleeps, so unit tests drive it with a
 * made-up clock; the socket glue (vchip_link_*) reads CLOCK_MONOTONIC,
 * sleeps and calls recv/send, and the virtual esp_http_server opens and
 * closes it through the hook below (rtos never links against net).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Calibrated defaults (docs/performance.md): the window, send buffer and
 * MSS are ESP-IDF v5.2.5's lwIP Kconfig defaults; the goodput is the
 * ESP32-S3 "TCP RX, air in lab" figure of docs/en/api-guides/wifi.rst
 * (20 Mbit/s); the round trip is fitted so that the recipe-era handler
 * takes the reported 12.8 s for 0.91 MB; the air is one access point that
 * carries about what one station can take at best, the same 20 Mbit/s. */
#define LINK_DEFAULT_RTT_US       40000u
#define LINK_DEFAULT_GOODPUT_BPS  2500000u /* bytes per second */
#define LINK_DEFAULT_TCP_WND      5760u
#define LINK_DEFAULT_TCP_SND_BUF  5760u
#define LINK_DEFAULT_TCP_MSS      1440u
#define LINK_DEFAULT_AIR_BPS      2500000u
#define LINK_MAX_PENDING_SEGMENTS 256u

typedef struct {
    uint32_t rtt_us;      /* round trip, both directions */
    uint64_t goodput_bps; /* this station's payload rate, bytes/s */
    uint32_t tcp_wnd;     /* receive window, bytes */
    uint32_t tcp_snd_buf; /* send buffer, bytes */
    uint32_t mss;         /* segment size, bytes */
} link_params_t;

/* The air: one access point's airtime, as the time (CLOCK_MONOTONIC ns)
 * at which it is next free. Shared by the processes of a fleet through a
 * file mapping, so it is updated with atomics only. */
typedef struct {
    uint64_t free_at_ns;
    uint64_t capacity_bps; /* bytes/s; 0: no shared air */
} link_air_t;

/* Reserves airtime for bytes, not before earliest_ns; the time the bytes
 * are through. */
uint64_t link_air_reserve(link_air_t *air, uint64_t earliest_ns, uint64_t bytes);

typedef struct {
    uint64_t at_ns; /* a segment: when it arrives; a credit: when the sender has it */
    uint64_t bytes;
} link_span_t;

#define LINK_MAX_CREDITS 64u

/* One TCP connection as its receiver sees it. */
typedef struct {
    link_params_t p;
    link_air_t *air;                            /* NULL: this link alone on its air */
    uint64_t link_free_ns;                      /* when the station's own link is next free */
    link_span_t seg[LINK_MAX_PENDING_SEGMENTS]; /* sent, not yet read in full */
    unsigned seg_head, seg_count;
    uint64_t head_read;                   /* bytes of the head segment already read */
    link_span_t credit[LINK_MAX_CREDITS]; /* window the sender may still use */
    unsigned credit_head, credit_count;
    uint64_t unannounced; /* bytes read, window not yet announced */
    uint64_t offered;     /* bytes the real client has handed over so far */
    uint64_t sent;        /* bytes put on the modelled link */
    uint64_t consumed;    /* bytes the application has read */
    uint64_t tx_free_ns;  /* when the send buffer has drained */
} link_model_t;

/* A connection accepted at now_ns: the client's first window leaves after
 * the handshake's half round trip. */
void link_model_open(link_model_t *m, const link_params_t *p, link_air_t *air, uint64_t now_ns);
/* The real client has handed over total bytes so far (seen at now_ns):
 * what the window allows goes on the link, no earlier than the bytes
 * existed. Bytes first seen now count as sent by the client now. */
void link_model_offer(link_model_t *m, uint64_t total, uint64_t now_ns);
/* Bytes in lwIP's receive buffer at now_ns (arrived, not yet read). */
uint64_t link_model_readable(const link_model_t *m, uint64_t now_ns);
/* When the next unread byte arrives; UINT64_MAX if nothing is on its way. */
uint64_t link_model_next_arrival(const link_model_t *m);
/* The application read n bytes at now_ns: the window reopens by n, and the
 * sender hears of it (lwIP's tcp_recved) once the update is worth sending. */
void link_model_consume(link_model_t *m, uint64_t n, uint64_t now_ns);
/* The application hands n bytes to send at now_ns: when send() returns
 * (the bytes fit into the send buffer, which drains at the window's pace). */
uint64_t link_model_send(link_model_t *m, uint64_t n, uint64_t now_ns);
/* lwIP's TCP_WND_UPDATE_THRESHOLD: LWIP_MIN(TCP_WND / 4, TCP_MSS * 4). */
uint64_t link_model_update_threshold(const link_params_t *p);

/* ---- the socket glue ---------------------------------------------------- */

typedef struct {
    bool enabled;
    link_params_t params;
    link_air_t *air; /* NULL: none */
} vchip_link_config_t;

/* Turns the model on for connections accepted from now on (in the chip's
 * process, before the firmware starts its server). */
void vchip_link_configure(const vchip_link_config_t *cfg);
/* Maps the fleet's air file (created and sized if needed); NULL with
 * errno on failure. capacity_bps is stored in the file. */
link_air_t *vchip_link_air_open(const char *path, uint64_t capacity_bps);
/* A private air (a node alone on its access point). */
link_air_t *vchip_link_air_private(uint64_t capacity_bps);

/* What the virtual esp_http_server calls for each session's socket: the
 * model paces a socket from open to close. The pacing itself sits where
 * lwIP's does on the chip, under recv() and send(): every virtual node is
 * linked with -Wl,--wrap=recv,--wrap=send (sim/vchip.cmake), so the
 * firmware's own recv override (request_deadline.c) is paced as well. */
typedef struct {
    /* The listening socket, before listen(): what every accepted socket
     * inherits from the kernel (its segment size and receive buffer). */
    void (*listener)(int fd);
    void *(*open)(int fd);
    void (*close)(void *link);
} vchip_link_ops_t;

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

/* The ops vchip_link_configure installs (for tests that pace a socket
 * without a server). */
const vchip_link_ops_t *vchip_link_socket_ops(void);

/* Set by vchip_link_configure; NULL: sockets as they are. */
void vchip_httpd_set_link_ops(const vchip_link_ops_t *ops);
