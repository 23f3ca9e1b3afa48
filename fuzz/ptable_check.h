/*
 * What the partition-table harnesses demand of a parsed table: entries
 * inside the table's size, labels terminated, and a round trip through the
 * binary form that gives the same table back.
 */
#ifndef FUZZ_PTABLE_CHECK_H
#define FUZZ_PTABLE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otafmt/partition_table.h"

static void ptable_check_fail(const char *harness, const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s%s%s\n", harness, what, detail[0] ? ": " : "", detail);
    abort();
}

static void ptable_check_message(const char *harness, const char *err, size_t err_len)
{
    if (strnlen(err, err_len) == err_len || err[0] == '\0') {
        ptable_check_fail(harness, "refusal without a terminated message", "");
    }
}

static void ptable_check_roundtrip(const char *harness, const ptable_t *table)
{
    if (table->count > PTABLE_MAX_ENTRIES) {
        ptable_check_fail(harness, "more entries than a table holds", "");
    }
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *e = &table->entries[i];
        if (strnlen(e->label, sizeof(e->label)) == sizeof(e->label)) {
            ptable_check_fail(harness, "label not terminated", "");
        }
        (void)ptable_type_name(e->type);
        (void)ptable_subtype_name(e->type, e->subtype);
        if (ptable_find(table, e->type, e->subtype, e->label) == NULL) {
            ptable_check_fail(harness, "entry not found by its own type and label", e->label);
        }
    }
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(table, bin);
    ptable_t back;
    char err[256] = "";
    if (ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)) != 0) {
        ptable_check_fail(harness, "serialized table does not parse", err);
    }
    if (back.count != table->count) {
        ptable_check_fail(harness, "round trip changed the entry count", "");
    }
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *a = &table->entries[i];
        const ptable_entry_t *b = &back.entries[i];
        if (a->type != b->type || a->subtype != b->subtype || a->offset != b->offset ||
            a->size != b->size || a->flags != b->flags || strcmp(a->label, b->label) != 0) {
            ptable_check_fail(harness, "round trip changed an entry", a->label);
        }
    }
}

#endif
