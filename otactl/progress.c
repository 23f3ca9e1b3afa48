/* Progress lines: redrawn on a terminal, logged otherwise. */
#include "progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "http_multi.h"
#include "term_escape.h"

/* Beyond this many nodes a line per node no longer fits a terminal. */
#define PROGRESS_MAX_LINES 20
#define PROGRESS_REDRAW_MS 100
/* Off a terminal, a sending node logs its bytes at most this often. */
#define PROGRESS_LOG_EVERY_MS 2000
/* No byte accepted for this long: the node is busy (erasing, writing). */
#define PROGRESS_STALL_MS 1000

/* What the node is doing as far as this side can see. The node's erase
 * and verification are not reported by it: they are inferred from the
 * transfer (bytes not accepted yet / all accepted, no reply yet). */
typedef enum {
    STAGE_WAITING,
    STAGE_SENDING,
    STAGE_NODE_BUSY,      /* inferred: no bytes accepted for a while */
    STAGE_NODE_VERIFYING, /* inferred: all bytes sent, no reply yet */
    STAGE_AFTER_UPLOAD,   /* rebooting, confirming: the command's own events */
    STAGE_DONE,
} stage_t;

struct node_line {
    const char *label;
    char text[TERM_ESCAPED_SIZE(600)];
    uint64_t sent;
    uint64_t total;
    bool done;
    bool ok;
    stage_t stage;
    uint64_t send_started_ms;
    uint64_t last_change_ms;
    uint64_t last_log_ms;
};

struct progress {
    FILE *out;
    struct node_line *nodes;
    size_t count;
    bool interactive;
    bool quiet;
    size_t drawn_lines; /* lines on screen from the last redraw */
    uint64_t last_draw_ms;
    uint64_t started_ms;
};

progress_t *progress_new(FILE *out, const char *const *labels, size_t count, bool interactive,
                         bool quiet)
{
    progress_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL;
    }
    p->nodes = calloc(count ? count : 1, sizeof(*p->nodes));
    if (p->nodes == NULL) {
        free(p);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        p->nodes[i].label = labels[i];
        snprintf(p->nodes[i].text, sizeof(p->nodes[i].text), "waiting");
    }
    p->out = out;
    p->count = count;
    p->interactive = interactive;
    p->quiet = quiet;
    p->started_ms = http_now_ms();
    return p;
}

/* Text of a bar such as "[#####...............]  25% " into out. */
static size_t format_bar(char *out, size_t len, uint64_t sent, uint64_t total)
{
    char cells[21];
    int filled = total ? (int)(sent * 20 / total) : 0;
    for (int i = 0; i < 20; i++) {
        cells[i] = i < filled ? '#' : '.';
    }
    cells[20] = '\0';
    int pct = total ? (int)(sent * 100 / total) : 0;
    if (sent < total && pct > 99) {
        pct = 99;
    }
    int n = snprintf(out, len, "[%s] %3d%% ", cells, pct);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* A node's transfer in words: bytes, %, rate and ETA while it takes
 * bytes, the inferred node-side phase while it does not. The percentage
 * stops at 99 until the node has answered: sent is not done. */
static void describe_transfer(const struct node_line *n, uint64_t now, char *out, size_t len)
{
    uint64_t pct = n->total ? n->sent * 100 / n->total : 0;
    if (pct > 99) {
        pct = 99;
    }
    double secs = (double)(now - n->send_started_ms) / 1000.0;
    double rate = secs > 0.2 ? (double)n->sent / secs : 0.0;
    switch (n->stage) {
        case STAGE_NODE_VERIFYING:
            /* Handed to the network is not taken by the node: socket
             * buffers can hold much of an image while the chip still
             * erases and writes, so the words stay with what is known. */
            snprintf(out, len,
                     "waiting for the node's reply (inferred: all %llu bytes handed to the "
                     "network %.0f s ago; the node is writing or verifying)",
                     (unsigned long long)n->total, (double)(now - n->last_change_ms) / 1000.0);
            return;
        case STAGE_NODE_BUSY:
            snprintf(out, len,
                     "node %s (inferred: no bytes accepted for %.0f s), %llu/%llu bytes (%llu%%)",
                     n->sent == 0 ? "erasing" : "busy writing",
                     (double)(now - n->last_change_ms) / 1000.0, (unsigned long long)n->sent,
                     (unsigned long long)n->total, (unsigned long long)pct);
            return;
        default:
            break;
    }
    if (rate > 0.0 && n->sent < n->total) {
        snprintf(out, len, "sending %llu/%llu bytes (%llu%%), %.1f KiB/s, ETA %.0f s",
                 (unsigned long long)n->sent, (unsigned long long)n->total, (unsigned long long)pct,
                 rate / 1024.0, (double)(n->total - n->sent) / rate);
    } else {
        snprintf(out, len, "sending %llu/%llu bytes (%llu%%)", (unsigned long long)n->sent,
                 (unsigned long long)n->total, (unsigned long long)pct);
    }
}

/* A line wider than the terminal would wrap and break the cursor-up
 * arithmetic of the next redraw, so each line is cut to the width. */
static void put_line(FILE *out, const char *text)
{
    struct winsize ws;
    int cols = 100;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) {
        cols = ws.ws_col;
    }
    fprintf(out, "\r\033[K%.*s\n", cols - 1, text);
}

static void redraw(progress_t *p, bool force)
{
    uint64_t now = http_now_ms();
    if (!force && now - p->last_draw_ms < PROGRESS_REDRAW_MS) {
        return;
    }
    p->last_draw_ms = now;
    if (p->drawn_lines > 0) {
        fprintf(p->out, "\033[%zuA", p->drawn_lines); /* cursor up to the block's start */
    }
    if (p->count <= PROGRESS_MAX_LINES) {
        for (size_t i = 0; i < p->count; i++) {
            struct node_line *n = &p->nodes[i];
            char line[320];
            size_t used = (size_t)snprintf(line, sizeof(line), "%-21s ", n->label);
            char busy[120] = "";
            if (n->stage == STAGE_SENDING || n->stage == STAGE_NODE_BUSY ||
                n->stage == STAGE_NODE_VERIFYING) {
                /* All sent is not done: the bar stops short until the verdict. */
                uint64_t shown = n->sent >= n->total && n->total > 0 ? n->total - 1 : n->sent;
                used += format_bar(line + used, sizeof(line) - used, shown, n->total);
                describe_transfer(n, now, busy, sizeof(busy));
            }
            snprintf(line + used, sizeof(line) - used, "%s%s",
                     n->done ? (n->ok ? "ok: " : "FAILED: ") : "", busy[0] ? busy : n->text);
            put_line(p->out, line);
        }
        p->drawn_lines = p->count;
    } else {
        size_t by_stage[STAGE_DONE + 1] = {0}, failed = 0;
        for (size_t i = 0; i < p->count; i++) {
            struct node_line *n = &p->nodes[i];
            by_stage[n->stage]++;
            failed += n->done && !n->ok;
        }
        /* The bar counts finished nodes: 100 % only when every one is. */
        char line[300];
        size_t used = (size_t)snprintf(
            line, sizeof(line),
            "%zu nodes: %zu waiting, %zu sending, %zu node busy/verifying (inferred), %zu "
            "rebooting/confirming, %zu finished (%zu failed) ",
            p->count, by_stage[STAGE_WAITING], by_stage[STAGE_SENDING],
            by_stage[STAGE_NODE_BUSY] + by_stage[STAGE_NODE_VERIFYING],
            by_stage[STAGE_AFTER_UPLOAD], by_stage[STAGE_DONE], failed);
        used += format_bar(line + used, sizeof(line) - used, by_stage[STAGE_DONE], p->count);
        snprintf(line + used, sizeof(line) - used, "%.1fs", (double)(now - p->started_ms) / 1000.0);
        put_line(p->out, line);
        p->drawn_lines = 1;
    }
    fflush(p->out);
}

static void log_line(progress_t *p, size_t i, const char *prefix, const char *text)
{
    double t = (double)(http_now_ms() - p->started_ms) / 1000.0;
    fprintf(p->out, "[%7.2fs] %s: %s%s\n", t, p->nodes[i].label, prefix, text);
    fflush(p->out);
}

/* Sets node i's line and shows it: the table is redrawn on a terminal,
 * otherwise one log line with the prefix is written. */
__attribute__((format(printf, 4, 0))) static void
show_text(progress_t *p, size_t i, const char *prefix, const char *fmt, va_list ap)
{
    /* Messages quote node replies and status fields: escaped here, once,
     * for the table and the log alike. */
    char raw[600];
    vsnprintf(raw, sizeof(raw), fmt, ap);
    term_escape(raw, p->nodes[i].text, sizeof(p->nodes[i].text));
    if (p->interactive) {
        redraw(p, true);
    } else {
        log_line(p, i, prefix, p->nodes[i].text);
    }
}

static bool transferring(stage_t stage)
{
    return stage == STAGE_SENDING || stage == STAGE_NODE_BUSY || stage == STAGE_NODE_VERIFYING;
}

void progress_event(progress_t *p, size_t i, const char *fmt, ...)
{
    if (p == NULL || p->quiet) {
        return;
    }
    if (transferring(p->nodes[i].stage)) {
        p->nodes[i].stage = STAGE_AFTER_UPLOAD; /* the command speaks once the upload ended */
    }
    va_list ap;
    va_start(ap, fmt);
    show_text(p, i, "", fmt, ap);
    va_end(ap);
}

void progress_bytes(progress_t *p, size_t i, uint64_t sent, uint64_t total)
{
    if (p == NULL || p->quiet) {
        return;
    }
    struct node_line *n = &p->nodes[i];
    uint64_t now = http_now_ms();
    stage_t before = n->stage;
    if (!transferring(n->stage)) {
        n->stage = STAGE_SENDING; /* a new transfer (also a retry after a 409) */
        n->send_started_ms = now;
        n->last_change_ms = now;
        n->last_log_ms = now;
        n->sent = 0;
    }
    if (sent != n->sent) {
        n->last_change_ms = now;
        n->stage = sent >= total ? STAGE_NODE_VERIFYING : STAGE_SENDING;
    } else if (now - n->last_change_ms >= PROGRESS_STALL_MS) {
        n->stage = sent >= total ? STAGE_NODE_VERIFYING : STAGE_NODE_BUSY;
    }
    n->sent = sent;
    n->total = total;
    if (p->interactive) {
        redraw(p, false);
        return;
    }
    /* Off a terminal: a line when the inferred phase changes, and the
     * bytes every few seconds while they flow. */
    bool changed = n->stage != before && n->stage != STAGE_SENDING;
    if (changed || (n->stage == STAGE_SENDING && now - n->last_log_ms >= PROGRESS_LOG_EVERY_MS)) {
        char text[200];
        describe_transfer(n, now, text, sizeof(text));
        log_line(p, i, "", text);
        n->last_log_ms = now;
    }
}

void progress_done(progress_t *p, size_t i, bool ok, const char *fmt, ...)
{
    if (p == NULL || p->quiet) {
        return;
    }
    p->nodes[i].done = true;
    p->nodes[i].ok = ok;
    p->nodes[i].stage = STAGE_DONE;
    if (p->nodes[i].total > 0) {
        p->nodes[i].sent = p->nodes[i].total;
    }
    va_list ap;
    va_start(ap, fmt);
    show_text(p, i, ok ? "ok: " : "FAILED: ", fmt, ap);
    va_end(ap);
}

void progress_end(progress_t *p)
{
    if (p == NULL) {
        return;
    }
    if (p->interactive && !p->quiet) {
        redraw(p, true);
    }
    free(p->nodes);
    free(p);
}
