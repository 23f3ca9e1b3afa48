#!/usr/bin/env bash
# One client cannot lock the OTA service out:
#  - 7 idle connections (all of max_open_sockets) do not block a status
#    request: lru_purge_enable closes the least recently used one;
#  - a client trickling its headers at 1 byte/s gets 408 at the header
#    deadline, and a status request waiting behind it is served;
#  - an upload that stalls at 10 % is aborted with 408 after the receive
#    timeouts of the firmware's DEFAULT settings, and the node serves again.
# Durations are printed (measured), never compared with a threshold.
. "$(dirname "$0")/lib.sh"

IP=127.0.110.40
D=$E2E_TMP/node
URL=http://$IP:8032

now_ms() { date +%s%3N; }

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 400K
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP"
e2e_check_match "boot line names the limits" \
    'ota: OTA service on port 8032 \(stack 8192, recv timeout 5 s x 3, header deadline 5000 ms, LRU purge\)' \
    "$(e2e_plain "$D/uart.log")"

# 1. Seven idle connections, then a status request.
for fd in 11 12 13 14 15 16 17; do
    eval "exec $fd<>/dev/tcp/$IP/8032"
done
sleep 0.5
t0=$(now_ms)
e2e_check "status with 7 idle connections open" 1.0.0 \
    "$(curl -s -m 20 "$URL/ota/status" | jq -r .version 2>/dev/null || true)"
e2e_log "measured: status behind 7 idle connections took $(($(now_ms) - t0)) ms"
for fd in 11 12 13 14 15 16 17; do
    eval "exec $fd>&- $fd<&-"
done

# 2. A header trickler (1 byte/s, at most 40 s), then a status request.
exec 5<>"/dev/tcp/$IP/8032"
(
    trap '' PIPE
    request=$'GET /ota/status HTTP/1.1\r\nHost: trickle\r\nX-Slow: aaaaaaaaaaaaaaaa\r\n\r\n'
    for ((i = 0; i < ${#request} && i < 40; i++)); do
        printf '%s' "${request:i:1}" >&5 2>/dev/null || exit 0
        sleep 1
    done
) &
TRICKLER=$!
E2E_PIDS+=("$TRICKLER")
sleep 1.5
t0=$(now_ms)
e2e_check "status while a client trickles its headers" 1.0.0 \
    "$(curl -s -m 30 "$URL/ota/status" | jq -r .version 2>/dev/null || true)"
e2e_log "measured: status behind a 1 byte/s header trickler took $(($(now_ms) - t0)) ms"
answer=$(timeout 30 cat <&5 | tr -d '\r' || true)
exec 5>&- 5<&-
e2e_check_match "the trickler got 408" '^HTTP/1.1 408' "$answer"
e2e_check_match "the node says why" \
    'ota_deadline: socket [0-9]+: request headers incomplete after 5000 ms; answering 408' \
    "$(e2e_plain "$D/uart.log")"
e2e_stop_pid "$TRICKLER"

# 3. An upload that stalls at 10 % with the firmware's default timeouts.
size=$(stat -c %s "$E2E_TMP/v2.bin")
exec 6<>"/dev/tcp/$IP/8032"
printf 'POST /ota HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n' \
    "$IP" "$E2E_PSK" "$size" >&6
head -c $((size / 10)) "$E2E_TMP/v2.bin" >&6
t0=$(now_ms)
answer=$(timeout 90 cat <&6 | tr -d '\r' || true)
e2e_log "measured: an upload stalled at 10 % got its answer after $(($(now_ms) - t0)) ms"
exec 6>&- 6<&-
e2e_check_match "stalled upload: 408" '^HTTP/1.1 408' "$answer"
e2e_check_match "stalled upload: says why" \
    "client stalled: no data for 3 receive timeouts in a row after $((size / 10)) of $size bytes" "$answer"
e2e_check "node serves again" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "good upload afterwards" 200 "$(e2e_curl -s -m 60 -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/v2.bin" "$URL/ota")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "no reboot but the update's" 2 "$(e2e_boots "$D")"
e2e_done
