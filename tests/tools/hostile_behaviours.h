/*
 * The hostile node's canned behaviours (see hostile_node.c and the
 * catalogue in docs/otactl.md, "Hostile nodes").
 */
#ifndef HOSTILE_BEHAVIOURS_H
#define HOSTILE_BEHAVIOURS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char head[8192];
    size_t head_len;
    size_t early_body_len; /* body bytes read along with the head */
    char method[8];
    char path[256];
    unsigned long long content_length;
} hostile_request_t;

/* What the fake node reports as its running image. */
typedef struct {
    char version[33];
    char date[17];
    char time[17];
    char elf_sha256[65];
    char running[8];
    char next[8];
    char ota_state[16];
    char reset_reason[16];
} hostile_image_t;

typedef struct {
    pthread_mutex_t lock;
    size_t behaviour;
    uint64_t phase_ms;   /* powercut: length of each phase after the upload */
    uint64_t pending_ms; /* pending: how long the running image stays PENDING_VERIFY */
    uint64_t boot_ms;    /* when the current "boot" began (uptime_ms counts from it) */
    uint64_t upload_ms;  /* when an upload was answered; 0 = none yet */
    bool gone;           /* vanish: every connection is reset from now on */
    hostile_image_t image;
    hostile_image_t uploaded; /* the identity of the last image received */
} hostile_node_t;

size_t hostile_behaviour_count(void);
const char *hostile_behaviour_name(size_t index);

/* 0, or -1 for an unknown behaviour name. */
int hostile_node_init(hostile_node_t *node, const char *behaviour);

/* Answers (or refuses to answer) one request on fd. */
void hostile_handle(hostile_node_t *node, int fd, const hostile_request_t *req);

#endif
