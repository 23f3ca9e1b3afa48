# Shared steps of tests/e2e/diagnose_*.sh (sourced after lib.sh; not a test
# itself). Each test provokes one failure mode in a virtual node THROUGH
# `otactl deploy`, then checks that deploy's --json report and `otactl
# doctor` (HTTP only, and with the node's UART log) name the cause.
#
# Nodes write their UART to $UARTS/<ip>.log: the file name deploy's
# --uart-dir expects.

UARTS=$E2E_TMP/uarts
mkdir -p "$UARTS"

# dg_node DIR IP IMAGE [ota-node run options...]: flash IMAGE, health delay
# 500 ms (the firmware's 10 s default only makes the tests slow), boot it.
# OTA_NODE may name a defect build for the call.
dg_node() {
    local dir=$1 ip=$2 image=$3
    shift 3
    e2e_flash "$dir" "$image"
    "$OTA_NODE" nvs-set --dir "$dir" --type u32 ota health_ms 500 >/dev/null
    e2e_start_node "$dir" "$ip" --uart "$UARTS/$ip.log" "$@"
}

# dg_deploy IP IMAGE [deploy options...]: deploy with --json and --uart-dir;
# sets DG_RC and DG_JSON (the node's entry).
dg_deploy() {
    local ip=$1 image=$2
    shift 2
    DG_RC=0
    "$OTACTL" deploy "$ip" --image "$image" --uart-dir "$UARTS" --json "$@" \
        >"$E2E_TMP/deploy.json" 2>"$E2E_TMP/deploy.log" || DG_RC=$?
    DG_JSON=$(jq -c --arg ip "$ip" '.nodes[] | select(.ip == $ip)' "$E2E_TMP/deploy.json")
    e2e_log "deploy: $(jq -r '.result + ": " + .reason' <<<"$DG_JSON")"
}

# dg_doctor NAME IP [doctor options...]: doctor --json into $E2E_TMP/NAME.json;
# sets DG_DOC (the JSON) and DG_DOC_RC.
dg_doctor() {
    local name=$1 ip=$2
    shift 2
    DG_DOC_RC=0
    "$OTACTL" doctor "$ip" --json "$@" >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" ||
        DG_DOC_RC=$?
    DG_DOC=$(cat "$E2E_TMP/$name.json")
    e2e_log "doctor ($name): $(jq -r .diagnosis <<<"$DG_DOC" 2>/dev/null)"
}

# dg_check_deploy RESULT DIAGNOSIS: the deploy failed (exit 1) with RESULT
# and named DIAGNOSIS, with evidence and a fix.
dg_check_deploy() {
    e2e_check "deploy exits 1" 1 "$DG_RC"
    e2e_check "deploy result" "$1" "$(jq -r .result <<<"$DG_JSON")"
    e2e_check "deploy diagnosis" "$2" "$(jq -r .diagnosis.diagnosis <<<"$DG_JSON")"
    e2e_check_match "deploy diagnosis has evidence" '^[1-9]' \
        "$(jq '.diagnosis.evidence | length' <<<"$DG_JSON")"
    e2e_check_match "deploy diagnosis has a fix" '.' "$(jq -r .diagnosis.fix <<<"$DG_JSON")"
}

# dg_check_doctor NAME DIAGNOSIS: doctor named DIAGNOSIS (exit 1 unless OTA_OK).
dg_check_doctor() {
    local want_rc=1
    [ "$2" = OTA_OK ] && want_rc=0
    e2e_check "doctor ($1) diagnosis" "$2" "$(jq -r .diagnosis <<<"$DG_DOC")"
    e2e_check "doctor ($1) exit status" "$want_rc" "$DG_DOC_RC"
}

# dg_doctor_http IP DIAGNOSIS [POLLS]: doctor over HTTP only (POLLS polls,
# default 2, 1 s apart), expecting the update $E2E_TMP/v2.bin, names DIAGNOSIS.
dg_doctor_http() {
    dg_doctor http "$1" --polls "${3:-2}" --interval 1 --expect-image "$E2E_TMP/v2.bin"
    dg_check_doctor http "$2"
}

# dg_doctor_uart IP DIAGNOSIS: doctor with the node's UART capture names DIAGNOSIS.
dg_doctor_uart() {
    dg_doctor uart "$1" --polls 1 --uart "$UARTS/$1.log" --expect-image "$E2E_TMP/v2.bin"
    dg_check_doctor uart "$2"
}

# dg_doc_cause, dg_deploy_cause: the most likely cause the last doctor / deploy named.
dg_doc_cause() { jq -r '.causes[0].cause // empty' <<<"$DG_DOC"; }
dg_deploy_cause() { jq -r '.diagnosis.causes[0].cause // empty' <<<"$DG_JSON"; }

# dg_journal_phase, dg_journal_result: the deciding journal record of the
# last doctor (empty when none decided).
dg_journal_phase() { jq -r 'select(.journal.decided == true) | .journal.phase // empty' <<<"$DG_DOC"; }
dg_journal_result() { jq -r 'select(.journal.decided == true) | .journal.result // empty' <<<"$DG_DOC"; }

# dg_doctor_both IP DIAGNOSIS CAUSE RESULT PHASE: the node's journal decides
# over HTTP alone: `otactl doctor IP` without --uart names DIAGNOSIS, first
# cause CAUSE ("" for none) and the journal record RESULT in phase PHASE,
# and with the node's UART it names the same (the UART is a second witness).
dg_doctor_both() {
    local ip=$1 diagnosis=$2 cause=$3 result=$4 phase=$5
    dg_doctor_http "$ip" "$diagnosis"
    e2e_check "doctor (http): first cause" "$cause" "$(dg_doc_cause)"
    e2e_check "doctor (http): the journal decides, record" "$result" "$(dg_journal_result)"
    e2e_check "doctor (http): the journal's phase" "$phase" "$(dg_journal_phase)"
    e2e_check_match "doctor (http): the evidence quotes the journal's phase" \
        "journal .*: $result in phase $phase" "$(jq -r '.evidence[]' <<<"$DG_DOC")"
    local http_doc=$DG_DOC
    dg_doctor_uart "$ip" "$diagnosis"
    e2e_check "doctor (uart): same first cause as over HTTP" "$cause" "$(dg_doc_cause)"
    e2e_check "doctor (uart): same journal phase" "$phase" "$(dg_journal_phase)"
    e2e_check "doctor (uart): same verdict as over HTTP" \
        "$(jq -c '[.diagnosis, [.causes[].cause]]' <<<"$http_doc")" \
        "$(jq -c '[.diagnosis, [.causes[].cause]]' <<<"$DG_DOC")"
}
