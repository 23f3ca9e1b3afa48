/*
 * `ota-node run`: the power supply and reset circuit of one virtual chip
 * (process model in vchip/chip.h). Every boot is a forked child that runs
 * the bootloader and then the firmware's app_main; when the child ends,
 * its wait status says why (vchip_reason_from_wait_status) and the next
 * boot is powered with that reason, as the RTC domain remembers it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node_commands.h"
#include "node_firmware_build.h"
#include "node_link_options.h"
#include "node_reset.h"
#include "node_uart.h"
#include "sdkconfig.h"
#include "stale_tail.h"
#include "vchip/chip.h"
#include "vchip_rtos.h"
#include "vchip_state.h"

/* The firmware's entry point (firmware/esp32-csi-node/main/main.c). */
void app_main(void);

#define DEFAULT_BOOT_DELAY_MS NODE_DEFAULT_BOOT_DELAY_MS
#define DEFAULT_BIND          "127.0.0.1"

typedef struct {
    const char *dir;
    const char *bind;
    uint16_t port; /* 0: the firmware's own server_port */
    const char *uart;
    unsigned boot_delay_ms;
    uint64_t power_cut_at;
    uint64_t brownout_at;
    const char *flash_trace;
    uint64_t *flash_op_tally; /* shared with every boot: the power-cut clock */
    int flash_trace_fd;
    double flash_timing;
    bool flash_timing_set;
    node_link_opts_t link;
    link_air_t *air; /* the access point's airtime, shared with every boot */
    bool no_stale_tail_panic;
    bool no_rollback;
    uint64_t hang_upload_after;
    bool drop_ota_posts;
} run_opts_t;

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node run --dir DIR [--bind IPv4] [--port PORT] [--uart FILE|pty|-]\n"
            "                    [--boot-delay MS] [--power-cut-at N | --brownout-at N]\n"
            "                    [--flash-timing SCALE] [--flash-trace FILE]\n"
            "                    [--no-stale-tail-panic] [--no-rollback]\n"
            "                    [--hang-upload-after BYTES] [--drop-ota-posts]\n"
            "                    [--timing real|off] [--link-rtt MS] [--link-goodput KiB/s]\n"
            "                    [--tcp-wnd BYTES] [--air-capacity KiB/s] [--air-file FILE]\n"
            "\n"
            "Powers on the virtual ESP32-S3 whose flash is DIR/flash.bin and keeps it\n"
            "running: the bootloader picks a slot from otadata, the firmware's app_main\n"
            "runs, and every esp_restart(), panic, watchdog or modelled power event\n"
            "reboots the chip with the matching reset reason. Each boot is a child\n"
            "process; this process is the power supply and reset circuit.\n"
            "\n"
            "  --dir DIR            node directory (flash.bin; see ota-node write-flash)\n"
            "  --bind IPv4          the WiFi station's address, where the firmware's HTTP\n"
            "                       server listens (default %s; give each node its own\n"
            "                       127.x.y.z). A loopback address only; one that is not,\n"
            "                       or an address:port already bound, is a usage error\n"
            "                       (exit 2), checked before the chip powers on\n"
            "  --port PORT          serve on PORT instead of the port the firmware\n"
            "                       configures (8032). A virtual-node convenience: the\n"
            "                       firmware still sets server_port itself\n"
            "  --uart FILE|pty|-    where UART0 goes: '-' standard output (default), a\n"
            "                       FILE (appended across reboots), or 'pty': a new\n"
            "                       pseudo-terminal, announced as 'uart: /dev/pts/N' on\n"
            "                       standard error, read like a USB-serial port at\n"
            "                       115200 8N1; it stays the same device across reboots\n"
            "  --boot-delay MS      time from reset to the bootloader's first line\n"
            "                       (default %d)\n"
            "  --power-cut-at N     model: cut the power at the Nth flash program/erase\n"
            "                       operation, counted from the first power-on across\n"
            "                       every boot of this supervisor (ops of later boots\n"
            "                       count on: a cut can land after an update's reboot);\n"
            "                       the chip then boots again with reset reason POWERON\n"
            "  --brownout-at N      model: as --power-cut-at, but the supply browns out\n"
            "                       and the next boot reports BROWNOUT\n"
            "  --flash-timing SCALE model: flash operations take SCALE times the typical\n"
            "                       time of a real SPI NOR chip (default 0: no delay)\n"
            "  --flash-trace FILE   model: append one line per flash program/erase\n"
            "                       operation to FILE: its number on the --power-cut-at\n"
            "                       clock, program|erase, address, length\n"
            "  --no-stale-tail-panic  turn off the stale-tail model (recipe fix A), on by\n"
            "                       default: an app whose slot holds non-erased bytes past\n"
            "                       its image end (an older, larger image's tail left by\n"
            "                       OTA_WITH_SEQUENTIAL_WRITES) panics at boot with a Guru\n"
            "                       Meditation (IllegalInstruction) and the bootloader\n"
            "                       rolls back\n"
            "  --no-rollback        model: a bootloader built without\n"
            "                       CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE; an image that\n"
            "                       crashes is booted again and again (panic loop)\n"
            "  --hang-upload-after BYTES  model: a handler that hangs mid-upload; once a\n"
            "                       request has delivered BYTES body bytes, httpd_req_recv\n"
            "                       spins, and the task watchdog resets the chip after\n"
            "                       %d s (reset reason TASK_WDT)\n"
            "  --drop-ota-posts     model: a network or proxy that loses uploads; every\n"
            "                       connection carrying POST /ota is closed before the\n"
            "                       firmware sees it (the node stays as it was)\n"
            "%s"
            "  -h, --help           this help\n"
            "\n"
            "Standard error gets one line per boot with its reset reason; the UART gets\n"
            "what the chip prints. SIGTERM or SIGINT powers the chip off and exits 0.\n"
            "\n"
            "example:\n"
            "  ota-node run --dir node1 --bind 127.0.9.1 --uart pty\n"
            "  curl http://127.0.9.1:8032/ota/status\n",
            DEFAULT_BIND, DEFAULT_BOOT_DELAY_MS, CONFIG_ESP_TASK_WDT_TIMEOUT_S, node_link_usage);
    fprintf(out, "\nfirmware build of this executable: %s\n", node_firmware_build());
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0' || *s == '-') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* 0 to run, 1 when help was printed, 2 on a usage error (message printed). */
static int parse_run_options(int argc, char **argv, run_opts_t *o)
{
    enum {
        OPT_DIR = 256,
        OPT_BIND,
        OPT_PORT,
        OPT_UART,
        OPT_DELAY,
        OPT_CUT,
        OPT_BROWN,
        OPT_TIMING,
        OPT_TRACE,
        OPT_NO_STALE,
        OPT_NO_ROLLBACK,
        OPT_HANG,
        OPT_DROP,
    };
    static const struct option options[] = {
        {"dir", required_argument, NULL, OPT_DIR},
        {"bind", required_argument, NULL, OPT_BIND},
        {"port", required_argument, NULL, OPT_PORT},
        {"uart", required_argument, NULL, OPT_UART},
        {"boot-delay", required_argument, NULL, OPT_DELAY},
        {"power-cut-at", required_argument, NULL, OPT_CUT},
        {"brownout-at", required_argument, NULL, OPT_BROWN},
        {"flash-timing", required_argument, NULL, OPT_TIMING},
        {"flash-trace", required_argument, NULL, OPT_TRACE},
        {"no-stale-tail-panic", no_argument, NULL, OPT_NO_STALE},
        {"no-rollback", no_argument, NULL, OPT_NO_ROLLBACK},
        {"hang-upload-after", required_argument, NULL, OPT_HANG},
        {"drop-ota-posts", no_argument, NULL, OPT_DROP},
        NODE_LINK_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (run_opts_t){.bind = DEFAULT_BIND, .uart = "-", .boot_delay_ms = DEFAULT_BOOT_DELAY_MS};
    optind = 0; /* glibc: a full restart of getopt, whatever ran before */
    opterr = 0;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
            case 'h':
                run_usage(stdout);
                return 1;
            case OPT_DIR:
                o->dir = optarg;
                break;
            case OPT_BIND:
                o->bind = optarg;
                break;
            case OPT_PORT:
                if (!parse_uint(optarg, 65535, &v) || v == 0) {
                    fprintf(stderr, "ota-node run: --port wants 1..65535, got '%s'\n", optarg);
                    return 2;
                }
                o->port = (uint16_t)v;
                break;
            case OPT_UART:
                o->uart = optarg;
                break;
            case OPT_DELAY:
                if (!parse_uint(optarg, 3600000, &v)) {
                    fprintf(stderr, "ota-node run: --boot-delay wants milliseconds, got '%s'\n",
                            optarg);
                    return 2;
                }
                o->boot_delay_ms = (unsigned)v;
                break;
            case OPT_CUT:
            case OPT_BROWN:
                if (!parse_uint(optarg, UINT64_MAX, &v) || v == 0) {
                    fprintf(stderr,
                            "ota-node run: %s wants a flash operation number >= 1, got '%s'\n",
                            c == OPT_CUT ? "--power-cut-at" : "--brownout-at", optarg);
                    return 2;
                }
                *(c == OPT_CUT ? &o->power_cut_at : &o->brownout_at) = v;
                break;
            case OPT_TIMING: {
                char *end;
                o->flash_timing = strtod(optarg, &end);
                if (*end != '\0' || !(o->flash_timing >= 0)) {
                    fprintf(stderr, "ota-node run: --flash-timing wants a scale >= 0, got '%s'\n",
                            optarg);
                    return 2;
                }
                o->flash_timing_set = true;
                break;
            }
            case OPT_TRACE:
                o->flash_trace = optarg;
                break;
            case OPT_NO_STALE:
                o->no_stale_tail_panic = true;
                break;
            case OPT_NO_ROLLBACK:
                o->no_rollback = true;
                break;
            case OPT_HANG:
                if (!parse_uint(optarg, UINT64_MAX, &v) || v == 0) {
                    fprintf(stderr,
                            "ota-node run: --hang-upload-after wants a byte count >= 1, got '%s'\n",
                            optarg);
                    return 2;
                }
                o->hang_upload_after = v;
                break;
            case OPT_DROP:
                o->drop_ota_posts = true;
                break;
            case NODE_LINK_OPT_TIMING:
            case NODE_LINK_OPT_RTT:
            case NODE_LINK_OPT_GOODPUT:
            case NODE_LINK_OPT_WND:
            case NODE_LINK_OPT_AIR:
            case NODE_LINK_OPT_AIR_FILE:
                if (node_link_option("run", c, optarg, &o->link) != 0) {
                    return 2;
                }
                break;
            default:
                fprintf(stderr, "ota-node run: unknown or incomplete option '%s' (see --help)\n",
                        argv[optind - 1]);
                return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ota-node run: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (o->dir == NULL) {
        fprintf(stderr, "ota-node run: --dir DIR is required (see --help)\n");
        return 2;
    }
    if (o->power_cut_at != 0 && o->brownout_at != 0) {
        fprintf(stderr, "ota-node run: choose one of --power-cut-at and --brownout-at\n");
        return 2;
    }
    if (o->link.timing_real && !o->flash_timing_set) {
        o->flash_timing = 1.0; /* a real SPI NOR chip's typical times */
    }
    return 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The UART shows only what the chip prints; the supervisor's standard
 * error says why the stale-tail model is about to crash this boot. */
static void explain_stale_tail(const run_opts_t *o)
{
    stale_tail_t tail;
    if (o->no_stale_tail_panic || vchip_running_stale_tail(&tail) != ESP_OK || !tail.found) {
        return;
    }
    fprintf(stderr,
            "ota-node run [%s]: model: %s holds %u stale bytes past its image end (first at "
            "offset 0x%x, image ends at 0x%x): the app panics at boot (--no-stale-tail-panic "
            "turns this model off)\n",
            o->bind, vchip_running_partition()->label, (unsigned)tail.stale_bytes,
            (unsigned)tail.first_stale, (unsigned)tail.image_len);
}

/* One boot, in the child: the chip from reset to app_main, forever. */
static void __attribute__((noreturn))
chip_boot(const run_opts_t *o, int uart_fd, esp_reset_reason_t reason, bool cut_armed)
{
    vchip_timer_power_on();
    signal(SIGPIPE, SIG_IGN); /* a UART or socket whose reader left must not end the chip */
    sleep_ms(o->boot_delay_ms);
    vchip_boot_config_t cfg = {
        .dir = o->dir,
        .reset_reason = reason,
        .uart_fd = uart_fd,
        .ip = o->bind,
        .power_cut_at = cut_armed ? (o->power_cut_at ? o->power_cut_at : o->brownout_at) : 0,
        .flash_op_tally = o->flash_op_tally,
        .flash_trace_fd = o->flash_trace_fd,
        .power_cut_reason = o->brownout_at ? ESP_RST_BROWNOUT : ESP_RST_POWERON,
        .flash_timing_scale = o->flash_timing,
        .no_stale_tail_panic = o->no_stale_tail_panic,
        .no_rollback = o->no_rollback,
    };
    if (vchip_power_on(&cfg) == ESP_OK) {
        vchip_httpd_set_port_override(o->port);
        vchip_httpd_set_hang_after(o->hang_upload_after);
        vchip_httpd_set_drop_ota_posts(o->drop_ota_posts);
        vchip_link_config_t link = {.enabled = node_link_enabled(&o->link), .air = o->air};
        node_link_params(&o->link, &link.params);
        vchip_link_configure(&link);
        explain_stale_tail(o); /* the supervisor's words, on its standard error */
        vchip_console_attach();
        vchip_app_start();
        if (vchip_main_task_start(app_main) != 0) {
            vchip_panic("cannot start the main task");
        }
    }
    /* After app_main the scheduler keeps the chip running; with nothing
     * bootable the chip sits silent until the next reset. */
    for (;;) {
        pause();
    }
}

/* What the panic handler would have printed had the chip seen its crash. */
static void report_crash_on_uart(int uart_fd, int wait_status)
{
    char cause[128];
    node_describe_wait_status(wait_status, cause, sizeof(cause));
    dprintf(uart_fd,
            "\r\nGuru Meditation Error: Core  0 panic'ed (firmware process %s). "
            "Exception was unhandled.\r\n\r\nRebooting...\r\n",
            cause);
}

/* The power-cut clock lives in memory every boot (a forked child) shares
 * with this process, so flash ops count on across reboots. */
static int open_power_cut_clock(run_opts_t *o)
{
    o->flash_op_tally =
        mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (o->flash_op_tally == MAP_FAILED) {
        fprintf(stderr, "ota-node run: cannot map the flash op counter: %s\n", strerror(errno));
        return -1;
    }
    *o->flash_op_tally = 0;
    o->flash_trace_fd = -1;
    if (o->flash_trace) {
        o->flash_trace_fd = open(o->flash_trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (o->flash_trace_fd < 0) {
            fprintf(stderr, "ota-node run: cannot open --flash-trace %s: %s\n", o->flash_trace,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The air outlives every boot: a fleet's is a file all its nodes map, a
 * lone node's is its own. */
static int open_air(run_opts_t *o)
{
    uint64_t capacity = node_link_air_bps(&o->link);
    if (!node_link_enabled(&o->link) || capacity == 0) {
        return 0;
    }
    o->air = o->link.air_file ? vchip_link_air_open(o->link.air_file, capacity)
                              : vchip_link_air_private(capacity);
    if (o->air == NULL) {
        fprintf(stderr, "ota-node run: cannot map the air %s: %s\n",
                o->link.air_file ? o->link.air_file : "(private)", strerror(errno));
        return -1;
    }
    return 0;
}

static int supervise(const run_opts_t *o, node_uart_t *uart)
{
    sigset_t wait_set, old_set;
    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGCHLD);
    sigaddset(&wait_set, SIGTERM);
    sigaddset(&wait_set, SIGINT);
    sigaddset(&wait_set, SIGHUP);
    sigprocmask(SIG_BLOCK, &wait_set, &old_set);

    pid_t supervisor = getpid();
    esp_reset_reason_t reason = ESP_RST_POWERON;
    bool cut_armed = o->power_cut_at != 0 || o->brownout_at != 0;
    char previous[160] = "";
    for (unsigned boot = 1;; boot++) {
        fprintf(stderr, "ota-node run [%s]: boot %u: reset reason %s%s (flash ops so far: %llu)\n",
                o->bind, boot, node_reset_reason_name(reason), previous,
                (unsigned long long)__atomic_load_n(o->flash_op_tally, __ATOMIC_SEQ_CST));
        pid_t chip = fork();
        if (chip < 0) {
            fprintf(stderr, "ota-node run: cannot fork the chip: %s\n", strerror(errno));
            return 1;
        }
        if (chip == 0) {
            sigprocmask(SIG_SETMASK, &old_set, NULL);
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* no chip outlives its power supply */
            if (getppid() != supervisor) {
                _exit(0);
            }
            chip_boot(o, uart->fd, reason, cut_armed);
        }

        int status = 0;
        for (;;) {
            int sig = sigwaitinfo(&wait_set, NULL);
            if (sig == SIGCHLD) {
                if (waitpid(chip, &status, WNOHANG) == chip) {
                    break;
                }
                continue;
            }
            if (sig < 0) {
                continue; /* EINTR */
            }
            kill(chip, SIGKILL); /* power off */
            waitpid(chip, NULL, 0);
            fprintf(stderr, "ota-node run [%s]: powered off (%s)\n", o->bind, strsignal(sig));
            return 0;
        }

        reason = vchip_reason_from_wait_status(status);
        bool chip_reset = node_wait_status_is_chip_reset(status);
        if (!chip_reset) {
            report_crash_on_uart(uart->fd, status);
        }
        if (cut_armed && chip_reset && (reason == ESP_RST_POWERON || reason == ESP_RST_BROWNOUT)) {
            cut_armed = false; /* the modelled power event happened once */
        }
        char how[96];
        node_describe_wait_status(status, how, sizeof(how));
        snprintf(previous, sizeof(previous), " (boot %u ended: %s)", boot, how);
    }
}

/* The port the firmware serves on, unless --port overrides it; 0 when the
 * firmware names none (an app that is not ours). */
static uint16_t served_port(const run_opts_t *o)
{
    if (o->port != 0) {
        return o->port;
    }
#ifdef CONFIG_OTA_HTTP_PORT
    return CONFIG_OTA_HTTP_PORT;
#else
    return 0;
#endif
}

/* Binds the node's address and port as its server will (SO_REUSEADDR,
 * like the virtual esp_http_server) and lets go at once: a usage error now
 * is clearer than a firmware that cannot start its server later. False,
 * with the reason in why, when the address is taken or not on this host. */
static bool address_free(const char *ip, uint16_t port, char *why, size_t why_size)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
        snprintf(why, why_size, "--bind wants an IPv4 address, got '%s'", ip);
        return false;
    }
    /* A virtual node answers OTA requests like a real one: on an address
     * other hosts can reach it would be a node anyone on the LAN can see,
     * discover and deploy to. */
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
        snprintf(why, why_size, "--bind %s is not a loopback address (use 127.x.y.z)", ip);
        return false;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return true; /* cannot tell; the firmware will say */
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    int err = errno;
    close(fd);
    if (rc == 0) {
        return true;
    }
    if (err == EADDRINUSE) {
        snprintf(why, why_size,
                 "%s:%u is already in use (another node or program listens there); "
                 "choose another --bind address or stop it",
                 ip, (unsigned)port);
    } else if (err == EADDRNOTAVAIL) {
        snprintf(why, why_size, "%s is not an address of this host (use 127.x.y.z)", ip);
    } else {
        snprintf(why, why_size, "cannot bind %s:%u: %s", ip, (unsigned)port, strerror(err));
    }
    return false;
}

int node_cmd_run(int argc, char **argv)
{
    run_opts_t o;
    int rc = parse_run_options(argc, argv, &o);
    if (rc != 0) {
        return rc == 1 ? 0 : 2;
    }
    struct stat st;
    if (stat(o.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "ota-node run: node directory %s does not exist (create it with "
                "ota-node write-flash --dir %s ...)\n",
                o.dir, o.dir);
        return 2;
    }
    char flash_path[4096];
    snprintf(flash_path, sizeof(flash_path), "%s/flash.bin", o.dir);
    if (access(flash_path, F_OK) != 0) {
        fprintf(stderr,
                "ota-node run: note: %s does not exist; the chip starts with blank "
                "flash and has nothing to boot\n",
                flash_path);
    }
    node_uart_t uart;
    char err[256];
    uint16_t port = served_port(&o);
    if (!address_free(o.bind, port, err, sizeof(err))) { /* port 0: the address alone */
        fprintf(stderr, "ota-node run: %s\n", err);
        return 2;
    }
    if (node_uart_open(o.uart, &uart, err, sizeof(err)) != 0) {
        fprintf(stderr, "ota-node run: %s\n", err);
        return 2;
    }
    if (uart.pty_path[0] != '\0') {
        fprintf(stderr, "uart: %s\n", uart.pty_path);
    }
    if (node_firmware_is_defect_build()) {
        fprintf(stderr, "ota-node run [%s]: firmware build: %s\n", o.bind, node_firmware_build());
    }
    if (open_power_cut_clock(&o) != 0) {
        node_uart_close(&uart);
        return 2;
    }
    if (open_air(&o) != 0) {
        node_uart_close(&uart);
        return 2;
    }
    if (node_link_enabled(&o.link)) {
        link_params_t p;
        node_link_params(&o.link, &p);
        fprintf(stderr,
                "ota-node run [%s]: model: WiFi link: rtt %u ms, goodput %llu B/s, tcp window "
                "%u B, air %llu B/s%s; flash timing %g\n",
                o.bind, p.rtt_us / 1000u, (unsigned long long)p.goodput_bps, p.tcp_wnd,
                (unsigned long long)(o.air ? node_link_air_bps(&o.link) : 0),
                o.link.air_file ? " (shared)" : "", o.flash_timing);
    }
    rc = supervise(&o, &uart);
    node_uart_close(&uart);
    return rc;
}
