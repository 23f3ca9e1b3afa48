/* The client of bench/upload_ingest.sh: sends a file over loopback and
 * times it from the first byte sent to the first line of the reply. The
 * same send loop serves both ends of the comparison:
 *
 *   push_timer tcp  ADDR PORT FILE   raw bytes to tcp_sink, reply "OK"
 *   push_timer http ADDR PORT FILE   POST /ota as the recipe's curl does,
 *                                    without "Expect: 100-continue"
 *
 * The file is read into memory first, so disk reads are not timed.
 * Prints one line: "<microseconds> <first reply line>"; exits 0 when the
 * reply is "OK" (tcp) or an HTTP 200 (http), 1 otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bytes per send(): what curl hands the kernel at a time is of this order. */
#define PUSH_SEND_SIZE (64u * 1024u)

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
        fprintf(stderr, "push_timer: cannot read %s: %s\n", path, strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    unsigned char *buf = malloc((size_t)st.st_size);
    if (buf == NULL || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "push_timer: reading %s failed\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)st.st_size;
    return buf;
}

static int connect_to(const char *addr, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "push_timer: '%s' is not an IPv4 address\n", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "push_timer: cannot connect to %s:%d: %s\n", addr, port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        size_t n = len < PUSH_SEND_SIZE ? len : PUSH_SEND_SIZE;
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            fprintf(stderr, "push_timer: send failed with %zu bytes left: %s\n", len,
                    strerror(errno));
            return false;
        }
        p += w;
        len -= (size_t)w;
    }
    return true;
}

/* Reads until the first '\n' (or the peer closes) into line, without it. */
static bool read_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = recv(fd, line + n, 1, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || line[n] == '\n') {
            break;
        }
        n++;
    }
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n')) {
        n--;
    }
    line[n] = '\0';
    return n > 0;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "http") != 0)) {
        fprintf(stderr, "usage: push_timer tcp|http ADDR PORT FILE\n");
        return 2;
    }
    bool http = strcmp(argv[1], "http") == 0;
    size_t len = 0;
    unsigned char *body = read_file(argv[4], &len);
    if (body == NULL) {
        return 2;
    }
    /* The recipe's credential, for a node that is not open (OTA_PSK). */
    const char *psk = getenv("OTA_PSK");
    char head[512];
    int head_len = 0;
    if (http) {
        head_len = snprintf(head, sizeof(head),
                            "POST /ota HTTP/1.1\r\nHost: %s:%s\r\n"
                            "Content-Type: application/octet-stream\r\n"
                            "%s%s%s"
                            "Content-Length: %zu\r\n\r\n",
                            argv[2], argv[3], psk ? "Authorization: Bearer " : "", psk ? psk : "",
                            psk ? "\r\n" : "", len);
        if (head_len < 0 || (size_t)head_len >= sizeof(head)) {
            fprintf(stderr, "push_timer: OTA_PSK too long\n");
            free(body);
            return 2;
        }
    }
    int fd = connect_to(argv[2], atoi(argv[3]));
    if (fd < 0) {
        free(body);
        return 2;
    }
    char line[256] = "";
    double start = now_us();
    bool sent = send_all(fd, head, (size_t)head_len) && send_all(fd, body, len);
    bool replied = sent && read_line(fd, line, sizeof(line));
    double elapsed = now_us() - start;
    close(fd);
    free(body);
    if (!replied) {
        fprintf(stderr, "push_timer: no reply from %s:%s\n", argv[2], argv[3]);
        return 1;
    }
    printf("%.0f %s\n", elapsed, line);
    bool ok = http ? strncmp(line, "HTTP/1.1 200", 12) == 0 : strcmp(line, "OK") == 0;
    return ok ? 0 : 1;
}
