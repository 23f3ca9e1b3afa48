/*
 * libFuzzer harness: the partition CSV parser (lib/partition_csv.c), as
 * `otactl partition-table` and `ota-node fleet` read a user's CSV. A table
 * it accepts must serialize to a binary that ptable_parse takes back
 * unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptable_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *csv = malloc(len + 1);
    if (csv == NULL) {
        return 0;
    }
    memcpy(csv, data, len);
    csv[len] = '\0'; /* the parser takes a C string, as read from a file */
    ptable_t table;
    char err[256] = "";
    if (ptable_from_csv(csv, &table, err, sizeof(err)) == 0) {
        ptable_check_roundtrip("fuzz_partition_csv", &table);
    } else {
        ptable_check_message("fuzz_partition_csv", err, sizeof(err));
    }
    free(csv);
    return 0;
}
