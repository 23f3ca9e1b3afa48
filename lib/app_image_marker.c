/* Test markers of synthetic images: IMG_TEST_MARKER_PREFIX and a
 * NUL-terminated list of names right after the app descriptor. */
#include <string.h>

#include "otafmt/app_image.h"

bool img_read_test_marker(const img_reader_t *reader, const img_info_t *info,
                          char out[IMG_TEST_MARKER_MAX])
{
    out[0] = '\0';
    if (info->header.segment_count == 0) {
        return false;
    }
    const img_segment_t *first = &info->segments[0];
    size_t start = IMG_TEST_MARKER_OFFSET;
    size_t seg_end = (size_t)first->data_offset + first->data_len;
    if (first->data_offset != IMG_APP_DESC_OFFSET || seg_end < start + IMG_TEST_MARKER_MAX ||
        start + IMG_TEST_MARKER_MAX > reader->limit) {
        return false;
    }
    char raw[IMG_TEST_MARKER_MAX];
    if (reader->read(reader->ctx, start, raw, sizeof(raw)) != 0) {
        return false;
    }
    size_t prefix_len = strlen(IMG_TEST_MARKER_PREFIX);
    if (memcmp(raw, IMG_TEST_MARKER_PREFIX, prefix_len) != 0) {
        return false;
    }
    size_t text_len = strnlen(raw + prefix_len, sizeof(raw) - prefix_len);
    if (prefix_len + text_len >= sizeof(raw)) {
        return false; /* no NUL inside the marker area: not a marker we wrote */
    }
    memcpy(out, raw + prefix_len, text_len + 1);
    return true;
}
