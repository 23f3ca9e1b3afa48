/* ARP parsing from fixture files of every format we read. Never the
 * machine's own table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arp.h"

static void load_fixture(const char *name, arp_table_t *table)
{
    const char *dir = getenv("OTA_FIXTURES");
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char err[200];
    assert_int_equal(arp_parse_file(f, table, err, sizeof(err)), 0);
    fclose(f);
}

static const arp_entry_t *find(const arp_table_t *t, const char *ip)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->entries[i].ip, ip) == 0) {
            return &t->entries[i];
        }
    }
    return NULL;
}

static void linux_proc_keeps_complete_entries_with_their_interfaces(void **state)
{
    (void)state;
    arp_table_t t = {0};
    load_fixture("arp-linux-proc.txt", &t);
    const char *expected[] = {"192.168.0.1",   "192.168.0.100", "192.168.0.101",
                              "192.168.0.103", "10.20.0.7",     "172.17.0.2"};
    assert_int_equal(t.count, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(t.entries[i].ip, expected[i]);
    }
    assert_string_equal(find(&t, "10.20.0.7")->iface, "eth0");
    assert_string_equal(find(&t, "192.168.0.100")->iface, "wlan0");
    arp_table_free(&t);
}

static void linux_proc_skips_incomplete_and_lowercases_macs(void **state)
{
    (void)state;
    arp_table_t t = {0};
    load_fixture("arp-linux-proc.txt", &t);
    assert_null(find(&t, "192.168.0.102"));     /* flags 0x0 */
    assert_non_null(find(&t, "192.168.0.103")); /* 0x6 = complete + permanent */
    assert_string_equal(find(&t, "192.168.0.100")->mac, "24:0a:c4:11:22:33");
    arp_table_free(&t);
}

static void macos_arp_a_skips_incomplete_broadcast_and_multicast(void **state)
{
    (void)state;
    arp_table_t t = {0};
    load_fixture("arp-macos.txt", &t);
    assert_int_equal(t.count, 5);
    assert_null(find(&t, "192.168.0.102"));     /* (incomplete) */
    assert_null(find(&t, "192.168.0.255"));     /* broadcast MAC */
    assert_null(find(&t, "224.0.0.251"));       /* multicast */
    assert_null(find(&t, "239.255.255.250"));   /* multicast */
    assert_non_null(find(&t, "192.168.0.104")); /* permanent entries are complete */
    assert_string_equal(find(&t, "10.211.55.3")->iface, "bridge100");
    arp_table_free(&t);
}

static void macos_short_mac_octets_are_normalised(void **state)
{
    (void)state;
    arp_table_t t = {0};
    load_fixture("arp-macos.txt", &t);
    assert_string_equal(find(&t, "192.168.0.1")->mac, "a4:cf:12:0a:0b:0c");
    assert_string_equal(find(&t, "192.168.0.1")->iface, "en0");
    arp_table_free(&t);
}

static void net_tools_arp_a_flags_and_incomplete(void **state)
{
    (void)state;
    arp_table_t t = {0};
    load_fixture("arp-nettools.txt", &t);
    assert_int_equal(t.count, 3);
    assert_null(find(&t, "192.168.1.51"));     /* <incomplete> */
    assert_non_null(find(&t, "192.168.1.52")); /* PERM flag */
    assert_string_equal(find(&t, "192.168.1.52")->iface, "wlp2s0");
    arp_table_free(&t);
}

static void garbage_and_empty_text_give_no_entries(void **state)
{
    (void)state;
    arp_table_t t = {0};
    char err[200];
    assert_int_equal(arp_parse_text("", &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(arp_parse_text("hello\n(999.1.1.1) at aa:bb:cc:dd:ee:ff\n? (10.0.0.1) at", &t,
                                    err, sizeof(err)),
                     0);
    assert_int_equal(t.count, 0);
    arp_table_free(&t);
}

static void entries_from_two_sources_are_not_duplicated(void **state)
{
    (void)state;
    arp_table_t t = {0};
    char err[200];
    const char *line = "? (10.1.2.3) at 24:a:c4:0:0:1 on en0 ifscope [ethernet]\n";
    assert_int_equal(arp_parse_text(line, &t, err, sizeof(err)), 0);
    assert_int_equal(arp_parse_text(line, &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, 1);
    arp_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_proc_keeps_complete_entries_with_their_interfaces),
        cmocka_unit_test(linux_proc_skips_incomplete_and_lowercases_macs),
        cmocka_unit_test(macos_arp_a_skips_incomplete_broadcast_and_multicast),
        cmocka_unit_test(macos_short_mac_octets_are_normalised),
        cmocka_unit_test(net_tools_arp_a_flags_and_incomplete),
        cmocka_unit_test(garbage_and_empty_text_give_no_entries),
        cmocka_unit_test(entries_from_two_sources_are_not_duplicated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
