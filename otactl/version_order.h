/*
 * Which of two firmware version strings is newer, for deploy's downgrade
 * guard: semantic versioning 2.0.0 precedence when both parse (a leading
 * 'v' allowed, as in ESP-IDF's git-describe PROJECT_VER), otherwise only
 * equality can be told.
 */
#ifndef OTACTL_VERSION_ORDER_H
#define OTACTL_VERSION_ORDER_H

#include <stdbool.h>

typedef enum {
    VERSION_OLDER,     /* candidate precedes running */
    VERSION_SAME,      /* same precedence (build metadata ignored) or identical strings */
    VERSION_NEWER,     /* candidate follows running */
    VERSION_UNORDERED, /* different strings, at least one not semver */
} version_order_t;

/* [v]MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], numbers without leading zeros. */
bool version_is_semver(const char *s);

/* Where `candidate` stands relative to `running`. */
version_order_t version_order(const char *candidate, const char *running);

#endif
