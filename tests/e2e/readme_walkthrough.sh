#!/usr/bin/env bash
# README's virtual-node walkthrough, run as written: the ```sh block after
# the `<!-- e2e.readme_walkthrough -->` marker, line by line in one bash
# with -e, in an empty directory where `firmware/` is the repository's, and
# with otactl and ota-node first in PATH (as after `cmake --install`). Every
# command must succeed; then the node and the fleet must show what the
# walkthrough says they do.
. "$(dirname "$0")/lib.sh"

readme=$OTA_SOURCE_DIR/README.md
script=$E2E_TMP/walkthrough.sh
awk '/<!-- e2e.readme_walkthrough -->/ {armed = 1; next}
     armed && /^```sh$/ {inside = 1; next}
     inside && /^```$/ {exit}
     inside {print}' "$readme" >"$script"
e2e_check "README has the walkthrough" yes "$([ -s "$script" ] && echo yes || echo no)"
e2e_log "walkthrough: $(wc -l <"$script") lines"

# Its addresses must be free (they are the walkthrough's, not a test range).
e2e_refuse_busy 127.0.9.1 127.0.10.1 127.0.10.8

bin=$E2E_TMP/bin
mkdir -p "$bin" "$E2E_TMP/run"
ln -s "$OTACTL" "$bin/otactl"
ln -s "$OTA_NODE" "$bin/ota-node"
ln -s "$OTA_SOURCE_DIR/firmware" "$E2E_TMP/run/firmware"
cd "$E2E_TMP/run"
rc=0
# A bash of its own, so that the walkthrough's jobs (%1, %2) are its own;
# its background nodes are stopped by this test's cleanup if it fails. A
# job may end between `jobs -p` and `kill` (the walkthrough killed it just
# before): under -e that kill's failure must not become the exit status.
env -u OTA_PSK PATH="$bin:$PATH" bash -e -o pipefail -c "
    trap 'rc=\$?; kill \$(jobs -p) 2>/dev/null || true; wait; exit \$rc' EXIT
    set -x
    . '$script'
" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
e2e_log "last lines of the walkthrough's stderr:"
tail -n 15 "$E2E_TMP/err" >&2
e2e_check "every command of the walkthrough succeeded" 0 "$rc"
e2e_check_match "the node booted v1, then v2 from ota_1" \
    "boot: reset_reason=SW running_partition=ota_1" "$(e2e_plain node1.log)"
e2e_check_match "deploy confirmed the node" "confirmed" "$(cat "$E2E_TMP/out")"
e2e_done
