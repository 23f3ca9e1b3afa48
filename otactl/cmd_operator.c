/* otactl set-target, recalibrate and rollback: the operator endpoints. All
 * make the node restart; the command confirms it came back (rollback: on
 * the other slot). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "auth_step.h"
#include "commands.h"
#include "fleet_options.h"
#include "http_multi.h"
#include "options.h"
#include "probe.h"
#include "progress.h"
#include "report.h"
#include "targets.h"
#include "verify.h"

static const char set_target_help[] =
    "NAME\n"
    "    otactl set-target - point nodes at a new CSI aggregator, and confirm they restarted\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl set-target --target IPv4:PORT NODE... [--json] [--no-wait]\n"
    "                      [--probe-timeout S] [--verify-timeout S] [--port P] [-q | -v]\n"
    "                      [--allow-bearer] [--targets-file FILE]... [--retry-failed R.json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends POST /ota/set-target with the body IPv4:PORT to every node at once. The\n"
    "    node stores csi_cfg/target_ip and csi_cfg/target_port in NVS, answers, and\n"
    "    restarts. otactl then polls GET /ota/status with backoff until the node answers\n"
    "    from a new boot (its uptime is shorter than the time since the request), or\n"
    "    --verify-timeout passes. Use it after the aggregator machine changed address.\n"
    "\n";

static const char recalibrate_help[] =
    "NAME\n"
    "    otactl recalibrate - clear the nodes' gain lock, and confirm they restarted\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl recalibrate NODE... [--json] [--no-wait] [--probe-timeout S]\n"
    "                       [--verify-timeout S] [--port P] [-q | -v]\n"
    "                       [--allow-bearer] [--targets-file FILE]... [--retry-failed R.json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends POST /ota/recalibrate to every node at once. The node erases csi_cfg/gl_agc,\n"
    "    csi_cfg/gl_fft and csi_cfg/gl_ap_mac, answers, and restarts, so the next boot\n"
    "    samples a fresh gain lock. otactl then polls GET /ota/status with backoff until\n"
    "    the node answers from a new boot, or --verify-timeout passes. Use it after the\n"
    "    access point or the room geometry changed.\n"
    "\n";

static const char rollback_help[] =
    "NAME\n"
    "    otactl rollback - boot the nodes' previous image again, and confirm they run it\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl rollback NODE... [--json] [--no-wait] [--probe-timeout S]\n"
    "                    [--verify-timeout S] [--port P] [-q | -v]\n"
    "                    [--allow-bearer] [--targets-file FILE]... [--retry-failed R.json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends POST /ota/rollback to every node at once. The node calls ESP-IDF's\n"
    "    esp_ota_mark_app_invalid_rollback_and_reboot(): the running slot is marked\n"
    "    INVALID and the bootloader boots the image in the other slot. The node refuses\n"
    "    (409, 'rejected') when the other slot holds no image, is marked INVALID or\n"
    "    ABORTED (it was rolled back from), or fails verification; a firmware without the\n"
    "    endpoint answers 404 ('not supported by this node's firmware'). otactl then polls\n"
    "    GET /ota/status until the node answers from a new boot, and confirms it runs the\n"
    "    other slot with the image that slot held (version and ELF SHA-256 from the\n"
    "    node's \"slots\" before the request). 'otactl slots' shows both slots first.\n"
    "\n";

static const char common_help[] =
    "NODES\n"
    "    NODE is an IPv4 address or a host name, with :PORT when not --port's; a name is\n"
    "    resolved by the system resolver (so node.local works where the OS resolves\n"
    "    mDNS), and one that does not resolve is that node's failure (unresolved).\n"
    "\n"
    "OPTIONS\n"
    "    --json              one JSON object: {\"command\", \"summary\", \"exit_code\", "
    "\"nodes\":\n"
    "                        [{\"ip\", \"port\", \"result\", \"ok\", \"reason\", \"before\", "
    "\"after\",\n"
    "                        \"timings_ms\", ...}]}; result is confirmed, sent, unreachable,\n"
    "                        token-rejected, psk-not-provisioned, bearer-needed, rejected,\n"
    "                        busy or no-return\n"
    "    --no-wait           do not wait for the restart; an accepted request is 'sent'\n"
    "    --probe-timeout S   each status request, seconds (default 1.5; --timeout is the same)\n"
    "    --verify-timeout S  how long to wait for the node to come back (default 60); also\n"
    "                        how long to wait while its running image is PENDING_VERIFY\n"
    "                        (409): otactl never restarts a node out of an unconfirmed\n"
    "                        image, which would roll it back ('busy' when it stays so)\n"
    "    --port P            port for nodes given without one (default "
    "8032)\n" FLEET_OPTIONS_TARGET_HELP
    "    --allow-bearer      send the PSK in clear ('Authorization: Bearer $OTA_PSK') to a\n"
    "                        recipe-era node (GET /ota/nonce is 404); without it such a\n"
    "                        node is bearer-needed and nothing is sent to "
    "it\n" FLEET_OPTIONS_VERBOSITY_HELP "    -h, --help          this text\n"
    "\n"
    "AUTHENTICATION\n"
    "    With OTA_PSK set, each request first fetches a fresh nonce from that node (GET\n"
    "    /ota/nonce) and carries 'Authorization: OTA-HMAC-SHA256 nonce=..., body=...,\n"
    "    mac=...', an HMAC-SHA256 under the PSK over the nonce, POST, the path and the\n"
    "    body's SHA-256; the PSK itself is never sent unless --allow-bearer. A refusal\n"
    "    says which: node has no PSK (psk-not-provisioned), wrong PSK (mac-mismatch,\n"
    "    token-mismatch), a replay (nonce-replayed), an unknown nonce (nonce-unknown:\n"
    "    retried once with a fresh one).\n"
    "\n" FLEET_OPTIONS_ENV_HELP "\n"
    "EXIT STATUS\n"
    "    0  every node accepted the request and came back\n"
    "    1  a node was unreachable, refused (401/403/400), or did not come back\n"
    "    2  usage error\n"
    "\n"
    "EXAMPLES\n"
    "    otactl set-target --target 192.168.0.103:5005 192.168.0.100 192.168.0.101\n"
    "    OTA_PSK=secret otactl recalibrate 192.168.0.100 --json\n"
    "    otactl rollback 192.168.0.100 192.168.0.101\n";

struct op_run;

struct op_node {
    struct op_run *run;
    size_t index;
    node_result_t *res;
    char url[64];
    uint64_t sent_ms;
    uint64_t ended_ms;
    uint64_t confirm_deadline_ms; /* waiting for PENDING_VERIFY to end: until then */
    uint64_t busy_delay_ms;       /* backoff before sending again after a 409 */
    verify_poller_t poller;
    bool credential_sent; /* the last request carried an Authorization header */
    bool nonce_retried;   /* a nonce-unknown refusal was retried once with a fresh nonce */
};

struct op_run {
    bool rollback; /* the node must come back on the other slot */
    const char *path;
    const char *body;
    char body_sha256[AUTH_DIGEST_HEX_LEN + 1]; /* what every request's MAC covers */
    const char *psk;
    bool allow_bearer; /* every node here is named on the command line */
    bool wait;
    uint64_t probe_timeout_ms;
    uint64_t verify_timeout_ms;
    http_loop_t *loop;
    progress_t *progress;
    uint64_t started_ms;
};

static void op_finish(struct op_node *n, node_outcome_t outcome, const char *why)
{
    uint64_t now = http_now_ms();
    n->res->outcome = outcome;
    snprintf(n->res->reason, sizeof(n->res->reason), "%s", why);
    n->res->total_ms = now - n->run->started_ms;
    if (n->ended_ms != 0 && outcome != NODE_SENT) {
        n->res->verify_ms = now - n->ended_ms;
    }
    progress_done(n->run->progress, n->index, node_outcome_ok(outcome), "%s: %s",
                  node_outcome_name(outcome), why);
}

static void rollback_verdict(struct op_node *n, const node_status_t *st);

static bool op_on_answer(void *ctx, const node_status_t *st)
{
    struct op_node *n = ctx;
    uint64_t since_sent = n->poller.asked_ms > n->sent_ms ? n->poller.asked_ms - n->sent_ms : 0;
    if (!verify_rebooted_since(&n->res->before, st, since_sent, n->poller.failures > 0)) {
        return true;
    }
    n->res->after = *st;
    n->res->has_after = true;
    if (n->run->rollback) {
        rollback_verdict(n, st);
        return false;
    }
    char why[200];
    snprintf(why, sizeof(why), "restarted and answering (reset_reason %s, running %s %s)",
             st->reset_reason[0] ? st->reset_reason : "not reported", st->running_partition,
             st->version);
    op_finish(n, NODE_CONFIRMED, why);
    return false;
}

/* The node restarted after a rollback: it must run the other slot, with the
 * image that slot held before (when the status listed the slots). */
static void rollback_verdict(struct op_node *n, const node_status_t *st)
{
    const node_status_t *before = &n->res->before;
    char why[400];
    if (strcmp(st->running_partition, before->running_partition) == 0) {
        snprintf(why, sizeof(why), "restarted but still runs %s %s: the rollback did not take",
                 st->running_partition, st->version);
        op_finish(n, NODE_REJECTED, why);
        return;
    }
    const node_slot_t *expected = node_status_slot(before, st->running_partition);
    if (expected != NULL && expected->has_image &&
        (strcmp(expected->version, st->version) != 0 ||
         (expected->elf_sha256[0] && st->elf_sha256[0] &&
          strcmp(expected->elf_sha256, st->elf_sha256) != 0))) {
        snprintf(why, sizeof(why),
                 "restarted on %s but runs %s (ELF %.16s), not the %s (ELF %.16s) the slot held",
                 st->running_partition, st->version, st->elf_sha256, expected->version,
                 expected->elf_sha256);
        op_finish(n, NODE_REJECTED, why);
        return;
    }
    const node_slot_t *left = node_status_slot(st, before->running_partition);
    char left_state[64] = "";
    if (left != NULL) {
        snprintf(left_state, sizeof(left_state), "; %s is now %s", left->label, left->state);
    }
    snprintf(why, sizeof(why), "rolled back: runs %s %s (was %s %s, ota_state %s)%s",
             st->running_partition, st->version, before->running_partition, before->version,
             st->ota_state[0] ? st->ota_state : "not reported", left_state);
    op_finish(n, NODE_CONFIRMED, why);
}

static void op_on_timeout(void *ctx, const char *last_error)
{
    struct op_node *n = ctx;
    char why[300];
    snprintf(why, sizeof(why), "did not come back within %.0f s after the request (last: %s)",
             (double)(http_now_ms() - n->ended_ms) / 1000.0, last_error);
    op_finish(n, NODE_NO_RETURN, why);
}

static void op_wait_confirmation(struct op_node *n, const char *why);
static void op_submit(struct op_node *n);

static void op_on_done(void *ctx, const http_result_t *r)
{
    struct op_node *n = ctx;
    n->ended_ms = http_now_ms();
    n->res->upload_ms = n->ended_ms - n->sent_ms;
    char message[200];
    char why[512];
    bool accepted = false;
    if (r->curl_code == CURLE_OK && r->http_status != 0) {
        node_reply_message(r->body, r->body_len, message, sizeof(message));
        if (r->http_status == 200) {
            accepted = true;
            snprintf(why, sizeof(why), "accepted: %s", message);
        } else if (r->http_status == 404) {
            snprintf(why, sizeof(why), "%s is not supported by this node's firmware (404: %s)",
                     n->run->path, message);
            n->ended_ms = 0;
            op_finish(n, NODE_REJECTED, why);
            return;
        } else if (r->http_status == 409 && n->run->rollback &&
                   strstr(message, "PENDING_VERIFY") == NULL) {
            /* A refusal about the slots: waiting would not change it. */
            snprintf(why, sizeof(why), "node refused the rollback (409: %s)", message);
            n->ended_ms = 0;
            op_finish(n, NODE_REJECTED, why);
            return;
        } else if (r->http_status == 409) {
            char busy[400];
            snprintf(busy, sizeof(busy), "409: %s", message);
            n->ended_ms = 0;
            /* The status may say VALID a moment before the endpoint agrees:
             * send again with backoff, 1 s doubling up to 5 s. */
            n->busy_delay_ms = n->busy_delay_ms ? n->busy_delay_ms * 2 : 1000;
            n->busy_delay_ms = n->busy_delay_ms > 5000 ? 5000 : n->busy_delay_ms;
            op_wait_confirmation(n, busy);
            return;
        } else if (r->http_status == 401 || r->http_status == 403) {
            char code[32];
            auth_refusal_code_of(r->body, r->body_len, code, sizeof(code));
            n->res->auth_refusal =
                auth_refusal_classify_code(r->http_status, n->credential_sent, code, message);
            if (n->res->auth_refusal == AUTH_REFUSAL_NONCE_UNKNOWN && !n->nonce_retried) {
                /* Expired, or evicted by other clients' nonces: once more. */
                n->nonce_retried = true;
                n->ended_ms = 0;
                progress_event(n->run->progress, n->index,
                               "the node did not know the nonce: once more with a fresh one");
                op_submit(n);
                return;
            }
            auth_refusal_explain(n->res->auth_refusal, r->http_status, message, why, sizeof(why));
            n->ended_ms = 0;
            op_finish(n,
                      n->res->auth_refusal == AUTH_REFUSAL_NOT_PROVISIONED ? NODE_NOT_PROVISIONED
                                                                           : NODE_TOKEN_REJECTED,
                      why);
            return;
        } else {
            snprintf(why, sizeof(why), "node refused the request (%ld: %s)", r->http_status,
                     message);
            n->ended_ms = 0;
            op_finish(n, NODE_REJECTED, why);
            return;
        }
    } else if (r->curl_code == CURLE_GOT_NOTHING || r->curl_code == CURLE_RECV_ERROR ||
               r->curl_code == CURLE_PARTIAL_FILE ||
               (r->curl_code == CURLE_SEND_ERROR && r->body_fully_sent)) {
        /* The node restarts right after answering; the answer may be lost. */
        accepted = true;
        snprintf(why, sizeof(why), "sent, connection ended without a reply (%s)", r->error);
    } else {
        snprintf(why, sizeof(why), "unreachable: %s", r->error);
        n->ended_ms = 0;
        op_finish(n, NODE_UNREACHABLE, why);
        return;
    }
    if (accepted && !n->run->wait) {
        op_finish(n, NODE_SENT, why);
        return;
    }
    progress_event(n->run->progress, n->index, "%s; waiting for the restart", why);
    n->poller = (verify_poller_t){
        .loop = n->run->loop,
        .addr = n->res->addr,
        .deadline_ms = n->ended_ms + n->run->verify_timeout_ms,
        /* Without uptime_ms only a gap in the answers shows the restart;
         * with it, the restart is due within the grace (as in deploy.c). */
        .steady_until_ms = n->res->before.has_uptime ? n->ended_ms + VERIFY_SILENT_GRACE_MS
                                                     : n->ended_ms + n->run->verify_timeout_ms,
        .probe_timeout_ms = (long)n->run->probe_timeout_ms,
        .on_answer = op_on_answer,
        .on_timeout = op_on_timeout,
        .ctx = n,
    };
    verify_poller_start(&n->poller);
}

static void op_submit(struct op_node *n);

static void op_submit_later(void *ctx)
{
    op_submit(ctx);
}

/*
 * Both endpoints restart the node. A restart while the running image is
 * PENDING_VERIFY makes the bootloader roll it back, undoing the update just
 * deployed, so otactl never asks for one then: the firmware answers 409 in
 * that state, and an older firmware that does not is not asked before its
 * status says VALID. Status is polled (with backoff) until the state
 * changes or --verify-timeout passes, as deploy does for its 409s.
 */
static bool op_on_confirm_answer(void *ctx, const node_status_t *st)
{
    struct op_node *n = ctx;
    if (strcasecmp(st->ota_state, "PENDING_VERIFY") == 0) {
        progress_event(n->run->progress, n->index,
                       "waiting: the running image is not confirmed yet (PENDING_VERIFY, up "
                       "%.1f s); a restart now would roll it back",
                       (double)st->uptime_ms / 1000.0);
        return true;
    }
    n->res->before = *st;
    progress_event(n->run->progress, n->index, "running image confirmed (ota_state %s)",
                   st->ota_state[0] ? st->ota_state : "not reported");
    if (n->busy_delay_ms == 0) {
        op_submit(n);
    } else if (http_loop_after(n->run->loop, n->busy_delay_ms, op_submit_later, n) != 0) {
        op_finish(n, NODE_UNREACHABLE, "out of memory scheduling the request");
    }
    return false;
}

static void op_on_confirm_timeout(void *ctx, const char *last_error)
{
    struct op_node *n = ctx;
    char why[400];
    snprintf(why, sizeof(why),
             "the running image was still not confirmed (PENDING_VERIFY) after %.0f s; not "
             "restarted, since that would roll the update back (last: %s)",
             (double)n->run->verify_timeout_ms / 1000.0, last_error);
    n->ended_ms = 0;
    op_finish(n, NODE_BUSY, why);
}

static void op_wait_confirmation(struct op_node *n, const char *why)
{
    uint64_t now = http_now_ms();
    if (n->confirm_deadline_ms == 0) {
        n->confirm_deadline_ms = now + n->run->verify_timeout_ms;
    }
    progress_event(n->run->progress, n->index, "%s; waiting for the confirmation", why);
    n->poller = (verify_poller_t){
        .loop = n->run->loop,
        .addr = n->res->addr,
        .deadline_ms = n->confirm_deadline_ms,
        .probe_timeout_ms = (long)n->run->probe_timeout_ms,
        .on_answer = op_on_confirm_answer,
        .on_timeout = op_on_confirm_timeout,
        .ctx = n,
    };
    verify_poller_start(&n->poller);
}

static void op_on_authorized(void *ctx, const auth_plan_t *auth)
{
    struct op_node *n = ctx;
    struct op_run *run = n->run;
    node_outcome_t outcome;
    if (auth_plan_ends_node(auth, n->res, &outcome)) {
        op_finish(n, outcome, auth->why);
        return;
    }
    n->credential_sent = auth_plan_sends_credential(auth);
    size_t body_len = run->body ? strlen(run->body) : 0;
    http_request_t req = {
        .post = true,
        .url = n->url,
        .body = run->body,
        .body_len = body_len,
        .content_type = "text/plain",
        .authorization = auth->kind == AUTH_PLAN_NONE ? NULL : auth->header,
        .connect_timeout_ms = (long)run->probe_timeout_ms,
        .timeout_ms = (long)run->probe_timeout_ms + 10000, /* the node answers before it restarts */
        .on_done = op_on_done,
        .ctx = n,
    };
    n->sent_ms = http_now_ms();
    n->res->attempts++;
    progress_event(run->progress, n->index, "POST %s%s", run->path, auth_plan_label(auth));
    if (http_loop_submit(run->loop, &req) != 0) {
        op_finish(n, NODE_UNREACHABLE, "could not start the request");
    }
}

/* A fresh nonce for every request, a 409's retry included: nonces are
 * single use on the node. */
static void op_submit(struct op_node *n)
{
    struct op_run *run = n->run;
    auth_policy_t policy = {
        .psk = run->psk,
        .allow_bearer = run->allow_bearer,
        .named = n->res->named,
    };
    if (auth_step_start(run->loop, &n->res->addr, &policy, "POST", run->path, run->body_sha256,
                        (long)run->probe_timeout_ms, op_on_authorized, n) != 0) {
        op_finish(n, NODE_UNREACHABLE, "could not start the request");
    }
}

/* Snapshot (for the restart check), then the request and the wait. */
static void op_execute(struct op_run *run, node_result_t *nodes, struct op_node *ops, size_t n)
{
    probe_result_t *probes = calloc(n, sizeof(*probes));
    if (probes == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        probes[i].addr = nodes[i].addr;
    }
    probe_all(probes, n, run->probe_timeout_ms, 0);
    for (size_t i = 0; i < n; i++) {
        ops[i] = (struct op_node){.run = run, .index = i, .res = &nodes[i]};
        node_addr_url(&nodes[i].addr, run->path, ops[i].url, sizeof(ops[i].url));
        if (!probes[i].valid) {
            op_finish(&ops[i],
                      probes[i].addr.unresolved ? NODE_UNRESOLVED
                      : probes[i].answered      ? NODE_BAD_STATUS
                                                : NODE_UNREACHABLE,
                      probes[i].error);
            continue;
        }
        nodes[i].before = probes[i].status;
        nodes[i].has_before = true;
        if (strcasecmp(nodes[i].before.ota_state, "PENDING_VERIFY") == 0) {
            op_wait_confirmation(&ops[i], "the running image is not confirmed yet "
                                          "(PENDING_VERIFY)");
            continue;
        }
        op_submit(&ops[i]);
    }
    free(probes);
    http_loop_run(run->loop);
}

static int run_operator(const char *command, int argc, char **argv)
{
    bool set_target = strcmp(command, "set-target") == 0;
    bool rollback = strcmp(command, "rollback") == 0;
    bool json = false, wait = true, allow_bearer = false, from_files = false;
    uint64_t verify_ms = 60000;
    fleet_options_t f;
    fleet_options_init(&f, command, 1500);
    const char *target = NULL;
    char body[32] = "";
    char err[200];
    char **ips = calloc((size_t)argc, sizeof(*ips));
    size_t ip_count = 0;
    target_list_t targets = {0};
    int code = OTACTL_EXIT_USAGE;
    if (ips == NULL) {
        return OTACTL_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int taken = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(set_target ? set_target_help
                  : rollback ? rollback_help
                             : recalibrate_help,
                  stdout);
            fputs(common_help, stdout);
            code = OTACTL_EXIT_OK;
            goto done;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if ((taken = fleet_options_take(&f, argc, argv, &i)) != 0) {
            if (taken < 0) {
                goto done;
            }
        } else if (strcmp(arg, "--no-wait") == 0) {
            wait = false;
        } else if (strcmp(arg, "--allow-bearer") == 0) {
            allow_bearer = true;
        } else if (set_target && options_is(arg, "--target", &v)) {
            if ((target = options_value(argc, argv, &i, v)) == NULL) {
                fprintf(stderr, "otactl set-target: --target needs a value (give the "
                                "aggregator's IPv4:PORT, e.g. 192.168.0.103:5005)\n");
                goto done;
            }
        } else if (options_is(arg, "--verify-timeout", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_seconds(s, &verify_ms)) {
                fprintf(stderr, "otactl %s: --verify-timeout wants seconds, e.g. 60 (see --help)\n",
                        command);
                goto done;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "otactl %s: unknown option '%s' (see otactl %s --help)\n", command, arg,
                    command);
            goto done;
        } else {
            ips[ip_count++] = argv[i];
        }
    }
    if (set_target) {
        node_addr_t t;
        if (target == NULL) {
            fprintf(stderr, "otactl set-target: no --target (give the aggregator's IPv4:PORT, "
                            "e.g. --target 192.168.0.103:5005)\n");
            goto done;
        }
        if (node_addr_parse(target, 0, &t, err, sizeof(err)) != 0) {
            fprintf(stderr, "otactl set-target: --target: %s (see otactl set-target --help)\n",
                    err);
            goto done;
        }
        snprintf(body, sizeof(body), "%s:%u", t.ip, t.port & 0xFFFFu);
    }
    if (fleet_options_finish(&f) != 0 ||
        fleet_options_targets(&f, ips, ip_count, &targets, &from_files) != 0) {
        goto done;
    }
    if (targets.count == 0 && !from_files) {
        fprintf(stderr,
                "otactl %s: give at least one node (IP[:PORT], HOST[:PORT] or --targets-file "
                "FILE)\n",
                command);
        goto done;
    }
    if (targets.count == 0) {
        fprintf(stderr, "otactl %s: no node to retry; nothing was sent\n", command);
        code = OTACTL_EXIT_OK;
        goto done;
    }
    size_t n = targets.count;
    node_result_t *nodes = calloc(n, sizeof(*nodes));
    struct op_node *ops = calloc(n, sizeof(*ops));
    const char **labels = calloc(n, sizeof(*labels));
    struct op_run run = {
        .rollback = rollback,
        .path = set_target ? "/ota/set-target"
                : rollback ? "/ota/rollback"
                           : "/ota/recalibrate",
        .body = set_target ? body : NULL,
        .psk = options_psk(),
        .allow_bearer = allow_bearer,
        .wait = wait,
        .probe_timeout_ms = f.timeout_ms,
        .verify_timeout_ms = verify_ms,
        .loop = http_loop_new(0),
        .started_ms = http_now_ms(),
    };
    code = OTACTL_EXIT_FAILED;
    if (nodes != NULL && ops != NULL && labels != NULL && run.loop != NULL &&
        auth_hmac_body_digest(run.body, run.body ? strlen(run.body) : 0, run.body_sha256) == 0) {
        for (size_t i = 0; i < n; i++) {
            nodes[i].addr = targets.items[i];
            /* Operator commands take named nodes only, but a retried
             * report's node found by discovery then stays unnamed. */
            nodes[i].named = !nodes[i].addr.discovered;
            labels[i] = nodes[i].addr.label;
        }
        /* -v's exchange lines would break a redrawn live view: events instead. */
        bool live = isatty(STDERR_FILENO) != 0 && !f.verbose;
        run.progress = progress_new(stderr, labels, n, live, f.quiet);
        op_execute(&run, nodes, ops, n);
        progress_end(run.progress);
        code = report_exit_code(nodes, n);
        if (json) {
            report_print_json(stdout, report_operator_json(command, nodes, n, code));
        } else {
            report_result_table(stdout, nodes, n);
        }
    } else {
        fprintf(stderr, "otactl %s: out of memory (act on fewer nodes at a time)\n", command);
    }
    http_loop_free(run.loop);
    free(labels);
    free(ops);
    free(nodes);
done:
    free(ips);
    targets_free(&targets);
    return code;
}

int cmd_set_target(int argc, char **argv)
{
    return run_operator("set-target", argc, argv);
}

int cmd_recalibrate(int argc, char **argv)
{
    return run_operator("recalibrate", argc, argv);
}

int cmd_rollback(int argc, char **argv)
{
    return run_operator("rollback", argc, argv);
}
