#!/usr/bin/env bash
# `cmake --install` of the build directory this test runs from, into a
# temporary prefix: every program, man page and completion is where
# docs/install.md says, the programs run from there, each man page renders
# without a warning and says what the program's --help says, the bash
# completion loads and completes commands, options and image paths, the
# installed ota-deploy.sh finds the installed otactl, and uninstall
# removes every file the install wrote.
# Network: one deploy to 127.0.180.1, where nothing listens.
. "$(dirname "$0")/lib.sh"

# The build directory: the one whose otactl the tests run.
build=$(dirname "$OTACTL")
while [ "$build" != / ] && [ ! -f "$build/CMakeCache.txt" ]; do build=$(dirname "$build"); done
[ -f "$build/CMakeCache.txt" ] || e2e_fail "no CMakeCache.txt above $OTACTL"
e2e_log "build directory $build"

# cmake --install writes BUILD/install_manifest.txt; keep an operator's.
manifest=$build/install_manifest.txt
[ -f "$manifest" ] && cp -p "$manifest" "$E2E_TMP/manifest.saved"
restore_manifest() {
    if [ -f "$E2E_TMP/manifest.saved" ]; then
        cp -p "$E2E_TMP/manifest.saved" "$manifest"
    else
        rm -f "$manifest"
    fi
}
trap 'rc=$?; restore_manifest; (exit $rc); e2e_cleanup' EXIT

prefix=$E2E_TMP/prefix
cmake --install "$build" --prefix "$prefix" >"$E2E_TMP/install.log" ||
    e2e_fail "cmake --install failed: $(tail -n 5 "$E2E_TMP/install.log")"
installed=$(grep -c "" "$manifest")
e2e_log "installed $installed files"

# --- the tree ---------------------------------------------------------
commands=$("$OTACTL" --help | awk '/^Commands:$/ {t = 1; next} t && /^ *$/ {exit} t {print $1}')
node_commands=$("$OTA_NODE" --help | awk 'tolower($0) ~ /^commands:$/ {t = 1; next} t && /^ *$/ {exit} t {print $1}')
if [ -z "$commands" ] || [ -z "$node_commands" ]; then e2e_fail "no command table in the --help texts"; fi
missing=()
for p in otactl ota-deploy.sh ota-node ota-node-signed ota-node-open ota-node-defect-seqwrites \
    ota-node-defect-stack4k ota-node-defect-noline ota-node-defect-noconfirm; do
    [ -x "$prefix/bin/$p" ] || missing+=("bin/$p")
done
pages=(otactl ota-node)
for c in $commands; do pages+=("otactl-$c"); done
for c in $node_commands; do pages+=("ota-node-$c"); done
for page in "${pages[@]}"; do
    [ -f "$prefix/share/man/man1/$page.1" ] || missing+=("share/man/man1/$page.1")
done
node_builds=(ota-node ota-node-signed ota-node-open ota-node-defect-seqwrites ota-node-defect-stack4k
    ota-node-defect-noline ota-node-defect-noconfirm)
for c in otactl "${node_builds[@]}"; do
    [ -f "$prefix/share/bash-completion/completions/$c" ] || missing+=("share/bash-completion/completions/$c")
done
e2e_check "programs, ${#pages[@]} man pages and $((1 + ${#node_builds[@]})) completions installed" "" "${missing[*]}"

# --- the programs run from the prefix ---------------------------------
out=$("$prefix/bin/otactl" --help)
e2e_check_match "installed otactl --help lists the commands" '^Commands:' "$out"
e2e_check_match "installed otactl --version" '^otactl [0-9]+\.[0-9]+\.[0-9]+$' "$("$prefix/bin/otactl" --version)"
for p in ota-node ota-node-signed ota-node-open ota-node-defect-seqwrites ota-node-defect-stack4k \
    ota-node-defect-noline ota-node-defect-noconfirm; do
    e2e_check_match "installed $p --version" '^ota-node [0-9]+\.[0-9]+\.[0-9]+$' "$("$prefix/bin/$p" --version)"
done
out=$("$prefix/bin/ota-deploy.sh" --help)
e2e_check_match "ota-deploy.sh --help ends with its text, not with code" 'else PATH\.$' "$(tail -n 1 <<<"$out")"

# The installed script runs the otactl beside it (no OTACTL, none on PATH):
# the deploy reaches otactl, which finds no node at 127.0.180.1 (exit 1,
# not the script's "otactl not found", exit 2).
e2e_image "$E2E_TMP/v1.bin" 1.0.0
set +e
out=$(env -u OTACTL PATH=/usr/bin:/bin "$prefix/bin/ota-deploy.sh" 127.0.180.1 \
    --image "$E2E_TMP/v1.bin" --probe-timeout 0.3 --quiet 2>"$E2E_TMP/deploy.err")
rc=$?
set -e
e2e_check "installed ota-deploy.sh ran the installed otactl (exit 1, node unreachable)" 1 "$rc"
set +e
env -u OTACTL "$prefix/bin/ota-deploy.sh" 127.0.180.1 2>"$E2E_TMP/deploy.err" >/dev/null
rc=$?
set -e
e2e_check "installed ota-deploy.sh without --image: usage error" 2 "$rc"
e2e_check_match "... that asks for --image" 'name the image with --image FILE' "$(cat "$E2E_TMP/deploy.err")"
e2e_check_match "its table names the unreachable node" '127\.0\.180\.1.*unreachable' "$out"

# --- man pages --------------------------------------------------------
# Each renders without a warning, and its text is its program's --help:
# every line of the --help appears in the page as rendered.
help_of() {
    case $1 in
    otactl) "$OTACTL" --help ;;
    ota-node) "$OTA_NODE" --help ;;
    otactl-*) "$OTACTL" "${1#otactl-}" --help ;;
    ota-node-*) "$OTA_NODE" "${1#ota-node-}" --help ;;
    esac
}
have_man=0
command -v man >/dev/null 2>&1 && have_man=1
for page in "${pages[@]}"; do
    file=$prefix/share/man/man1/$page.1
    if [ "$have_man" -eq 1 ]; then
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null) ||
            e2e_fail "man -l $page.1 failed: $warnings"
    else
        warnings=$(groff -man -ww -z "$file" 2>&1) || e2e_fail "groff $page.1 failed: $warnings"
    fi
    e2e_check "$page.1 renders without warnings" "" "$warnings"
    rendered=$(groff -man -Tascii -rLL=250n "$file" 2>/dev/null | col -bx | sed -E 's/^ +//; s/ +$//')
    # The NAME line names the page: "otactl deploy - ..." is otactl-deploy's.
    case $page in
    otactl-*) said="otactl ${page#otactl-} - " ;;
    ota-node-*) said="ota-node ${page#ota-node-} - " ;;
    *) said="$page - " ;;
    esac
    absent=""
    while IFS= read -r line; do
        line=$(sed -E 's/^ +//; s/ +$//; s/^[Uu]sage: //' <<<"$line")
        [ -n "$line" ] || continue
        [[ $line == "$said"* ]] && line="$page - ${line#"$said"}"
        grep -qxF -- "$line" <<<"$rendered" || { absent=$line; break; }
    done < <(help_of "$page")
    e2e_check "$page.1 has every line of its --help" "" "$absent"
done
MANPATH=$prefix/share/man
export MANPATH
if [ "$have_man" -eq 1 ]; then
    e2e_check "man finds otactl-deploy under the prefix" "$prefix/share/man/man1/otactl-deploy.1" \
        "$(man -w otactl-deploy)"
fi
for p in "${node_builds[@]}"; do
    [ "$p" = ota-node ] && continue
    [ -f "$prefix/share/man/man1/$p.1" ] || e2e_fail "no man page for $p"
    if [ "$have_man" -eq 1 ]; then
        e2e_check_match "man $p shows ota-node's page" '^OTA-NODE\(1\)' \
            "$(MANWIDTH=80 man "$p" 2>&1 | col -b | head -n 1)"
    fi
done
unset MANPATH

# --- bash completion --------------------------------------------------
mkdir -p "$E2E_TMP/images"
touch "$E2E_TMP/images/v2.bin"
# complete.sh FILE PROG WORD... : what TAB offers for the last WORD, one per line.
cat >"$E2E_TMP/complete.sh" <<'EOF'
set -u
file=$1
prog=$2
shift 2
# shellcheck disable=SC1090
. "$file"
spec=$(complete -p "$prog") || exit 3
fn=$(sed -E 's/.*-F ([^ ]+) .*/\1/' <<<"$spec")
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" "$prog" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF
completions=$prefix/share/bash-completion/completions
tab() {
    local prog=$1
    shift
    bash "$E2E_TMP/complete.sh" "$completions/$prog" "$prog" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}
e2e_check_match "the completion registers itself" '^complete -F [_a-z]+ otactl$' \
    "$(bash -c ". '$completions/otactl'; complete -p otactl")"
e2e_check "otactl de<TAB>" "deploy" "$(tab otactl otactl de)"
e2e_check "otactl <TAB> offers every command" "$(printf '%s\n' $commands help | sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(tab otactl otactl "")"
e2e_check "otactl image <TAB>" "build info sign" "$(tab otactl otactl image "")"
e2e_check "otactl deploy --image <TAB> completes image paths" "$E2E_TMP/images/v2.bin" \
    "$(tab otactl otactl deploy --image "$E2E_TMP/images/v")"
e2e_check "otactl image info <TAB> completes image paths" "$E2E_TMP/images/v2.bin" \
    "$(tab otactl otactl image info "$E2E_TMP/images/v")"
e2e_check "otactl deploy --jobs <TAB> offers no file" "" "$(tab otactl otactl deploy --jobs "$E2E_TMP/images/v")"
for p in "${node_builds[@]}"; do
    e2e_check "$p ru<TAB> (its own completion file)" "run" "$(tab "$p" "$p" ru)"
done
e2e_check "ota-node run --dir <TAB> offers directories" "$E2E_TMP/images" \
    "$(tab ota-node ota-node run --dir "$E2E_TMP/ima")"

# Every option an OPTIONS list or a usage line of --help names is offered
# for its command: `PROG CMD -<TAB>`.
options_in_help() {
    local text
    text=$(cat)
    {
        awk 'NR == 1 && $0 == "NAME" {m = 1}
             m && /^[A-Z]/ {s = ($0 == "SYNOPSIS"); next}
             m && s {print}
             !m && /^ *$/ {exit}
             !m {print}' <<<"$text" |
            grep -oE -- '(^|[][ |])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ |]//' || true
        grep -E -- '^ {1,8}(-[A-Za-z], )?--?[A-Za-z]' <<<"$text" | sed -E 's/^ +//' |
            grep -oE -- '^(-[A-Za-z], )?--?[A-Za-z][A-Za-z0-9-]*' | tr ',' '\n' | sed 's/^ //' || true
    } | sort -u
}
check_options() {
    local prog=$1 bin=$2
    shift 2
    local offered want absent=()
    offered=" $(tab "$prog" "$prog" "$@" -) "
    want=$("$bin" "$@" --help | options_in_help)
    for o in $want; do [[ $offered == *" $o "* ]] || absent+=("$o"); done
    e2e_check "$prog $* -<TAB> offers the $(wc -w <<<"$want") options of its --help" "" "${absent[*]}"
}
for c in $commands; do check_options otactl "$OTACTL" "$c"; done
for s in build info sign; do check_options otactl "$OTACTL" image "$s"; done
for c in $node_commands; do check_options ota-node "$OTA_NODE" "$c"; done

# --- uninstall --------------------------------------------------------
# What `cmake --build BUILD --target uninstall` runs (the target is checked
# to exist; building it here would re-check the build system of a
# directory the other tests are running from).
grep -qs 'uninstall' "$build/Makefile" "$build/build.ninja" || e2e_fail "no uninstall target in $build"
cmake -DMANIFEST="$manifest" -P "$OTA_SOURCE_DIR/cmake/uninstall.cmake" >"$E2E_TMP/uninstall.log"
e2e_check_match "uninstall removed every installed file" "removed $installed of the $installed installed files" \
    "$(cat "$E2E_TMP/uninstall.log")"
e2e_check "no file left under the prefix" "" "$(find "$prefix" -type f -o -type l)"
e2e_done
