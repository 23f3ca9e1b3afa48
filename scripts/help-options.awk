# Reads one --help text of otactl or ota-node and prints what a shell
# completion needs to know about the command, one fact a line:
#   opt NAME KIND    an option; KIND is flag (takes no value), file, dir
#                    or value (takes a value that is not a path)
#   pos KIND         what its positional arguments are (file or value)
# Options are taken from the usage block (or SYNOPSIS section) and from
# option-list lines (an option first on a line indented by 8 spaces or
# fewer); a value's kind comes from its metavariable (FILE, DIR, ...).
# Variable (awk -v): words, the command words to drop from usage lines
# (e.g. "otactl image build").

function kind(meta) {
    if (meta ~ /DIR/) return "dir"
    if (meta ~ /FILE|BIN|CSV|^KEY|\.pem|^IN$|^OUT$|DEVICE|PATH|REPORT|JSON/) return "file"
    return "value"
}
function note(name, k, from_usage) {
    if (!(name in seen)) { order[++n] = name; seen[name] = k; src[name] = from_usage; return }
    # The usage block says best what an option takes.
    if (from_usage && !src[name]) { seen[name] = k; src[name] = 1 }
}
function usage_line(line,    t, cnt, i, tok, raw, pos_meta, w) {
    sub(/^[Uu]sage: /, "", line)
    cnt = split(line, t, /[ \t]+/)
    nw = split(words, w, / /)
    i = 1
    while (i <= cnt && t[i] == "") i++
    # Drop the command words (a continuation line has none).
    for (j = 1; j <= nw && i <= cnt; j++) if (t[i] == w[j]) i++
    for (; i <= cnt; i++) {
        raw = t[i]
        tok = raw
        gsub(/[][]/, "", tok)
        sub(/\.\.\.$/, "", tok)
        if (tok == "" || tok == "|") continue
        if (tok ~ /^--?[A-Za-z]/) {
            name = tok
            if (raw ~ /\]/ || i == cnt) { note(name, "flag", 1); continue }
            nxt = t[i + 1]
            if (nxt ~ /^[-[|]/) { note(name, "flag", 1); continue }
            note(name, kind(nxt), 1)
            i++
            continue
        }
        pos_kind = (pos_kind == "file") ? "file" : kind(tok)
        if (pos_kind == "dir") pos_kind = "file"
    }
}

NR == 1 { manlike = ($0 == "NAME") }
manlike && /^[A-Z][A-Z0-9 ]*$/ { section = $0; next }
manlike && section == "SYNOPSIS" { usage_line($0); next }
!manlike && !usage_done {
    if ($0 ~ /^ *$/) { usage_done = 1; next }
    usage_line($0)
    next
}
/^ +-/ {
    line = $0
    sub(/^ +/, "", line)
    if (length($0) - length(line) > 8) next
    cnt = split(line, t, / /)
    i = 1
    if (t[1] ~ /^-[A-Za-z],$/) {
        short = substr(t[1], 1, 2)
        i = 2
    } else {
        short = ""
    }
    if (t[i] !~ /^--?[A-Za-z][A-Za-z0-9-]*$/) next
    k = (i + 1 <= cnt && t[i + 1] != "") ? kind(t[i + 1]) : "flag"
    note(t[i], k, 0)
    if (short != "") note(short, seen[t[i]], 0)
}

END {
    for (i = 1; i <= n; i++) print "opt", order[i], seen[order[i]]
    if (pos_kind != "") print "pos", pos_kind
}
