#!/usr/bin/env bash
# The challenge-response OTA-HMAC-SHA256 (docs/HTTP-API.md): an upload by
# the documented openssl+curl script is taken; a captured request sent
# again is refused (401 nonce-replayed while the node remembers the nonce,
# 401 nonce-unknown after the reboot that forgot it); unknown, expired and
# evicted nonces (9 fetched, 8 kept) are refused 401 nonce-unknown; a MAC
# under another PSK 403 mac-mismatch (and the nonce is spent); a body that
# is not the one the MAC covered 400 body-digest-mismatch, before the
# boot slot switches. Bearer keeps working (CONFIG_OTA_AUTH_ALLOW_BEARER=y).
. "$(dirname "$0")/lib.sh"

IP=127.13.3.1
D=$E2E_TMP/node
URL=http://$IP:8032
PSK=$E2E_PSK
cd "$E2E_TMP"

otadata() { dd if="$D/flash.bin" bs=4096 skip=$((0xf000 / 4096)) count=2 status=none | sha256sum; }
nonce() { curl -s -m 5 "$URL/ota/nonce" | jq -r .nonce; }
# mac KEY NONCE METHOD URI BODY-SHA256: the MAC as the contract defines it,
# for the Host curl sends to $URL ("$IP:8032").
mac() {
    printf '%s\n%s\n%s\n%s\n%s' "$2" "$3" "$IP:8032" "$4" "$5" |
        openssl dgst -sha256 -hmac "$1" | sed 's/.*= //'
}
# send HEADER-FILE BODY-FILE ENDPOINT: POSTs BODY-FILE with the Authorization
# line in HEADER-FILE; the status code; reply in ./reply, headers in ./headers.
send() {
    curl -s -m 60 -D headers -o reply -w '%{http_code}' -H "$(cat "$1")" \
        -H 'Content-Type: application/octet-stream' --data-binary @"$2" "$URL/$3" || true
}
# header NONCE BODY MAC > FILE
header() { printf 'Authorization: OTA-HMAC-SHA256 nonce=%s, body=%s, mac=%s' "$1" "$2" "$3"; }

e2e_image v1.bin 1.0.0
e2e_image v2.bin 2.0.0 --size 300K
e2e_image v3.bin 3.0.0 --size 300K
e2e_flash "$D" v1.bin
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"

# The endpoint: 32 lowercase hex, 30 s, the scheme; a fresh one each time.
reply=$(curl -s -m 5 "$URL/ota/nonce")
e2e_check_match "GET /ota/nonce" '^\{"nonce":"[0-9a-f]{32}","expires_ms":30000,"scheme":"OTA-HMAC-SHA256"\}$' "$reply"
e2e_check "a fresh nonce each time" false "$([ "$(nonce)" = "$(jq -r .nonce <<<"$reply")" ] && echo true || echo false)"
e2e_check "status lists the schemes" '["OTA-HMAC-SHA256","Bearer"]' "$(e2e_status "$IP" | jq -c .auth_schemes)"
# Fetched now, used once 30 s have passed (below).
stale=$(nonce)
stale_at=$SECONDS

# Bearer still works where allowed: a set-target whose body is refused
# (400) passed the authorisation.
e2e_check "Bearer accepted (body then judged)" 400 \
    "$(e2e_curl -s -m 10 -o reply -w '%{http_code}' -d 'not-a-target' "$URL/ota/set-target" || true)"
e2e_check_match "Bearer accepted: bad target" "bad target" "$(jq -r .message reply)"

# Unknown nonce, malformed header, no header.
zero=$(printf '0%.0s' $(seq 32))
body=$(printf 'not-a-target' | sha256sum | cut -d' ' -f1)
printf 'not-a-target' >bad-target.txt
header "$zero" "$body" "$(mac "$PSK" "$zero" POST /ota/set-target "$body")" >h
e2e_check "nonce never issued: 401" 401 "$(send h bad-target.txt ota/set-target)"
e2e_check "nonce never issued: code" nonce-unknown "$(jq -r .auth reply)"
e2e_check_match "nonce never issued: says what to do" "fetch a fresh one from GET /ota/nonce" "$(jq -r .error reply)"
e2e_check_match "401 challenge" '^WWW-Authenticate: OTA-HMAC-SHA256 nonce-uri="/ota/nonce"' "$(tr -d '\r' <headers)"
printf 'Authorization: OTA-HMAC-SHA256 nonce=%s, mac=%s' "$(nonce)" "$zero" >h
e2e_check "malformed: 401" 401 "$(send h bad-target.txt ota/set-target)"
e2e_check "malformed: code" auth-malformed "$(jq -r .auth reply)"
e2e_check "no Authorization: 401" 401 "$(curl -s -m 10 -D headers -o reply -w '%{http_code}' -d x "$URL/ota/set-target" || true)"
e2e_check "no Authorization: code" auth-required "$(jq -r .auth reply)"
e2e_check "no Authorization: two challenges" 2 "$(tr -d '\r' <headers | grep -c '^WWW-Authenticate: ')"

# Wrong PSK: 403 mac-mismatch; the nonce is spent all the same.
n=$(nonce)
header "$n" "$body" "$(mac "wrong-$PSK" "$n" POST /ota/set-target "$body")" >h
e2e_check "wrong PSK: 403" 403 "$(send h bad-target.txt ota/set-target)"
e2e_check "wrong PSK: code" mac-mismatch "$(jq -r .auth reply)"
header "$n" "$body" "$(mac "$PSK" "$n" POST /ota/set-target "$body")" >h
e2e_check "right MAC on the spent nonce: 401" 401 "$(send h bad-target.txt ota/set-target)"
e2e_check "right MAC on the spent nonce: code" nonce-replayed "$(jq -r .auth reply)"

# A request captured on loopback and sent again, byte for byte: the first
# passes the authorisation (its body is then refused, so the node keeps
# running and remembers the nonce), the copy is a replay.
n=$(nonce)
header "$n" "$body" "$(mac "$PSK" "$n" POST /ota/set-target "$body")" >captured
e2e_check "captured request: authorised (bad target)" 400 "$(send captured bad-target.txt ota/set-target)"
e2e_check "captured request: bad target" "" "$(jq -r '.auth // empty' reply)"
e2e_check "replayed: 401" 401 "$(send captured bad-target.txt ota/set-target)"
e2e_check "replayed: code" nonce-replayed "$(jq -r .auth reply)"
e2e_check_match "replayed: says so" "a replay" "$(jq -r .error reply)"

# Body changed after the MAC: set-target with another target than signed.
n=$(nonce)
good=$(printf '127.0.66.6:5005' | sha256sum | cut -d' ' -f1)
printf '127.0.66.7:5005' >other-target.txt
header "$n" "$good" "$(mac "$PSK" "$n" POST /ota/set-target "$good")" >h
e2e_check "set-target body swapped: 400" 400 "$(send h other-target.txt ota/set-target)"
e2e_check "set-target body swapped: code" body-digest-mismatch "$(jq -r .auth reply)"

# 9 nonces at once: the oldest is evicted, the newest 8 are all good.
for i in $(seq 9); do nonces[i]=$(nonce); done
header "${nonces[1]}" "$body" "$(mac "$PSK" "${nonces[1]}" POST /ota/set-target "$body")" >h
e2e_check "9th nonce evicted the 1st: 401" 401 "$(send h bad-target.txt ota/set-target)"
e2e_check "9th nonce evicted the 1st: code" nonce-unknown "$(jq -r .auth reply)"
for i in 2 9; do
    header "${nonces[i]}" "$body" "$(mac "$PSK" "${nonces[i]}" POST /ota/set-target "$body")" >h
    e2e_check "nonce $i of 9 still good" 400 "$(send h bad-target.txt ota/set-target)"
    e2e_check "nonce $i of 9: past the authorisation" "" "$(jq -r '.auth // empty' reply)"
done

# Upload tampered after the MAC: the MAC covers v2's digest, v3 is sent.
# Refused after the transfer, before esp_ota_set_boot_partition.
before=$(otadata)
n=$(nonce)
b2=$(sha256sum v2.bin | cut -d' ' -f1)
header "$n" "$b2" "$(mac "$PSK" "$n" POST /ota "$b2")" >h
e2e_check "upload tampered: 400" 400 "$(send h v3.bin ota)"
e2e_check "upload tampered: code" body-digest-mismatch "$(jq -r .auth reply)"
e2e_check "upload tampered: still v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "upload tampered: boot slot still ota_0" ota_0 "$(e2e_field "$IP" boot_partition)"
e2e_check "upload tampered: otadata untouched" "$before" "$(otadata)"
e2e_check "upload tampered: journaled as failed" "failed 400" \
    "$(curl -s -m 5 "$URL/ota/last" | jq -r '.records[0] | "\(.result) \(.http_status)"')"
e2e_check "upload tampered: no reboot" 1 "$(e2e_boots "$D")"

# Expired: the nonce fetched at the start, 30 s later.
while [ $((SECONDS - stale_at)) -le 31 ]; do sleep 1; done
header "$stale" "$body" "$(mac "$PSK" "$stale" POST /ota/set-target "$body")" >h
e2e_check "expired nonce: 401" 401 "$(send h bad-target.txt ota/set-target)"
e2e_check "expired nonce: code" nonce-unknown "$(jq -r .auth reply)"

# The documented script, as docs/HTTP-API.md prints it (IP, PSK, fw.bin set).
cp v2.bin fw.bin
boots=$(e2e_boots "$D")
n=$(curl -s http://$IP:8032/ota/nonce | jq -r .nonce)
b=$(sha256sum fw.bin | cut -d' ' -f1)
m=$(printf '%s\n%s\n%s\n%s\n%s' "$n" POST "$IP:8032" /ota "$b" | openssl dgst -sha256 -hmac "$PSK" | sed 's/.*= //')
curl --data-binary @fw.bin -H "Authorization: OTA-HMAC-SHA256 nonce=$n, body=$b, mac=$m" http://$IP:8032/ota >reply 2>/dev/null || true
e2e_check "documented script: taken" ok "$(jq -r .status reply)"
printf 'Authorization: OTA-HMAC-SHA256 nonce=%s, body=%s, mac=%s' "$n" "$b" "$m" >captured-upload
e2e_wait_boots "$D" $((boots + 1)) 30 || e2e_fail "no reboot after the update"
e2e_wait_up "$IP" 20 || e2e_fail "no answer after the reboot"
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 does not run"
e2e_check "v2 runs from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "v2 not confirmed"

# The captured upload of v2 replayed after the reboot (nonces are RAM only,
# so it is unknown now): refused, nothing changes.
before=$(otadata)
e2e_check "captured upload replayed after reboot: 401" 401 "$(send captured-upload fw.bin ota)"
e2e_check "captured upload replayed: code" nonce-unknown "$(jq -r .auth reply)"
e2e_check "captured upload replayed: boot slot stays" ota_1 "$(e2e_field "$IP" boot_partition)"
e2e_check "captured upload replayed: otadata untouched" "$before" "$(otadata)"

# e2e_hmac_curl (lib.sh) the other tests use: an upload of v1 back.
boots=$(e2e_boots "$D")
e2e_check "e2e_hmac_curl upload" 200 "$(e2e_hmac_curl POST "$URL/ota" v1.bin -s -m 60 -o reply -w '%{http_code}' -H 'Content-Type: application/octet-stream' || true)"
e2e_wait_boots "$D" $((boots + 1)) 30 || e2e_fail "no reboot after the update"
e2e_wait_up "$IP" 20 || e2e_fail "no answer after the reboot"
e2e_wait_field "$IP" version 1.0.0 20 || e2e_fail "v1 does not run"
e2e_done
