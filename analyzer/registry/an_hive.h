/* Registry hives read by range: open a hive (from the evidence through fsaccess, from a host
 * file, or from a caller buffer) without loading it, replay its transaction logs into an
 * overlay of the pages they change (never touching the evidence; an_hive_view.h), then read keys
 * and values through libregf over a libbfio handle whose reads go to the hive by range, overlay
 * first. Memory stays constant whatever the hive size. No temp files.
 *
 * The transaction-log replay (an_hive_replay) is our own code: no C library does it. It follows
 * the algorithm documented by M. Suhanov (yarp) and checked against hives Windows itself
 * recovered: new-format "HvLE" logs (Windows 8.1+) applied in sequence order across .LOG1 and
 * .LOG2, old-format logs (base block + "DIRT" bitmap of 512-byte sectors + sectors, Windows
 * 7/8 and older). Every offset read from a hive or a log is bounds-checked; replay stops at the
 * first invalid log entry. */
#ifndef AN_HIVE_H
#define AN_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

typedef enum {
    AN_HIVE_CLEAN,              /* sequence numbers equal, checksum good: read as is */
    AN_HIVE_REPLAYED,           /* dirty, and log entries were applied */
    AN_HIVE_DIRTY_NOT_REPLAYED, /* dirty, no usable log: the primary is read as is */
    AN_HIVE_UNREADABLE,         /* not a hive we can read (reason in detail) */
} an_hive_state;

/* "clean", "replayed", "dirty-not-replayed", "unreadable". */
const char *an_hive_state_name(an_hive_state s);

/* What the loader found and did; filled by every open/replay call, also on failure, because it
 * says why. */
typedef struct {
    an_hive_state state;
    bool base_block_valid; /* primary base block checksum matched */
    uint32_t primary_seq;  /* from the primary base block as found */
    uint32_t secondary_seq;
    bool new_format;        /* replay used HvLE logs (false: old format or none) */
    unsigned entries;       /* HvLE entries applied (old format: 1 per applied log) */
    unsigned pages;         /* dirty pages written (old format: 512-byte sectors) */
    uint32_t last_sequence; /* sequence number of the last applied HvLE entry */
    char logs[64];          /* logs that contributed, e.g. "LOG1+LOG2", or "" */
    char detail[512];       /* reason for the state, or a note about skipped logs */
} an_hive_status;

/* A transaction log: len bytes, given in memory (data) or read by range (read_at, data NULL).
 * name is what reports call it ("LOG", "LOG1", "LOG2"). The replay reads either kind through a
 * small cache (an_hive_logread.h), never the whole log at once. read_at reads exactly len bytes
 * at off (always inside the log) into buf: 0, or negative when the log could not be read (its
 * owner keeps what and where); the replay then treats the log as absent and starts again
 * without it, as if it had never been given. */
typedef struct {
    const uint8_t *data;
    size_t len;
    const char *name;
    int (*read_at)(void *ctx, uint64_t off, void *buf, size_t len);
    void *ctx;
} an_hive_log;

/* Replays logs (any of them may be absent: NULL, len 0, or neither data nor read_at) into the hive
 * bytes in *hive / *hive_len (malloc'd; may be replaced to grow, never beyond max_size, and only by
 * bins the applied entries' own pages carry: an entry claiming more is invalid). On return
 * *status says what happened. Returns 0 (also when the hive is clean, not replayable or
 * unreadable: see status->state), or -ENOMEM. The buffer is only changed when state is
 * AN_HIVE_REPLAYED; the base block is then fixed up (sequence numbers equal, checksum). */
int an_hive_replay(uint8_t **hive, size_t *hive_len, size_t max_size, const an_hive_log *log,
                   const an_hive_log *log1, const an_hive_log *log2, an_hive_status *status);

/* Checks the subkey graph of hive bytes (base block + bins, after replay) before libregf walks
 * it: every key and subkey list (lf, lh, li, ri) reachable from the root key is visited once,
 * iteratively. Returns 0 when no key or list is reached twice and the nesting stays within
 * SXS_MAX_KEY_DEPTH keys and SXS_MAX_SUBKEY_INDEX_DEPTH lists and no key claims 2^30 or more
 * values (libregf 20201007's size check wraps there); -EBADMSG when the hive is
 * damaged (*ret_cell: the offending cell, as an offset into the hive bins; why: what is wrong);
 * -ENOMEM. */
int an_hive_check_subkeys(const uint8_t *hive, size_t len, uint32_t *ret_cell, char *why,
                          size_t why_cap);

/* Marvin32 with the given seed, as the HvLE entry hashes use (seed 0x82EF4D887A4E55C5). */
uint64_t an_marvin32(const uint8_t *p, size_t len, uint64_t seed);

/* ---- open hives --------------------------------------------------------------------------- */

typedef struct an_hive an_hive;

/* Copies the bytes, replays the logs, opens the result with libregf. *status is always filled.
 * Returns 0 and *ret_hive, or -EBADMSG when the hive cannot be read (status->state is
 * AN_HIVE_UNREADABLE, detail says why), -ENOMEM. source names the
 * hive in diagnostics (e.g. "Windows/System32/config/SYSTEM"). */
int an_hive_open_mem(const uint8_t *data, size_t len, const an_hive_log *log,
                     const an_hive_log *log1, const an_hive_log *log2, const char *source,
                     sxs_diag *diag, an_hive_status *status, an_hive **ret_hive);

/* As an_hive_open_mem, reading the hive file at a host path and its logs next to it
 * (<name>.LOG, .LOG1, .LOG2 in any letter case). -ENOENT when the hive file is absent. */
int an_hive_open_host(const char *path, sxs_diag *diag, an_hive_status *status, an_hive **ret_hive);

/* As an_hive_open_host, through fsaccess (path relative to the volume root). */
int an_hive_open_fsa(fsa_fs *fs, const char *path, sxs_diag *diag, an_hive_status *status,
                     an_hive **ret_hive);

void an_hive_free(an_hive *h); /* NULL is fine */

/* The (replayed) hive bytes as libregf reads them, made into one buffer on the first call and
 * kept with the hive (tests and the fuzz harness; the collectors never call it). NULL on
 * ENOMEM or a read error. */
const uint8_t *an_hive_bytes(const an_hive *h, size_t *ret_len);

/* ---- keys and values ----------------------------------------------------------------------
 * key_path: components separated by '\\' relative to the root key ("" = root), matched
 * case-insensitively. value_name "" = the default value. Lookups return 1 found, 0 absent,
 * negative on error (-EBADMSG: corrupt cell, -EMSGSIZE: output too small, -EINVAL: wrong
 * type). */

#define AN_REG_SZ 1
#define AN_REG_EXPAND_SZ 2
#define AN_REG_BINARY 3
#define AN_REG_DWORD 4
#define AN_REG_MULTI_SZ 7
#define AN_REG_QWORD 11

int an_hive_key_exists(an_hive *h, const char *key_path);

/* Last-written time of a key as a Windows FILETIME. */
int an_hive_key_mtime(an_hive *h, const char *key_path, uint64_t *ret_filetime);

/* A REG_SZ / REG_EXPAND_SZ value as UTF-8 (REG_MULTI_SZ: the first string). */
int an_hive_get_string(an_hive *h, const char *key_path, const char *value_name, char *out,
                       size_t out_cap);

/* A REG_DWORD (also REG_DWORD_BIG_ENDIAN, and a 4-byte REG_BINARY as Windows tools accept). */
int an_hive_get_dword(an_hive *h, const char *key_path, const char *value_name,
                      uint32_t *ret_value);

/* Raw value data; *ret_len is the full size (also when -EMSGSIZE), *ret_type the type. */
int an_hive_get_data(an_hive *h, const char *key_path, const char *value_name, uint8_t *out,
                     size_t out_cap, size_t *ret_len, uint32_t *ret_type);

/* Calls cb for each subkey name (UTF-8) of key_path, in stored order. cb returns 0 to go on,
 * non-zero to stop (that value is returned). 0 when done, -ENOENT when the key is absent. */
typedef int (*an_hive_subkey_cb)(const char *name, void *ctx);
int an_hive_list_subkeys(an_hive *h, const char *key_path, an_hive_subkey_cb cb, void *ctx);

/* Calls cb for each value of key_path: name (UTF-8, "" for default), type, raw data. */
typedef int (*an_hive_value_cb)(const char *name, uint32_t type, const uint8_t *data, size_t len,
                                void *ctx);
int an_hive_list_values(an_hive *h, const char *key_path, an_hive_value_cb cb, void *ctx);

/* Calls cb for each subkey of key_path with a handle valid only during the call, so values of
 * many subkeys (CBS Packages, Services) are read without a path lookup each. */
typedef struct an_hive_key an_hive_key;
typedef int (*an_hive_each_cb)(an_hive_key *sub, const char *name, void *ctx);
int an_hive_each_subkey(an_hive *h, const char *key_path, an_hive_each_cb cb, void *ctx);
int an_hive_key_get_string(an_hive_key *k, const char *value_name, char *out, size_t out_cap);
int an_hive_key_get_dword(an_hive_key *k, const char *value_name, uint32_t *ret_value);

/* How many values and subkeys the calls above skipped because libregf could not read them
 * (a corrupt cell: the others are still delivered); *ret_first (may be NULL) names the first
 * one, its key and libregf's reason ("value 0 of Microsoft\\...\\Version: ..."). A caller
 * that reports the hive read says so: what was skipped was not seen by the rules. */
unsigned an_hive_skipped(const an_hive *h, const char **ret_first);

/* Number of subkeys of key_path (1 found / 0 absent / negative). */
int an_hive_subkey_count(an_hive *h, const char *key_path, uint32_t *ret_count);

#endif
