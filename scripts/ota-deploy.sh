#!/usr/bin/env bash
# The recipe's entry point, kept to its command line:
#
#   scripts/ota-deploy.sh                          # auto-discover (ARP table), deploy, verify
#   scripts/ota-deploy.sh 192.168.0.100 192.168.0.101
#   scripts/ota-deploy.sh --build                  # idf.py build first
#   OTA_PSK=your_token scripts/ota-deploy.sh
#
# It deploys firmware/esp32-csi-node/build/esp32-csi-node.bin with
# `otactl deploy`, which does the four phases (discovery, snapshot,
# parallel upload, verify after reboot) and sets the exit code:
# 0 every node confirmed, 1 a node failed or was unreachable, 2 build,
# argument or image error (nothing was sent).
#
# Options: --build, --no-verify, --image FILE, -h/--help. Any other
# --option is handed to otactl deploy unchanged (e.g. --subnet CIDR,
# --json, --jobs N, --verify-timeout S); see `otactl deploy --help`.
# otactl is taken from $OTACTL, else next to this script (where `cmake
# --install` puts both), else the repository's build/ directory, else PATH.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project_dir="$repo/firmware/esp32-csi-node"
image="$project_dir/build/esp32-csi-node.bin"
build=0
image_given=0
ips=()
passthrough=()

die() {
    echo "ota-deploy: $*" >&2
    exit 2
}

# The comment block at the top of this file, up to its first code line.
usage() {
    awk 'NR == 1 {next} !/^#/ {exit} {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --build) build=1 ;;
        --no-verify) passthrough+=(--no-verify) ;;
        --image)
            [ $# -ge 2 ] || die "--image needs a file"
            image=$2
            image_given=1
            shift
            ;;
        --image=*)
            image=${1#--image=}
            image_given=1
            ;;
        # Options of otactl deploy that take a value travel with it.
        --subnet | --arp-file | --fallback-hosts | --jobs | -j | --air-rate | --port | --probe-timeout | \
            --timeout | --upload-timeout | --reply-timeout | --verify-timeout | --confirm-timeout | \
            --canary | --max-failures | --uart-dir | --targets-file | --retry-failed | --project-dir)
            [ $# -ge 2 ] || die "$1 needs a value"
            passthrough+=("$1" "$2")
            shift
            ;;
        -*) passthrough+=("$1") ;;
        *) ips+=("$1") ;;
    esac
    shift
done

# ESP-IDF's environment: already exported, or found where its installer
# puts it. Only --build needs it.
load_esp_idf() {
    command -v idf.py >/dev/null 2>&1 && return 0
    local candidate
    for candidate in "${IDF_PATH:-}" "$HOME/esp/esp-idf-v5.2" "$HOME/esp/esp-idf"; do
        if [ -n "$candidate" ] && [ -f "$candidate/export.sh" ]; then
            # export.sh prints its own progress; keep stdout for the report.
            # shellcheck disable=SC1091
            . "$candidate/export.sh" >&2 || die "sourcing $candidate/export.sh failed"
            command -v idf.py >/dev/null 2>&1 && return 0
        fi
    done
    die "--build needs ESP-IDF v5.2, which is not installed here (no idf.py on PATH, no export.sh in \$IDF_PATH, ~/esp/esp-idf-v5.2 or ~/esp/esp-idf). Install it (https://docs.espressif.com/projects/esp-idf/en/v5.2/esp32s3/get-started/) or deploy an existing image with --image FILE."
}

# An installed copy (cmake --install puts it in PREFIX/bin) has no
# firmware tree beside it: no default image, nothing to build.
if [ ! -d "$project_dir" ] && { [ "$build" -eq 1 ] || [ "$image_given" -eq 0 ]; }; then
    die "no firmware project at $project_dir (an installed copy of this script): name the image with --image FILE, or run scripts/ota-deploy.sh --build from a checkout"
fi

if [ "$build" -eq 1 ]; then
    load_esp_idf
    echo "ota-deploy: idf.py build in $project_dir" >&2
    idf.py -C "$project_dir" build >&2 || die "idf.py build failed; nothing was deployed"
fi

[ -f "$image" ] || die "no image at $image: build it (--build) or name one with --image FILE"

otactl=${OTACTL:-}
if [ -z "$otactl" ]; then
    here=$(dirname "${BASH_SOURCE[0]}")
    if [ -x "$here/otactl" ]; then
        otactl="$here/otactl"
    elif [ -x "$repo/build/otactl/otactl" ]; then
        otactl="$repo/build/otactl/otactl"
    elif command -v otactl >/dev/null 2>&1; then
        otactl=$(command -v otactl)
    else
        die "otactl not found: build it (cmake -S $repo -B $repo/build && cmake --build $repo/build) or put it on PATH"
    fi
fi

# ${arr[@]+...}: empty arrays are fine under set -u on older bash too.
exec "$otactl" deploy ${ips[@]+"${ips[@]}"} --image "$image" ${passthrough[@]+"${passthrough[@]}"}
