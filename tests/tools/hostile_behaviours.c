/*
 * Each behaviour is one way a node (or something squatting on its address)
 * can answer badly. Status answers that are meant to be valid follow
 * docs/HTTP-API.md; an uploaded image is parsed with the formats library
 * only so "claim" and "powercut" can report its identity.
 */
#include "hostile_behaviours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <otafmt/app_image.h>

#include "tool_socket.h"

enum {
    B_GARBAGE,     /* 200 with an HTML page */
    B_NOT_HTTP,    /* an SSH banner instead of HTTP */
    B_HTTP500,     /* 500 to everything */
    B_REDIRECT,    /* 302 to another loopback host where nothing listens */
    B_WRONG_TYPES, /* status JSON with wrongly typed fields */
    B_HUGE,        /* a 10 MiB body with its Content-Length */
    B_ENDLESS,     /* a chunked body that never ends */
    B_SLOW,        /* the status dripped one byte every 500 ms */
    B_CUTOFF,      /* Content-Length 400, 100 bytes, close */
    B_ESCAPE,      /* terminal escapes and CR/LF in every string */
    B_SWALLOW,     /* reads the whole upload, never replies */
    B_RESET,       /* resets every connection after reading the request */
    B_CLAIM,       /* claims the uploaded image without restarting */
    B_VANISH,      /* 200 to the upload, then gone */
    B_POWERCUT,    /* 200, boots the new image PENDING_VERIFY, power lost, old image */
    B_PENDING,     /* PENDING_VERIFY for a while: set-target / recalibrate answer 409 */
    B_CONFLICT,    /* status says VALID, yet set-target / recalibrate answer 409 for a while */
    B_COUNT,
};

static const char *const names[B_COUNT] = {
    [B_GARBAGE] = "garbage",
    [B_NOT_HTTP] = "not-http",
    [B_HTTP500] = "http500",
    [B_REDIRECT] = "redirect",
    [B_WRONG_TYPES] = "wrong-types",
    [B_HUGE] = "huge",
    [B_ENDLESS] = "endless",
    [B_SLOW] = "slow",
    [B_CUTOFF] = "cutoff",
    [B_ESCAPE] = "escape",
    [B_SWALLOW] = "swallow",
    [B_RESET] = "reset",
    [B_CLAIM] = "claim",
    [B_VANISH] = "vanish",
    [B_POWERCUT] = "powercut",
    [B_PENDING] = "pending",
    [B_CONFLICT] = "conflict",
};

/* How long a restart after set-target / recalibrate keeps the node silent. */
#define RESTART_MS 300u

/* The escape-laden string of the issue, JSON-escaped. */
#define EVIL "1\\u001b[2J\\u001b[31mPWN\\u001b[0m\\r\\nok"

size_t hostile_behaviour_count(void)
{
    return B_COUNT;
}

const char *hostile_behaviour_name(size_t index)
{
    return index < B_COUNT ? names[index] : "?";
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_old_image(hostile_image_t *img, const char *reset_reason)
{
    memset(img, 0, sizeof(*img));
    snprintf(img->version, sizeof(img->version), "1.0.0");
    snprintf(img->date, sizeof(img->date), "Jan  1 2026");
    snprintf(img->time, sizeof(img->time), "00:00:00");
    memset(img->elf_sha256, 'a', 64);
    snprintf(img->running, sizeof(img->running), "ota_0");
    snprintf(img->next, sizeof(img->next), "ota_1");
    snprintf(img->ota_state, sizeof(img->ota_state), "VALID");
    snprintf(img->reset_reason, sizeof(img->reset_reason), "%s", reset_reason);
}

int hostile_node_init(hostile_node_t *node, const char *behaviour)
{
    node->behaviour = B_COUNT;
    for (size_t i = 0; i < B_COUNT; i++) {
        if (strcmp(names[i], behaviour) == 0) {
            node->behaviour = i;
        }
    }
    if (node->behaviour == B_COUNT) {
        return -1;
    }
    pthread_mutex_init(&node->lock, NULL);
    node->boot_ms = now_ms();
    set_old_image(&node->image, "POWERON");
    if (node->behaviour == B_PENDING) {
        snprintf(node->image.ota_state, sizeof(node->image.ota_state), "PENDING_VERIFY");
        snprintf(node->image.reset_reason, sizeof(node->image.reset_reason), "SW");
    }
    return 0;
}

static void reply(int fd, int code, const char *reason, const char *type, const char *body)
{
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, reason, type, strlen(body));
    tool_send_all(fd, head, (size_t)n);
    tool_send_all(fd, body, strlen(body));
}

/* Closes with RST instead of FIN: what a node that dies mid-exchange does. */
static void reset_connection(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void status_json(const hostile_image_t *img, uint64_t uptime_ms, char *out, size_t len)
{
    snprintf(out, len,
             "{\"version\":\"%s\",\"date\":\"%s\",\"time\":\"%s\",\"project\":\"esp32-csi-node\","
             "\"idf_ver\":\"v5.2\",\"elf_sha256\":\"%s\",\"chip\":\"esp32s3\","
             "\"running_partition\":\"%s\",\"next_partition\":\"%s\",\"boot_partition\":\"%s\","
             "\"ota_state\":\"%s\",\"max_size\":2097152,\"reset_reason\":\"%s\","
             "\"uptime_ms\":%llu,\"auth\":false}",
             img->version, img->date, img->time, img->elf_sha256, img->running, img->next,
             img->running, img->ota_state, img->reset_reason, (unsigned long long)uptime_ms);
}

/* Reads the rest of the body (up to 16 MiB kept); NULL when the peer left. */
static uint8_t *read_body(int fd, const hostile_request_t *req, size_t *len)
{
    size_t want = req->content_length > (16u << 20) ? (16u << 20) : req->content_length;
    uint8_t *body = malloc(want ? want : 1);
    if (body == NULL) {
        return NULL;
    }
    size_t have = req->early_body_len < want ? req->early_body_len : want;
    memcpy(body, req->head + req->head_len, have);
    while (have < want) {
        ssize_t n = recv(fd, body + have, want - have, 0);
        if (n <= 0) {
            free(body);
            return NULL;
        }
        have += (size_t)n;
    }
    *len = have;
    return body;
}

/* The identity an uploaded image carries, as a node would report it. */
static void identity_of(const uint8_t *body, size_t len, hostile_image_t *out)
{
    set_old_image(out, "SW");
    snprintf(out->version, sizeof(out->version), "unparsable");
    img_info_t info;
    img_error_t err;
    if (img_verify_buffer(body, len, -1, &info, &err) != IMG_OK || !info.has_app_desc) {
        return;
    }
    snprintf(out->version, sizeof(out->version), "%s", info.app_desc.version);
    snprintf(out->date, sizeof(out->date), "%s", info.app_desc.date);
    snprintf(out->time, sizeof(out->time), "%s", info.app_desc.time);
    for (size_t i = 0; i < 32; i++) {
        snprintf(out->elf_sha256 + 2 * i, 3, "%02x", info.app_desc.app_elf_sha256[i]);
    }
    snprintf(out->running, sizeof(out->running), "ota_1");
    snprintf(out->next, sizeof(out->next), "ota_0");
}

/* powercut's timeline after the upload's 200: silent (restarting), the new
 * image PENDING_VERIFY, silent (power lost), the old image after POWERON. */
static bool powercut_state(hostile_node_t *node, uint64_t now, hostile_image_t *img,
                           uint64_t *uptime)
{
    uint64_t p = node->phase_ms;
    uint64_t t = now - node->upload_ms;
    if (t < p || (t >= 3 * p && t < 3 * p + p / 2)) {
        return false;
    }
    if (t < 3 * p) {
        *img = node->uploaded;
        snprintf(img->ota_state, sizeof(img->ota_state), "PENDING_VERIFY");
        *uptime = t - p;
    } else {
        set_old_image(img, "POWERON");
        *uptime = t - 3 * p - p / 2;
    }
    return true;
}

static void handle_status(hostile_node_t *node, int fd)
{
    char body[1024];
    pthread_mutex_lock(&node->lock);
    uint64_t now = now_ms();
    hostile_image_t img = node->image;
    uint64_t uptime = now >= node->boot_ms ? now - node->boot_ms : 0;
    bool answer = !node->gone && now >= node->boot_ms;
    if (node->behaviour == B_POWERCUT && node->upload_ms != 0) {
        answer = powercut_state(node, now, &img, &uptime);
    }
    if (node->behaviour == B_PENDING && uptime >= node->pending_ms) {
        snprintf(img.ota_state, sizeof(img.ota_state), "VALID");
    }
    pthread_mutex_unlock(&node->lock);
    if (!answer) {
        reset_connection(fd);
        return;
    }
    status_json(&img, uptime, body, sizeof(body));
    reply(fd, 200, "OK", "application/json", body);
}

static void handle_upload(hostile_node_t *node, int fd, const hostile_request_t *req)
{
    size_t len = 0;
    uint8_t *body = read_body(fd, req, &len);
    if (body == NULL) {
        return;
    }
    hostile_image_t uploaded;
    identity_of(body, len, &uploaded);
    free(body);
    switch (node->behaviour) {
        case B_SWALLOW: {
            /* The body is read; no reply ever comes. Hold the connection
             * until the client gives up. */
            char sink[256];
            struct timeval forever = {0};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
            while (recv(fd, sink, sizeof(sink), 0) > 0) {
            }
            return;
        }
        case B_ESCAPE:
            reply(fd, 400, "Bad Request", "application/json",
                  "{\"status\":\"error\",\"message\":\"" EVIL "\"}");
            return;
        case B_CLAIM:
        case B_VANISH:
        case B_POWERCUT:
            pthread_mutex_lock(&node->lock);
            node->uploaded = uploaded;
            node->upload_ms = now_ms();
            if (node->behaviour == B_CLAIM) {
                /* The running image changes without a restart: impossible
                 * on a chip, uptime and reset_reason carry on. */
                memcpy(node->image.version, uploaded.version, sizeof(uploaded.version));
                memcpy(node->image.date, uploaded.date, sizeof(uploaded.date));
                memcpy(node->image.time, uploaded.time, sizeof(uploaded.time));
                memcpy(node->image.elf_sha256, uploaded.elf_sha256, sizeof(uploaded.elf_sha256));
            }
            pthread_mutex_unlock(&node->lock);
            reply(fd, 200, "OK", "application/json",
                  "{\"status\":\"ok\",\"message\":\"OTA update successful. Rebooting...\"}");
            if (node->behaviour == B_VANISH) {
                pthread_mutex_lock(&node->lock);
                node->gone = true;
                pthread_mutex_unlock(&node->lock);
            }
            return;
        default:
            reply(fd, 400, "Bad Request", "application/json",
                  "{\"status\":\"error\",\"message\":\"not taking images\"}");
            return;
    }
}

/* set-target and recalibrate: 409 while PENDING_VERIFY, else 200 and a
 * restart (the uptime starts again). */
static void handle_operator(hostile_node_t *node, int fd, const hostile_request_t *req)
{
    size_t len = 0;
    free(read_body(fd, req, &len));
    pthread_mutex_lock(&node->lock);
    uint64_t now = now_ms();
    bool pending = (node->behaviour == B_PENDING || node->behaviour == B_CONFLICT) &&
                   now >= node->boot_ms && now - node->boot_ms < node->pending_ms;
    if (!pending) {
        /* Restarts after the reply, as the firmware does: silent meanwhile. */
        node->boot_ms = now_ms() + RESTART_MS;
        node->pending_ms = 0;
        snprintf(node->image.reset_reason, sizeof(node->image.reset_reason), "SW");
    }
    pthread_mutex_unlock(&node->lock);
    if (pending) {
        fprintf(stderr, "hostile_node: %s %s -> 409 (PENDING_VERIFY)\n", req->method, req->path);
        reply(fd, 409, "Conflict", "application/json",
              "{\"status\":\"error\",\"message\":\"running image not confirmed yet "
              "(PENDING_VERIFY); retry later\"}");
        return;
    }
    fprintf(stderr, "hostile_node: %s %s -> 200 (restarting)\n", req->method, req->path);
    reply(fd, 200, "OK", "application/json",
          node->behaviour == B_ESCAPE ? "{\"status\":\"ok\",\"message\":\"" EVIL "\"}"
                                      : "{\"status\":\"ok\",\"message\":\"rebooting\"}");
}

static void drip(int fd, const char *text, unsigned interval_ms)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     "%zu\r\nConnection: close\r\n\r\n",
                     strlen(text));
    tool_send_all(fd, head, (size_t)n);
    struct timespec ts = {.tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000L};
    for (const char *p = text; *p; p++) {
        if (send(fd, p, 1, MSG_NOSIGNAL) != 1) {
            return;
        }
        nanosleep(&ts, NULL);
    }
}

static void endless(int fd)
{
    const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
    tool_send_all(fd, head, sizeof(head) - 1);
    char chunk[4096 + 16];
    int n = snprintf(chunk, sizeof(chunk), "1000\r\n");
    memset(chunk + n, ' ', 4096);
    memcpy(chunk + n + 4096, "\r\n", 2);
    /* 1 GiB at most: the client is expected to stop long before. */
    for (unsigned i = 0; i < 262144; i++) {
        if (send(fd, chunk, (size_t)n + 4098, MSG_NOSIGNAL) <= 0) {
            return;
        }
    }
}

void hostile_handle(hostile_node_t *node, int fd, const hostile_request_t *req)
{
    bool is_post = strcmp(req->method, "POST") == 0;
    bool is_upload = is_post && strcmp(req->path, "/ota") == 0;
    bool is_operator = is_post && (strcmp(req->path, "/ota/set-target") == 0 ||
                                   strcmp(req->path, "/ota/recalibrate") == 0);
    fprintf(stderr, "hostile_node[%s]: %s %s\n", names[node->behaviour], req->method, req->path);
    char body[1024];
    if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/ota/nonce") == 0) {
        /* A nonce, as a node of ours gives it, for otactl's OTA-HMAC-SHA256
         * header (issue 10): its misbehaviour is in what follows. The MAC
         * is never checked here. */
        reply(fd, 200, "OK", "application/json",
              "{\"nonce\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\",\"expires_ms\":30000,"
              "\"scheme\":\"OTA-HMAC-SHA256\"}");
        return;
    }
    switch (node->behaviour) {
        case B_GARBAGE:
            reply(fd, 200, "OK", "text/html", "<html><body>Router login</body></html>\n");
            return;
        case B_NOT_HTTP:
            tool_send_all(fd, "SSH-2.0-OpenSSH_9.2p1\r\n", 23);
            return;
        case B_HTTP500:
            reply(fd, 500, "Internal Server Error", "application/json",
                  "{\"status\":\"error\",\"message\":\"internal error\"}");
            return;
        case B_REDIRECT: {
            const char r[] = "HTTP/1.1 302 Found\r\nLocation: http://127.0.129.254:1/ota/status\r\n"
                             "Content-Length: 0\r\nConnection: close\r\n\r\n";
            tool_send_all(fd, r, sizeof(r) - 1);
            return;
        }
        case B_WRONG_TYPES:
            reply(fd, 200, "OK", "application/json",
                  "{\"version\":5,\"date\":[],\"time\":\"00:00:00\",\"running_partition\":"
                  "\"ota_0\",\"next_partition\":\"ota_1\",\"max_size\":\"big\"}");
            return;
        case B_HUGE: {
            char head[200];
            int n = snprintf(head, sizeof(head),
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: %u\r\nConnection: close\r\n\r\n",
                             10u << 20);
            tool_send_all(fd, head, (size_t)n);
            char block[4096];
            memset(block, '[', sizeof(block));
            for (unsigned i = 0; i < (10u << 20) / sizeof(block); i++) {
                if (send(fd, block, sizeof(block), MSG_NOSIGNAL) <= 0) {
                    return;
                }
            }
            return;
        }
        case B_ENDLESS:
            endless(fd);
            return;
        case B_SLOW: {
            hostile_image_t img;
            set_old_image(&img, "POWERON");
            status_json(&img, 1000, body, sizeof(body));
        }
            drip(fd, body, 500);
            return;
        case B_CUTOFF: {
            const char r[] =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: 400\r\nConnection: close\r\n\r\n"
                "{\"version\":\"1.0.0\",\"date\":\"Jan  1 2026\",\"time\":\"00:00:00\","
                "\"running_partition\":\"ota_0\"";
            tool_send_all(fd, r, sizeof(r) - 1);
            return;
        }
        case B_ESCAPE:
            if (is_upload) {
                handle_upload(node, fd, req);
            } else if (is_operator) {
                handle_operator(node, fd, req);
            } else if (now_ms() < node->boot_ms) {
                reset_connection(fd); /* restarting */
            } else {
                snprintf(
                    body, sizeof(body),
                    "{\"version\":\"" EVIL "\",\"date\":\"Jan  1 2026\",\"time\":"
                    "\"00:00:00\",\"project\":\"esp32-csi-node\",\"idf_ver\":\"" EVIL
                    "\",\"chip\":\"esp32s3\",\"running_partition\":\"ota_0\","
                    "\"next_partition\":\"ota_1\",\"ota_state\":\"VALID\","
                    "\"reset_reason\":\"SW\",\"max_size\":2097152,\"uptime_ms\":%llu}",
                    (unsigned long long)(now_ms() > node->boot_ms ? now_ms() - node->boot_ms : 0));
                reply(fd, 200, "OK", "application/json", body);
            }
            return;
        case B_RESET:
            reset_connection(fd);
            return;
        default:
            break;
    }
    if (is_upload) {
        handle_upload(node, fd, req);
    } else if (is_operator) {
        handle_operator(node, fd, req);
    } else if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/ota/status") == 0) {
        handle_status(node, fd);
    } else {
        reply(fd, 404, "Not Found", "application/json",
              "{\"status\":\"error\",\"message\":\"no such URI\"}");
    }
}
