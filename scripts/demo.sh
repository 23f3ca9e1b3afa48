#!/usr/bin/env bash
# The main job, end to end on this machine: a virtual fleet of ESP32-S3
# nodes on loopback runs firmware v1, and one more node runs a build with
# one of the recipe's defects (fix B missing: a 4 KiB httpd stack that
# esp_ota_end overflows). otactl deploys v2 to all of them in parallel and
# proves each one really booted it and confirmed it, catches the one where
# the update "succeeded" and did not take, and doctor explains why. Then a
# canary rollout of v3 stops at that node before touching the others, and
# one node goes back to its previous image on demand. Nothing leaves
# 127.0.0.0/8.
#
# Env: DEMO_NODES (healthy nodes, default 5), DEMO_NET (three octets,
# default 127.0.77: healthy nodes NET.1.., the defect node NET.201),
# DEMO_BUILD_DIR (use that build instead of building), NO_COLOR.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${DEMO_NODES:-5}
net=${DEMO_NET:-127.0.77}
defect_ip=$net.201
health_ms=3000 # the firmware waits 10 s by default before confirming

bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  bold=$'\033[1m' plain=$'\033[0m'
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '%s\n' "$*"; }

if [ -n "${DEMO_BUILD_DIR:-}" ]; then
  dir=$DEMO_BUILD_DIR
else
  step "Building otactl and the virtual nodes (scripts/build.sh; a few minutes the first time)"
  dir=$(scripts/build.sh | tail -n 1) # build.sh's progress goes to stderr
fi
dir=$(cd "$dir" && pwd)
otactl=$dir/otactl/otactl
node=$dir/sim/ota-node
defect_node=$dir/sim/ota-node-defect-stack4k
for exe in "$otactl" "$node" "$defect_node"; do
  [ -x "$exe" ] || { echo "demo: $exe is missing (cmake --build $dir)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/ota-demo.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_fleet EXE COUNT CIDR DIR: `ota-node fleet` on CIDR's first hosts, in the
# background (the UARTs in uart/<ip>.log, where deploy --uart-dir and doctor
# read them); waits until every node answers. Sets started_ips.
start_fleet() {
  local exe=$1 n=$2 cidr=$3 fdir=$4 ip
  "$exe" fleet --count "$n" --subnet "$cidr" --dir "$fdir" --image "$work/v1.bin" \
    --uart-dir "$work/uart" --nvs "ota/health_ms=u32:$health_ms" --psk "$OTA_PSK" \
    >"$fdir.out" 2>"$fdir.err" &
  pids+=($!)
  for _ in $(seq 150); do
    [ "$(grep -c '^node-' "$fdir/fleet.tsv" 2>/dev/null)" = "$n" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$fdir.err" >&2; exit 1; }
    sleep 0.1
  done
  mapfile -t started_ips < <(awk '$1 ~ /^node-/ {print $2}' "$fdir/fleet.tsv")
  for ip in "${started_ips[@]}"; do
    curl -s -o /dev/null --retry 30 --retry-connrefused --retry-delay 1 -m 2 \
      "http://$ip:8032/ota/status" || { echo "demo: $ip did not come up" >&2; exit 1; }
  done
}

step "Firmware images: v1 (what the fleet runs), v2 and v3 (the updates)"
"$otactl" image build -o "$work/v1.bin" --version 1.0.0 --size 1100K
"$otactl" image build -o "$work/v2.bin" --version 2.0.0 --size 870K
"$otactl" image build -o "$work/v3.bin" --version 3.0.0 --size 880K
say "(otactl image info FILE shows every field of an image)"

for ip in "$net.1" "$defect_ip"; do
  if curl -s -m 1 -o /dev/null "http://$ip:8032/ota/status"; then
    echo "demo: $ip already answers (another demo running?); set DEMO_NET" >&2
    exit 1
  fi
done
# The firmware refuses every update without a PSK (fail-closed): each node
# gets a fresh one in NVS security/ota_psk, and otactl the same in OTA_PSK
# (it never sends it: each request carries an HMAC over a nonce of the node).
OTA_PSK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export OTA_PSK
mkdir -p "$work/uart"

step "$count virtual ESP32-S3 nodes on $net.1-$count, and $defect_ip built without fix B, all on v1"
start_fleet "$node" "$count" "$net.0/24" "$work/fleet"
ips=("${started_ips[@]}")
# The defect build is a fleet of its own, in a /30 whose first host is NET.201.
start_fleet "$defect_node" 1 "$net.200/30" "$work/defect"
"$otactl" status "${ips[@]}" "$defect_ip"

step "otactl deploy v2: pre-flight, snapshot, parallel upload, verify after reboot, confirm"
say "(health delay ${health_ms} ms: each node confirms v2 that long after it is back)"
rc=0
"$otactl" deploy --image "$work/v2.bin" --uart-dir "$work/uart" "${ips[@]}" "$defect_ip" || rc=$?
say "(deploy exit status $rc: 1 because one node did not take the update, and it says why)"
[ "$rc" = 1 ] || { echo "demo: expected deploy to catch the defect node (exit 1), got $rc" >&2; exit 1; }

step "otactl doctor $defect_ip --uart uart/$defect_ip.log: why the update did not take"
"$otactl" doctor "$defect_ip" --uart "$work/uart/$defect_ip.log" --polls 2 --interval 1 || true

step "A canary rollout of v3, the defect node first: it stops there, the others keep v2"
rc=0
"$otactl" deploy --image "$work/v3.bin" --canary 1 --max-failures 1 "$defect_ip" "${ips[@]}" || rc=$?
say "(deploy exit status $rc; the healthy nodes were never sent v3: not-started)"

step "Rollback on demand: ${ips[0]} goes back to the image it ran before (v1), verified"
"$otactl" rollback "${ips[0]}"

step "What the fleet runs now"
"$otactl" status "${ips[@]}" "$defect_ip" || true

step "Each node's UART, uart/<ip>.log: the firmware's line at its latest boot"
for ip in "${ips[@]}" "$defect_ip"; do
  printf '%-14s %s\n' "$ip" "$(sed 's/\x1b\[[0-9;]*m//g' "$work/uart/$ip.log" | grep -o 'boot: reset_reason=.*' | tail -n 1)"
done
