/* analyzer internal (an_hive*.c only): a hive as a ranged reader. The primary file stays where
 * it is (the evidence through fsaccess, a host file descriptor, or a caller's buffer) and is
 * read by range; the pages the transaction-log replay changed (and the base block it fixed
 * up) are kept in memory as an overlay of 4 KiB pages (a hash index by page number), which reads
 * consult first. Bytes past the end of the primary, up to the length the replay grew the hive to,
 * read as zero until a log page covers them. Source reads go through a small fixed cache of
 * aligned blocks, so the many small reads of the subkey check and of libregf cost one ranged
 * read per block. Memory: the cache plus the overlay (and, from the bin chain walk until libregf
 * has opened the hive, up to 12 MiB of bin headers kept for it), whatever the hive size. The
 * source is only ever read. */
#ifndef AN_HIVE_VIEW_H
#define AN_HIVE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/registry/an_hive.h"
#include "fsaccess/fsa.h"

#define AN_HIVE_PAGE 4096u

typedef struct an_hive_view an_hive_view;

/* Over size bytes of a buffer, which the view then owns (freed with it). NULL on ENOMEM. */
an_hive_view *an_hive_view_mem(uint8_t *owned, size_t size);
/* Over a caller's buffer, which must outlive the view (only read). */
an_hive_view *an_hive_view_mem_ref(const uint8_t *data, size_t size);
/* Over a host file descriptor, which the view then owns (closed with it). */
an_hive_view *an_hive_view_fd(int owned_fd, uint64_t size);
/* Over an evidence file, which the view then owns (closed with it). */
an_hive_view *an_hive_view_fsa(fsa_file *owned);

void an_hive_view_free(an_hive_view *v); /* NULL is fine */

/* Bytes the hive holds now: the primary's length, or more when the replay grew it. */
uint64_t an_hive_view_size(const an_hive_view *v);
/* Length of the primary file itself. */
uint64_t an_hive_view_source_size(const an_hive_view *v);

/* Reads exactly len bytes at off into buf. 0, -ERANGE when [off, off + len) is not inside the
 * hive, -EIO when the source could not be read (an_hive_view_damage says what and where). */
int an_hive_view_read(an_hive_view *v, uint64_t off, void *buf, size_t len);

/* As an_hive_view_read, for len <= AN_HIVE_KEEP_LEN, and keeps the bytes read so that a later
 * read inside them is served from memory: the hive bin headers of the chain walk before
 * libregf opens the hive, which libregf reads again as its first pass. On a hive of 4 KiB bins
 * those 32-byte reads touch every block of the source, so on an E01 each pass inflates the whole
 * hive: keeping them saves that second pass. At most AN_HIVE_KEEP_MAX ranges (48 bytes each, 12
 * MiB), at increasing offsets (others are read, not kept), until an_hive_view_forget or a change
 * of the overlay. */
#define AN_HIVE_KEEP_LEN 32u
#define AN_HIVE_KEEP_MAX (1u << 18)
int an_hive_view_read_keep(an_hive_view *v, uint64_t off, void *buf, size_t len);
/* Drops what an_hive_view_read_keep kept. */
void an_hive_view_forget(an_hive_view *v);
/* Ranges kept now. */
size_t an_hive_view_kept(const an_hive_view *v);

/* As an_hive_view_read, but reads as much as lies inside the hive; returns the byte count, or
 * -EIO. For the libbfio adapter. */
long an_hive_view_pread(void *v, uint64_t off, void *buf, size_t len);

/* What failed in the last source read ("" when none). */
const char *an_hive_view_damage(void *v);

/* Writes len bytes at off into the overlay (pages are copied from the source on first write).
 * The range must lie inside the hive. 0, -ERANGE, -EIO, -ENOMEM. */
int an_hive_view_write(an_hive_view *v, uint64_t off, const void *src, size_t len);

/* Grows the hive to size bytes (never shrinks); the new bytes read as zero. */
void an_hive_view_grow(an_hive_view *v, uint64_t size);

/* Drops the overlay and the growth: the view reads as its source again (the replay starting
 * over without a log it could not read). */
void an_hive_view_reset(an_hive_view *v);

/* The whole hive as it reads now, in one malloc'd buffer (tests, the fuzz harness and the
 * buffer API of an_hive_replay; never on the evidence path). 0, -ENOMEM, -EIO. */
int an_hive_view_flatten(an_hive_view *v, uint8_t **ret, size_t *ret_len);

/* Overlay pages held now. */
size_t an_hive_view_overlay_pages(const an_hive_view *v);

/* Reads of the source so far (each of one cache block, or of a whole block's span read past
 * the cache); 0 for a view over memory. The tests hold the subkey check's walk to it. */
uint64_t an_hive_view_source_reads(const an_hive_view *v);

/* The subkey check (an_hive_check.c) over a view: as an_hive_check_subkeys, plus -EIO when the
 * source could not be read. */
int an_hive_check_subkeys_view(an_hive_view *v, uint32_t *ret_cell, char *why, size_t why_cap);

/* The replay (an_hive_replay.c) into a view's overlay: as an_hive_replay; the source is never
 * written. max_size bounds what the replay may grow the hive to. -EIO when the primary could not
 * be read (status->detail says where). */
int an_hive_replay_view(an_hive_view *v, uint64_t max_size, const an_hive_log *log,
                        const an_hive_log *log1, const an_hive_log *log2, an_hive_status *status);

/* As an_hive_replay_view with a log cache of cache_slots blocks of cache_block bytes (both at
 * least 1; an_hive_replay_view: AN_HIVE_LOG_SLOTS of AN_HIVE_LOG_BLOCK). The tests and the fuzz
 * harness force tiny ones, so every read of a log crosses blocks: the result must not change. */
int an_hive_replay_view_cached(an_hive_view *v, uint64_t max_size, const an_hive_log *log,
                               const an_hive_log *log1, const an_hive_log *log2,
                               uint32_t cache_block, uint32_t cache_slots, an_hive_status *status);

#endif
