#!/usr/bin/env bash
# --power-cut-at N counts flash operations from the first power-on across
# every boot of the supervisor, so a cut can be placed after an update's
# reboot: here in the bootloader's otadata write that turns the new image
# from NEW into PENDING_VERIFY (issue 9, item 6a's scene). A measuring run
# with --flash-trace finds that operation's number; a second node, cut
# there, loses power in its second boot, comes back with POWERON and runs a
# valid image (the old one: the torn otadata sector is ignored).
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 100K

deploy() {
    "$OTACTL" deploy "$1" --image "$E2E_TMP/v2.bin" --verify-timeout 20 >"$E2E_TMP/deploy.out" 2>&1 || true
}

prepare() {
    e2e_flash "$1" "$E2E_TMP/v1.bin"
    "$OTA_NODE" nvs-set --dir "$1" --type u32 ota health_ms 100 >/dev/null
}

# --- measure: which operation of boot 2 is the first otadata write
IP=127.0.130.1
D=$E2E_TMP/measure
prepare "$D"
e2e_start_node "$D" "$IP" --boot-delay 20 --flash-trace "$D/trace"
deploy "$IP"
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 was not confirmed"
e2e_check "v2 runs after the measured update" 2.0.0 "$(e2e_field "$IP" version)"
boot2_start=$(sed -n 's/.*: boot 2: .*(flash ops so far: \([0-9]*\))$/\1/p' "$D/node.stderr")
[ -n "$boot2_start" ] || e2e_fail "no boot 2 line with its flash op count: $(cat "$D/node.stderr")"
# otadata is 0xf000..0x10fff (firmware/esp32-csi-node/partitions.csv)
# (hex addresses as text: mawk has no strtonum)
cut=$(awk -v s="$boot2_start" '$1 > s && $3 ~ /^0x(f|10)[0-9a-f][0-9a-f][0-9a-f]$/ { print $1; exit }' "$D/trace")
[ -n "$cut" ] || e2e_fail "no otadata write after boot 2 in the trace"
e2e_log "boot 2 starts at op $boot2_start; its first otadata op is $cut"
e2e_check_match "the cut lies in the second boot" '^[0-9]+$' "$cut"
[ "$cut" -gt "$boot2_start" ] || e2e_fail "op $cut is not after $boot2_start"

# --- cut there: the second boot loses power in its otadata write
IP=127.0.130.2
D=$E2E_TMP/cut
prepare "$D"
e2e_start_node "$D" "$IP" --boot-delay 20 --power-cut-at "$cut"
deploy "$IP"
for _ in $(seq 300); do grep -q ': boot 3: ' "$D/node.stderr" && break; sleep 0.1; done
grep -q ': boot 3: ' "$D/node.stderr" || e2e_fail "no third boot: the cut at op $cut did not fire"
e2e_wait_up "$IP" 20 || e2e_fail "$IP did not come back after the cut"
e2e_check_match "boot 3 follows a power cut" ': boot 3: reset reason POWERON \(boot 2 ended' \
    "$(cat "$D/node.stderr")"
e2e_check "the node reports the power-on" POWERON "$(e2e_field "$IP" reset_reason)"
version=$(e2e_field "$IP" version)
e2e_check_match "a valid image runs (old or new)" '^(1|2)\.0\.0$' "$version"
e2e_log "after the cut: $version on $(e2e_field "$IP" running_partition)"
e2e_done
