#!/usr/bin/env bash
# ota-node's input errors exit 2 with one line that says what and how, as
# otactl's do: a file or node directory that is not there, an image that
# does not fit or overlaps, and a fleet image the bootloader would refuse
# (a partition table given as --image). No node is started by any of them.
. "$(dirname "$0")/lib.sh"
cd "$E2E_TMP"

# usage_error NAME REGEX COMMAND...: exit 2, one stderr line matching REGEX.
usage_error() {
    local name=$1 re=$2 rc=0
    shift 2
    "$@" >out 2>err || rc=$?
    e2e_check "$name: exit 2" 2 "$rc"
    e2e_check "$name: one line" 1 "$(wc -l <err)"
    e2e_check_match "$name: says what" "$re" "$(cat err)"
}

e2e_image v1.bin 1.0.0
"$OTACTL" partition-table "$OTA_SOURCE_DIR/firmware/esp32-csi-node/partitions.csv" -o pt.bin >/dev/null
usage_error "write-flash, missing file" "^ota-node write-flash: cannot open nofile.bin" \
    "$OTA_NODE" write-flash --dir d1 0x20000 nofile.bin
usage_error "write-flash, past the flash" "does not fit in a 8388608-byte flash" \
    "$OTA_NODE" write-flash --dir d1 0x7ff000 v1.bin
usage_error "write-flash, overlap" "v1.bin and pt.bin overlap in flash" \
    "$OTA_NODE" write-flash --dir d1 0x8000 v1.bin 0x9000 pt.bin
usage_error "boot-info, no flash" "^ota-node boot-info: .*\(write the flash first" \
    "$OTA_NODE" boot-info --dir nodir
usage_error "nvs-set, no flash" "^ota-node nvs-set: .*\(write the flash first" \
    "$OTA_NODE" nvs-set --dir nodir security ota_psk x
usage_error "coredump, no flash" "^ota-node coredump: .*\(write the flash first" \
    "$OTA_NODE" coredump --dir nodir
usage_error "fleet, a partition table as image" \
    "^ota-node fleet: pt.bin is not an ESP32-S3 app image the bootloader would boot: .*0xE9" \
    "$OTA_NODE" fleet --count 1 --subnet 127.0.98.32/28 --dir fl --image pt.bin
e2e_check "fleet: no node directory made" no "$([ -e fl/node-1 ] && echo yes || echo no)"
usage_error "unknown command" "^ota-node: unknown command 'flsh' \(see ota-node --help\)" \
    "$OTA_NODE" flsh

# Not an input error: a flash with nothing bootable is the answer 1.
"$OTA_NODE" write-flash --dir blank 0x8000 pt.bin >/dev/null
rc=0
"$OTA_NODE" boot-info --dir blank >/dev/null 2>&1 || rc=$?
e2e_check "boot-info, nothing bootable: exit 1" 1 "$rc"
e2e_done
