#!/usr/bin/env bash
# otactl's top-level dispatch: `otactl help [COMMAND [SUBCOMMAND]]` is the
# command's own --help; an unknown option or command is one line on stderr
# in the form "otactl: WHAT (HOW TO FIX)" with exit status 2 and nothing on
# stdout. No node, no network.
. "$(dirname "$0")/lib.sh"

# run ARGS...: sets out, err, rc.
run() {
    set +e
    out=$("$OTACTL" "$@" 2>"$E2E_TMP/err")
    rc=$?
    set -e
    err=$(cat "$E2E_TMP/err")
}

commands=$("$OTACTL" --help | awk '/^Commands:$/ {t = 1; next} t && /^ *$/ {exit} t {print $1}')
[ -n "$commands" ] || e2e_fail "no command table in otactl --help"
for c in $commands; do
    run help "$c"
    e2e_check "otactl help $c exits 0" 0 "$rc"
    e2e_check "otactl help $c prints 'otactl $c --help'" "$("$OTACTL" "$c" --help)" "$out"
done
run help image build
e2e_check "otactl help image build is 'otactl image build --help'" "$("$OTACTL" image build --help)" "$out"
run help
e2e_check "otactl help exits 0" 0 "$rc"
e2e_check "otactl help prints the top-level usage" "$("$OTACTL" --help)" "$out"

# one_line_error DESCRIPTION ARGS...: exit 2, stdout empty, one stderr
# line "otactl: ... (...)".
one_line_error() {
    local what=$1
    shift
    run "$@"
    e2e_check "$what: exit 2" 2 "$rc"
    e2e_check "$what: nothing on stdout" "" "$out"
    e2e_check "$what: one line on stderr" 1 "$(grep -c '' <<<"$err")"
    e2e_check_match "$what: 'otactl: what (how to fix)'" '^otactl: .+ \(.+\)$' "$err"
}
one_line_error "otactl --bogus" --bogus
e2e_check_match "otactl --bogus names the option" "unknown option '--bogus'" "$err"
one_line_error "otactl bogus" bogus
e2e_check_match "otactl bogus names the command and where the list is" "unknown command 'bogus'.*otactl --help" "$err"
one_line_error "otactl deplyo" deplyo
e2e_check_match "otactl deplyo suggests deploy" "did you mean 'otactl deploy'" "$err"
one_line_error "otactl help bogus" help bogus
one_line_error "otactl help with too many words" help image build info
e2e_done
