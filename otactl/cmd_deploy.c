/* otactl deploy: the command line around the deploy engine. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "deploy.h"
#include "discover.h"
#include "fleet_options.h"
#include "fallback_sweep.h"
#include "idf_build.h"
#include "image_file.h"
#include "options.h"
#include "report.h"
#include "targets.h"
#include "term_escape.h"

#include <cJSON.h>

#define DEFAULT_PROJECT_DIR "firmware/esp32-csi-node"
#define DEFAULT_IMAGE       DEFAULT_PROJECT_DIR "/build/esp32-csi-node.bin"
#define MAX_SUBNETS         32
/* The shell's code for a command ended by SIGINT (128 + 2). */
#define EXIT_INTERRUPTED 130

static const char deploy_help[] =
    "NAME\n"
    "    otactl deploy - upload an app image to ESP32 nodes in parallel and prove each took it\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl deploy [NODE...] [--image FILE] [--build] [--no-verify] [--force]\n"
    "                  [--subnet CIDR]... [--arp-file FILE] [--jobs N|auto|all] [--json]\n"
    "                  [--quiet] [--air-rate KIB/S] [--probe-timeout S] [--upload-timeout S]\n"
    "                  [--verify-timeout S] [--port P]\n"
    "                  [--confirm-timeout S | --no-confirm-wait] [--uart-dir DIR]\n"
    "                  [--fallback-hosts FIRST-LAST | --no-fallback]\n"
    "                  [--dry-run] [--yes] [--canary N] [--max-failures K] [--allow-downgrade]\n"
    "                  [--allow-bearer] [--targets-file FILE]... [--retry-failed R.json]\n"
    "                  [-v]\n"
    "\n"
    "    NODE is an IPv4 address or a host name, with :PORT when not --port's. Names\n"
    "    are resolved by the system resolver (getaddrinfo: /etc/hosts, DNS, and mDNS\n"
    "    for node.local where the OS has it); the report keeps the name and the IP it\n"
    "    resolved to, and a name that does not resolve is that node's failure\n"
    "    (unresolved), not the deploy's.\n"
    "\n"
    "DESCRIPTION\n"
    "    Runs the four phases of an OTA update over WiFi on every target at once, on one\n"
    "    event loop (no thread per node):\n"
    "\n"
    "    pre-flight  The image is verified before anything is sent: app image header and\n"
    "                segments, checksum, appended SHA-256, application descriptor. A bad\n"
    "                image stops the deploy with exit status 2 before any node is\n"
    "                contacted. After the snapshot, each node is checked: the\n"
    "                image's chip and project must match what the node reports, and the\n"
    "                image must fit the node's next update slot (max_size). A node that\n"
    "                fails a check is refused (nothing is sent to it) and counts as failed.\n"
    "                So is an image older than the node's running version (semantic\n"
    "                versioning order, a leading 'v' allowed; when either version is not\n"
    "                semver, any difference is refused, naming both) unless\n"
    "                --allow-downgrade. The same version with another ELF SHA-256 is a\n"
    "                rebuild and is sent. Likewise an image whose secure_version (otactl\n"
    "                image build --secure-version) is below the node's running one or its\n"
    "                eFuse anti-rollback counter (efuse_secure_version: such a node\n"
    "                refuses it itself, 400).\n"
    "    discovery   Without IP arguments, candidates come from the ARP table and from\n"
    "                --subnet sweeps; each is probed with GET /ota/status (--probe-timeout)\n"
    "                and only hosts answering valid status JSON become targets. When this\n"
    "                machine's ARP table was read (no IPs, no --subnet, no --arp-file) and\n"
    "                gave no node, hosts .100 to .110 (--fallback-hosts) of every /24 this\n"
    "                machine's own IPv4 interfaces are on are probed the same way: the\n"
    "                recipe's fallback for an empty ARP table after a fresh boot. Down or\n"
    "                link-less, loopback and link-local (169.254/16) interfaces are left\n"
    "                out; other netmasks count as the /24 that contains the interface's\n"
    "                address (10.1.2.3/16 -> 10.1.2.0/24); at most 16 networks are swept.\n"
    "                The probe is the sweep (no ICMP ping, which would need root).\n"
    "    snapshot    GET /ota/status on every target: running slot and image identity.\n"
    "                Nodes that already run exactly this image are skipped and count as\n"
    "                success (see IDENTITY).\n"
    "    upload      POST /ota with the raw image (application/octet-stream), all targets\n"
    "                one shared read-only copy of the image. All nodes of a site share\n"
    "                one access point's air, so by default (--jobs auto) as many uploads\n"
    "                run at once as can each end within half of --upload-timeout; the\n"
    "                others start as uploads end, their erases overlapping the transfers\n"
    "                in flight. Verification begins the moment an upload ends.\n"
    "                With OTA_PSK set, each upload first asks the node for a fresh nonce\n"
    "                (GET /ota/nonce) and carries 'Authorization: OTA-HMAC-SHA256\n"
    "                nonce=..., body=..., mac=...': an HMAC-SHA256 under the PSK over the\n"
    "                nonce, POST, /ota and the image's SHA-256 (see AUTHENTICATION). A\n"
    "                reset connection or an empty reply after the whole body was sent\n"
    "                means 'sent, rebooting', not failure. 401 and 403 are told apart: a\n"
    "                missing credential, a wrong PSK, a fail-closed node without a PSK\n"
    "                provisioned (psk-not-provisioned). A node answering 409 (its running\n"
    "                image is still PENDING_VERIFY) is retried with backoff until the\n"
    "                --verify-timeout budget is spent.\n"
    "    verify      From the moment its upload ends, each node is polled with backoff\n"
    "                until it answers from a new boot or --verify-timeout passes. Success\n"
    "                only when the running partition changed AND the node reports the\n"
    "                uploaded image's ELF SHA-256, version, date and time AND the image\n"
    "                confirmed itself: while the node reports ota_state PENDING_VERIFY\n"
    "                (rollback enabled, health check not passed yet) deploy keeps polling\n"
    "                ('confirming') until VALID, or until the node has been up for\n"
    "                --confirm-timeout: such an image rolls back at the next reset.\n"
    "                A node without rollback (ota_state NEW or UNDEFINED) must stay up\n"
    "                for --confirm-timeout instead. A node whose status has no uptime_ms\n"
    "                (the recipe's six fields) is polled every 0.25 s: a gap in its\n"
    "                answers is its restart. Back on the old slot after such a gap is\n"
    "                final at once; still answering from the old slot 5 s after the\n"
    "                upload without a gap is final too. After a connection reset with no\n"
    "                reply to the whole image, that is fix B's signature: the handler\n"
    "                panicked before the boot slot switched (rolled-back, named so).\n"
    "                Without ota_state or uptime_ms there is no confirmation to watch:\n"
    "                the first answer from the new slot with the image decides.\n"
    "    diagnosis   Every node that took the upload (or part of it) and failed is\n"
    "                diagnosed by the engine of 'otactl doctor': the status polls after\n"
    "                the upload, how the upload ended, the expected image and, with\n"
    "                --uart-dir, what its UART printed during the deploy. The cause, its\n"
    "                evidence and the fix follow the table (and are in --json).\n"
    "\n"
    "ROLLOUT\n"
    "    --dry-run stops after the snapshot and pre-flight: each node that passed is\n"
    "    reported would-send with what would go where; no POST is made. When the\n"
    "    targets came from discovery and stdin is a terminal, deploy lists them and\n"
    "    asks before sending (--yes skips the question); off a terminal it never asks.\n"
    "    --canary N sends to the first N nodes that passed pre-flight (in target\n"
    "    order) and starts the rest only once every canary is confirmed; a failed\n"
    "    canary stops the rollout. --max-failures K starts no new upload once K nodes\n"
    "    that were sent something have failed (pre-flight refusals and nodes\n"
    "    unreachable at the snapshot do not count); with it, a node holds its --jobs\n"
    "    slot until its verdict, so --jobs 1 --max-failures 1 updates one node at a\n"
    "    time and stops at the first failure. Nodes left out either way are\n"
    "    reported not-started, and --json's 'stopped' says why.\n"
    "\n"
    "INTERRUPTS\n"
    "    Ctrl-C (SIGINT) or SIGTERM starts no new upload: uploads in flight finish and\n"
    "    are verified, the others are not-started. A second one stops what is in\n"
    "    flight: an upload cut short is interrupted-mid-flash (with the bytes sent),\n"
    "    a node whose verification was cut is unverified. Either way the table (or\n"
    "    the --json document, with \"interrupted\": true) is printed and the exit\n"
    "    status is 130.\n"
    "\n"
    "    Progress goes to stderr (a line per node redrawn on a terminal, log lines\n"
    "    otherwise); the summary table or the --json document goes to stdout.\n"
    "\n"
    "AUTHENTICATION\n"
    "    otactl never sends the PSK itself unless told to. Before every upload it\n"
    "    fetches a nonce from that node (one fresh nonce per request, retried once with\n"
    "    a new one when the node no longer knows it: nonce-unknown) and sends only the\n"
    "    MAC over it. A node whose GET /ota/nonce is 404 runs a recipe-era handler\n"
    "    that takes only 'Authorization: Bearer <psk>': the PSK in clear, readable by\n"
    "    anyone on the network and by whatever answers at that address. Such a node is\n"
    "    refused before anything is sent (bearer-needed) unless --allow-bearer is given\n"
    "    AND the node was named on the command line; a node found by --subnet, the ARP\n"
    "    table or the fallback sweep never gets the PSK. Any other answer to GET\n"
    "    /ota/nonce (an error, not a nonce) is rejected with nothing sent.\n"
    "\n"
    "IDENTITY\n"
    "    Which image a node runs: its ELF SHA-256 when it reports all 64 hex digits\n"
    "    (elf_sha256); when it reports 8 to 63 (a default sdkconfig gives 8) the image's\n"
    "    SHA-256 must start with them, case ignored (elf_sha256_prefix); otherwise, or\n"
    "    with fewer than 8 digits, version + date + time (version_date_time). Version,\n"
    "    date and time must agree in every case. The table's IDENTIFIED BY column and\n"
    "    --json's identity_evidence say which was used.\n"
    "\n"
    "RESULTS\n"
    "    confirmed       new boot, new slot, the uploaded image\n"
    "    skipped         already running this image (use --force to re-send)\n"
    "    sent            accepted; not verified because of --no-verify\n"
    "    refused         pre-flight: wrong chip or project, or image larger than max_size\n"
    "    unreachable     no answer to GET /ota/status (or no connection for the upload)\n"
    "    unresolved      a host name the resolver found no IPv4 address for\n"
    "    bad-status      answers HTTP, but not a valid status JSON\n"
    "    token-rejected  401/403: OTA_PSK missing or different from the node's ('wrong\n"
    "                    PSK'), or the node named the request a replay or did not know\n"
    "                    its nonce; auth_refusal (--json) says which\n"
    "    bearer-needed   nothing sent: a recipe-era node (no GET /ota/nonce) would need\n"
    "                    the PSK itself; --allow-bearer sends the PSK in clear, and only\n"
    "                    to nodes named on the command line\n"
    "    psk-not-provisioned\n"
    "                    node has no PSK (fail-closed): it refuses every\n"
    "                    upload; provision security/ota_psk ('ota-node nvs-set --dir DIR\n"
    "                    security ota_psk VALUE', or over USB) and set OTA_PSK\n"
    "    busy            409 until the deadline: running image not confirmed yet\n"
    "    rejected        the node refused the image (400, 413, 500, ... with its message)\n"
    "    interrupted     connection lost part-way through the upload\n"
    "    rolled-back     did not take: back on (or still on) the old slot after the\n"
    "                    restart - a panic at first boot, or in the upload handler (fix B)\n"
    "    no-return       unreachable after reboot - offline or panic loop\n"
    "    wrong-image     came back on the new slot with a different image\n"
    "    unconfirmed     booted but never confirmed itself - will roll back at the next\n"
    "                    reset (esp_ota_mark_app_valid_cancel_rollback never called)\n"
    "    restarted       the new image ran, then restarted before it confirmed itself\n"
    "                    (without rollback: a panic loop)\n"
    "    would-send      --dry-run: passed pre-flight, would have been sent\n"
    "    not-started     nothing sent: a canary failed, --max-failures was reached or\n"
    "                    the deploy was interrupted before the node's turn\n"
    "    interrupted-mid-flash\n"
    "                    the operator's second interrupt cut the upload: the update\n"
    "                    slot is partly written, the running image is untouched\n"
    "    unverified      sent, but the operator's interrupt cut the verification\n"
    "\n"
    "OPTIONS\n"
    "    --image FILE        image to send (default " DEFAULT_IMAGE ")\n"
    "    --build             run 'idf.py -C DIR build' first (ESP-IDF environment required)\n"
    "    --project-dir DIR   ESP-IDF project for --build (default " DEFAULT_PROJECT_DIR ")\n"
    "    --no-verify         stop after the upload; 'sent' counts as success\n"
    "    --force             also upload to nodes that already run this image\n"
    "    --subnet CIDR       sweep this subnet for nodes (repeatable; at most 4094 hosts each)\n"
    "    --arp-file FILE     take ARP candidates from FILE (/proc/net/arp or 'arp -a -n' text)\n"
    "                        instead of this machine's table. The machine's table is read only\n"
    "                        when there are no IPs, no --subnet and no --arp-file.\n"
    "    --fallback-hosts FIRST-LAST\n"
    "                        hosts of each /24 of this machine that the fallback sweep probes\n"
    "                        when its ARP table gave no node, 1..254 (default 100-110)\n"
    "    --no-fallback       no fallback sweep: an ARP table without nodes means no targets\n"
    "    --jobs N|auto|all   uploads at a time: at most N; 'all' at once; 'auto' (default)\n"
    "                        as many as can each end within half of --upload-timeout\n"
    "                        at an equal share of the aggregate rate: assumed (--air-rate)\n"
    "                        until the uploads' own bytes measure it, about two seconds in\n"
    "    --air-rate KIB/S    what the access point carries to all nodes together, the\n"
    "                        first assumption of --jobs auto (default 2441, 20 Mbit/s)\n"
    "    --port P            node HTTP port for IPs without one and for discovery (default 8032)\n"
    "    --probe-timeout S   each status request, seconds (default 1.5; --timeout is the same)\n"
    "    --upload-timeout S  each upload including erase and flash, seconds (default 300)\n"
    "    --allow-no-hash     deploy an image without an appended SHA-256 (hash_appended\n"
    "                        0): only its 8-bit checksum would catch a corruption\n"
    "    --reply-timeout S   how long to wait for the node's reply once the whole image\n"
    "                        is sent, seconds (default 30; esp_ota_end's check takes ~1 s)\n"
    "    --verify-timeout S  from an upload's end to its verdict, seconds (default 60)\n"
    "    --confirm-timeout S how long, by the node's uptime, a new image may stay\n"
    "                        PENDING_VERIFY (default 20: boot, WiFi join and the firmware's\n"
    "                        10 s health delay, with margin)\n"
    "    --no-confirm-wait   a running new image is confirmed at once, PENDING_VERIFY or not\n"
    "    --uart-dir DIR      UART captures, one per node: DIR/<ip>.log (as written by\n"
    "                        'ota-node run --uart DIR/<ip>.log' or 'ota-node fleet\n"
    "                        --uart-dir DIR', or by a serial logger of your own); the\n"
    "                        part written during the deploy is read after verification\n"
    "                        for the diagnosis\n"
    "    --dry-run           snapshot and pre-flight only: say what would be sent to whom\n"
    "    --yes, -y           do not ask before deploying to discovered nodes (deploy asks\n"
    "                        only when stdin is a terminal)\n"
    "    --canary N          update N nodes first, the rest once those are confirmed\n"
    "    --max-failures K    start no new upload after K nodes failed\n"
    "    --allow-downgrade   send an image whose version is older than the node's (or not\n"
    "                        comparable with it), or whose secure_version is lower\n"
    "    --allow-bearer      send the PSK in clear ('Authorization: Bearer $OTA_PSK') to\n"
    "                        recipe-era nodes (GET /ota/nonce is 404) named on the command\n"
    "                        line; never to discovered nodes\n"
    "    --json              print one JSON object instead of the table\n" FLEET_OPTIONS_TARGET_HELP
        FLEET_OPTIONS_VERBOSITY_HELP "    -h, --help          this text\n"
    "\n" FLEET_OPTIONS_ENV_HELP "\n"
    "EXIT STATUS\n"
    "    0  every target confirmed (or skipped, or sent with --no-verify)\n"
    "    1  a target failed, was refused, unreachable or not started, or no node was found\n"
    "    2  usage error, build failure, bad image or the question declined: nothing was sent\n"
    "    130 interrupted (SIGINT or SIGTERM); the record is printed first\n"
    "\n"
    "EXAMPLES\n"
    "    otactl deploy                                  # ARP table; .100-.110 if it gave no node\n"
    "    otactl deploy --no-fallback                    # the ARP table only\n"
    "    otactl deploy 192.168.0.100 192.168.0.101\n"
    "    OTA_PSK=secret otactl deploy --subnet 192.168.0.0/24 --json\n"
    "    otactl deploy --subnet 192.168.0.0/24 --dry-run   # who would get what\n"
    "    otactl deploy --subnet 192.168.0.0/24 --canary 1 --max-failures 1 --yes\n"
    "    otactl deploy --targets-file fleet.tsv --json > report.json\n"
    "    otactl deploy --retry-failed report.json   # the nodes that did not end ok\n";

struct deploy_args {
    target_list_t targets;
    const char *image;
    const char *project_dir;
    bool build;
    bool verify;
    bool force;
    bool json;
    bool quiet;
    const char *subnets[MAX_SUBNETS];
    size_t subnet_count;
    const char *arp_file;
    bool fallback;
    host_range_t fallback_hosts;
    unsigned long jobs; /* DEPLOY_JOBS_AUTO, DEPLOY_JOBS_ALL or a count */
    double air_rate_bps;
    unsigned long port;
    uint64_t probe_timeout_ms;
    uint64_t upload_timeout_ms;
    uint64_t reply_timeout_ms;
    bool allow_no_hash;
    uint64_t verify_timeout_ms;
    uint64_t confirm_timeout_ms;
    bool confirm_wait;
    const char *uart_dir;
    bool dry_run;
    bool yes;
    unsigned long canary;
    unsigned long max_failures;
    bool allow_downgrade;
    bool allow_bearer;
    fleet_options_t fleet; /* --port, --probe-timeout, -q/-v, --targets-file, --retry-failed */
    bool from_files;       /* --targets-file or --retry-failed gave the targets: no discovery */
    bool discovered;       /* targets came from discovery */
    size_t named_count;    /* targets[0..named_count) were named on the command line */
};

static int usage_error(const char *fmt, const char *arg)
{
    /* One line, as every otactl error: what is wrong (how to fix it). */
    fprintf(stderr, "otactl deploy: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see otactl deploy --help)\n");
    return OTACTL_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct deploy_args *a, bool *help)
{
    char err[200];
    char **ips = calloc((size_t)argc, sizeof(*ips));
    size_t ip_count = 0;
    if (ips == NULL) {
        return usage_error("%s", "out of memory");
    }
    int rc = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int taken = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            *help = true;
            rc = 0;
            goto done;
        } else if ((taken = fleet_options_take(&a->fleet, argc, argv, &i)) != 0) {
            if (taken < 0) {
                goto done;
            }
        } else if (strcmp(arg, "--build") == 0) {
            a->build = true;
        } else if (strcmp(arg, "--no-verify") == 0) {
            a->verify = false;
        } else if (strcmp(arg, "--force") == 0) {
            a->force = true;
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--dry-run") == 0) {
            a->dry_run = true;
        } else if (strcmp(arg, "--yes") == 0 || strcmp(arg, "-y") == 0) {
            a->yes = true;
        } else if (strcmp(arg, "--allow-downgrade") == 0) {
            a->allow_downgrade = true;
        } else if (strcmp(arg, "--allow-bearer") == 0) {
            a->allow_bearer = true;
        } else if (options_is(arg, "--canary", &v) || options_is(arg, "--max-failures", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            bool canary = strncmp(arg, "--canary", 8) == 0;
            if (s == NULL ||
                !options_parse_count(s, 100000, canary ? &a->canary : &a->max_failures)) {
                rc = usage_error(canary ? "--canary wants a positive number, got '%s'"
                                        : "--max-failures wants a positive number, got '%s'",
                                 s ? s : "");
                goto done;
            }
        } else if (strcmp(arg, "--no-confirm-wait") == 0) {
            a->confirm_wait = false;
        } else if (options_is(arg, "--uart-dir", &v)) {
            if ((a->uart_dir = options_value(argc, argv, &i, v)) == NULL) {
                goto missing;
            }
        } else if (options_is(arg, "--image", &v)) {
            if ((a->image = options_value(argc, argv, &i, v)) == NULL) {
                goto missing;
            }
        } else if (options_is(arg, "--project-dir", &v)) {
            if ((a->project_dir = options_value(argc, argv, &i, v)) == NULL) {
                goto missing;
            }
        } else if (options_is(arg, "--arp-file", &v)) {
            if ((a->arp_file = options_value(argc, argv, &i, v)) == NULL) {
                goto missing;
            }
        } else if (strcmp(arg, "--no-fallback") == 0) {
            a->fallback = false;
        } else if (options_is(arg, "--fallback-hosts", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL) {
                goto missing;
            }
            if (host_range_parse(s, &a->fallback_hosts, err, sizeof(err)) != 0) {
                rc = usage_error("--fallback-hosts: %s", err);
                goto done;
            }
        } else if (options_is(arg, "--subnet", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL) {
                goto missing;
            }
            if (a->subnet_count == MAX_SUBNETS) {
                rc = usage_error("at most %s --subnet options", "32");
                goto done;
            }
            a->subnets[a->subnet_count++] = s;
        } else if (options_is(arg, "--jobs", &v) || options_is(arg, "-j", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s != NULL && strcmp(s, "auto") == 0) {
                a->jobs = DEPLOY_JOBS_AUTO;
            } else if (s != NULL && strcmp(s, "all") == 0) {
                a->jobs = DEPLOY_JOBS_ALL;
            } else if (s == NULL || !options_parse_count(s, 100000, &a->jobs)) {
                rc = usage_error("--jobs wants a positive number, 'auto' or 'all', got '%s'",
                                 s ? s : "");
                goto done;
            }
        } else if (options_is(arg, "--air-rate", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            char *end = NULL;
            double kib = s != NULL ? strtod(s, &end) : 0;
            if (s == NULL || end == s || *end != '\0' || !(kib >= 1.0 && kib <= 1e7)) {
                rc = usage_error("--air-rate wants KiB/s between 1 and 10000000, got '%s'",
                                 s ? s : "");
                goto done;
            }
            a->air_rate_bps = kib * 1024.0;
        } else if (strcmp(arg, "--allow-no-hash") == 0) {
            a->allow_no_hash = true;
        } else if (options_is(arg, "--upload-timeout", &v) ||
                   options_is(arg, "--reply-timeout", &v) ||
                   options_is(arg, "--verify-timeout", &v) ||
                   options_is(arg, "--confirm-timeout", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            uint64_t *dst = strncmp(arg, "--upload", 8) == 0    ? &a->upload_timeout_ms
                            : strncmp(arg, "--reply", 7) == 0   ? &a->reply_timeout_ms
                            : strncmp(arg, "--confirm", 9) == 0 ? &a->confirm_timeout_ms
                                                                : &a->verify_timeout_ms;
            if (s == NULL || !options_parse_seconds(s, dst)) {
                rc = usage_error("timeouts are seconds, e.g. 1.5; got '%s'", s ? s : "");
                goto done;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            rc = usage_error("unknown option '%s'", arg);
            goto done;
        } else {
            ips[ip_count++] = argv[i];
        }
        continue;
    missing:
        rc = usage_error("%s needs a value", arg);
        goto done;
    }
    if (a->uart_dir != NULL) {
        /* Named but absent: the diagnosis would silently lack every UART. */
        struct stat st;
        const char *why = stat(a->uart_dir, &st) != 0 ? strerror(errno)
                          : !S_ISDIR(st.st_mode)      ? "not a directory"
                                                      : NULL;
        if (why != NULL) {
            char what[300];
            snprintf(what, sizeof(what), "--uart-dir %.200s: %s", a->uart_dir, why);
            rc = fleet_usage_error("deploy", what,
                                   "give the directory the nodes' UART logs are written to");
            goto done;
        }
    }
    if (a->canary > 0 && !a->verify) {
        rc = usage_error("%s", "--canary waits for the canaries to confirm: not with --no-verify");
        goto done;
    }
    if (fleet_options_finish(&a->fleet) != 0 ||
        fleet_options_targets(&a->fleet, ips, ip_count, &a->targets, &a->from_files) != 0) {
        goto done;
    }
    a->port = a->fleet.port;
    a->probe_timeout_ms = a->fleet.timeout_ms;
    a->quiet = a->fleet.quiet;
    if (a->targets.count == 0 && !a->from_files && a->subnet_count == 0) {
        int n = fleet_options_env_subnets("deploy", a->subnets, MAX_SUBNETS);
        if (n < 0) {
            goto done;
        }
        a->subnet_count = (size_t)n;
    }
    rc = 0;
done:
    free(ips);
    return rc;
}

static void print_notice(void *ctx, const char *text)
{
    (void)ctx;
    fprintf(stderr, "otactl deploy: %s\n", text);
}

/* Without IPs (or with --subnet / --arp-file) the targets come from discovery. */
static int discover_targets(struct deploy_args *a)
{
    /* Discovered nodes are appended after the named ones (targets_add
     * keeps a named IP once, named). */
    a->named_count = a->targets.count;
    bool explicit = a->targets.count > 0 || a->from_files;
    if (explicit && a->subnet_count == 0 && a->arp_file == NULL) {
        return 0;
    }
    discover_sources_t src = {
        .arp_file = a->arp_file,
        .system_arp = !explicit && a->subnet_count == 0 && a->arp_file == NULL,
        .subnets = a->subnets,
        .subnet_count = a->subnet_count,
        .port = (unsigned)a->port,
        .fallback = a->fallback,
        .fallback_hosts = a->fallback_hosts,
        .notice = a->quiet ? NULL : print_notice,
    };
    if (!a->quiet) {
        fprintf(stderr, "otactl deploy: discovering nodes (%s%s%s)\n",
                src.system_arp ? "this machine's ARP table" : "", a->arp_file ? "ARP file " : "",
                a->arp_file ? a->arp_file : "");
        for (size_t i = 0; i < a->subnet_count; i++) {
            fprintf(stderr, "otactl deploy: sweeping %s\n", a->subnets[i]);
        }
    }
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    char err[200];
    if (discover_nodes(&src, a->probe_timeout_ms, &found, &found_count, &candidates, err,
                       sizeof(err)) != 0) {
        fprintf(stderr, "otactl deploy: discovery: %s (see otactl deploy --help)\n", err);
        return -1;
    }
    for (size_t i = 0; i < found_count; i++) {
        targets_add(&a->targets, &found[i].addr);
    }
    a->discovered = found_count > 0;
    if (!a->quiet) {
        fprintf(stderr, "otactl deploy: %zu of %zu candidates answered as OTA nodes\n", found_count,
                candidates);
    }
    free(found);
    return 0;
}

/* Discovery can find more than the operator had in mind: on a terminal,
 * the list and a question before anything is sent. */
static bool confirmed_by_operator(const struct deploy_args *a, const image_file_t *img)
{
    if (!a->discovered || a->yes || a->dry_run || !isatty(STDIN_FILENO)) {
        return true;
    }
    fprintf(stderr, "otactl deploy: discovery found %zu node(s):\n", a->targets.count);
    for (size_t i = 0; i < a->targets.count; i++) {
        fprintf(stderr, "    %s\n", a->targets.items[i].label);
    }
    char version[200];
    fprintf(stderr, "Send %s (%s) to these %zu node(s)? [y/N] ", a->image,
            term_escape(img->identity.version, version, sizeof(version)), a->targets.count);
    fflush(stderr);
    char line[32];
    if (fgets(line, sizeof(line), stdin) == NULL) {
        return false;
    }
    return line[0] == 'y' || line[0] == 'Y';
}

/* --json's "scheduler": how many uploads ran at once, and why. */
static void add_scheduler_json(cJSON *root, unsigned long jobs, const deploy_summary_t *summary)
{
    cJSON *o = cJSON_AddObjectToObject(root, "scheduler");
    if (o == NULL) {
        return;
    }
    if (jobs == DEPLOY_JOBS_AUTO) {
        cJSON_AddStringToObject(o, "jobs", "auto");
    } else if (jobs == DEPLOY_JOBS_ALL) {
        cJSON_AddStringToObject(o, "jobs", "all");
    } else {
        cJSON_AddNumberToObject(o, "jobs", (double)jobs);
    }
    cJSON_AddNumberToObject(o, "most_in_flight", summary->most_in_flight);
    if (jobs != DEPLOY_JOBS_AUTO) {
        return;
    }
    cJSON_AddNumberToObject(o, "last_limit", summary->last_limit);
    cJSON_AddNumberToObject(o, "air_assumed_kib_s", summary->air_assumed_bps / 1024.0);
    cJSON_AddNumberToObject(o, "air_estimate_kib_s", summary->air_estimate_bps / 1024.0);
    if (summary->air_measured_bps > 0) {
        cJSON_AddNumberToObject(o, "air_measured_kib_s", summary->air_measured_bps / 1024.0);
    } else {
        cJSON_AddNullToObject(o, "air_measured_kib_s");
    }
}

static int run_deploy(struct deploy_args *a, const image_file_t *img)
{
    size_t n = a->targets.count;
    node_result_t *nodes = calloc(n ? n : 1, sizeof(*nodes));
    const char **labels = calloc(n ? n : 1, sizeof(*labels));
    if (nodes == NULL || labels == NULL) {
        free(nodes);
        free(labels);
        fprintf(stderr, "otactl deploy: out of memory (deploy to fewer nodes at a time)\n");
        return OTACTL_EXIT_FAILED;
    }
    for (size_t i = 0; i < n; i++) {
        nodes[i].addr = a->targets.items[i];
        nodes[i].named = i < a->named_count && !nodes[i].addr.discovered;
        labels[i] = nodes[i].addr.label;
    }
    /* -v's exchange lines would break a redrawn live view: events instead. */
    bool live = isatty(STDERR_FILENO) != 0 && !a->fleet.verbose;
    progress_t *progress = progress_new(stderr, labels, n, live, a->quiet);
    deploy_plan_t plan = {
        .image = img->data,
        .image_len = img->len,
        .identity = &img->identity,
        .psk = options_psk(),
        .allow_bearer = a->allow_bearer,
        .jobs = (unsigned)a->jobs,
        .air_rate_bps = a->air_rate_bps,
        .probe_timeout_ms = a->probe_timeout_ms,
        .upload_timeout_ms = a->upload_timeout_ms,
        .reply_timeout_ms = a->reply_timeout_ms,
        .verify_timeout_ms = a->verify_timeout_ms,
        .verify = a->verify,
        .confirm_window_ms = a->confirm_wait ? a->confirm_timeout_ms : 0,
        .uart_dir = a->uart_dir,
        .force = a->force,
        .progress = progress,
        .dry_run = a->dry_run,
        .canary = (unsigned)a->canary,
        .max_failures = (unsigned)a->max_failures,
        .allow_downgrade = a->allow_downgrade,
        .handle_signals = true,
    };
    deploy_summary_t summary = {0};
    plan.summary = &summary;
    bool interrupted = false;
    if (n > 0) {
        interrupted = deploy_run(&plan, nodes, n) == DEPLOY_INTERRUPTED;
    }
    progress_end(progress);
    int code = interrupted ? EXIT_INTERRUPTED : report_exit_code(nodes, n);
    if (n == 0 && !a->quiet) {
        fprintf(stderr, "otactl deploy: no nodes to deploy to\n");
    }
    if (summary.stopped[0] != '\0' && !a->quiet) {
        char safe[TERM_ESCAPED_SIZE(sizeof(summary.stopped))];
        fprintf(stderr, "otactl deploy: stopped early: %s\n",
                term_escape(summary.stopped, safe, sizeof(safe)));
    }
    if (a->json) {
        cJSON *root = report_deploy_json(nodes, n, &img->identity, a->image, a->verify, code);
        if (root != NULL) {
            cJSON_AddBoolToObject(root, "dry_run", a->dry_run);
            cJSON_AddBoolToObject(root, "interrupted", interrupted);
            if (summary.stopped[0] != '\0') {
                cJSON_AddStringToObject(root, "stopped", summary.stopped);
            } else {
                cJSON_AddNullToObject(root, "stopped");
            }
            add_scheduler_json(root, a->jobs, &summary);
            cJSON_AddNumberToObject(root, "canary", (double)a->canary);
            cJSON_AddNumberToObject(root, "max_failures", (double)a->max_failures);
        }
        report_print_json(stdout, root);
    } else {
        report_result_table(stdout, nodes, n);
        report_diagnoses(stdout, nodes, n);
    }
    for (size_t i = 0; i < n; i++) {
        node_result_release(&nodes[i]);
    }
    free(labels);
    free(nodes);
    return code;
}

int cmd_deploy(int argc, char **argv)
{
    struct deploy_args a = {
        .image = DEFAULT_IMAGE,
        .project_dir = DEFAULT_PROJECT_DIR,
        .verify = true,
        .port = NODE_DEFAULT_PORT,
        .upload_timeout_ms = 300000,
        .reply_timeout_ms = DEPLOY_DEFAULT_REPLY_TIMEOUT_MS,
        .verify_timeout_ms = 60000,
        .confirm_timeout_ms = DIAG_CONFIRM_WINDOW_MS,
        .confirm_wait = true,
        .fallback = true,
        .fallback_hosts = {FALLBACK_FIRST_HOST, FALLBACK_LAST_HOST},
    };
    fleet_options_init(&a.fleet, "deploy", 1500);
    bool help = false;
    if (parse_args(argc, argv, &a, &help) != 0) {
        targets_free(&a.targets);
        return OTACTL_EXIT_USAGE;
    }
    if (help) {
        fputs(deploy_help, stdout);
        targets_free(&a.targets);
        return OTACTL_EXIT_OK;
    }
    char err[300];
    if (a.build && idf_build_run(a.project_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl deploy: build: %s (fix the build, or give --image FILE)\n", err);
        targets_free(&a.targets);
        return OTACTL_EXIT_USAGE;
    }
    image_file_t img;
    if (image_file_open(a.image, &img, err, sizeof(err)) != 0) {
        fprintf(stderr,
                "otactl deploy: pre-flight: %s; nothing was sent (give --image an ESP-IDF app "
                "image, e.g. build/<project>.bin)\n",
                err);
        targets_free(&a.targets);
        return OTACTL_EXIT_USAGE;
    }
    if (img.info.header.hash_appended == 0 && !a.allow_no_hash) {
        /* ESP-IDF appends the SHA-256 by default; an image without it (the
         * header byte cleared) is checked by an 8-bit sum alone. */
        fprintf(stderr,
                "otactl deploy: pre-flight: %s has no appended SHA-256 (hash_appended is 0), so "
                "only its 8-bit checksum would catch a corruption; nothing was sent (give "
                "--allow-no-hash to deploy it anyway)\n",
                a.image);
        image_file_close(&img);
        targets_free(&a.targets);
        return OTACTL_EXIT_USAGE;
    }
    if (!a.quiet) {
        char line[1024], safe[TERM_ESCAPED_SIZE(1024)];
        snprintf(line, sizeof(line), "%s: %s %s (%s %s), %s, %zu bytes, elf_sha256 %.16s...",
                 a.image, img.identity.project, img.identity.version, img.identity.date,
                 img.identity.time, img.identity.chip, img.len, img.identity.elf_sha256);
        fprintf(stderr, "otactl deploy: %s\n", term_escape(line, safe, sizeof(safe)));
    }
    int code;
    if (a.from_files && a.targets.count == 0) {
        /* --retry-failed of a report where every node ended ok. */
        fprintf(stderr, "otactl deploy: no node to retry; nothing was sent\n");
        code = OTACTL_EXIT_OK;
    } else if (discover_targets(&a) != 0) {
        code = OTACTL_EXIT_USAGE;
    } else if (!confirmed_by_operator(&a, &img)) {
        fprintf(stderr,
                "otactl deploy: not confirmed; nothing was sent (answer y, or give --yes)\n");
        code = OTACTL_EXIT_USAGE;
    } else {
        code = run_deploy(&a, &img);
    }
    image_file_close(&img);
    targets_free(&a.targets);
    return code;
}
