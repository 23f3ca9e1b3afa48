#!/usr/bin/env bash
# Issue 12 item 6: every otactl usage or input error, whatever the command,
# is one line on stderr, "otactl COMMAND: WHAT (HOW TO FIX)", exit status 2
# and nothing on stdout; the same option has the same name everywhere
# (--probe-timeout, with --timeout accepted as its other spelling). No node
# answers anywhere here: the addresses are 127.17.3.x with nothing bound.
. "$(dirname "$0")/lib.sh"

N=127.17.3.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
printf 'not json\n' >"$E2E_TMP/notes.txt"

# usage_error DESCRIPTION COMMAND ARGS...
# (COMMAND is what the message names, e.g. "image info"; ARGS the command line.)
usage_error() {
    local what=$1 cmd=$2 out err rc=0
    shift
    case $cmd in *" "*) shift ;; esac
    out=$("$OTACTL" "$@" 2>"$E2E_TMP/err") || rc=$?
    err=$(cat "$E2E_TMP/err")
    e2e_check "$what: exit 2" 2 "$rc"
    e2e_check "$what: nothing on stdout" "" "$out"
    e2e_check "$what: one line on stderr" 1 "$(grep -c '' <<<"$err")"
    e2e_check_match "$what: 'otactl $cmd: what (how to fix)'" "^otactl $cmd: .+ \(.+\)$" "$err"
}

usage_error "deploy unknown option" deploy --bogus
usage_error "deploy --jobs 0" deploy --jobs 0 "$N"
usage_error "deploy --port 0" deploy --port 0 "$N"
usage_error "deploy bad address" deploy 999.1.2.3 --image "$E2E_TMP/v1.bin"
usage_error "deploy bad host name" deploy 'node/1' --image "$E2E_TMP/v1.bin"
usage_error "deploy missing image" deploy "$N" --image "$E2E_TMP/none.bin"
usage_error "deploy --canary with --no-verify" deploy --canary 1 --no-verify "$N"
usage_error "deploy missing targets file" deploy --targets-file "$E2E_TMP/none.txt"
usage_error "deploy --retry-failed of a text file" deploy --retry-failed "$E2E_TMP/notes.txt"
usage_error "deploy --uart-dir that is not there" deploy "$N" --image "$E2E_TMP/v1.bin" \
    --uart-dir "$E2E_TMP/none"
usage_error "status without nodes" status
usage_error "status bad timeout" status --timeout soon "$N"
usage_error "status unknown option" status --bogus "$N"
usage_error "slots bad port" slots --port 70000 "$N"
usage_error "set-target without --target" set-target "$N"
usage_error "set-target --target without port" set-target --target 127.17.3.9 "$N"
usage_error "rollback without nodes" rollback
usage_error "recalibrate bad --verify-timeout" recalibrate --verify-timeout x "$N"
usage_error "recalibrate unknown option" recalibrate --bogus "$N"
usage_error "discover bad subnet" discover --subnet 127.17.3.0/99
usage_error "discover unknown argument" discover "$N"
usage_error "doctor without a node" doctor
usage_error "doctor with two nodes" doctor "$N" 127.17.3.2
usage_error "doctor unreadable uart" doctor "$N" --uart "$E2E_TMP/none.log"
usage_error "doctor bad --polls" doctor "$N" --polls 0
OTACTL_PORT=x usage_error "bad OTACTL_PORT" status "$N"
OTACTL_TIMEOUT=0 usage_error "bad OTACTL_TIMEOUT" slots "$N"
usage_error "-q with -v" status -q -v "$N"
usage_error "image without subcommand" image
usage_error "image unknown subcommand" image bogus
usage_error "image info of nothing" "image info" image info "$E2E_TMP/none.bin"
usage_error "image build without -o" "image build" image build
usage_error "image sign without input" "image sign" image sign
usage_error "partition-table without CSV" partition-table
usage_error "partition-table unknown option" partition-table --bogus
usage_error "partition-table of a directory" partition-table "$E2E_TMP" -o "$E2E_TMP/pt.bin"
e2e_check_match "partition-table of a directory says so" "Is a directory" "$(cat "$E2E_TMP/err")"
usage_error "partition-table --decode of a directory" partition-table --decode "$E2E_TMP"
usage_error "image info of a directory" "image info" image info "$E2E_TMP"
usage_error "discover --fallback-hosts without a value" discover --fallback-hosts

# One name for one thing: the status request's timeout is --probe-timeout on
# every node command, --timeout its other spelling.
for cmd in deploy status slots set-target recalibrate rollback discover doctor; do
    help=$("$OTACTL" "$cmd" --help)
    e2e_check_match "$cmd --help documents --probe-timeout" '--probe-timeout S' "$help"
    e2e_check_match "$cmd --help has an ENVIRONMENT section naming OTACTL_TIMEOUT" \
        'OTACTL_TIMEOUT' "$help"
    e2e_check_match "$cmd --help documents -q and -v" '-q, --quiet' "$help"
done
for spelling in --probe-timeout --timeout; do
    rc=0
    "$OTACTL" status "$N" "$spelling" 0.3 >/dev/null 2>&1 || rc=$?
    e2e_check "status $spelling is taken (the node is down: exit 1)" 1 "$rc"
    rc=0
    "$OTACTL" rollback "$N" "$spelling" 0.3 >/dev/null 2>&1 || rc=$?
    e2e_check "rollback $spelling is taken (exit 1)" 1 "$rc"
done
e2e_done
