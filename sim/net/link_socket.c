/*
 * The link model's socket glue (vchip/link.h): recv() and send() of every
 * virtual node come here (-Wl,--wrap, sim/vchip.cmake), as lwIP sits under
 * them on the chip; a socket the virtual esp_http_server has opened to the
 * model is paced, any other passes through. A read waits until the model says the bytes have
 * crossed the air, then takes from the kernel no more than has arrived; what it took reopens the
 * window. The host's loopback is only the wire, its buffers sized like lwIP's (link_listener);
 * SO_RCVTIMEO is honoured as lwIP honours it: no byte within the timeout is EAGAIN.
 *
 * Why in process and not the kernel's shaping (tc in a network namespace):
 * docs/virtual-node.md, "Link model".
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vchip/link.h"

static vchip_link_config_t s_cfg;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000ull),
                          .tv_nsec = (long)(t_ns % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Tells the model how many bytes the real client has handed over. */
static void offer_kernel_bytes(link_model_t *m, int fd, uint64_t now)
{
    int queued = 0;
    if (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0) {
        link_model_offer(m, m->consumed + (uint64_t)queued, now);
    }
}

/* A paced socket, found by its number from under recv() and send(). */
typedef struct {
    int fd;
    link_model_t m;
} link_socket_t;

#define LINK_MAX_FD 4096
static link_socket_t *s_by_fd[LINK_MAX_FD];

static link_socket_t *paced(int fd)
{
    return fd >= 0 && fd < LINK_MAX_FD ? __atomic_load_n(&s_by_fd[fd], __ATOMIC_ACQUIRE) : NULL;
}

static void *link_open(int fd)
{
    if (fd < 0 || fd >= LINK_MAX_FD) {
        return NULL; /* beyond the table: unpaced, as before the model */
    }
    link_socket_t *ls = malloc(sizeof(*ls));
    if (ls != NULL) {
        ls->fd = fd;
        link_model_open(&ls->m, &s_cfg.params, s_cfg.air, now_ns());
        __atomic_store_n(&s_by_fd[fd], ls, __ATOMIC_RELEASE);
    }
    return ls;
}

static void link_close(void *link)
{
    link_socket_t *ls = link;
    __atomic_compare_exchange_n(&s_by_fd[ls->fd], &ls, NULL, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
    free(link);
}

/* The socket's SO_RCVTIMEO in ns; 0: wait forever, as lwIP's recv_timeout. */
static uint64_t receive_timeout_ns(int fd, int flags)
{
    if (flags & MSG_DONTWAIT) {
        return 1; /* do not wait at all */
    }
    struct timeval tv = {0};
    socklen_t len = sizeof(tv);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) != 0) {
        return 0;
    }
    return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
    link_socket_t *ls = paced(fd);
    if (ls == NULL || len == 0) {
        return recvfrom(fd, buf, len, flags, NULL, NULL);
    }
    link_model_t *m = &ls->m;
    uint64_t timeout = receive_timeout_ns(fd, flags);
    uint64_t deadline = timeout ? now_ns() + timeout : UINT64_MAX;
    uint64_t ready;
    for (;;) {
        uint64_t now = now_ns();
        offer_kernel_bytes(m, fd, now);
        ready = link_model_readable(m, now);
        if (ready > 0) {
            break;
        }
        uint64_t next = link_model_next_arrival(m);
        if (next == UINT64_MAX) {
            /* Nothing on its way: the client has not sent more yet. Wait for
             * it in the kernel; an end of stream or an error goes to recv. */
            int wait_ms = -1;
            if (deadline != UINT64_MAX) {
                wait_ms = deadline > now ? (int)((deadline - now + 999999u) / 1000000u) : 0;
            }
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int rc = poll(&p, 1, wait_ms);
            if (rc == 0) {
                errno = EAGAIN;
                return -1;
            }
            int queued = 0;
            if (rc < 0 || ioctl(fd, FIONREAD, &queued) != 0 || queued == 0) {
                return recvfrom(fd, buf, len, flags, NULL, NULL);
            }
            continue;
        }
        if (next > deadline) {
            sleep_until(deadline);
            errno = EAGAIN;
            return -1;
        }
        sleep_until(next);
    }
    if (len > ready) {
        len = (size_t)ready;
    }
    ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
    if (n > 0 && (flags & MSG_PEEK) == 0) {
        link_model_consume(m, (uint64_t)n, now_ns());
    }
    return n;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
    link_socket_t *ls = paced(fd);
    if (ls != NULL && (flags & MSG_DONTWAIT) == 0) {
        sleep_until(link_model_send(&ls->m, len, now_ns()));
    }
    return sendto(fd, buf, len, flags, NULL, 0);
}

/*
 * The kernel under a paced socket is only the wire, but its buffers are
 * not lwIP's: by default a loopback socket takes 64 KiB segments and grows
 * its receive buffer to megabytes, so a client could hand over most of an
 * image while the chip has read a few windows, and then see its upload
 * "sent" long before the chip has it, or finish an upload it had given up
 * on from the kernel's queues. On the chip the sender can be at most
 * TCP_WND beyond what the application read. So the listener (its accepted
 * sockets inherit both) gets the chip's MSS and a receive buffer of two
 * windows: the kernel holds about what lwIP would have in flight, the model
 * still finds a whole window waiting (FIONREAD) when it reopens one.
 */
static void link_listener(int fd)
{
    int mss = (int)s_cfg.params.mss;
    int rcvbuf = (int)(2 * s_cfg.params.tcp_wnd);
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
}

static const vchip_link_ops_t s_ops = {
    .listener = link_listener,
    .open = link_open,
    .close = link_close,
};

const vchip_link_ops_t *vchip_link_socket_ops(void)
{
    return &s_ops;
}

void vchip_link_configure(const vchip_link_config_t *cfg)
{
    s_cfg = *cfg;
    vchip_httpd_set_link_ops(cfg->enabled ? &s_ops : NULL);
}

link_air_t *vchip_link_air_open(const char *path, uint64_t capacity_bps)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 ||
        ((size_t)st.st_size < sizeof(link_air_t) && ftruncate(fd, sizeof(link_air_t)) != 0)) {
        int err = errno;
        close(fd);
        errno = err;
        return NULL;
    }
    link_air_t *air = mmap(NULL, sizeof(*air), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (air == MAP_FAILED) {
        errno = err;
        return NULL;
    }
    __atomic_store_n(&air->capacity_bps, capacity_bps, __ATOMIC_RELEASE);
    return air;
}

link_air_t *vchip_link_air_private(uint64_t capacity_bps)
{
    link_air_t *air =
        mmap(NULL, sizeof(*air), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (air == MAP_FAILED) {
        return NULL;
    }
    air->free_at_ns = 0;
    air->capacity_bps = capacity_bps;
    return air;
}
