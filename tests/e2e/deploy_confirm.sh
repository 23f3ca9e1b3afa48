#!/usr/bin/env bash
# The question before a deploy to discovered nodes (otactl deploy):
#   stdin a terminal, targets from discovery   the list and a question;
#                                              "n" sends nothing, exit 2
#   --yes                                      no question, deployed
#   stdin not a terminal                       never asks, deployed
#   explicit IPs on a terminal                 no question either
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { e2e_log "SKIP: script(1) (util-linux) gives the test its terminal"; exit 0; }

NET=127.0.212
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v3.bin" 3.0.0
e2e_image "$E2E_TMP/v4.bin" 4.0.0
e2e_flash "$E2E_TMP/node-1" "$E2E_TMP/v1.bin"
e2e_start_node "$E2E_TMP/node-1" "$NET.1"
{
    echo "IP address       HW type     Flags       HW address            Mask     Device"
    printf '%-16s 0x1         0x2         24:0a:c4:00:12:01     *        lo\n' "$NET.1"
} >"$E2E_TMP/arp.txt"
uploads() { grep -c 'upload of' <(e2e_plain "$E2E_TMP/node-1/uart.log") || true; }

# on_tty ANSWER CMD...: runs CMD with a pseudo-terminal as stdin and stdout,
# typing ANSWER; the session's output goes to $E2E_TMP/tty.out.
on_tty() {
    local answer=$1
    shift
    rc=0
    printf '%s\n' "$answer" | script -qec "$(printf '%q ' "$@")" "$E2E_TMP/tty.typescript" \
        >"$E2E_TMP/tty.out" 2>&1 || rc=$?
}

on_tty n "$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v2.bin" --no-confirm-wait
e2e_check "declined: exit 2" 2 "$rc"
e2e_check_match "the question lists the node" "$NET.1" "$(cat "$E2E_TMP/tty.out")"
e2e_check_match "the question" "to these 1 node\(s\)\? \[y/N\]" "$(cat "$E2E_TMP/tty.out")"
e2e_check_match "declined: nothing was sent" "not confirmed; nothing was sent" "$(cat "$E2E_TMP/tty.out")"
e2e_check "declined: no upload reached the node" 0 "$(uploads)"
e2e_check "declined: still 1.0.0" 1.0.0 "$(e2e_field "$NET.1" version)"

on_tty y "$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v2.bin" --no-confirm-wait
e2e_check "answered y: exit 0" 0 "$(printf '%s' "$rc")"
e2e_check "answered y: runs 2.0.0" 2.0.0 "$(e2e_field "$NET.1" version)"

on_tty n "$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v3.bin" --no-confirm-wait --yes
e2e_check "--yes: exit 0" 0 "$rc"
e2e_check "--yes: no question" 0 "$(grep -c 'y/N' "$E2E_TMP/tty.out" || true)"
e2e_check "--yes: runs 3.0.0" 3.0.0 "$(e2e_field "$NET.1" version)"

rc=0
"$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v4.bin" --no-confirm-wait \
    </dev/null >"$E2E_TMP/pipe.out" 2>"$E2E_TMP/pipe.err" || rc=$?
e2e_check "off a terminal: exit 0 without asking" 0 "$rc"
e2e_check "off a terminal: no question" 0 "$(grep -c 'y/N' "$E2E_TMP/pipe.err" || true)"
e2e_check "off a terminal: runs 4.0.0" 4.0.0 "$(e2e_field "$NET.1" version)"

on_tty n "$OTACTL" deploy "$NET.1" --image "$E2E_TMP/v4.bin" --dry-run
e2e_check "explicit IPs on a terminal: no question" 0 "$(grep -c 'y/N' "$E2E_TMP/tty.out" || true)"
e2e_check_match "--help says off a terminal it never asks" "off a terminal it never asks" \
    "$("$OTACTL" deploy --help | tr -s ' \n' ' ')"
e2e_done
