/* analyzer internal (an_hive*.c only): transaction logs read by range for the replay. A log is
 * an an_hive_log (an_hive.h): bytes in memory, or a read_at callback over the evidence or a host
 * file; either way the replay reads it through one small cache of fixed blocks shared by the
 * three logs, so replaying logs of any size costs the cache and nothing that grows with them.
 * Memory logs go through the same cache, so the tests and the fuzz harness run the ranged
 * path. The hive view (an_hive_view.c) reads the primary hive file through a cache of its own
 * made by the same functions (up to 8 MiB: the source as an an_hive_log over its read
 * function). */
#ifndef AN_HIVE_LOGREAD_H
#define AN_HIVE_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/registry/an_hive.h"

#define AN_HIVE_LOG_BLOCK (64u * 1024) /* one ranged log read */
#define AN_HIVE_LOG_SLOTS 16u          /* 1 MiB of cache for all logs together */

typedef struct an_hive_logcache an_hive_logcache;

/* A cache of slots blocks of block bytes (block >= 1, slots >= 1; tests force tiny ones).
 * Blocks are allocated when first used. NULL on ENOMEM. */
an_hive_logcache *an_hive_logcache_new(uint32_t block, uint32_t slots);
void an_hive_logcache_free(an_hive_logcache *c); /* NULL is fine */

/* True when the log is given (in memory or by read_at) and not empty. */
bool an_hive_log_present(const an_hive_log *l);

/* Reads exactly len bytes at off of log l (id 0..2 tells the logs apart in the cache) into
 * buf. 0; -ERANGE when [off, off + len) is not inside the log; -EIO when read_at failed (its
 * owner knows what and where); -ENOMEM. */
int an_hive_logcache_read(an_hive_logcache *c, const an_hive_log *l, unsigned id, uint64_t off,
                          void *buf, size_t len);

#endif
