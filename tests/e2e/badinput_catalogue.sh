#!/usr/bin/env bash
# The bad-input catalogue: a PSK-provisioned node gets malformed, hostile
# and unlucky requests, one after the other. Each must get the status in
# the table (or the documented close), the node must keep serving without
# a reboot, and the flash must not change where it must not:
#   - the running slot (ota_0) and otadata: never;
#   - the other slot (ota_1, holding the previous image) and NVS: never for
#     a request refused before esp_ota_begin ("keep": the OTA journal keeps
#     such a refusal in RAM only); an upload whose first chunk is a valid
#     app header for this chip is an update attempt ("attempt"): the slot
#     is erased and written before the end of the body shows the image
#     truncated, corrupted or abandoned (the chip has no room to hold 2 MB
#     elsewhere); otadata does not select it, so the running image is
#     unaffected (docs/HTTP-API.md, "Bad input"). Of NVS, an attempt may
#     change the journal's namespace only: its record of the attempt, which
#     GET /ota/last must then show as the next seq, "failed"; every value
#     the app keeps (read with ota-node nvs-get from a copy of the flash)
#     stays as it was.
# It ends with a summary line of the counts and one valid update.
. "$(dirname "$0")/lib.sh"

IP=127.0.111.1
D=$E2E_TMP/node
URL=http://$IP:8032
PSK=catalogue-psk-0123456789abcdef
AUTH="Authorization: Bearer $PSK"
OCTET="Content-Type: application/octet-stream"
R=$E2E_TMP/req # request files
mkdir -p "$R" "$E2E_TMP/base"

# ---- flash regions -------------------------------------------------------
declare -A OFF=([nvs]=$((0x9000)) [otadata]=$((0xf000)) [ota_0]=$((0x20000)) [ota_1]=$((0x220000)))
declare -A LEN=([nvs]=$((0x6000)) [otadata]=$((0x2000)) [ota_0]=$((0x200000)) [ota_1]=$((0x200000)))
region_copy() { # region_copy NAME FILE
    dd if="$D/flash.bin" of="$2" bs=4096 skip=$((OFF[$1] / 4096)) count=$((LEN[$1] / 4096)) \
        status=none
}
baseline() { region_copy "$1" "$E2E_TMP/base/$1"; }
changed_bytes() { # changed_bytes NAME: bytes that differ from the baseline
    region_copy "$1" "$E2E_TMP/now"
    { cmp -l "$E2E_TMP/base/$1" "$E2E_TMP/now" 2>/dev/null || true; } | wc -l
}

# ---- NVS outside the OTA journal ------------------------------------------
# The values this node keeps: TYPE NAMESPACE KEY.
APP_KEYS=("str security ota_psk" "u32 ota recv_tmo_s" "u32 ota recv_retries" "u32 ota hdr_deadline_ms")
app_values() { # each key=value, read through the NVS API from a copy of the flash
    local k
    mkdir -p "$E2E_TMP/nvs-copy"
    cp "$D/flash.bin" "$E2E_TMP/nvs-copy/flash.bin"
    for k in "${APP_KEYS[@]}"; do
        set -- $k
        printf '%s/%s=%s\n' "$2" "$3" "$("$OTA_NODE" nvs-get --dir "$E2E_TMP/nvs-copy" --type "$1" "$2" "$3" 2>&1)"
    done
}
journal_newest() { # the newest stored record: "SEQ RESULT", or "none"
    curl -s -m 5 "$URL/ota/last" |
        jq -r '[.records[] | select(.stored)][0] // {} | "\(.seq // "none") \(.result // "")"' 2>/dev/null
}

# ---- one exchange over a raw socket ---------------------------------------
# exchange FILE [WAIT]: sends FILE's bytes on a new connection and reads one
# reply. Sets CODE (the status, or "close" when the node closed without
# one) and BODY.
exchange() {
    local file=$1 wait=${2:-15} line len=0
    CODE=close BODY=
    exec 7<>"/dev/tcp/$IP/8032"
    cat "$file" >&7 2>/dev/null || true
    if IFS= read -r -t "$wait" line <&7; then
        line=${line%$'\r'}
        CODE=$(awk '{print $2}' <<<"$line")
        while IFS= read -r -t "$wait" line <&7; do
            line=${line%$'\r'}
            [ -z "$line" ] && break
            case ${line,,} in content-length:*) len=${line#*:} len=${len// /} ;; esac
        done
        if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" -t "$wait" BODY <&7 || true; fi
    fi
    exec 7>&- 7<&-
}
# gone FILE: sends FILE and hangs up at once, without reading.
gone() {
    exec 7<>"/dev/tcp/$IP/8032"
    cat "$1" >&7 2>/dev/null || true
    exec 7>&- 7<&-
    CODE=gone BODY=
    sleep 0.5
}
# req FILE METHOD URI [HEADER...] -- writes a request head (CRLF lines) to FILE.
req() {
    local file=$1 method=$2 uri=$3
    shift 3
    {
        printf '%s %s HTTP/1.1\r\nHost: %s\r\n' "$method" "$uri" "$IP"
        for h in "$@"; do printf '%s\r\n' "$h"; done
        printf '\r\n'
    } >"$file"
}
# upload_req FILE IMAGE [LENGTH] [BYTES_SENT]: POST /ota with auth and type.
upload_req() {
    local file=$1 image=$2 size
    size=$(stat -c %s "$image")
    req "$file" POST /ota "$AUTH" "$OCTET" "Content-Length: ${3:-$size}"
    head -c "${4:-$size}" "$image" >>"$file"
}

# ---- the table -------------------------------------------------------------
TRIED=0 AS_EXPECTED=0 CHANGED=0 ATTEMPTS=0
FAILURES=()
# verdict NAME EXPECTED KIND [MESSAGE-REGEX]: after an exchange.
verdict() {
    local name=$1 want=$2 kind=$3 re=${4:-} ok=yes note="" r n
    TRIED=$((TRIED + 1))
    [ "$CODE" = "$want" ] || { ok=no note="got $CODE"; }
    if [ -n "$re" ] && ! grep -Eq -- "$re" <<<"$BODY"; then ok=no note="$note message '$BODY'"; fi
    e2e_wait_up "$IP" 15 || { ok=no note="$note node does not answer"; }
    [ "$(e2e_field "$IP" version)" = 1.0.0 ] || { ok=no note="$note not v1"; }
    [ "$(e2e_boots "$D")" = 1 ] || { ok=no note="$note rebooted"; }
    local protected=(ota_0 otadata)
    [ "$kind" = keep ] && protected+=(ota_1 nvs)
    for r in "${protected[@]}"; do
        n=$(changed_bytes "$r")
        if [ "$n" -ne 0 ]; then
            ok=no note="$note $r: $n bytes changed"
            CHANGED=$((CHANGED + n))
            baseline "$r" # count each request's own changes only
        fi
    done
    if [ "$kind" = attempt ]; then
        ATTEMPTS=$((ATTEMPTS + 1))
        baseline ota_1
        [ "$(app_values)" = "$APP_VALUES" ] || { ok=no note="$note app's NVS values changed"; }
        JOURNAL_SEQ=$((JOURNAL_SEQ + 1))
        local newest
        newest=$(journal_newest)
        [ "$newest" = "$JOURNAL_SEQ failed" ] ||
            { ok=no note="$note journal: '$newest', not '$JOURNAL_SEQ failed'"; }
        baseline nvs # the journal's record of this attempt
    fi
    printf '%-3s %-46s %-7s %-7s %-7s %s\n' "$TRIED" "$name" "$want" "$CODE" "$kind" \
        "$([ $ok = yes ] && echo ok || echo "FAIL$note")" >>"$E2E_TMP/table"
    if [ $ok = yes ]; then AS_EXPECTED=$((AS_EXPECTED + 1)); else FAILURES+=("$name:$note"); fi
}
# curl_case NAME EXPECTED KIND REGEX curl-args...: one request by curl.
curl_case() {
    local name=$1 want=$2 kind=$3 re=$4
    shift 4
    CODE=$(curl -s -m 30 -o "$E2E_TMP/reply" -w '%{http_code}' "$@" || true)
    [ "$CODE" = 000 ] && CODE=close
    BODY=$(cat "$E2E_TMP/reply" 2>/dev/null || true)
    verdict "$name" "$want" "$kind" "$re"
}
raw_case() { # raw_case NAME EXPECTED KIND REGEX FILE [WAIT]
    exchange "$5" "${6:-15}"
    verdict "$1" "$2" "$3" "$4"
}

# ---- the node ----------------------------------------------------------------
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v0.bin" 0.9.0 --size 300K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" write-flash --dir "$D" 0x220000 "$E2E_TMP/v0.bin" >/dev/null # the previous image
"$OTA_NODE" nvs-set --dir "$D" security ota_psk "$PSK" >/dev/null
# Short limits keep the run bounded (fw_lockout.sh runs the defaults); 3 s
# outlasts curl's 1 s wait for "100 Continue" before a large body.
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_tmo_s 3 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_retries 2 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota hdr_deadline_ms 2000 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "PSK node" true "$(e2e_field "$IP" auth)"
for r in nvs otadata ota_0 ota_1; do baseline "$r"; done
APP_VALUES=$(app_values)
e2e_check_match "the app's NVS values read from a copy of the flash" "security/ota_psk=$PSK" "$APP_VALUES"
JOURNAL_SEQ=0
e2e_check "the journal starts empty" "none " "$(journal_newest)"

V2=$E2E_TMP/v2.bin
V2_SIZE=$(stat -c %s "$V2")
variant() { # variant NAME OFFSET PRINTF-BYTES: a copy of v2 with bytes replaced
    cp "$V2" "$E2E_TMP/$1"
    printf "$3" | dd of="$E2E_TMP/$1" bs=1 seek="$2" conv=notrunc status=none
}
flip() { # flip NAME OFFSET: a copy of v2 with one byte inverted
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$V2" | tr -d ' ')
    variant "$1" "$2" "\\x$(printf '%02x' $((b ^ 0xff)))"
}
variant zero.bin 0 '\x00'
variant chip.bin 12 '\x00\x00'
variant segs0.bin 1 '\x00'
variant segs17.bin 1 '\x11'
variant seglen.bin 28 '\xff\xff\xff\x00'
flip sha.bin $((V2_SIZE - 1))
flip checksum.bin $((V2_SIZE - 33)) # the checksum byte ends the 16-byte padded image body
head -c 10 "$V2" >"$E2E_TMP/hdr10.bin"
head -c $((V2_SIZE - 4096)) "$V2" >"$E2E_TMP/truncated.bin"
truncate -s $((0x200000 + 16)) "$E2E_TMP/big.bin"
dd if="$V2" of="$E2E_TMP/big.bin" conv=notrunc status=none

# ---- request line, headers, protocol -----------------------------------------------
printf 'GARBAGE\r\n\r\n' >"$R/garbage"
raw_case "malformed request line" 400 keep "" "$R/garbage"
printf 'GET /ota/status\r\n\r\n' >"$R/nover"
raw_case "request line without HTTP version (HTTP/0.9)" 505 keep "" "$R/nover"
printf 'GET /ota/status HTTP/2.0\r\nHost: x\r\n\r\n' >"$R/v2"
raw_case "HTTP/2.0 request line" 505 keep "" "$R/v2"
head -c 64 /dev/urandom | tr -d '\n' >"$R/junk"
printf '\r\n\r\n' >>"$R/junk"
raw_case "64 random bytes" 400 keep "" "$R/junk"
req "$R/longuri" GET "/ota/status?$(head -c 700 /dev/zero | tr '\0' a)"
raw_case "URI of 700 bytes" 414 keep "" "$R/longuri"
req "$R/longhdr" GET /ota/status "X-Big: $(head -c 1500 /dev/zero | tr '\0' b)"
raw_case "header line of 1500 bytes" 431 keep "" "$R/longhdr"
printf 'GET /ota/status HTTP/1.1\r\nHost: x\r\n' >"$R/unfinished"
raw_case "header section never finished (deadline)" 408 keep "" "$R/unfinished" 20
: >"$R/empty"
raw_case "connect and send nothing, then close" close keep "" "$R/empty" 1

# ---- methods and URIs ------------------------------------------------------
req "$R/get_ota" GET /ota "$AUTH"
raw_case "GET /ota" 405 keep "" "$R/get_ota"
req "$R/put_ota" PUT /ota "$AUTH" "Content-Length: 0"
raw_case "PUT /ota" 405 keep "" "$R/put_ota"
req "$R/del" DELETE /ota/status
raw_case "DELETE /ota/status" 405 keep "" "$R/del"
req "$R/post_status" POST /ota/status "Content-Length: 0"
raw_case "POST /ota/status" 405 keep "" "$R/post_status"
req "$R/brew" BREW /ota
raw_case "unknown method BREW" 400 keep "" "$R/brew"
req "$R/nf" GET /nonexistent
raw_case "GET /nonexistent" 404 keep "" "$R/nf"
req "$R/dots" GET /ota/../ota/status
raw_case "GET /ota/../ota/status" 404 keep "" "$R/dots"
req "$R/slashes" GET //ota/status
raw_case "GET //ota/status" 404 keep "" "$R/slashes"
req "$R/getbody" GET /ota/status "Content-Length: 5"
printf 'hello' >>"$R/getbody"
raw_case "GET /ota/status with a body (answered)" 200 keep "" "$R/getbody"

# ---- authorization (POST /ota with a valid image header) ---------------------------
curl_case "upload without Authorization" 401 keep "authorization required" \
    -H "$OCTET" --data-binary @"$V2" "$URL/ota"
curl_case "upload with a wrong token" 403 keep "wrong token" \
    -H "$OCTET" -H "Authorization: Bearer not-the-psk" --data-binary @"$V2" "$URL/ota"
curl_case "upload with an empty Authorization" 401 keep "" \
    -H "$OCTET" -H "Authorization;" --data-binary @"$V2" "$URL/ota"
curl_case "upload with 'Bearer' and no token" 401 keep "malformed Bearer token|Authorization must be" \
    -H "$OCTET" -H "Authorization: Bearer " --data-binary @"$V2" "$URL/ota"
curl_case "upload with Basic credentials" 401 keep "Authorization must be 'OTA-HMAC-SHA256 .*' or 'Bearer <psk>'" \
    -H "$OCTET" -H "Authorization: Basic dXNlcjpwYXNz" --data-binary @"$V2" "$URL/ota"
curl_case "upload with a 700-byte token" 403 keep "wrong token" \
    -H "$OCTET" -H "Authorization: Bearer $(head -c 700 /dev/zero | tr '\0' A)" \
    --data-binary @"$V2" "$URL/ota"
curl_case "upload with a token of bad characters" 401 keep "malformed Bearer token" \
    -H "$OCTET" -H "Authorization: Bearer a\"b<c>" --data-binary @"$V2" "$URL/ota"
curl_case "set-target without Authorization" 401 keep "" --data-binary 127.0.0.9:5005 \
    "$URL/ota/set-target"
curl_case "recalibrate with a wrong token" 403 keep "" -H "Authorization: Bearer nope" \
    -X POST "$URL/ota/recalibrate"

# Auth refusals are not journaled, not even in RAM (docs/HTTP-API.md, GET /ota/last).
e2e_check "no journal record of the auth refusals" 0 \
    "$(curl -s -m 5 "$URL/ota/last" | jq '.records | length')"

# ---- image contents refused on the first chunk (nothing erased) ----------------------
curl_case "first byte 0x00" 400 keep "first byte 0x00 instead of 0xE9.*not erased" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/zero.bin" "$URL/ota"
curl_case "image for the esp32 (wrong chip id)" 400 keep "built for esp32 .*not erased" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/chip.bin" "$URL/ota"
curl_case "10-byte image (truncated header)" 400 keep "shorter than an image header" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/hdr10.bin" "$URL/ota"
curl_case "segment count 0" 400 keep "announces 0 segments" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/segs0.bin" "$URL/ota"
curl_case "segment count 17" 400 keep "announces 17 segments" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/segs17.bin" "$URL/ota"
curl_case "first segment longer than the image" 400 keep "runs past the end" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/seglen.bin" "$URL/ota"
upload_req "$R/c1" "$E2E_TMP/zero.bin"
upload_req "$R/c2" "$E2E_TMP/chip.bin"
exchange "$R/c1" 15 &
CONCURRENT=$!
exchange "$R/c2"
wait "$CONCURRENT" || true
verdict "two concurrent uploads (bad magic, wrong chip)" 400 keep "built for esp32"

# ---- Content-Length ------------------------------------------------------------------
req "$R/nolen" POST /ota "$AUTH" "$OCTET"
raw_case "upload without Content-Length" 411 keep "Content-Length required" "$R/nolen"
req "$R/neg" POST /ota "$AUTH" "$OCTET" "Content-Length: -1"
raw_case "Content-Length: -1" 400 keep "" "$R/neg"
req "$R/nan" POST /ota "$AUTH" "$OCTET" "Content-Length: abc"
raw_case "Content-Length: abc" 400 keep "" "$R/nan"
req "$R/huge" POST /ota "$AUTH" "$OCTET" "Content-Length: 4294968296"
head -c 100 "$V2" >>"$R/huge"
raw_case "Content-Length: 4294968296 (1000 in 32 bits)" 413 keep \
    "image of 4294968296 bytes does not fit ota_1" "$R/huge"
req "$R/wrap0" POST /ota "$AUTH" "$OCTET" "Content-Length: 4294967295"
head -c 100 "$V2" >>"$R/wrap0"
raw_case "Content-Length: 4294967295 (0 in 32 bits)" 413 keep \
    "image of 4294967295 bytes does not fit" "$R/wrap0"
# esp_http_server calls a handler only at the first body byte (httpd_parse.c,
# v5.2.5): a length without any body is answered by httpd itself, 408.
req "$R/huge_nobody" POST /ota "$AUTH" "$OCTET" "Content-Length: 4294968296"
raw_case "Content-Length: 4294968296 and no body" 408 keep "" "$R/huge_nobody"
# A NUL in an earlier header value ends that line for the header getters
# (on the chip too), so "Content-Length: 1" after it is what they read,
# while the parser counts the real one (found by fuzz/httpd_request).
req "$R/nul_len" POST /ota "$AUTH" "$OCTET" "X-Note: "$'\x01'"NUL" "Content-Length: $(stat -c %s "$V2")"
sed -i 's/\x01NUL/\x00Content-Length: 1/' "$R/nul_len"
cat "$V2" >>"$R/nul_len"
raw_case "a NUL in a header value hides a second Content-Length" 400 keep \
    "Content-Length header \\(1\\) and the request's length \\([0-9]+\\) disagree" "$R/nul_len"
req "$R/u64" POST /ota "$AUTH" "$OCTET" "Content-Length: 99999999999999999999999"
raw_case "Content-Length beyond 64 bits" 400 keep "" "$R/u64"
req "$R/twolen" POST /ota "$AUTH" "$OCTET" "Content-Length: 10" "Content-Length: 20"
raw_case "two different Content-Length headers" 400 keep "" "$R/twolen"
req "$R/zero" POST /ota "$AUTH" "$OCTET" "Content-Length: 0"
raw_case "Content-Length: 0" 400 keep "empty body" "$R/zero"
curl_case "image larger than the slot" 413 keep "image of $((0x200000 + 16)) bytes does not fit" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/big.bin" "$URL/ota"
curl_case "chunked upload (no Content-Length)" 411 keep "Content-Length required" \
    -H "$AUTH" -H "$OCTET" -H "Transfer-Encoding: chunked" --data-binary @"$V2" "$URL/ota"
curl_case "wrong Content-Type" 415 keep "Content-Type must be" \
    -H "$AUTH" -H "Content-Type: text/plain" --data-binary @"$V2" "$URL/ota"

# ---- update attempts refused at the end (the other slot is rewritten) ----------------
curl_case "truncated image (4 KiB short)" 400 attempt "image failed verification" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/truncated.bin" "$URL/ota"
curl_case "corrupted SHA-256" 400 attempt "image failed verification" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/sha.bin" "$URL/ota"
curl_case "corrupted checksum byte" 400 attempt "image failed verification" \
    -H "$AUTH" -H "$OCTET" --data-binary @"$E2E_TMP/checksum.bin" "$URL/ota"
upload_req "$R/longer" "$V2" $((V2_SIZE + 1000))
raw_case "Content-Length 1000 bytes more than sent" 408 attempt "client stalled" "$R/longer" 20
for pct in 10 50 99.9; do
    upload_req "$R/gone$pct" "$V2" "$V2_SIZE" "$(awk -v s="$V2_SIZE" -v p="$pct" 'BEGIN { printf "%d", s * p / 100 }')"
    gone "$R/gone$pct"
    e2e_wait_log "$D/uart.log" "upload aborted: connection lost after" 10 || true
    verdict "client gone at $pct %" gone attempt ""
done

# ---- set-target and recalibrate values ---------------------------------------------------
for body in '' '127.0.0.9' '256.1.1.1:5005' '127.0.0.9:0' '127.0.0.9:65536' '127.00.0.9:5005' \
    '127.0.0.9:5005 junk' '127.0.0.9:5005;reboot' 'ff::1:5005'; do
    curl_case "set-target '$body'" 400 keep "empty body|bad target" \
        -H "$AUTH" --data-binary "$body" "$URL/ota/set-target"
done
curl_case "set-target with a 100-byte body" 413 keep "body of 100 bytes is too long" \
    -H "$AUTH" --data-binary "$(head -c 100 /dev/zero | tr '\0' 9)" "$URL/ota/set-target"
req "$R/st_wrap" POST /ota/set-target "$AUTH" "Content-Length: 4294967296"
printf '127.0.0.9:5005' >>"$R/st_wrap"
raw_case "set-target Content-Length 4294967296 (0 in 32 bits)" 413 keep \
    "body of 4294967296 bytes is too long" "$R/st_wrap"
req "$R/recal_big" POST /ota/recalibrate "$AUTH" "Content-Length: 10485760"
printf 'sixteen bytes...' >>"$R/recal_big"
raw_case "recalibrate, 10 MiB Content-Length, 16 bytes sent" 413 keep \
    "body of 10485760 bytes is too long for recalibrate" "$R/recal_big"
req "$R/recal_nobody" POST /ota/recalibrate "$AUTH" "Content-Length: 10485760"
raw_case "recalibrate, 10 MiB Content-Length, no body" 408 keep "" "$R/recal_nobody"

# ---- the table ------------------------------------------------------------------------------
{
    printf '%-3s %-46s %-7s %-7s %-7s %s\n' "#" "request" "expect" "got" "slot" "verdict"
    cat "$E2E_TMP/table"
} >&2
e2e_log "badinput: requests tried $TRIED, as expected $AS_EXPECTED, bytes changed $CHANGED" \
    "(running slot, otadata; the other slot and NVS for $((TRIED - ATTEMPTS)) requests refused" \
    "before an erase), update attempts that rewrote the other slot $ATTEMPTS (each journaled" \
    "failed, no other NVS value changed), reboots $(($(e2e_boots "$D") - 1))"
e2e_check "at least 40 requests" yes "$([ "$TRIED" -ge 40 ] && echo yes || echo no)"
e2e_check "every request as expected (failures: ${FAILURES[*]:-none})" "$TRIED" "$AS_EXPECTED"
e2e_check "bytes changed" 0 "$CHANGED"
e2e_check "the journal holds the attempts (the ring keeps the last 4)" "$JOURNAL_SEQ failed" \
    "$(journal_newest)"

# The service still takes a valid update afterwards.
e2e_check "valid update" 200 "$(curl -s -m 60 -o /dev/null -w '%{http_code}' -H "$AUTH" -H "$OCTET" \
    --data-binary @"$V2" "$URL/ota")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_done
