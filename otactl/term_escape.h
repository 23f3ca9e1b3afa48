/*
 * Text that came from a node (status fields, reply messages, UART lines)
 * or from a file is shown to an operator's terminal only through this
 * function: a control character or escape sequence in it would otherwise
 * clear the screen, recolour it or forge lines of otactl's output.
 */
#ifndef OTACTL_TERM_ESCAPE_H
#define OTACTL_TERM_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Room for a field of n bytes once escaped: each may become 6 ("\u009b"). */
#define TERM_ESCAPED_SIZE(n) ((n)*6 + 1)

/*
 * Copies in to out (out_len bytes, always NUL-terminated), every C0
 * control character, DEL and UTF-8-encoded C1 control as a visible
 * escape: \r, \n, \t, \x1b, \x7f, \u009b. A backslash stays as it is.
 * Cut on a whole character or escape when out is too small. Returns out.
 */
char *term_escape(const char *in, char *out, size_t out_len);

/*
 * Writes JSON text (cJSON_Print's) followed by a newline, with the DEL
 * byte and UTF-8-encoded C1 controls inside strings as \u007f / \u0080..
 * \u009f: cJSON escapes only characters below 0x20, and --json output is
 * often read on a terminal too. The JSON means the same.
 */
void term_puts_json(FILE *out, const char *json);

#endif
