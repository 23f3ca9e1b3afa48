#!/usr/bin/env bash
# ct.valgrind: the firmware's secret comparisons run clean under memcheck
# with the secrets undefined, and the early-exit control is reported (so a
# clean run means something). Exit 77 (skipped) without Valgrind.
set -uo pipefail
exe=${1:?usage: run.sh CT_CHECK}
if ! command -v valgrind >/dev/null; then
    echo "ct.valgrind: skipped: valgrind is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
vg=(valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes)
out=$("${vg[@]}" "$exe" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
    printf '%s\n' "$out"
    echo "ct.valgrind: FAIL: the firmware's comparisons (exit $rc): a branch or index on a secret?"
    exit 1
fi
echo "ct.valgrind: ota_ct_equal and ota_ct_tokens_equal: no branch or index on the secret bytes"
out=$("${vg[@]}" "$exe" --control 2>&1)
rc=$?
if [ $rc -ne 99 ] || ! grep -q 'depends on uninitialised value' <<<"$out"; then
    printf '%s\n' "$out"
    echo "ct.valgrind: FAIL: the early-exit control was not reported (exit $rc): the check sees nothing"
    exit 1
fi
echo "ct.valgrind: control: the early-exit loop is reported, as it must be"
