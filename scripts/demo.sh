#!/usr/bin/env bash
# The main job, end to end on this machine: a virtual fleet of ESP32-S3
# nodes on loopback runs firmware v1; otactl deploys v2 to all of them in
# parallel and proves each one really booted it. Nothing leaves 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${DEMO_NODES:-6}
subnet=${DEMO_SUBNET:-127.0.77.0/24}

dir=$(scripts/build.sh | tail -n 1)
otactl=$PWD/$dir/otactl/otactl
node=$PWD/$dir/sim/ota-node
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
"$otactl" image info "$work/v2.bin"

step "A virtual fleet of $count ESP32-S3 nodes on $subnet, v1 in ota_0"
"$node" fleet --count "$count" --subnet "$subnet" --dir "$work/fleet" \
  --image "$work/v1.bin" --uart-dir "$work/uart" >"$work/fleet.out" 2>"$work/fleet.err" &
fleet_pid=$!
for _ in $(seq 100); do
  [ "$(wc -l <"$work/fleet.out")" -ge "$count" ] && break
  sleep 0.1
done
cat "$work/fleet.out"
ips=$(awk '{print $2}' "$work/fleet.out")
# shellcheck disable=SC2086
for _ in $(seq 100); do "$otactl" status $ips >/dev/null 2>&1 && break; sleep 0.2; done
# shellcheck disable=SC2086
"$otactl" status $ips

step "otactl deploy: pre-flight, snapshot, parallel upload, verify after reboot"
# shellcheck disable=SC2086
"$otactl" deploy --image "$work/v2.bin" $ips

step "What the fleet runs now"
# shellcheck disable=SC2086
"$otactl" status $ips

step "First UART lines of node 1 after the update"
grep -E 'boot: reset_reason' "$work/uart/"* 2>/dev/null | head -n 4 || true
