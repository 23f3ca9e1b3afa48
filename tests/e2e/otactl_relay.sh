#!/usr/bin/env bash
# The relay (issue 10: "a fake node learns nothing that lets it update a
# real node"). tests/tools/relay_node sits at FAKE and passes every byte to
# the real node at REAL and back: otactl, pointed at FAKE by --subnet
# discovery, sees REAL's status, signs with REAL's nonce as FAKE's own, and
# its upload and set-target reach REAL. The MAC covers the Host otactl sent
# (FAKE:8032), so REAL refuses both, host-mismatch, and otactl names it; a
# relay that rewrote Host would break the MAC (mac-mismatch, shown with
# openssl and curl). REAL's boot slot, otadata, ota_1 and NVS are untouched;
# the same commands addressed to REAL itself go through (the control).
. "$(dirname "$0")/lib.sh"
: "${RELAY_NODE:?RELAY_NODE must name the relay_node test tool}"

REAL=127.16.1.100
FAKE=127.16.1.50
D=$E2E_TMP/real
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_refuse_busy "$FAKE"
e2e_start_node "$D" "$REAL"

"$RELAY_NODE" --bind "$FAKE" --to "$REAL" --capture "$E2E_TMP/relay.cap" \
    >"$E2E_TMP/relay.ready" 2>"$E2E_TMP/relay.log" &
E2E_PIDS+=("$!")
deadline=$((SECONDS + 10))
until [ -s "$E2E_TMP/relay.ready" ]; do
    [ $SECONDS -lt $deadline ] || e2e_fail "relay did not start: $(cat "$E2E_TMP/relay.log")"
    sleep 0.05
done
e2e_check "the relay answers as the real node" 1.0.0 "$(e2e_field "$FAKE" version)"

region() { # region OFFSET SIZE: SHA-256 of that part of REAL's flash
    dd if="$D/flash.bin" bs=4096 skip=$(($1 / 4096)) count=$(($2 / 4096)) status=none | sha256sum
}
state() {
    printf 'boot=%s otadata=%s ota_1=%s nvs=%s\n' "$(e2e_field "$REAL" boot_partition)" \
        "$(region 0xf000 0x2000)" "$(region 0x220000 0x200000)" "$(region 0x9000 0x6000)"
}
before=$(state)
result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | "\(.result) \(.auth_refusal)"' "$1"; }
reason() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .reason' "$1"; }

# deploy to what discovery finds: only the relay is in the subnet.
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" deploy --subnet 127.16.1.48/29 --arp-file /dev/null \
    --image "$E2E_TMP/v2.bin" --yes --verify-timeout 10 --json \
    >"$E2E_TMP/deploy.json" 2>"$E2E_TMP/deploy.err" || rc=$?
e2e_check "deploy through the relay exits 1" 1 "$rc"
e2e_check_match "the signed upload reached the real node" "POST /ota HTTP/1.1" \
    "$(grep -ao 'POST /ota HTTP/1.1' "$E2E_TMP/relay.cap" | head -1)"
e2e_check "the relay's upload: refused, host-mismatch" "token-rejected host-mismatch" \
    "$(result "$E2E_TMP/deploy.json" "$FAKE")"
e2e_check_match "otactl names the relay" "meant for another node \(relayed\?\)" \
    "$(reason "$E2E_TMP/deploy.json" "$FAKE")"
e2e_check_match "the node's sentence" "signed for $FAKE:8032, not for this node \($REAL:8032\)" \
    "$(reason "$E2E_TMP/deploy.json" "$FAKE")"
e2e_check "the real node still runs v1" 1.0.0 "$(e2e_field "$REAL" version)"
e2e_check "boot slot, otadata, ota_1, NVS untouched by the upload" "$before" "$(state)"

# set-target through the relay.
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" set-target --target 127.16.9.9:5005 "$FAKE" --json \
    >"$E2E_TMP/st.json" 2>"$E2E_TMP/st.err" || rc=$?
e2e_check "set-target through the relay exits 1" 1 "$rc"
e2e_check_match "the signed set-target reached the real node" "POST /ota/set-target HTTP/1.1" \
    "$(grep -ao 'POST /ota/set-target HTTP/1.1' "$E2E_TMP/relay.cap" | head -1)"
e2e_check "the relay's set-target: refused, host-mismatch" "token-rejected host-mismatch" \
    "$(result "$E2E_TMP/st.json" "$FAKE")"
e2e_check "NVS and the rest untouched by the set-target" "$before" "$(state)"
e2e_check "the relay saw only Host: $FAKE:8032" "Host: $FAKE:8032" \
    "$(grep -a '^Host: ' "$E2E_TMP/relay.cap" | tr -d '\r' | sort -u)"

# A relay that rewrites Host to the real node's: the MAC was computed over
# FAKE:8032, so the real node refuses it as a wrong MAC.
n=$(curl -s -m 5 "http://$REAL:8032/ota/nonce" | jq -r .nonce)
printf '127.16.9.9:5005' >"$E2E_TMP/target.txt"
b=$(sha256sum "$E2E_TMP/target.txt" | cut -d' ' -f1)
m=$(printf '%s\n%s\n%s\n%s\n%s' "$n" POST "$FAKE:8032" /ota/set-target "$b" |
    openssl dgst -sha256 -hmac "$E2E_PSK" | sed 's/.*= //')
code=$(curl -s -m 10 -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary @"$E2E_TMP/target.txt" \
    -H "Authorization: OTA-HMAC-SHA256 nonce=$n, body=$b, mac=$m" \
    "http://$REAL:8032/ota/set-target" || true)
e2e_check "Host rewritten by the relay: 403 mac-mismatch" "403 mac-mismatch" \
    "$code $(jq -r .auth "$E2E_TMP/reply")"
# No Host at all: refused before the MAC is looked at.
n=$(curl -s -m 5 "http://$REAL:8032/ota/nonce" | jq -r .nonce)
code=$(curl -s -m 10 -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary @"$E2E_TMP/target.txt" \
    -H 'Host:' -H "Authorization: OTA-HMAC-SHA256 nonce=$n, body=$b, mac=$m" \
    "http://$REAL:8032/ota/set-target" || true)
e2e_check "no Host: 403 host-mismatch" "403 host-mismatch" "$code $(jq -r .auth "$E2E_TMP/reply")"
e2e_check "untouched by the forged requests" "$before" "$(state)"

# Host names the node by its address only: its host name (ESP-IDF's
# default "espressif" on every node, in any case) is refused like another
# node's address, even with a correct MAC; the address alone, without the
# port, reaches the MAC check (a bad target is refused after it, 400
# without an auth code).
printf 'not-a-target' >"$E2E_TMP/bad.txt"
b=$(sha256sum "$E2E_TMP/bad.txt" | cut -d' ' -f1)
for host in ESPRESSIF:8032 espressif "$REAL"; do
    n=$(curl -s -m 5 "http://$REAL:8032/ota/nonce" | jq -r .nonce)
    m=$(printf '%s\n%s\n%s\n%s\n%s' "$n" POST "$host" /ota/set-target "$b" |
        openssl dgst -sha256 -hmac "$E2E_PSK" | sed 's/.*= //')
    code=$(curl -s -m 10 -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary @"$E2E_TMP/bad.txt" \
        -H "Host: $host" -H "Authorization: OTA-HMAC-SHA256 nonce=$n, body=$b, mac=$m" \
        "http://$REAL:8032/ota/set-target" || true)
    if [ "$host" = "$REAL" ]; then
        e2e_check "Host: $host names the node" "400 none" "$code $(jq -r '.auth // "none"' "$E2E_TMP/reply")"
    else
        e2e_check "Host: $host (a host name) is not the node" "403 host-mismatch" \
            "$code $(jq -r '.auth // "none"' "$E2E_TMP/reply")"
    fi
done
# Its address on another port is not it.
n=$(curl -s -m 5 "http://$REAL:8032/ota/nonce" | jq -r .nonce)
m=$(printf '%s\n%s\n%s\n%s\n%s' "$n" POST "$REAL:8033" /ota/set-target "$b" |
    openssl dgst -sha256 -hmac "$E2E_PSK" | sed 's/.*= //')
code=$(curl -s -m 10 -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary @"$E2E_TMP/bad.txt" \
    -H "Host: $REAL:8033" -H "Authorization: OTA-HMAC-SHA256 nonce=$n, body=$b, mac=$m" \
    "http://$REAL:8032/ota/set-target" || true)
e2e_check "Host: $REAL:8033 is another port" "403 host-mismatch" \
    "$code $(jq -r .auth "$E2E_TMP/reply")"
e2e_check "untouched by the Host probes" "$before" "$(state)"

# The control: the same commands addressed to the real node go through.
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" set-target --target 127.16.9.9:5005 "$REAL" --json \
    >"$E2E_TMP/st-real.json" 2>/dev/null || rc=$?
e2e_check "set-target to the real node" "0 confirmed null" \
    "$rc $(result "$E2E_TMP/st-real.json" "$REAL")"
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" deploy "$REAL" --image "$E2E_TMP/v2.bin" --yes --verify-timeout 30 \
    --json >"$E2E_TMP/deploy-real.json" 2>/dev/null || rc=$?
e2e_check "deploy to the real node" "0 confirmed null" \
    "$rc $(result "$E2E_TMP/deploy-real.json" "$REAL")"
e2e_check "the real node runs v2" 2.0.0 "$(e2e_field "$REAL" version)"
e2e_done
