# Shared functions of the end-to-end tests. Source it first thing:
#   . "$(dirname "$0")/lib.sh"
# Every test gets its own temporary directory ($E2E_TMP) and stops every
# process it started, by PID, when it exits (pass, fail or interrupt).
# Network: loopback only. Each test picks its own 127.x.y.z addresses.
set -euo pipefail

: "${OTA_NODE:?OTA_NODE must name the ota-node binary}"
: "${OTACTL:?OTACTL must name the otactl binary}"
: "${OTA_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${OTA_FIXTURES:=$OTA_SOURCE_DIR/tests/fixtures}"

# The OTA PSK every node gets (e2e_flash, e2e_start_fleet through OTA_PSK)
# and otactl sends: the firmware refuses every update without one
# (fail-closed). A test sets E2E_PSK before sourcing this file for another.
: "${E2E_PSK=e2e-psk-9f2c41d7}"
export OTA_PSK=$E2E_PSK

E2E_NAME=$(basename "$0" .sh)
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e-$E2E_NAME.XXXXXX")
E2E_PIDS=()
E2E_CHECKS=0

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }

e2e_stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

e2e_cleanup() {
    local rc=$? pid
    for pid in "${E2E_PIDS[@]}"; do e2e_stop_pid "$pid"; done
    if [ "$rc" -ne 0 ]; then
        e2e_log "FAILED (exit $rc); UART logs follow"
        for f in "$E2E_TMP"/uart.log "$E2E_TMP"/*/uart.log "$E2E_TMP"/*/*/uart.log \
            "$E2E_TMP"/uarts/*.log; do
            [ -f "$f" ] && { echo "--- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2; }
        done
        [ -n "${E2E_KEEP:-}" ] && e2e_log "kept $E2E_TMP"
    fi
    [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_TMP"
    return "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

e2e_fail() {
    e2e_log "FAIL: $*"
    exit 1
}

# e2e_check DESCRIPTION EXPECTED ACTUAL
e2e_check() {
    E2E_CHECKS=$((E2E_CHECKS + 1))
    if [ "$2" != "$3" ]; then
        e2e_fail "$1: expected '$2', got '$3'"
    fi
    e2e_log "ok: $1"
}

# e2e_check_match DESCRIPTION EXTENDED-REGEX TEXT
e2e_check_match() {
    E2E_CHECKS=$((E2E_CHECKS + 1))
    # A here-string, not a pipe: bash writes printf's output a line at a
    # time, and under pipefail a grep -q that matched early and left makes
    # the writer die of SIGPIPE, which would read as "no match".
    if ! grep -Eq -- "$2" <<<"$3"; then
        e2e_fail "$1: '$3' does not match /$2/"
    fi
    e2e_log "ok: $1"
}

e2e_done() {
    [ "$E2E_CHECKS" -gt 0 ] || e2e_fail "no check ran"
    e2e_log "PASS ($E2E_CHECKS checks)"
}

# e2e_image FILE VERSION [otactl image build options...]
e2e_image() {
    local out=$1 version=$2
    shift 2
    "$OTACTL" image build -o "$out" --version "$version" "$@" >/dev/null
}

# e2e_flash DIR IMAGE: a fresh 8 MB chip with the firmware's partition table,
# blank otadata and IMAGE in ota_0, as the recipe's USB flash does, and
# security/ota_psk=$E2E_PSK in its NVS as the recipe's USB provisioning
# does. Without a PSK: `E2E_PSK= e2e_flash DIR IMAGE`.
e2e_flash() {
    local dir=$1 image=$2
    mkdir -p "$dir"
    "$OTACTL" partition-table "$OTA_SOURCE_DIR/firmware/esp32-csi-node/partitions.csv" \
        -o "$dir/partition-table.bin" >/dev/null
    head -c 8192 /dev/zero | tr '\0' '\377' >"$dir/ota_data_initial.bin"
    "$OTA_NODE" write-flash --dir "$dir" 0x8000 "$dir/partition-table.bin" \
        0xf000 "$dir/ota_data_initial.bin" 0x20000 "$image" >/dev/null
    if [ -n "$E2E_PSK" ]; then
        "$OTA_NODE" nvs-set --dir "$dir" security ota_psk "$E2E_PSK" >/dev/null
    fi
}

# e2e_curl CURL-ARGS...: curl with the recipe's credential,
# 'Authorization: Bearer $E2E_PSK' (nodes built with Bearer allowed).
e2e_curl() {
    curl -H "Authorization: Bearer $E2E_PSK" "$@"
}

# e2e_hmac_curl METHOD URL [FILE [CURL-ARGS...]]: one request with the
# challenge-response, as docs/HTTP-API.md scripts it with openssl and curl:
# a nonce from the node, the body's SHA-256 (FILE, or no body when FILE is
# "" or absent), the HMAC under $E2E_PSK over nonce, method, Host (the URL's
# "IP:PORT", what curl sends), URI and body digest. The Authorization line
# it sent is kept in $E2E_TMP/hmac_header (a replay test sends it again).
e2e_hmac_curl() {
    local method=$1 url=$2 file=${3:-} n b m uri host
    shift 2
    [ $# -gt 0 ] && shift
    uri=$(sed -E 's#^https?://[^/]+##' <<<"$url")
    host=$(sed -E 's#^https?://([^/]+).*#\1#' <<<"$url")
    n=$(curl -s -m 5 "${url%"$uri"}/ota/nonce" | jq -r .nonce)
    if [ -n "$file" ]; then
        b=$(sha256sum "$file" | cut -d' ' -f1)
    else
        b=$(printf '' | sha256sum | cut -d' ' -f1)
    fi
    m=$(printf '%s\n%s\n%s\n%s\n%s' "$n" "$method" "$host" "$uri" "$b" |
        openssl dgst -sha256 -hmac "$E2E_PSK" | sed 's/.*= //')
    printf 'Authorization: OTA-HMAC-SHA256 nonce=%s, body=%s, mac=%s' "$n" "$b" "$m" \
        >"$E2E_TMP/hmac_header"
    if [ -n "$file" ]; then
        curl -X "$method" -H "$(cat "$E2E_TMP/hmac_header")" --data-binary @"$file" "$@" "$url"
    else
        curl -X "$method" -H "$(cat "$E2E_TMP/hmac_header")" "$@" "$url"
    fi
}

# e2e_refuse_busy IP...: fails when a node already answers at an address.
# It belongs to another run of this test (another build directory): its
# answers would be taken for ours.
e2e_refuse_busy() {
    local ip
    for ip in "$@"; do
        [ -z "$(e2e_status "$ip")" ] || e2e_fail "$ip already answers: is another run of $E2E_NAME using it?"
    done
}

# e2e_start_node DIR IP [ota-node run options...]: boots a virtual node whose
# UART goes to DIR/uart.log; waits until it answers GET /ota/status.
e2e_start_node() {
    local dir=$1 ip=$2
    shift 2
    e2e_refuse_busy "$ip"
    "$OTA_NODE" run --dir "$dir" --bind "$ip" --uart "$dir/uart.log" --boot-delay 100 "$@" \
        2>>"$dir/node.stderr" &
    E2E_PIDS+=("$!")
    E2E_LAST_PID=$!
    e2e_wait_up "$ip" 20 || e2e_fail "node $ip did not come up"
}

# e2e_start_fleet DIR NET COUNT IMAGE [ota-node fleet options...]: runs
# `ota-node fleet` on NET.0/24 (NET: three octets, e.g. 127.9.1), so its
# nodes are NET.1 .. NET.COUNT, with a 100 ms boot delay; waits until
# DIR/fleet.tsv lists them and every one answers. Sets E2E_FLEET_PID and
# E2E_FLEET_IPS (an array, in node order).
e2e_start_fleet() {
    local dir=$1 net=$2 count=$3 image=$4 i deadline=$((SECONDS + 60))
    shift 4
    E2E_FLEET_IPS=()
    for i in $(seq "$count"); do E2E_FLEET_IPS+=("$net.$i"); done
    e2e_refuse_busy "${E2E_FLEET_IPS[@]}"
    "$OTA_NODE" fleet --count "$count" --subnet "$net.0/24" --dir "$dir" --image "$image" \
        --boot-delay 100 "$@" >"$dir.out" 2>"$dir.err" &
    E2E_PIDS+=("$!")
    E2E_FLEET_PID=$!
    # The fleet writes fleet.tsv once every node has started.
    until [ "$(grep -c '^node-' "$dir/fleet.tsv" 2>/dev/null)" = "$count" ]; do
        kill -0 "$E2E_FLEET_PID" 2>/dev/null || e2e_fail "ota-node fleet ended: $(cat "$dir.err")"
        [ $SECONDS -lt $deadline ] || e2e_fail "fleet.tsv does not list $count nodes"
        sleep 0.1
    done
    for i in "${E2E_FLEET_IPS[@]}"; do e2e_wait_up "$i" 30 || e2e_fail "fleet node $i did not come up"; done
}

# e2e_status IP: the JSON of GET /ota/status, or nothing.
e2e_status() {
    curl -s -m 2 "http://$1:8032/ota/status" 2>/dev/null || true
}

# e2e_field IP FIELD: one field of the node's status (empty when down).
e2e_field() {
    e2e_status "$1" | jq -r ".$2 // empty" 2>/dev/null || true
}

# e2e_wait_up IP SECONDS: until the node answers with valid JSON.
e2e_wait_up() {
    local ip=$1 deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        # (jq -e alone succeeds on empty input, so test the extracted value)
        [ -n "$(e2e_field "$ip" running_partition)" ] && return 0
        sleep 0.1
    done
    return 1
}

# e2e_wait_field IP FIELD VALUE SECONDS: until the status field has VALUE.
e2e_wait_field() {
    local ip=$1 field=$2 want=$3 deadline=$((SECONDS + $4))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(e2e_field "$ip" "$field")" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}

# e2e_wait_reboot IP OLD_UPTIME_MS SECONDS: until the node answers with an
# uptime below the one seen before (it went through a reset).
e2e_wait_reboot() {
    local ip=$1 old=$2 deadline=$((SECONDS + $3)) up
    while [ $SECONDS -lt $deadline ]; do
        up=$(e2e_field "$ip" uptime_ms)
        if [ -n "$up" ] && [ "$up" -lt "$old" ]; then return 0; fi
        sleep 0.2
    done
    return 1
}

# e2e_wait_log FILE REGEX SECONDS: until a line of the UART log matches.
e2e_wait_log() {
    local file=$1 re=$2 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -Eq -- "$re" < <(e2e_plain "$file") && return 0
        sleep 0.2
    done
    return 1
}

# e2e_plain FILE: a UART capture as text: without ESP-IDF's default log
# colours (CONFIG_LOG_COLORS=y) and the console's CR before each LF
# (CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF=y), so that a line ends in its text.
e2e_plain() {
    sed 's/\x1b\[[0-9;]*m//g; s/\r$//' "$1" 2>/dev/null || true
}

# e2e_wait_boot DIR IP REASON PARTITION SECONDS: until DIR/uart.log has the
# firmware's line for a boot with REASON from PARTITION, then until the
# node answers again.
e2e_wait_boot() {
    local dir=$1 ip=$2 line="boot: reset_reason=$3 running_partition=$4"
    e2e_wait_log "$dir/uart.log" "$line\$" "$5" || e2e_fail "no '$line' on the UART of $ip"
    e2e_wait_up "$ip" 20 || e2e_fail "$ip did not answer after '$line'"
}

# e2e_boots DIR: how many boot lines the node's firmware has logged so far.
e2e_boots() {
    e2e_plain "$1/uart.log" | grep -c 'boot: reset_reason=' || true
}

# e2e_wait_boots DIR COUNT SECONDS: until the node has logged COUNT boot lines.
e2e_wait_boots() {
    local dir=$1 want=$2 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(e2e_boots "$dir")" -ge "$want" ] && return 0
        sleep 0.1
    done
    return 1
}
