#!/usr/bin/env bash
# The PSK never reaches a node impostor (issue 10). tests/tools/fake_node
# answers like a node, and records every byte otactl sends it. otactl runs
# deploy, set-target, recalibrate, rollback and status with OTA_PSK set to
# a distinctive string; the captures must not hold it, in clear, base64
# or hex. The impostor that offers GET /ota/nonce gets only the
# OTA-HMAC-SHA256 header, whose MAC this test recomputes with the openssl
# CLI from the PSK and the bytes captured. Last, the control: an impostor
# without /ota/nonce (a recipe-era node), named on the command line with
# --allow-bearer, does receive the PSK, which shows the captures can see it.
. "$(dirname "$0")/lib.sh"
: "${FAKE_NODE:?FAKE_NODE must name the fake_node test tool}"

PSK='Zq8-ctlauth-PSK-4711-unlikely'
OURS=127.14.1.1   # offers GET /ota/nonce, like a node of ours
RECIPE=127.14.2.1 # 404 on /ota/nonce, like a recipe-era handler
IMAGE=$E2E_TMP/v2.bin
e2e_image "$IMAGE" 2.0.0

start_fake() { # start_fake IP CAPTURE --nonce|--no-nonce
    e2e_refuse_busy "$1"
    "$FAKE_NODE" --bind "$1" --capture "$2" "$3" >"$2.ready" 2>>"$2.log" &
    E2E_PIDS+=("$!")
    local deadline=$((SECONDS + 10))
    until [ -s "$2.ready" ]; do
        [ $SECONDS -lt $deadline ] || e2e_fail "fake node $1 did not start: $(cat "$2.log")"
        sleep 0.05
    done
}
start_fake "$OURS" "$E2E_TMP/ours.cap" --nonce
start_fake "$RECIPE" "$E2E_TMP/recipe.cap" --no-nonce

# Every form of the PSK an encoder on the way could produce: as is, hex in
# both cases, and base64 at each of the three alignments a preceding byte
# count could give it (the characters that depend on the PSK alone).
FORMS=("$PSK" "$(printf '%s' "$PSK" | od -An -tx1 | tr -d ' \n')")
FORMS+=("$(tr 'a-f' 'A-F' <<<"${FORMS[1]}")")
for pre in "" "x" "xy"; do
    b64=$(printf '%s%s' "$pre" "$PSK" | base64 -w0)
    skip=$((${#pre} == 0 ? 0 : 4))
    FORMS+=("${b64:$skip:$((${#b64} - skip - 4))}")
done

leaks() { # leaks CAPTURE: how many forms of the PSK it holds
    local n=0 f
    for f in "${FORMS[@]}"; do
        if grep -aqF -- "$f" "$1"; then n=$((n + 1)); fi
    done
    echo "$n"
}

otactl_psk() { OTA_PSK=$PSK "$OTACTL" "$@"; }

result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .result' "$1"; }

# Deploy by discovery and by name, with and without --allow-bearer.
rc=0
otactl_psk deploy --subnet 127.14.1.0/29 --image "$IMAGE" --no-verify --yes --json \
    >"$E2E_TMP/d1.json" 2>"$E2E_TMP/d1.err" || rc=$?
e2e_check "deploy by --subnet exits 0" 0 "$rc"
e2e_check "deploy by --subnet: sent with HMAC" sent "$(result "$E2E_TMP/d1.json" "$OURS")"
otactl_psk deploy --subnet 127.14.1.0/29 --allow-bearer --image "$IMAGE" --no-verify --yes \
    --json >"$E2E_TMP/d2.json" 2>"$E2E_TMP/d2.err" || true
e2e_check "deploy by --subnet --allow-bearer: sent" sent "$(result "$E2E_TMP/d2.json" "$OURS")"
otactl_psk deploy "$OURS" --image "$IMAGE" --no-verify --json >"$E2E_TMP/d3.json" \
    2>"$E2E_TMP/d3.err" || true
e2e_check "deploy by name: sent" sent "$(result "$E2E_TMP/d3.json" "$OURS")"
otactl_psk deploy "$OURS" --allow-bearer --image "$IMAGE" --no-verify --json \
    >"$E2E_TMP/d4.json" 2>"$E2E_TMP/d4.err" || true
e2e_check "deploy by name --allow-bearer: sent" sent "$(result "$E2E_TMP/d4.json" "$OURS")"

# The operator commands, with and without --allow-bearer, and status.
for extra in "" --allow-bearer; do
    # shellcheck disable=SC2086 # extra is one option or none
    otactl_psk set-target --target 127.14.9.9:5005 "$OURS" --no-wait --json $extra \
        >"$E2E_TMP/st.json" 2>/dev/null || true
    e2e_check "set-target ${extra:-(no option)}: sent" sent "$(result "$E2E_TMP/st.json" "$OURS")"
    for cmd in recalibrate rollback; do
        # shellcheck disable=SC2086
        otactl_psk "$cmd" "$OURS" --no-wait --json $extra >"$E2E_TMP/$cmd.json" 2>/dev/null || true
        e2e_check "$cmd ${extra:-(no option)}: sent" sent "$(result "$E2E_TMP/$cmd.json" "$OURS")"
    done
done
# The recipe-era impostor is refused before anything is sent: found by
# discovery even with --allow-bearer, named but without it.
otactl_psk deploy --subnet 127.14.2.0/29 --allow-bearer --image "$IMAGE" --no-verify --yes \
    --json >"$E2E_TMP/r1.json" 2>"$E2E_TMP/r1.err" || true
e2e_check "recipe-era node discovered, --allow-bearer: bearer-needed" "bearer-needed bearer-needed" \
    "$(jq -r '.nodes[0] | "\(.result) \(.auth_refusal)"' "$E2E_TMP/r1.json")"
e2e_check_match "a discovered node is not sent the PSK: name it" "discovered: name it" \
    "$(jq -r '.nodes[0].reason' "$E2E_TMP/r1.json")"
otactl_psk deploy "$RECIPE" --image "$IMAGE" --no-verify --json >"$E2E_TMP/r2.json" \
    2>"$E2E_TMP/r2.err" || true
e2e_check "recipe-era node named, no --allow-bearer: bearer-needed" bearer-needed \
    "$(result "$E2E_TMP/r2.json" "$RECIPE")"
e2e_check_match "the reason says what --allow-bearer does" \
    "nothing sent.*--allow-bearer sends the PSK in clear" "$(jq -r '.nodes[0].reason' "$E2E_TMP/r2.json")"
otactl_psk set-target --target 127.14.9.9:5005 "$RECIPE" --no-wait --json >"$E2E_TMP/r3.json" \
    2>/dev/null || true
e2e_check "set-target to it: bearer-needed" bearer-needed "$(result "$E2E_TMP/r3.json" "$RECIPE")"
for cmd in recalibrate rollback; do
    otactl_psk "$cmd" "$RECIPE" --no-wait --json >"$E2E_TMP/r-$cmd.json" 2>/dev/null || true
    e2e_check "$cmd to it: bearer-needed" bearer-needed "$(result "$E2E_TMP/r-$cmd.json" "$RECIPE")"
done
otactl_psk status "$OURS" "$RECIPE" >/dev/null 2>&1 || true
otactl_psk discover --subnet 127.14.2.0/29 --arp-file /dev/null >/dev/null 2>&1 || true

# Request lines are looked for anywhere: one may follow an upload's binary body.
e2e_check "the node of ours got 4 uploads and 6 operator requests" 10 \
    "$(grep -ao 'POST /ota[^ ]* HTTP/1.1' "$E2E_TMP/ours.cap" | wc -l)"
e2e_check "no form of the PSK reached the node of ours" 0 "$(leaks "$E2E_TMP/ours.cap")"
e2e_check "the recipe-era node got status and nonce requests only" 0 \
    "$(grep -aoE '[A-Z]+ /[^ ]* HTTP/1.1' "$E2E_TMP/recipe.cap" |
        grep -avcE '^GET /ota/(status|nonce) ' || true)"
e2e_check "no form of the PSK reached the recipe-era node" 0 "$(leaks "$E2E_TMP/recipe.cap")"

# Every request named the impostor in its Host, the Host the MACs cover.
e2e_check "every Host header is the node's IP:PORT" "Host: $OURS:8032" \
    "$(grep -a '^Host: ' "$E2E_TMP/ours.cap" | tr -d '\r' | sort -u)"

# Every POST carried its own nonce, and each MAC is the contract's, as the
# openssl CLI computes it from the PSK and what the impostor received.
mapfile -t auths < <(grep -a '^Authorization: ' "$E2E_TMP/ours.cap" | tr -d '\r')
e2e_check "an Authorization header on every POST" 10 "${#auths[@]}"
e2e_check "one fresh nonce per request" 10 \
    "$(printf '%s\n' "${auths[@]}" | sed 's/.*nonce=\([0-9a-f]*\),.*/\1/' | sort -u | wc -l)"
image_sha=$(sha256sum "$IMAGE" | cut -d' ' -f1)
target_sha=$(printf '%s' 127.14.9.9:5005 | sha256sum | cut -d' ' -f1)
empty_sha=$(printf '' | sha256sum | cut -d' ' -f1)
mapfile -t lines < <(grep -ao 'POST /ota[^ ]* HTTP/1.1' "$E2E_TMP/ours.cap" | cut -d' ' -f2)
for i in "${!auths[@]}"; do
    re='^Authorization: OTA-HMAC-SHA256 nonce=([0-9a-f]{32}), body=([0-9a-f]{64}), mac=([0-9a-f]{64})$'
    [[ ${auths[$i]} =~ $re ]] || e2e_fail "header $i not in the contract's layout: ${auths[$i]}"
    nonce=${BASH_REMATCH[1]} body=${BASH_REMATCH[2]} mac=${BASH_REMATCH[3]}
    uri=${lines[$i]}
    case $uri in
        /ota) want_body=$image_sha ;;
        /ota/set-target) want_body=$target_sha ;;
        *) want_body=$empty_sha ;;
    esac
    e2e_check "request $i ($uri): body digest of the exact bytes" "$want_body" "$body"
    want_mac=$(printf '%s\n%s\n%s\n%s\n%s' "$nonce" POST "$OURS:8032" "$uri" "$body" |
        openssl dgst -sha256 -hmac "$PSK" | sed 's/.*= //')
    e2e_check "request $i ($uri): MAC as openssl computes it" "$want_mac" "$mac"
done

# The control: --allow-bearer to the recipe-era impostor, named: the PSK
# goes, in clear, and the capture shows it.
otactl_psk deploy "$RECIPE" --allow-bearer --image "$IMAGE" --no-verify --json \
    >"$E2E_TMP/c.json" 2>"$E2E_TMP/c.err" || true
e2e_check "recipe-era node named with --allow-bearer: sent" sent "$(result "$E2E_TMP/c.json" "$RECIPE")"
e2e_check_match "the capture does see the PSK then" "^Authorization: Bearer $PSK" \
    "$(tr -d '\r' <"$E2E_TMP/recipe.cap" | grep -a '^Authorization')"
e2e_check "the leak check finds it" 1 "$(($(leaks "$E2E_TMP/recipe.cap") > 0))"
# Nor does otactl print it: not in a report, a reason or a progress line.
e2e_check "no output of otactl holds the PSK" "" \
    "$(grep -lF -- "$PSK" "$E2E_TMP"/*.json "$E2E_TMP"/*.err 2>/dev/null || true)"
e2e_done
