/*
 * Text that came from a node (status fields, reply messages, UART lines)
 * or from a file is shown to an operator's terminal only through this
 * function: a control character or escape sequence in it would otherwise
 * clear the screen, recolour it or forge lines of otactl's output.
 */
#ifndef OTACTL_TERM_ESCAPE_H
#define OTACTL_TERM_ESCAPE_H

#include <stddef.h>

/* Room for a field of n bytes once escaped: each may become 6 ("\u009b"). */
#define TERM_ESCAPED_SIZE(n) ((n)*6 + 1)

/*
 * Copies in to out (out_len bytes, always NUL-terminated), every C0
 * control character, DEL and UTF-8-encoded C1 control as a visible
 * escape: \r, \n, \t, \x1b, \x7f, \u009b. A backslash stays as it is.
 * Cut on a whole character or escape when out is too small. Returns out.
 */
char *term_escape(const char *in, char *out, size_t out_len);

#endif
