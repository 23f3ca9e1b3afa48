/*
 * `ota-node fleet`: N virtual nodes on consecutive loopback addresses.
 * Each node gets a directory with a freshly written flash (partition
 * table, blank otadata, the image in the first OTA slot, written by
 * `ota-node write-flash`'s own code) and its own `ota-node run`
 * supervisor. Loopback only: a fleet must never serve on a real network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node_commands.h"
#include "node_fleet.h"
#include "node_fleet_defaults.h"
#include "otafmt/app_image.h"
#include "otafmt/partition_table.h"

#define LOOPBACK_NET  0x7F000000u /* 127.0.0.0/8 */
#define LOOPBACK_MASK 0xFF000000u

typedef struct {
    char name[32];
    char ip[INET_ADDRSTRLEN];
    char dir[4096];
    char uart[4096 + 32];
    pid_t pid; /* 0 once reaped */
} fleet_node_t;

/* First host address of a loopback CIDR that holds count hosts; -1 with a message. */
static int fleet_first_host(const char *cidr, unsigned count, uint32_t *first)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(cidr, '/');
    char *end;
    long prefix = slash != NULL ? strtol(slash + 1, &end, 10) : -1;
    size_t len = slash != NULL ? (size_t)(slash - cidr) : 0;
    struct in_addr in;
    if (slash == NULL || *end != '\0' || prefix < 0 || prefix > 32 || len >= sizeof(addr)) {
        fprintf(stderr, "ota-node fleet: --subnet wants a.b.c.d/prefix, got '%s'\n", cidr);
        return -1;
    }
    memcpy(addr, cidr, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &in) != 1) {
        fprintf(stderr, "ota-node fleet: --subnet wants a.b.c.d/prefix, got '%s'\n", cidr);
        return -1;
    }
    uint32_t ip = ntohl(in.s_addr);
    if (prefix < 8 || (ip & LOOPBACK_MASK) != LOOPBACK_NET) {
        fprintf(stderr,
                "ota-node fleet: %s is not inside 127.0.0.0/8; a fleet serves only on "
                "loopback addresses, never on a real interface\n",
                cidr);
        return -1;
    }
    uint32_t mask = prefix == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> prefix);
    uint64_t hosts = prefix >= 31 ? 0 : (1ull << (32 - prefix)) - 2; /* minus network, broadcast */
    if (count > hosts) {
        fprintf(stderr, "ota-node fleet: %s has %llu host addresses, %u nodes asked\n", cidr,
                (unsigned long long)hosts, count);
        return -1;
    }
    *first = (ip & mask) + 1;
    return 0;
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf == NULL) {
        buf = calloc(1, 1);
    } else {
        buf[len] = '\0';
    }
    return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && n == len) ? 0 : -1;
}

/* Where write-flash puts each piece, decided from the partition table. */
typedef struct {
    char table_path[4096];
    char otadata_path[4096];
    char table_addr[16];
    char otadata_addr[16];
    char app_addr[16];
} fleet_layout_t;

/* Writes DIR/partition-table.bin and DIR/ota_data_initial.bin (as idf.py
 * build names them) and finds the first OTA slot. 0, or -1 with a message. */
static int fleet_prepare_layout(const fleet_opts_t *o, fleet_layout_t *lay)
{
    char *csv = o->partitions != NULL ? read_text_file(o->partitions) : NULL;
    if (o->partitions != NULL && csv == NULL) {
        fprintf(stderr, "ota-node fleet: cannot read %s: %s\n", o->partitions, strerror(errno));
        return -1;
    }
    const char *origin = o->partitions != NULL ? o->partitions : node_default_partitions_origin;
    ptable_t table;
    char err[256];
    int rc =
        ptable_from_csv(csv != NULL ? csv : node_default_partitions_csv, &table, err, sizeof(err));
    free(csv);
    if (rc != 0) {
        fprintf(stderr, "ota-node fleet: %s: %s\n", origin, err);
        return -1;
    }
    const ptable_entry_t *otadata =
        ptable_find(&table, PTABLE_TYPE_DATA, PTABLE_SUBTYPE_DATA_OTA, NULL);
    /* Where `idf.py flash` writes the app: the partition the bootloader
     * boots from blank otadata, factory when there is one, else ota_0
     * (gen_esp32part.py's --partition-boot-default, v5.2). */
    const ptable_entry_t *app =
        ptable_find(&table, PTABLE_TYPE_APP, PTABLE_SUBTYPE_APP_FACTORY, NULL);
    bool has_ota_slot = false;
    for (unsigned sub = PTABLE_SUBTYPE_APP_OTA_MIN; sub <= PTABLE_SUBTYPE_APP_OTA_MAX; sub++) {
        const ptable_entry_t *slot = ptable_find(&table, PTABLE_TYPE_APP, (uint8_t)sub, NULL);
        if (slot != NULL) {
            has_ota_slot = true;
            app = app != NULL ? app : slot;
        }
    }
    if (otadata == NULL || !has_ota_slot) {
        fprintf(stderr,
                "ota-node fleet: %s has no %s partition; an OTA fleet needs otadata "
                "and at least ota_0\n",
                origin, otadata == NULL ? "otadata" : "ota_0");
        return -1;
    }
    struct stat st;
    if (stat(o->image, &st) != 0) {
        fprintf(stderr, "ota-node fleet: cannot read image %s: %s\n", o->image, strerror(errno));
        return -1;
    }
    if ((uint64_t)st.st_size > app->size) {
        fprintf(stderr, "ota-node fleet: image %s (%lld bytes) is larger than %s (%u bytes)\n",
                o->image, (long long)st.st_size, app->label, (unsigned)app->size);
        return -1;
    }
    /* A fleet whose every node has nothing to boot is never what was meant
     * (a partition table or a bootloader given as --image, an image for
     * another chip): the bootloader would refuse it on every node. */
    img_info_t info;
    img_error_t img_err;
    if (img_verify_file(o->image, IMG_CHIP_ESP32S3, &info, &img_err) != IMG_OK) {
        fprintf(stderr,
                "ota-node fleet: %s is not an ESP32-S3 app image the bootloader would boot: %s "
                "(give an app's .bin, e.g. from otactl image build)\n",
                o->image, img_err.message);
        return -1;
    }

    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&table, bin);
    uint8_t *blank = malloc(otadata->size);
    if (blank == NULL) {
        return -1;
    }
    memset(blank, 0xFF, otadata->size); /* ota_data_initial.bin: erased flash */
    snprintf(lay->table_path, sizeof(lay->table_path), "%s/partition-table.bin", o->dir);
    snprintf(lay->otadata_path, sizeof(lay->otadata_path), "%s/ota_data_initial.bin", o->dir);
    rc = write_file(lay->table_path, bin, sizeof(bin));
    rc = rc == 0 ? write_file(lay->otadata_path, blank, otadata->size) : rc;
    free(blank);
    if (rc != 0) {
        fprintf(stderr, "ota-node fleet: cannot write into %s: %s\n", o->dir, strerror(errno));
        return -1;
    }
    snprintf(lay->table_addr, sizeof(lay->table_addr), "0x%x", PTABLE_OFFSET);
    snprintf(lay->otadata_addr, sizeof(lay->otadata_addr), "0x%x", (unsigned)otadata->offset);
    snprintf(lay->app_addr, sizeof(lay->app_addr), "0x%x", (unsigned)app->offset);
    return 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST) {
        return 0;
    }
    fprintf(stderr, "ota-node fleet: cannot create %s: %s\n", path, strerror(errno));
    return -1;
}

/* Runs one of ota-node's provisioning commands in this process. Their
 * reports go to standard error: standard output is the node list. */
static int run_provisioning(int (*command)(int, char **), int argc, char **argv)
{
    optind = 0; /* each command parses its options afresh */
    fflush(stdout);
    int saved_stdout = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    int rc = command(argc, argv);
    fflush(stdout);
    if (saved_stdout >= 0) {
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
    }
    return rc;
}

/* Flashes one node with write-flash's own code, then stores the --nvs
 * values with nvs-set's, as a user provisioning it by hand would. */
static int fleet_provision_node(const fleet_opts_t *o, const fleet_layout_t *lay, fleet_node_t *n)
{
    char *flash[] = {
        "write-flash",
        "--dir",
        n->dir,
        (char *)lay->table_addr,
        (char *)lay->table_path,
        (char *)lay->otadata_addr,
        (char *)lay->otadata_path,
        (char *)lay->app_addr,
        (char *)o->image,
        NULL,
    };
    if (run_provisioning(node_cmd_write_flash, (int)(sizeof(flash) / sizeof(flash[0])) - 1,
                         flash) != 0) {
        fprintf(stderr, "ota-node fleet: writing the flash of %s failed\n", n->name);
        return -1;
    }
    for (unsigned i = 0; i < o->nvs_count; i++) {
        const fleet_nvs_t *v = &o->nvs[i];
        char *set[] = {
            "nvs-set",     "--dir",        n->dir,           "--type", (char *)v->type,
            (char *)v->ns, (char *)v->key, (char *)v->value, NULL,
        };
        if (run_provisioning(node_cmd_nvs_set, (int)(sizeof(set) / sizeof(set[0])) - 1, set) != 0) {
            fprintf(stderr, "ota-node fleet: storing %s/%s in the NVS of %s failed\n", v->ns,
                    v->key, n->name);
            return -1;
        }
    }
    return 0;
}

static pid_t fleet_start_node(const fleet_opts_t *o, const fleet_node_t *n)
{
    pid_t fleet = getpid();
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    /* The run supervisor stops (and powers its chip off) with the fleet. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != fleet) {
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *argv[32];
    int argc = 0;
    argv[argc++] = "ota-node";
    argv[argc++] = "run";
    argv[argc++] = "--dir";
    argv[argc++] = (char *)n->dir;
    argv[argc++] = "--bind";
    argv[argc++] = (char *)n->ip;
    argv[argc++] = "--uart";
    argv[argc++] = (char *)n->uart;
    if (o->boot_delay != NULL) {
        argv[argc++] = "--boot-delay";
        argv[argc++] = (char *)o->boot_delay;
    }
    if (o->flash_timing != NULL) {
        argv[argc++] = "--flash-timing";
        argv[argc++] = (char *)o->flash_timing;
    }
    if (o->no_stale_tail_panic) {
        argv[argc++] = "--no-stale-tail-panic";
    }
    argc = node_link_argv(&o->link, argv, argc);
    argv[argc] = NULL;
    execv("/proc/self/exe", argv);
    fprintf(stderr, "ota-node fleet: cannot start ota-node run: %s\n", strerror(errno));
    _exit(127);
}

static void fleet_stop_all(fleet_node_t *nodes, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        if (nodes[i].pid > 0) {
            kill(nodes[i].pid, SIGTERM);
        }
    }
    for (unsigned i = 0; i < count; i++) {
        if (nodes[i].pid > 0) {
            waitpid(nodes[i].pid, NULL, 0);
            nodes[i].pid = 0;
        }
    }
}

static int fleet_write_tsv(const char *dir, const fleet_node_t *nodes, unsigned count)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fleet.tsv", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "ota-node fleet: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# node\tip\tport\tpid\tdir\tuart\n");
    for (unsigned i = 0; i < count; i++) {
        fprintf(f, "%s\t%s\t8032\t%d\t%s\t%s\n", nodes[i].name, nodes[i].ip, (int)nodes[i].pid,
                nodes[i].dir, nodes[i].uart);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Waits for SIGTERM/SIGINT; reports nodes that end on their own. */
static int fleet_wait(fleet_node_t *nodes, unsigned count, const sigset_t *wait_set)
{
    unsigned alive = count;
    while (alive > 0) {
        int sig = sigwaitinfo(wait_set, NULL);
        if (sig == SIGCHLD) {
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                for (unsigned i = 0; i < count; i++) {
                    if (nodes[i].pid == pid) {
                        fprintf(stderr, "ota-node fleet: %s (%s, pid %d) stopped on its own\n",
                                nodes[i].name, nodes[i].ip, (int)pid);
                        nodes[i].pid = 0;
                        alive--;
                    }
                }
            }
        } else if (sig > 0) {
            fleet_stop_all(nodes, count);
            return 0;
        }
    }
    fprintf(stderr, "ota-node fleet: every node has stopped\n");
    return 1;
}

/* Names, addresses, directories and UART files of the nodes; provisions
 * each one. 0, or the exit code (2 for a bad table or image, 1 when a node
 * cannot be written) with a message. */
static int fleet_provision(const fleet_opts_t *o, uint32_t first, fleet_node_t *nodes)
{
    fleet_layout_t lay;
    if (fleet_prepare_layout(o, &lay) != 0) {
        return 2;
    }
    for (unsigned i = 0; i < o->count; i++) {
        fleet_node_t *n = &nodes[i];
        snprintf(n->name, sizeof(n->name), "node-%u", i + 1);
        struct in_addr in = {.s_addr = htonl(first + i)};
        inet_ntop(AF_INET, &in, n->ip, sizeof(n->ip));
        snprintf(n->dir, sizeof(n->dir), "%s/%s", o->dir, n->name);
        if (o->uart_dir != NULL) {
            /* otactl deploy --uart-dir finds a node's capture by its IP */
            snprintf(n->uart, sizeof(n->uart), "%s/%s.log", o->uart_dir, n->ip);
        } else {
            snprintf(n->uart, sizeof(n->uart), "%s/uart.log", n->dir);
        }
        if (make_dir(n->dir) != 0 || fleet_provision_node(o, &lay, n) != 0) {
            return 1;
        }
    }
    return 0;
}

/* Starts every node, lists them, and waits for the end. The exit code. */
static int fleet_run(const fleet_opts_t *o, fleet_node_t *nodes)
{
    sigset_t wait_set;
    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGCHLD);
    sigaddset(&wait_set, SIGTERM);
    sigaddset(&wait_set, SIGINT);
    sigaddset(&wait_set, SIGHUP);
    sigprocmask(SIG_BLOCK, &wait_set, NULL);
    for (unsigned i = 0; i < o->count; i++) {
        nodes[i].pid = fleet_start_node(o, &nodes[i]);
        if (nodes[i].pid < 0) {
            fprintf(stderr, "ota-node fleet: cannot start %s: %s\n", nodes[i].name,
                    strerror(errno));
            nodes[i].pid = 0;
            fleet_stop_all(nodes, o->count);
            return 1;
        }
        printf("%s %s %d\n", nodes[i].name, nodes[i].ip, (int)nodes[i].pid);
    }
    fleet_psk_summary(o);
    fflush(stdout);
    if (fleet_write_tsv(o->dir, nodes, o->count) != 0) {
        fleet_stop_all(nodes, o->count);
        return 1;
    }
    return fleet_wait(nodes, o->count, &wait_set);
}

/* One access point for the whole fleet: a fresh DIR/air.bin every node
 * maps (vchip/link.h), so their uploads share its capacity. */
static int fleet_prepare_air(fleet_opts_t *o)
{
    if (!node_link_enabled(&o->link) || node_link_air_bps(&o->link) == 0) {
        return 0;
    }
    snprintf(o->air_path, sizeof(o->air_path), "%s/air.bin", o->dir);
    if (unlink(o->air_path) != 0 && errno != ENOENT) {
        fprintf(stderr, "ota-node fleet: cannot replace %s: %s\n", o->air_path, strerror(errno));
        return -1;
    }
    o->link.air_file = o->air_path;
    return 0;
}

static int fleet_main(fleet_opts_t *o)
{
    uint32_t first;
    if (fleet_first_host(o->subnet, o->count, &first) != 0 || make_dir(o->dir) != 0 ||
        (o->uart_dir != NULL && make_dir(o->uart_dir) != 0) || fleet_prepare_air(o) != 0 ||
        fleet_psk_provision(o) != 0) {
        return 2;
    }
    fleet_node_t *nodes = calloc(o->count, sizeof(*nodes));
    if (nodes == NULL) {
        fprintf(stderr, "ota-node fleet: out of memory\n");
        return 1;
    }
    int rc = fleet_provision(o, first, nodes);
    if (rc == 0) {
        rc = fleet_run(o, nodes);
    }
    free(nodes);
    return rc;
}

int node_cmd_fleet(int argc, char **argv)
{
    fleet_opts_t o;
    int rc = fleet_parse_options(argc, argv, &o);
    if (rc == 0) {
        rc = fleet_main(&o);
    } else {
        rc = rc == 1 ? 0 : 2; /* 1: help was printed */
    }
    fleet_opts_free(&o);
    return rc;
}
