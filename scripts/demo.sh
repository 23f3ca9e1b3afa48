#!/usr/bin/env bash
# The main job, end to end on this machine: a virtual fleet of ESP32-S3
# nodes on loopback runs firmware v1; otactl deploys v2 to all of them in
# parallel and proves each one really booted it and confirmed it. Nothing
# leaves 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${DEMO_NODES:-6}
net=${DEMO_NET:-127.0.77} # nodes are NET.1 .. NET.count
health_ms=3000            # the firmware waits 10 s by default before confirming

# DEMO_BUILD_DIR=DIR runs an existing build instead of building one.
dir=${DEMO_BUILD_DIR:-$(scripts/build.sh | tail -n 1)}
dir=$(cd "$dir" && pwd)
otactl=$dir/otactl/otactl
node=$dir/sim/ota-node
work=$(mktemp -d "${TMPDIR:-/tmp}/ota-demo.XXXXXX")
fleet_pid=""
cleanup() {
  if [ -n "$fleet_pid" ]; then
    kill -TERM "$fleet_pid" 2>/dev/null || true
    wait "$fleet_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Firmware images: v1 (what the fleet runs) and v2 (the update)"
"$otactl" image build -o "$work/v1.bin" --version 1.0.0 --size 1100K
"$otactl" image build -o "$work/v2.bin" --version 2.0.0 --size 870K
echo "(otactl image info FILE shows every field of an image)"

step "A virtual fleet of $count ESP32-S3 nodes on $net.0/24, v1 in ota_0, one PSK"
if curl -s -m 1 "http://$net.1:8032/ota/status" >/dev/null; then
  echo "demo: $net.1 already answers (another demo running?); set DEMO_NET" >&2
  exit 1
fi
# Each node's UART goes to uart/<ip>.log, the name deploy --uart-dir reads;
# ota/health_ms in NVS shortens the wait before a new image confirms itself.
# The firmware refuses every update without a PSK (fail-closed): the fleet
# gets a fresh one in NVS security/ota_psk, and otactl the same in OTA_PSK.
OTA_PSK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export OTA_PSK
"$node" fleet --count "$count" --subnet "$net.0/24" --dir "$work/fleet" \
  --image "$work/v1.bin" --uart-dir "$work/uart" --nvs "ota/health_ms=u32:$health_ms" \
  --psk "$OTA_PSK" \
  >"$work/fleet.out" 2>"$work/fleet.err" &
fleet_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c '^node-' "$work/fleet/fleet.tsv" 2>/dev/null)" = "$count" ] && break
  kill -0 "$fleet_pid" 2>/dev/null || { cat "$work/fleet.err" >&2; exit 1; }
  sleep 0.1
done
cat "$work/fleet.out"
mapfile -t ips < <(awk '$1 ~ /^node-/ {print $2}' "$work/fleet/fleet.tsv")
for _ in $(seq 100); do "$otactl" status "${ips[@]}" >/dev/null 2>&1 && break; sleep 0.2; done
"$otactl" status "${ips[@]}"

step "otactl deploy: pre-flight, snapshot, parallel upload, verify after reboot, confirm"
echo "(health delay ${health_ms} ms: each node confirms v2 that long after it is back)"
"$otactl" deploy --image "$work/v2.bin" --uart-dir "$work/uart" "${ips[@]}"

step "What the fleet runs now"
"$otactl" status "${ips[@]}"

step "Each node's UART, uart/<ip>.log: the firmware's line at its latest boot"
for ip in "${ips[@]}"; do
  printf '%-14s %s\n' "$ip" "$(sed 's/\x1b\[[0-9;]*m//g' "$work/uart/$ip.log" | grep -o 'boot: reset_reason=.*' | tail -n 1)"
done
