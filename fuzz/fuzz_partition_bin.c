/*
 * libFuzzer harness: the binary partition table parser
 * (lib/partition_table.c), as `otactl partition-table --decode` and the
 * virtual chip's boot read the 0x8000 sector. A table it accepts must
 * serialize and parse back unchanged.
 */
#include <stdint.h>

#include "ptable_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ptable_t table;
    char err[256] = "";
    if (ptable_parse(data, len, &table, err, sizeof(err)) == 0) {
        ptable_check_roundtrip("fuzz_partition_bin", &table);
    } else {
        ptable_check_message("fuzz_partition_bin", err, sizeof(err));
    }
    return 0;
}
