#include "secure_version_guard.h"

#include <inttypes.h>
#include <stdio.h>

bool secure_version_refused(const image_identity_t *img, const node_status_t *st, char *why,
                            size_t why_len)
{
    uint64_t sv = img->secure_version;
    if (st->has_efuse_secure_version && sv < st->efuse_secure_version) {
        snprintf(why, why_len,
                 "anti-rollback: the image's secure_version %" PRIu64 " is below the node's eFuse "
                 "secure version %" PRIu64 " (running secure_version %" PRIu64
                 "); the node would refuse it (--allow-downgrade sends it anyway)",
                 sv, st->efuse_secure_version, st->secure_version);
        return true;
    }
    if (st->has_secure_version && sv < st->secure_version) {
        snprintf(why, why_len,
                 "downgrade: the image's secure_version %" PRIu64
                 " is below the running secure_version %" PRIu64 "; --allow-downgrade sends it",
                 sv, st->secure_version);
        return true;
    }
    return false;
}
