# Shared functions of the legacy-node end-to-end tests (tests/e2e/legacy_*.sh).
# Source it after tests/e2e/lib.sh:
#   . "$(dirname "$0")/lib.sh"
#   . "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"
# The two virtual nodes come from scripts/build-node.sh (ctest fixture
# legacy_app.build, tests/legacy-app/build-variants.sh):
#   LEGACY_NODE_UNFIXED  sdkconfig.defaults: sequential-write erase, 4 KiB httpd stack
#   LEGACY_NODE_FIXED    plus sdkconfig.fixes: recipe fixes A and B
# The legacy app logs no reset-reason line (no fix C): boots are counted on
# the supervisor's standard error (DIR/node.stderr), one line per boot:
#   ota-node run [IP]: boot N: reset reason REASON (boot N-1 ended: ...)

: "${LEGACY_NODE_UNFIXED:?LEGACY_NODE_UNFIXED must name the unfixed legacy node (scripts/build-node.sh tests/legacy-app)}"
: "${LEGACY_NODE_FIXED:?LEGACY_NODE_FIXED must name the legacy node built with sdkconfig.fixes}"

LEGACY_APP_DIR=$OTA_SOURCE_DIR/tests/legacy-app
# GET /ota/status: exactly these fields (sorted, as jq 'keys' lists them).
LEGACY_STATUS_KEYS='["date","max_size","next_partition","running_partition","time","version"]'
# OTA_MAX_SIZE of main/ota_update.h: the upload cap, reported as max_size.
LEGACY_MAX_SIZE=1572864
LEGACY_OK_REPLY='{"status":"ok","message":"OTA update successful. Rebooting..."}'

# legacy_flash EXE DIR IMAGE [PSK]: a fresh 8 MB chip as the recipe's USB
# flash leaves it (the app's partitions.csv at 0x8000, blank otadata, IMAGE
# in ota_0), and the PSK in NVS security/ota_psk when given.
legacy_flash() {
    local exe=$1 dir=$2 image=$3 psk=${4:-}
    mkdir -p "$dir"
    "$OTACTL" partition-table "$LEGACY_APP_DIR/partitions.csv" -o "$dir/partition-table.bin" >/dev/null
    head -c 8192 /dev/zero | tr '\0' '\377' >"$dir/ota_data_initial.bin"
    "$exe" write-flash --dir "$dir" 0x8000 "$dir/partition-table.bin" \
        0xf000 "$dir/ota_data_initial.bin" 0x20000 "$image" >/dev/null
    if [ -n "$psk" ]; then
        "$exe" nvs-set --dir "$dir" security ota_psk "$psk" >/dev/null
    fi
}

# legacy_start EXE DIR IP [ota-node run options...]: e2e_start_node with
# the legacy executable; UART in DIR/uart.log, supervisor in DIR/node.stderr.
legacy_start() {
    local exe=$1
    shift
    OTA_NODE=$exe e2e_start_node "$@"
}

# legacy_boots DIR: how many boots the supervisor has started so far.
legacy_boots() {
    grep -c ': boot [0-9]*: reset reason ' "$1/node.stderr" 2>/dev/null || true
}

# legacy_boot_reason DIR N: the reset reason of boot N (empty before it).
legacy_boot_reason() {
    sed -n "s/^.*: boot $2: reset reason \([A-Z_]*\).*\$/\1/p" "$1/node.stderr" 2>/dev/null |
        head -n 1
}

# legacy_wait_boot DIR IP N REASON SECONDS: until boot N has started with
# REASON, then until the node answers GET /ota/status again.
legacy_wait_boot() {
    local dir=$1 ip=$2 n=$3 want=$4 deadline=$((SECONDS + $5)) got
    while :; do
        got=$(legacy_boot_reason "$dir" "$n")
        [ -n "$got" ] && break
        [ $SECONDS -lt $deadline ] || e2e_fail "$ip: no boot $n within $5 s"
        sleep 0.1
    done
    e2e_check "$ip: reset reason of boot $n" "$want" "$got"
    e2e_wait_up "$ip" 20 || e2e_fail "$ip did not answer after boot $n"
}

# legacy_post IP IMAGE [curl options...]: POST /ota as the recipe does it;
# prints "HTTP-CODE CURL-EXIT", the body lands in $E2E_TMP/reply.
legacy_post() {
    local ip=$1 image=$2 code rc
    shift 2
    rm -f "$E2E_TMP/reply"
    set +e
    code=$(curl -s -m 60 -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$image" "$@" "http://$ip:8032/ota")
    rc=$?
    set -e
    echo "$code $rc"
}
