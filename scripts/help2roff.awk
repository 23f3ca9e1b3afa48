# Turns one --help text of otactl or ota-node into man(7) source, keeping
# the text as the program prints it (tables and flowcharts stay aligned).
# Two layouts are understood, both as the programs print them:
#   man-like:  column-0 upper-case headings (NAME, SYNOPSIS, ...) over
#              bodies indented by 4 spaces;
#   usage-like: a "usage:" block, a blank line, then free text.
# Variables (awk -v): page (e.g. otactl-deploy), summary (the NAME line's
# description for the usage-like layout), level (0: a page of its own,
# headings are .SH; 1: a subcommand's part of its command's page, one .SH
# named by title and headings as .SS), title (level 1 only).

function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.']/) s = "\\&" s
    return s
}
function verbatim(s) {
    if (!nf) { print ".nf"; nf = 1 }
    print esc(s)
}
function heading(h) {
    if (nf) { print ".fi"; nf = 0 }
    if (level == 0) print ".SH \"" h "\""
    else print ".SS \"" h "\""
}
function unindent(s, n) {
    while (n > 0 && substr(s, 1, 1) == " ") { s = substr(s, 2); n-- }
    return s
}

NR == 1 {
    manlike = ($0 == "NAME")
    if (level == 1) { print ".SH \"" toupper(title) "\""; }
    if (!manlike) {
        if (level == 0) {
            print ".SH NAME"
            print esc(page) " \\- " esc(summary)
        }
        state = "usage"
    }
}

manlike {
    if ($0 ~ /^[A-Z][A-Z0-9 ]*$/) {
        section = $0
        if (!(level == 0 && section == "NAME")) heading(section)
        else print ".SH NAME"
        next
    }
    if (level == 0 && section == "NAME") {
        # "otactl deploy - what it does" names the page otactl-deploy.
        if ($0 ~ /^ *$/) next
        line = unindent($0, 4)
        i = index(line, " - ")
        desc = i ? substr(line, i + 3) : line
        print esc(page) " \\- " esc(desc)
        section = "NAME_DONE"
        next
    }
    if (section == "NAME_DONE" && $0 !~ /^ *$/) {
        # A NAME description on more than one line.
        print esc(unindent($0, 4))
        next
    }
    if (section == "NAME_DONE") next
    verbatim(unindent($0, 4))
    next
}

state == "usage" {
    if ($0 ~ /^ *$/) { state = "text"; next }
    if (level == 0 && !synopsis) { heading("SYNOPSIS"); synopsis = 1 }
    line = $0
    sub(/^[Uu]sage: /, "", line)
    if (line == $0) line = unindent(line, 7)
    verbatim(line)
    next
}

{
    if (!described) {
        if (level == 0) heading("DESCRIPTION")
        else if (nf) { print ".fi"; nf = 0; print ".PP" }
        described = 1
    }
    verbatim($0)
}

END { if (nf) print ".fi" }
