/* Windows event logs (EVTX) through libevtx, read from the evidence through fsaccess: libevtx
 * gets a libbfio handle whose reads are ranged fsa_file_read calls (no temp copy, no
 * whole-file load; libevtx caches a bounded number of 64 KiB chunks). Every record libevtx can
 * read is handed to a callback, the recovered (deleted, overwritten or unflushed) ones too;
 * the chunks whose header is not a chunk's, the chunks failing their CRC32s and a file header
 * failing its CRC32 are counted (each slot read once, 64 KiB at a time). libevtx lives in a libyal
 * island (analyzer/CMakeLists.txt): only the an_evtx_* names are global. */
#ifndef AN_EVTX_H
#define AN_EVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsaccess/fsa.h"

/* Event data strings kept per record: the servicing events carry at most 6 (Servicing 1);
 * SCM and BugCheck a few more. */
#define AN_EVTX_MAX_STRINGS 12
/* Bytes kept of one string (UTF-8, NUL included); longer strings are cut. Titles and package
 * identities are < 256 bytes. */
#define AN_EVTX_MAX_STRING 512

typedef struct {
    const char *path; /* the log's path inside the volume */
    uint64_t record;  /* the record's number (EventRecordID) */
    uint32_t event_id;
    const char *provider; /* source (provider) name, "" when none */
    bool has_time;
    int64_t time;       /* written time, Unix seconds UTC */
    bool recovered;     /* read from free space / a partly overwritten chunk */
    int64_t chunk;      /* the chunk slot holding the record (0-based), -1 when not placed */
    bool chunk_crc_bad; /* that chunk fails its CRC32s: the record parsed, but its bytes are
                           not the ones the chunk's checksum covered (a chunk Windows had not
                           finished, or damage): evidence cites it as such */
    size_t nstr;
    const char *str[AN_EVTX_MAX_STRINGS]; /* the event data strings, UTF-8 */
} an_evtx_record;

typedef struct {
    uint64_t size;
    uint32_t header_chunks;  /* chunk count the file header claims */
    uint32_t chunks;         /* chunk slots present in the file (size - 4096) / 65536 */
    uint32_t bad_chunks;     /* slots holding bytes without a chunk signature */
    uint32_t crc_bad_chunks; /* chunks whose header or records fail their CRC32 (libevtx
                                still reads their records) */
    bool header_crc_bad;     /* the file header fails its CRC32 */
    bool truncated;          /* fewer chunk slots than the header counts, or a partial one */
    uint64_t records;        /* records handed to the callback, recovered ones included */
    uint64_t recovered;
    uint64_t crc_bad_records;      /* of records, those read from a chunk failing its CRC32 */
    uint64_t unreadable;           /* allocated records libevtx listed but could not parse */
    uint64_t recovered_unreadable; /* recovered ones it could not parse (residue of a crash
                                      or an overwrite: expected in a dirty log) */
    bool dirty;                    /* the header's dirty flag (not closed cleanly: a crash) */
    bool corrupted;                /* libevtx found corruption while scanning the chunks */
} an_evtx_stats;

/* Returns 0 to go on, non-zero to stop (an_evtx_read then returns that value). */
typedef int (*an_evtx_record_cb)(const an_evtx_record *r, void *ctx);

/* Reads the log open in f (path names it). 0 when read (damage counted in *ret_stats),
 * -EBADMSG when it is not an EVTX libevtx can open (why says what), -EIO when the evidence
 * could not be read (why quotes fsaccess), -ENOMEM, or the callback's value. */
int an_evtx_read(fsa_file *f, const char *path, an_evtx_record_cb cb, void *ctx,
                 an_evtx_stats *ret_stats, char *why, size_t why_cap);

/* FILETIME (100 ns since 1601) to Unix seconds; false when 0 or out of range. */
bool an_evtx_filetime(uint64_t ft, int64_t *ret);

#endif
