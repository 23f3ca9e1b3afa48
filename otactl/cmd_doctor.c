/*
 * otactl doctor IP [--uart DEVICE|FILE] ...: gathers the evidence the
 * recipe's flowchart needs (status polls over HTTP, the UART when given),
 * hands it to the diagnosis engine and prints the verdict.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "commands.h"
#include "diagnosis.h"
#include "diagnosis_report.h"
#include "fleet_options.h"
#include "identity.h"
#include "journal_fetch.h"
#include "node_addr.h"
#include "options.h"
#include "probe.h"
#include "term_escape.h"
#include "uart_source.h"

#define DOCTOR_DEFAULT_POLLS       3u     /* recipe: three polls ...   */
#define DOCTOR_DEFAULT_INTERVAL_MS 5000u  /* ... 5 s apart             */
#define DOCTOR_DEFAULT_UART_MS     15000u /* long enough for a reboot and boot */
#define DOCTOR_PROBE_TIMEOUT_MS    3000u
#define DOCTOR_MAX_POLLS           100ul

static void usage(FILE *out)
{
    fprintf(out, "usage: otactl doctor NODE [--port P] [--uart DEVICE|FILE] [--uart-seconds S]\n"
                 "                     [--polls N] [--interval S] [--expect-image FILE] [--json]\n"
                 "                     [--probe-timeout S] [-q | -v]\n"
                 "\n"
                 "NODE is IP[:PORT] or HOST[:PORT] (resolved by the system resolver).\n"
                 "\n"
                 "Diagnose why an OTA update did not take, following the recipe's flowchart,\n"
                 "and print one diagnosis, the evidence it rests on and the fix.\n"
                 "\n"
                 "What doctor reads:\n"
                 "  HTTP  GET /ota/status N times, S seconds apart (default 3 polls, 5 s):\n"
                 "        is the node there, which image and slot it runs, its reset_reason,\n"
                 "        ota_state and uptime, and whether next_partition flip-flops.\n"
                 "  UART  with --uart: a serial device (/dev/ttyUSB0, /dev/ttyACM0, or a\n"
                 "        pseudo-terminal such as ota-node's --uart pty) read live at 115200\n"
                 "        8N1 while the polls run, or a saved log file read whole. Doctor\n"
                 "        looks for the ROM reset banner (rst:0x..), the bootloader's 'Loaded\n"
                 "        app from partition', the firmware's 'boot: reset_reason=...\n"
                 "        running_partition=...' line, Guru Meditation panics, backtraces,\n"
                 "        stack overflows, the brown-out detector and the task watchdog.\n"
                 "  HTTP  then GET /ota/last, when the status has last_ota: the node's own\n"
                 "        record of its last update attempts - result, the phase reached,\n"
                 "        the reset that ended it, the crash when a core dump was kept.\n"
                 "        A 404 (older firmware) leaves the flowchart to decide.\n"
                 "\n"
                 "The journal first: its newest record of the expected image (the newest\n"
                 "at all without --expect-image) decides, with its phase:\n"
                 "  interrupted + PANIC ............ NEW_IMAGE_PANICS_AT_BOOT, fix B first\n"
                 "                                   (the handler crashed before the switch)\n"
                 "  interrupted + TASK_WDT ......... HANDLER_HUNG\n"
                 "  interrupted + BROWNOUT ......... BROWNOUT\n"
                 "  interrupted + POWERON .......... POWER_LOST_DURING_UPLOAD\n"
                 "  rolled_back + PANIC ............ NEW_IMAGE_PANICS_AT_BOOT: fix A first when\n"
                 "                                   the new image never reached app_main, a\n"
                 "                                   bug in it when it did\n"
                 "  rolled_back, no crash .......... POWER_LOST_BEFORE_CONFIRM\n"
                 "  refused ........................ IMAGE_REFUSED (the node's reason)\n"
                 "  failed ......................... UPLOAD_FAILED (the node's reply)\n"
                 "  no record of the image, no restart\n"
                 "                                   POST_NOT_ARRIVED\n"
                 "Open or confirmed records leave the verdict to the flowchart. With --uart\n"
                 "the evidence says whether the UART reads the failure the same way.\n"
                 "\n"
                 "The flowchart:\n"
                 "  no status answer ............... NODE_OFFLINE (offline, wrong network,\n"
                 "                                   IP changed)\n"
                 "  answers, but no valid status (5xx, redirect, not JSON, too large, cut\n"
                 "  off, too slow) .................. BAD_STATUS_ANSWER\n"
                 "  next_partition flip-flops, or repeated PANIC boots\n"
                 "                                   PANIC_LOOP\n"
                 "  the expected image runs ........ OTA_OK (ROLLED_BACK_UNCONFIRMED if still\n"
                 "                                   PENDING_VERIFY long after boot)\n"
                 "  otherwise the reset reason (UART boot line, else the status) decides:\n"
                 "    POWERON on the old slot after a poll saw the other slot\n"
                 "                                   POWER_LOST_BEFORE_CONFIRM (re-deploy)\n"
                 "    POWERON / no restart ......... POST_NOT_ARRIVED\n"
                 "    PANIC ........................ NEW_IMAGE_PANICS_AT_BOOT, causes in order:\n"
                 "                                   1 OTA_WITH_SEQUENTIAL_WRITES (fix A),\n"
                 "                                   2 esp_ota_end stack overflow (fix B),\n"
                 "                                   3 bootloader/app ABI mismatch, 4 a bug\n"
                 "    TASK_WDT ..................... HANDLER_HUNG\n"
                 "    BROWNOUT ..................... BROWNOUT\n"
                 "    SW, new slot ................. OTA_OK (maybe a stale build or cache)\n"
                 "    SW, back on the old slot after a clean boot of the new one\n"
                 "                                   ROLLED_BACK_UNCONFIRMED\n"
                 "  --uart given but no boot line .. CANNOT_TELL_NO_BOOT_LINE (add fix C)\n"
                 "  no reset_reason in the status (the recipe's six fields) and no UART:\n"
                 "    not the expected image ........ OTA_NOT_TAKEN (read the UART)\n"
                 "  anything else .................. UNKNOWN\n"
                 "Fields the node does not report (reset_reason, uptime_ms, ota_state,\n"
                 "elf_sha256) are listed as missing evidence, with what each would have\n"
                 "told. The image is compared by its full ELF SHA-256, by the prefix the node\n"
                 "reports (9 hex digits on a default sdkconfig), or by version, date and time.\n"
                 "Doctor assumes an update was tried: a node that merely powered up reads as\n"
                 "POST_NOT_ARRIVED. Give --expect-image to check for a particular image.\n"
                 "\n"
                 "Options:\n"
                 "  --uart DEVICE|FILE   also read the node's UART (see above)\n"
                 "  --uart-seconds S     how long to read a live device (default 15)\n"
                 "  --polls N            status polls (default 3)\n"
                 "  --interval S         seconds between polls (default 5)\n"
                 "  --port P             the node's port when NODE has none (default 8032)\n"
                 "  --probe-timeout S    each HTTP request, seconds (default 3; --timeout is the\n"
                 "                       same)\n"
                 "  -q, --quiet          no progress lines: only the diagnosis and errors\n"
                 "  -v, --verbose        each HTTP exchange on stderr: method, URL, status, time\n"
                 "  --expect-image FILE  the app image that should now run; its identity\n"
                 "                       (ELF SHA-256 or its prefix, version, build date and\n"
                 "                       time) is compared\n"
                 "  --json               one JSON object on stdout instead of text\n"
                 "  -h, --help           this text\n"
                 "\n"
                 "\n" FLEET_OPTIONS_ENV_HELP "\n"
                 "Exit status: 0 OTA OK / healthy, 1 a problem was diagnosed (or none could\n"
                 "be named), 2 usage error.\n");
}

typedef struct {
    node_addr_t addr;
    const char *uart_path;
    uint64_t uart_ms;
    unsigned long polls;
    uint64_t interval_ms;
    const char *image_path;
    bool json;
    fleet_options_t fleet; /* --port, --probe-timeout, -q, -v and their environment */
} doctor_opts_t;

static int parse_args(int argc, char **argv, doctor_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->uart_ms = DOCTOR_DEFAULT_UART_MS;
    o->polls = DOCTOR_DEFAULT_POLLS;
    o->interval_ms = DOCTOR_DEFAULT_INTERVAL_MS;
    const char *ip = NULL;
    fleet_options_init(&o->fleet, "doctor", DOCTOR_PROBE_TIMEOUT_MS);
    o->fleet.no_target_files = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *inl = NULL;
        const char *v = NULL;
        int taken = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (options_is(a, "--uart-seconds", &inl)) {
            v = options_value(argc, argv, &i, inl);
            if (!v || !options_parse_seconds(v, &o->uart_ms)) {
                fprintf(
                    stderr,
                    "otactl doctor: --uart-seconds needs a positive number (seconds, e.g. 15)\n");
                return -1;
            }
        } else if (options_is(a, "--uart", &inl)) {
            if (!(o->uart_path = options_value(argc, argv, &i, inl))) {
                fprintf(stderr, "otactl doctor: --uart needs a value (a serial device such as "
                                "/dev/ttyUSB0, or a log file)\n");
                return -1;
            }
        } else if (options_is(a, "--polls", &inl)) {
            v = options_value(argc, argv, &i, inl);
            if (!v || !options_parse_count(v, DOCTOR_MAX_POLLS, &o->polls)) {
                fprintf(stderr, "otactl doctor: --polls needs a count (from 1 to %lu)\n",
                        DOCTOR_MAX_POLLS);
                return -1;
            }
        } else if (options_is(a, "--interval", &inl)) {
            v = options_value(argc, argv, &i, inl);
            if (!v || !options_parse_seconds(v, &o->interval_ms)) {
                fprintf(stderr,
                        "otactl doctor: --interval needs a positive number (seconds, e.g. 5)\n");
                return -1;
            }
        } else if ((taken = fleet_options_take(&o->fleet, argc, argv, &i)) != 0) {
            if (taken < 0) {
                return -1;
            }
        } else if (options_is(a, "--expect-image", &inl)) {
            if (!(o->image_path = options_value(argc, argv, &i, inl))) {
                fprintf(stderr, "otactl doctor: --expect-image needs a value (the app image that "
                                "should run)\n");
                return -1;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "otactl doctor: unknown option '%s' (see otactl doctor --help)\n", a);
            return -1;
        } else if (ip) {
            fprintf(
                stderr,
                "otactl doctor: one node at a time, not '%s' and '%s' (run doctor once per node)\n",
                ip, a);
            return -1;
        } else {
            ip = a;
        }
    }
    if (!ip) {
        fprintf(stderr, "otactl doctor: no node given (otactl doctor NODE; see --help)\n");
        return -1;
    }
    if (fleet_options_finish(&o->fleet) != 0) {
        return -1;
    }
    char err[160];
    if (node_addr_resolve(ip, (unsigned)o->fleet.port, &o->addr, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl doctor: %s (give IP[:PORT] or HOST[:PORT])\n", err);
        return -1;
    }
    if (o->addr.unresolved) {
        fprintf(stderr,
                "otactl doctor: %s does not resolve: %s (check the name, or give the node's "
                "IP)\n",
                o->addr.name, o->addr.resolve_error);
        return -1;
    }
    /* A UART that cannot be opened is a usage error, said before any
     * progress line and before the node is polled for nothing. */
    if (o->uart_path && access(o->uart_path, R_OK) != 0) {
        fprintf(stderr,
                "otactl doctor: --uart %s: %s (give the serial device, e.g. /dev/ttyUSB0, or a "
                "saved log file)\n",
                o->uart_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int load_expected(const char *path, image_identity_t *out)
{
    img_info_t info;
    img_error_t err;
    if (img_verify_file(path, -1, &info, &err) != IMG_OK) {
        fprintf(stderr, "otactl doctor: --expect-image: %s (give the .bin the deploy sent)\n",
                err.message);
        return -1;
    }
    if (!info.has_app_desc) {
        fprintf(stderr,
                "otactl doctor: --expect-image: %s has no app descriptor "
                "(esp_app_desc_t), so its identity is unknown (give an ESP-IDF app image)\n",
                path);
        return -1;
    }
    identity_from_image(&info, info.image_len, out);
    return 0;
}

/* A live UART is read on its own thread while the polls run. */
typedef struct {
    const char *path;
    double seconds;
    uart_log_t log;
    uart_source_result_t result;
    int rc;
} uart_job_t;

static void *uart_thread(void *arg)
{
    uart_job_t *job = arg;
    job->rc = uart_source_read(job->path, job->seconds, &job->log, &job->result);
    return NULL;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void poll_node(const doctor_opts_t *o, diag_poll_t *polls)
{
    for (unsigned long i = 0; i < o->polls; i++) {
        if (i > 0) {
            sleep_ms(o->interval_ms);
        }
        probe_result_t pr;
        memset(&pr, 0, sizeof(pr));
        pr.addr = o->addr;
        if (probe_all(&pr, 1, o->fleet.timeout_ms, 1) == 0 && pr.valid) {
            diag_poll_answered(&polls[i], &pr.status);
        } else if (pr.answered) {
            diag_poll_bad_answer(&polls[i], pr.http_status, pr.error);
        } else {
            diag_poll_failed(&polls[i], pr.error);
        }
    }
}

/* Does any answer come from a firmware that keeps a journal ("last_ota"
 * present, even null)? Only then is GET /ota/last asked. */
static bool keeps_journal(const diag_poll_t *polls, unsigned long count)
{
    for (unsigned long i = 0; i < count; i++) {
        if (polls[i].reachable && polls[i].status.last_ota.presence != LAST_OTA_ABSENT) {
            return true;
        }
    }
    return false;
}

int cmd_doctor(int argc, char **argv)
{
    doctor_opts_t o;
    int prc = parse_args(argc, argv, &o);
    if (prc != 0) {
        return prc > 0 ? OTACTL_EXIT_OK : OTACTL_EXIT_USAGE;
    }
    image_identity_t expected;
    if (o.image_path && load_expected(o.image_path, &expected) != 0) {
        return OTACTL_EXIT_USAGE;
    }
    diag_poll_t *polls = calloc(o.polls, sizeof(*polls));
    uart_job_t *job = calloc(1, sizeof(*job));
    if (!polls || !job) {
        fprintf(stderr, "otactl doctor: out of memory (give fewer --polls)\n");
        free(polls);
        free(job);
        return OTACTL_EXIT_FAILED;
    }
    bool uart_thread_running = false;
    pthread_t tid;
    if (o.uart_path) {
        job->path = o.uart_path;
        job->seconds = (double)o.uart_ms / 1000.0;
        uart_log_init(&job->log);
        if (!o.json && !o.fleet.quiet) {
            fprintf(stderr,
                    "otactl doctor: reading the UART from %s (a live device for up to %.0f s)\n",
                    o.uart_path, job->seconds);
        }
        if (pthread_create(&tid, NULL, uart_thread, job) == 0) {
            uart_thread_running = true;
        } else {
            uart_thread(job);
        }
    }
    if (!o.json && !o.fleet.quiet) {
        char url[96];
        node_addr_url(&o.addr, "/ota/status", url, sizeof(url));
        fprintf(stderr, "otactl doctor: polling %s %lu time(s), %.1f s apart\n", url, o.polls,
                (double)o.interval_ms / 1000.0);
    }
    poll_node(&o, polls);
    if (uart_thread_running) {
        pthread_join(tid, NULL);
    }
    int exit_code = OTACTL_EXIT_FAILED;
    if (o.uart_path && job->rc != 0) {
        fprintf(stderr, "otactl doctor: --uart: %s (give a readable serial device or log file)\n",
                job->result.message);
        exit_code = OTACTL_EXIT_USAGE;
        goto done;
    }

    journal_fetch_t *journal = NULL;
    if (keeps_journal(polls, o.polls)) {
        journal = calloc(1, sizeof(*journal));
        if (journal != NULL) {
            if (!o.json && !o.fleet.quiet) {
                char url[96];
                node_addr_url(&o.addr, "/ota/last", url, sizeof(url));
                fprintf(stderr, "otactl doctor: reading the node's OTA journal, %s\n", url);
            }
            journal_fetch_now(&o.addr, o.fleet.timeout_ms, journal);
        }
    }
    diag_evidence_t ev = {
        .polls = polls,
        .poll_count = o.polls,
        .expected = o.image_path ? &expected : NULL,
        .uart = o.uart_path ? &job->log : NULL,
        .journal = journal && journal->state == JOURNAL_KEPT ? &journal->journal : NULL,
        .journal_note = journal && journal->state != JOURNAL_KEPT ? journal->note : NULL,
    };
    diag_result_t result;
    diag_run(&ev, &result);
    if (o.json) {
        cJSON *obj = diag_report_json(o.addr.label, &result);
        char *text = obj ? cJSON_Print(obj) : NULL;
        if (text) {
            term_puts_json(stdout, text);
        } else {
            fprintf(stderr, "otactl doctor: out of memory (give fewer --polls)\n");
        }
        cJSON_free(text);
        cJSON_Delete(obj);
    } else {
        diag_report_text(stdout, o.addr.label, &result);
    }
    exit_code = result.kind == DIAG_OTA_OK ? OTACTL_EXIT_OK : OTACTL_EXIT_FAILED;
    free(journal);
done:
    if (o.uart_path) {
        uart_log_free(&job->log);
    }
    free(job);
    free(polls);
    return exit_code;
}
