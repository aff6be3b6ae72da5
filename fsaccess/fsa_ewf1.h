/* Read-only reader for EWF version 1 segment sets (.E01 as EnCase 2-7 and ewfacquire write them)
 * whose memory does not grow with the media: per table section it keeps one small record,
 * table entries are read on demand into a fixed cache, and a few chunks are cached. Anything it
 * does not know (EWF2/Ex01, SMART, L01, an unknown section kind, a table that fails its
 * checksum, a set that is truncated or has a segment missing) it declines, for the caller to
 * open with libewf, which says what is wrong. */
#ifndef FSA_EWF1_H
#define FSA_EWF1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct fsa_ewf1 fsa_ewf1;

/* What the set says about itself, as libewf 20140813 reports it (NULL: not stored). */
typedef struct {
    uint64_t media_size;
    uint32_t bytes_per_sector;
    uint32_t sectors_per_chunk;
    uint64_t chunk_count;
    const char *case_number, *evidence_number, *description, *examiner, *notes;
    const char *acquiry_date; /* ctime-like, local time, as libewf prints it */
    const char *acquiry_software;
    const char *md5, *sha1; /* lower-case hex; NULL when absent or all zero */
} fsa_ewf1_info;

/* Opens the segments names[0..n) (in order, as libewf_glob lists them). 0 and *ret set;
 * 1 when the set is not one this reader takes (why, when not NULL, says which part); or a
 * negative errno (-ENOMEM). Segment files are opened O_RDONLY. */
int fsa_ewf1_open(const char *const *names, size_t n, fsa_ewf1 **ret, char *why, size_t why_cap);
void fsa_ewf1_close(fsa_ewf1 *r);
const fsa_ewf1_info *fsa_ewf1_info_of(const fsa_ewf1 *r);

/* A chunk that fails its checksum or does not inflate: disk bytes [off, off+len). */
typedef void (*fsa_ewf1_bad_fn)(void *ctx, uint64_t off, uint64_t len);

/* Reads up to len media bytes at off into buf; a damaged chunk reads as zeros and is reported
 * through bad (once per read that touches it). Returns the bytes read (short only at the end
 * of the media), or -1 with fsa_ewf1_error naming the segment file and offset. */
ssize_t fsa_ewf1_read(fsa_ewf1 *r, uint64_t off, void *buf, size_t len, fsa_ewf1_bad_fn bad,
                      void *ctx);
const char *fsa_ewf1_error(const fsa_ewf1 *r);

#endif
