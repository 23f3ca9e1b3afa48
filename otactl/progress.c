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

struct node_line {
    const char *label;
    char text[TERM_ESCAPED_SIZE(160)];
    uint64_t sent;
    uint64_t total;
    bool done;
    bool ok;
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
    int n = snprintf(out, len, "[%s] %3d%% ", cells, total ? (int)(sent * 100 / total) : 0);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
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
            if (!n->done && n->total > 0 && n->sent < n->total) {
                used += format_bar(line + used, sizeof(line) - used, n->sent, n->total);
            }
            snprintf(line + used, sizeof(line) - used, "%s%s",
                     n->done ? (n->ok ? "ok: " : "FAILED: ") : "", n->text);
            put_line(p->out, line);
        }
        p->drawn_lines = p->count;
    } else {
        size_t done = 0, failed = 0, uploading = 0;
        uint64_t sent = 0, total = 0;
        for (size_t i = 0; i < p->count; i++) {
            struct node_line *n = &p->nodes[i];
            done += n->done;
            failed += n->done && !n->ok;
            uploading += !n->done && n->total > 0 && n->sent < n->total;
            sent += n->sent;
            total += n->total;
        }
        char line[200];
        size_t used = (size_t)snprintf(line, sizeof(line),
                                       "%zu nodes: %zu finished (%zu failed), %zu uploading ",
                                       p->count, done, failed, uploading);
        if (total > 0) {
            used += format_bar(line + used, sizeof(line) - used, sent, total);
        }
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
    char raw[160];
    vsnprintf(raw, sizeof(raw), fmt, ap);
    term_escape(raw, p->nodes[i].text, sizeof(p->nodes[i].text));
    if (p->interactive) {
        redraw(p, true);
    } else {
        log_line(p, i, prefix, p->nodes[i].text);
    }
}

void progress_event(progress_t *p, size_t i, const char *fmt, ...)
{
    if (p == NULL || p->quiet) {
        return;
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
    p->nodes[i].sent = sent;
    p->nodes[i].total = total;
    if (p->interactive) {
        redraw(p, false);
    }
}

void progress_done(progress_t *p, size_t i, bool ok, const char *fmt, ...)
{
    if (p == NULL || p->quiet) {
        return;
    }
    p->nodes[i].done = true;
    p->nodes[i].ok = ok;
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
