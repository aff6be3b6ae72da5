/* Internals shared by the analyzer/boot collectors. Not for other modules. */
#ifndef AN_BOOT_INT_H
#define AN_BOOT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/boot/an_boot_drivers.h"

/* A registry value or key that exists, or may, but could not be read (err): an error naming
 * it and an unread.registry fact, so the verdict is never HEALTHY on what was not seen.
 * 0 or -ENOMEM. */
int an_boot_unread_reg(const char *key, const char *value, int err, an_facts *facts,
                       const char *source, sxs_diag *diag);

/* A file whose lookup failed for a reason other than absence: an error and an unread.boot
 * fact (source: the file). 0 or -ENOMEM. */
int an_boot_unread_file(fsa_fs *fs, const char *path, int err, an_facts *facts, sxs_diag *diag);

/* name in lower case into out (cut to cap). */
void an_boot_lower(const char *name, char *out, size_t cap);

/* Seconds since 1970 as "2024-07-19T04:09:00Z" into out[21]. */
void an_boot_utc(int64_t t, char out[21]);

#endif
