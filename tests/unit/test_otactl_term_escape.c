/* Node strings on their way to the terminal: control characters become
 * visible escapes (issue 9, item 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "diagnosis_report.h"
#include "probe.h"
#include "report.h"
#include "term_escape.h"

#define EVIL "1\x1b[2J\x1b[31mPWN\x1b[0m\r\nok"

static void escapes_the_issue_example(void **state)
{
    (void)state;
    char out[TERM_ESCAPED_SIZE(sizeof(EVIL))];
    assert_string_equal(term_escape(EVIL, out, sizeof(out)),
                        "1\\x1b[2J\\x1b[31mPWN\\x1b[0m\\r\\nok");
}

static void escapes_del_c1_and_tab_keeps_utf8(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(term_escape("a\tb\x7f"
                                    "\xc2\x9b"
                                    "31m \xc3\xa9",
                                    out, sizeof(out)),
                        "a\\tb\\x7f\\u009b31m \xc3\xa9");
    assert_string_equal(term_escape(NULL, out, sizeof(out)), "");
}

static void cuts_on_a_whole_escape(void **state)
{
    (void)state;
    char out[6];
    /* "ab" + "\x1b" (4 characters) does not fit 5: the escape is left out whole. */
    assert_string_equal(term_escape("ab\x1b", out, sizeof(out)), "ab");
}

/* True when text has no control character but '\n'. */
static bool only_newlines(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

static void status_table_escapes_node_fields(void **state)
{
    (void)state;
    probe_result_t probe;
    memset(&probe, 0, sizeof(probe));
    snprintf(probe.addr.label, sizeof(probe.addr.label), "127.0.120.1");
    probe.valid = true;
    snprintf(probe.status.version, sizeof(probe.status.version), "%s", EVIL);
    snprintf(probe.status.running_partition, sizeof(probe.status.running_partition), "ota_0\r");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    report_probe_table(out, &probe, 1, false);
    fclose(out);
    assert_true(only_newlines(text));
    assert_non_null(strstr(text, "1\\x1b[2J\\x1b[31mPWN\\x1b[0m\\r\\nok"));
    /* Header and one row: no line was injected. */
    size_t lines = 0;
    for (char *p = text; *p; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, 2);
    free(text);
}

static void diagnosis_text_escapes_evidence(void **state)
{
    (void)state;
    diag_result_t r;
    memset(&r, 0, sizeof(r));
    r.kind = DIAG_OTA_OK;
    snprintf(r.evidence[0], DIAG_TEXT_MAX, "last status: version %s", EVIL);
    r.evidence_count = 1;
    snprintf(r.fix, sizeof(r.fix), "nothing");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    diag_report_text(out, "127.0.120.1", &r);
    fclose(out);
    assert_true(only_newlines(text));
    assert_non_null(strstr(text, "\\x1b[2J"));
    free(text);
}

static void json_output_escapes_del_and_c1(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    term_puts_json(out, "{\"v\":\"a\x7f\xc2\x9b\xc3\xa9\"}");
    fclose(out);
    assert_string_equal(text, "{\"v\":\"a\\u007f\\u009b\xc3\xa9\"}\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_the_issue_example),
        cmocka_unit_test(escapes_del_c1_and_tab_keeps_utf8),
        cmocka_unit_test(cuts_on_a_whole_escape),
        cmocka_unit_test(status_table_escapes_node_fields),
        cmocka_unit_test(diagnosis_text_escapes_evidence),
        cmocka_unit_test(json_output_escapes_del_and_c1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
