#!/usr/bin/env bash
# Fix A at the physical minimum (firmware ota_erase.c): an update erases
# its image's extent and every non-blank sector after it, not the whole
# slot, and leaves no byte of the slot's older content past the new image:
# an older image larger than the new one, smaller, of equal size, and bytes
# past a blank gap (the blank check reads every sector, it does not stop at
# the first blank one). Checked on the flash file itself (DIR/flash.bin):
# every byte of ota_1 past the new image is 0xFF after the update. Then a
# power cut at each erase past the image: the running image boots as
# before, and the next update still leaves nothing stale.
# Loopback 127.0.200.1 - 127.0.200.20.
. "$(dirname "$0")/lib.sh"

OTA_1=$((0x220000)) # ota_1 in firmware/esp32-csi-node/partitions.csv
SLOT=$((0x200000))

upload() {
    e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}

# stale DIR LEN: bytes of ota_1 past LEN that are not 0xFF, read from the file.
stale() {
    tail -c +$((OTA_1 + $2 + 1)) "$1/flash.bin" | head -c $((SLOT - $2)) | tr -d '\377' | wc -c
}

# prepare DIR OLD [ADDR FILE]...: v1 in ota_0, OLD (or nothing) in ota_1, and
# extra files at absolute addresses (bytes an old image left past a gap).
prepare() {
    local dir=$1 old=$2
    shift 2
    e2e_flash "$dir" "$E2E_TMP/v1.bin"
    if [ "$old" != none ]; then
        "$OTA_NODE" write-flash --dir "$dir" "$OTA_1" "$old" >/dev/null
    fi
    if [ $# -gt 0 ]; then
        "$OTA_NODE" write-flash --dir "$dir" "$@" >/dev/null
    fi
    "$OTA_NODE" nvs-set --dir "$dir" --type u32 ota health_ms 200 >/dev/null
}

# The firmware's erase line: "erase (minimal) of ota_1 for N bytes: erased
# E bytes (T of them past the extent, S sectors not blank), blank-checked C
# bytes, M ms" -> "E T S C".
erase_line() {
    e2e_plain "$1/uart.log" | sed -nE 's/.*erase \(minimal\) of ota_1 for [0-9]+ bytes: erased ([0-9]+) bytes \(([0-9]+) of them past the extent, ([0-9]+) sectors not blank\), blank-checked ([0-9]+) bytes.*/\1 \2 \3 \4/p' | tail -n 1
}

# update NAME IP OLD NEW [ADDR FILE]...: the whole case; sets ERASED TAIL DIRTY CHECKED.
update() {
    local name=$1 ip=$2 old=$3 new=$4
    shift 4
    local dir=$E2E_TMP/$name len
    len=$(stat -c %s "$new")
    prepare "$dir" "$old" "$@"
    e2e_start_node "$dir" "$ip"
    e2e_check "$name: upload accepted" 200 "$(upload "$ip" "$new")"
    e2e_wait_boot "$dir" "$ip" SW ota_1 60
    read -r ERASED TAIL DIRTY CHECKED <<<"$(erase_line "$dir")"
    [ -n "${CHECKED:-}" ] || e2e_fail "$name: no minimal erase line on the UART"
    e2e_check "$name: no byte of ota_1 past the new image is left (flash.bin)" 0 "$(stale "$dir" "$len")"
    e2e_check "$name: less than the whole slot erased" yes "$([ "$ERASED" -lt "$SLOT" ] && echo yes || echo "no ($ERASED)")"
    e2e_check "$name: the erase covers the image" yes "$([ $((ERASED - TAIL)) -ge "$len" ] && echo yes || echo no)"
    e2e_check "$name: the blank check read past the image" yes "$([ "$CHECKED" -gt 0 ] && echo yes || echo no)"
    e2e_stop_pid "$E2E_LAST_PID"
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/big.bin" 0.9.0 --size 1100K
e2e_image "$E2E_TMP/mid.bin" 0.8.0 --size 600K
e2e_image "$E2E_TMP/small.bin" 0.7.0 --size 300K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 600K
e2e_image "$E2E_TMP/v2big.bin" 2.1.0 --size 1100K
e2e_image "$E2E_TMP/v2small.bin" 2.2.0 --size 200K
head -c 4096 /dev/urandom >"$E2E_TMP/junk"
# A sector of old bytes must really be non-blank for the check to mean anything.
[ "$(tr -d '\377' <"$E2E_TMP/junk" | wc -c)" -gt 0 ] || e2e_fail "junk sector is blank"

# --- old image larger than the new one: its tail is erased
update larger 127.0.200.1 "$E2E_TMP/big.bin" "$E2E_TMP/v2.bin"
e2e_check "larger: something past the image was erased" yes "$([ "$TAIL" -gt 0 ] && echo yes || echo no)"
# 1100 KiB over 600 KiB: 500 KiB of old sectors past the new image.
e2e_check "larger: the old tail's sectors were found" yes \
    "$([ "$DIRTY" -ge $(((1100 - 600) * 1024 / 4096 - 16)) ] && echo yes || echo "no ($DIRTY)")"

# --- old image smaller than the new one: nothing past the image to erase
update smaller 127.0.200.2 "$E2E_TMP/small.bin" "$E2E_TMP/v2.bin"
e2e_check "smaller: nothing erased past the image" 0 "$TAIL"
e2e_check "smaller: no sector past the image was dirty" 0 "$DIRTY"

# --- equal sizes
update equal 127.0.200.3 "$E2E_TMP/mid.bin" "$E2E_TMP/v2.bin"
e2e_check "equal: nothing erased past the image" 0 "$TAIL"

# --- a new image larger than the old, over a slot never written
update blank 127.0.200.4 none "$E2E_TMP/v2big.bin"
e2e_check "blank slot: nothing erased past the image" 0 "$TAIL"
e2e_check "blank slot: the whole rest of the slot was read" yes \
    "$([ "$CHECKED" -ge $((SLOT - 1100 * 1024 - 65536)) ] && echo yes || echo "no ($CHECKED)")"

# --- old bytes past a blank gap: a sector at 1.5 MiB and the slot's last one
update gap 127.0.200.5 "$E2E_TMP/small.bin" "$E2E_TMP/v2small.bin" \
    $((OTA_1 + 0x180000)) "$E2E_TMP/junk" $((OTA_1 + SLOT - 4096)) "$E2E_TMP/junk"
e2e_check "gap: the sectors past the blank gap were found" yes \
    "$([ "$DIRTY" -ge 2 ] && echo yes || echo "no ($DIRTY)")"

# --- power cuts in the erases past the image
# Measure: where the erases past the image fall on the power-cut clock.
M=$E2E_TMP/measure
prepare "$M" "$E2E_TMP/big.bin"
e2e_start_node "$M" 127.0.200.10 --flash-trace "$M/trace"
e2e_check "measure: upload accepted" 200 "$(upload 127.0.200.10 "$E2E_TMP/v2small.bin")"
e2e_wait_boot "$M" 127.0.200.10 SW ota_1 60
read -r ERASED TAIL DIRTY CHECKED <<<"$(erase_line "$M")"
e2e_stop_pid "$E2E_LAST_PID"
extent=$((ERASED - TAIL))
# Erase operations in ota_1 at or past the extent, before the first program
# there: the tail erases of this update.
cuts=()
while read -r op kind addr _; do
    addr=$((addr))
    if [ "$addr" -lt "$OTA_1" ] || [ "$addr" -ge $((OTA_1 + SLOT)) ]; then continue; fi
    [ "$kind" = program ] && break
    [ "$kind" = erase ] && [ "$addr" -ge $((OTA_1 + extent)) ] && cuts+=("$op")
done <"$M/trace"
e2e_check "measure: the update erased past its image" yes "$([ ${#cuts[@]} -gt 0 ] && echo yes || echo no)"
e2e_log "tail erase operations on the power-cut clock: ${cuts[*]}"

# The first three and the last two (the last ones are sector erases of the
# old image's end).
k=${#cuts[@]}
pick=("${cuts[@]:0:3}")
[ "$k" -le 3 ] || pick+=("${cuts[@]:$((k > 5 ? k - 2 : 3))}")
n=0
for op in "${pick[@]}"; do
    n=$((n + 1))
    ip=127.0.200.$((10 + n))
    D=$E2E_TMP/cut$n
    prepare "$D" "$E2E_TMP/big.bin"
    e2e_start_node "$D" "$ip" --power-cut-at "$op"
    code=$(upload "$ip" "$E2E_TMP/v2small.bin")
    e2e_check "cut at op $op: the upload got no 200" yes "$([ "$code" != 200 ] && echo yes || echo no)"
    e2e_wait_boot "$D" "$ip" POWERON ota_0 60
    e2e_check "cut at op $op: v1 still runs" 1.0.0 "$(e2e_field "$ip" version)"
    if [ "$n" = 1 ]; then
        # The half-erased block is found by the next update's blank check.
        e2e_check "after the cut: the next upload is accepted" 200 "$(upload "$ip" "$E2E_TMP/v2small.bin")"
        e2e_wait_boot "$D" "$ip" SW ota_1 60
        e2e_check "after the cut: nothing stale past the new image" 0 \
            "$(stale "$D" "$(stat -c %s "$E2E_TMP/v2small.bin")")"
    fi
    e2e_stop_pid "$E2E_LAST_PID"
done
e2e_done
