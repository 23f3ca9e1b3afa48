#!/usr/bin/env bash
# Fleet bookkeeping (issue 12 item 5) against virtual nodes on 127.17.1.x:
# status and deploy take `ota-node fleet`'s fleet.tsv as it is
# (--targets-file) plus a targets file with comments, an offline address
# and a host name that does not resolve; the deploy's --json report names
# the unresolved host as that node's failure; --retry-failed with that
# report sends only to the nodes that did not end ok (the offline one, now
# started, confirms; the others are not contacted). Environment defaults
# (OTACTL_PORT, OTACTL_TIMEOUT, OTACTL_SUBNET): used, beaten by the option,
# a bad value is exit 2 naming the variable. -q leaves stderr empty; -v
# prints each exchange (method, URL, status, time) and never the PSK.
. "$(dirname "$0")/lib.sh"

NET=127.17.1
LATE=$NET.9 # offline at first, started before the retry

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_start_fleet "$E2E_TMP/fleet" "$NET" 3 "$E2E_TMP/v1.bin"
ips=("${E2E_FLEET_IPS[@]}")
tsv=$E2E_TMP/fleet/fleet.tsv

# status straight from fleet.tsv
rc=0
"$OTACTL" status --targets-file "$tsv" --json >"$E2E_TMP/status.json" 2>"$E2E_TMP/status.err" ||
    rc=$?
e2e_check "status --targets-file fleet.tsv exits 0" 0 "$rc"
e2e_check "status lists fleet.tsv's nodes in order" "${ips[*]}" \
    "$(jq -r '[.nodes[].ip] | join(" ")' "$E2E_TMP/status.json")"
e2e_check "every fleet node answered" true "$(jq '[.nodes[].ok] | all' "$E2E_TMP/status.json")"

# A hand-written targets file: comments, a duplicate, an offline node, a bad name.
cat >"$E2E_TMP/extra.txt" <<EOT
# nodes outside the fleet
$LATE            # not running yet

${ips[0]}:8032   # already in fleet.tsv: counted once
no-such-host.invalid
EOT

rc=0
"$OTACTL" deploy --targets-file "$tsv" --targets-file "$E2E_TMP/extra.txt" \
    --image "$E2E_TMP/v2.bin" --no-confirm-wait --json >"$E2E_TMP/deploy1.json" \
    2>"$E2E_TMP/deploy1.err" || rc=$?
e2e_check "deploy with a failed node exits 1" 1 "$rc"
e2e_check "five targets, each once" 5 "$(jq '.nodes | length' "$E2E_TMP/deploy1.json")"
e2e_check "the fleet confirmed" 3 "$(jq '[.nodes[] | select(.result == "confirmed")] | length' \
    "$E2E_TMP/deploy1.json")"
e2e_check "the offline node is unreachable" unreachable \
    "$(jq -r --arg ip "$LATE" '.nodes[] | select(.ip == $ip) | .result' "$E2E_TMP/deploy1.json")"
bad=$(jq -c '.nodes[] | select(.name == "no-such-host.invalid")' "$E2E_TMP/deploy1.json")
e2e_check "the bad name is unresolved" unresolved "$(jq -r .result <<<"$bad")"
e2e_check "the bad name has no IP" '' "$(jq -r .ip <<<"$bad")"
e2e_check_match "its reason says why" '^no-such-host.invalid does not resolve: ' "$(jq -r .reason <<<"$bad")"
for ip in "${ips[@]}"; do e2e_check "$ip runs v2" 2.0.0 "$(e2e_field "$ip" version)"; done

# The offline node comes up with v1; the retry touches only the failed two.
e2e_flash "$E2E_TMP/late" "$E2E_TMP/v1.bin"
e2e_start_node "$E2E_TMP/late" "$LATE"
rc=0
"$OTACTL" deploy --retry-failed "$E2E_TMP/deploy1.json" --image "$E2E_TMP/v2.bin" \
    --no-confirm-wait --json >"$E2E_TMP/retry.json" 2>"$E2E_TMP/retry.err" || rc=$?
e2e_check "retry exits 1 (the name still does not resolve)" 1 "$rc"
e2e_check "retry targets the two failed nodes only" "$LATE no-such-host.invalid" \
    "$(jq -r '[.nodes[] | .name // .ip] | join(" ")' "$E2E_TMP/retry.json")"
e2e_check "the late node confirmed" confirmed \
    "$(jq -r --arg ip "$LATE" '.nodes[] | select(.ip == $ip) | .result' "$E2E_TMP/retry.json")"
e2e_check "the late node runs v2" 2.0.0 "$(e2e_field "$LATE" version)"
e2e_check_match "retry says how many failed" "deploy1.json: 2 nodes did not end ok" \
    "$(cat "$E2E_TMP/retry.err")"

# Not a deploy report: a usage error, nothing sent.
rc=0
"$OTACTL" deploy --retry-failed "$E2E_TMP/status.json" --image "$E2E_TMP/v2.bin" \
    2>"$E2E_TMP/notreport.err" || rc=$?
e2e_check "a status report is no retry list: exit 2" 2 "$rc"
e2e_check_match "and says so" "^otactl deploy: .*status.json is an 'otactl status' report" \
    "$(cat "$E2E_TMP/notreport.err")"
rc=0
"$OTACTL" deploy --retry-failed "$E2E_TMP/extra.txt" --image "$E2E_TMP/v2.bin" \
    2>"$E2E_TMP/notjson.err" || rc=$?
e2e_check "a text file is no report: exit 2" 2 "$rc"

# Environment defaults.
rc=0
OTACTL_PORT=9 "$OTACTL" status "${ips[0]}" --json >"$E2E_TMP/env1.json" 2>/dev/null || rc=$?
e2e_check "OTACTL_PORT is the default port" "1 9" "$rc $(jq '.nodes[0].port' "$E2E_TMP/env1.json")"
rc=0
OTACTL_PORT=9 "$OTACTL" status "${ips[0]}" --port 8032 >/dev/null 2>&1 || rc=$?
e2e_check "--port beats OTACTL_PORT" 0 "$rc"
for var in OTACTL_PORT=70000 OTACTL_TIMEOUT=soon OTACTL_SUBNET=127.17.1.0/40; do
    rc=0
    if [ "${var%%=*}" = OTACTL_SUBNET ]; then
        err=$(env "$var" "$OTACTL" discover --arp-file /dev/null 2>&1 >/dev/null) || rc=$?
    else
        err=$(env "$var" "$OTACTL" status "${ips[0]}" 2>&1 >/dev/null) || rc=$?
    fi
    e2e_check "bad $var: exit 2" 2 "$rc"
    e2e_check_match "bad $var: named" "^otactl [a-z]+: environment variable ${var%%=*}" "$err"
done
rc=0
OTACTL_SUBNET="$NET.0/28" "$OTACTL" discover --arp-file /dev/null --no-fallback --json \
    >"$E2E_TMP/discover.json" 2>/dev/null || rc=$?
e2e_check "OTACTL_SUBNET is discover's sweep" "0 4" "$rc $(jq '.nodes | length' "$E2E_TMP/discover.json")"

# -q and -v.
rc=0
"$OTACTL" deploy "${ips[@]}" --image "$E2E_TMP/v2.bin" -q >"$E2E_TMP/quiet.out" \
    2>"$E2E_TMP/quiet.err" || rc=$?
e2e_check "-q deploy (all skipped) exits 0" 0 "$rc"
e2e_check "-q: nothing on stderr" "" "$(cat "$E2E_TMP/quiet.err")"
e2e_check_match "-q: the table still printed" "skipped" "$(cat "$E2E_TMP/quiet.out")"
rc=0
"$OTACTL" recalibrate "${ips[1]}" -v >"$E2E_TMP/verbose.out" 2>"$E2E_TMP/verbose.err" || rc=$?
e2e_check "-v recalibrate exits 0" 0 "$rc"
verbose=$(cat "$E2E_TMP/verbose.err")
e2e_check_match "-v: the nonce fetch" \
    "^otactl recalibrate: GET http://${ips[1]}:8032/ota/nonce -> 200 in [0-9]+ ms" "$verbose"
e2e_check_match "-v: the request" \
    "^otactl recalibrate: POST http://${ips[1]}:8032/ota/recalibrate -> 200 in [0-9]+ ms" "$verbose"
e2e_check_match "-v: the status polls" \
    "^otactl recalibrate: GET http://${ips[1]}:8032/ota/status -> " "$verbose"
if grep -qF -- "$E2E_PSK" "$E2E_TMP/verbose.err"; then e2e_fail "-v printed the PSK"; fi
rc=0
"$OTACTL" status "${ips[0]}" -q -v >/dev/null 2>&1 || rc=$?
e2e_check "-q with -v is a usage error" 2 "$rc"

# A name the system resolver knows (localhost, from /etc/hosts) keeps both:
# port 9 so nothing of another test is asked.
rc=0
"$OTACTL" status localhost:9 --json >"$E2E_TMP/localhost.json" 2>/dev/null || rc=$?
e2e_check "localhost resolved, kept as named" "localhost 127.0.0.1 9" \
    "$(jq -r '.nodes[0] | "\(.name) \(.ip) \(.port)"' "$E2E_TMP/localhost.json")"
e2e_done
