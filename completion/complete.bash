# bash completion logic shared by otactl and ota-node. The installed file
# (build/completion/PROG) is this text after a table of PROG's commands
# and options that scripts/gen-completion.sh takes from PROG's --help at
# build time, so the completion offers what --help documents.
#
# _ota_complete DATAFN: completes COMP_WORDS[COMP_CWORD] for the program
# whose table is DATAFN ("DATAFN commands", "DATAFN subs CMD",
# "DATAFN opts KEY", "DATAFN kind KEY OPTION", "DATAFN pos KEY"; KEY is
# the command, or "command subcommand").

_ota_complete_files() {
    # -o filenames: directories get their slash and names are quoted.
    compopt -o filenames 2>/dev/null
    if [ "$1" = dir ]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$2")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$2")
    fi
}

_ota_complete_words() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_ota_complete() {
    local data=$1
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd="" sub="" i w subs
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -z "$cmd" ]; then
            [[ $w == -* ]] || cmd=$w
        elif [ -z "$sub" ] && [[ $w != -* ]]; then
            subs=" $("$data" subs "$cmd") "
            [[ $subs == *" $w "* ]] && sub=$w
        fi
    done
    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            _ota_complete_words "--help --version" "$cur"
        else
            _ota_complete_words "$("$data" commands)" "$cur"
        fi
        return 0
    fi
    if [ "$cmd" = help ]; then
        # otactl help COMMAND [SUBCOMMAND]
        if [ "$COMP_CWORD" -eq 2 ]; then
            _ota_complete_words "$("$data" commands)" "$cur"
        elif [ "$COMP_CWORD" -eq 3 ]; then
            _ota_complete_words "$("$data" subs "$prev")" "$cur"
        fi
        return 0
    fi
    local key=$cmd
    [ -n "$sub" ] && key="$cmd $sub"
    if [[ $prev == -* ]]; then
        case $("$data" kind "$key" "$prev") in
        file | dir)
            _ota_complete_files "$("$data" kind "$key" "$prev")" "$cur"
            return 0
            ;;
        value) return 0 ;;
        esac
    fi
    if [[ $cur == -* ]]; then
        _ota_complete_words "$("$data" opts "$key")" "$cur"
        return 0
    fi
    subs=$("$data" subs "$cmd")
    if [ -n "$subs" ] && [ -z "$sub" ]; then
        _ota_complete_words "$subs" "$cur"
        return 0
    fi
    if [ "$("$data" pos "$key")" = file ]; then
        _ota_complete_files file "$cur"
    fi
    return 0
}
