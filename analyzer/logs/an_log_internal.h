/* Internal pieces of the log reader shared by analyzer/logs/an_log*.c (not for other modules):
 * the streaming decoder/line splitter, per-family timestamp parsing and .cab expansion. */
#ifndef AN_LOG_INTERNAL_H
#define AN_LOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/logs/an_log.h"

typedef struct an_log_reader an_log_reader;

/* A reader owns two chunk buffers of at most SXS_STREAM_CHUNK bytes each (smaller when
 * size_hint, the input size if known, is smaller; 0 = unknown), used in turn: sources fill the
 * one an_log_reader_buf returns and hand it over (an_log_reader_process), so peak memory is two
 * chunks + one line. */
int an_log_reader_new(an_log_family family, const an_tz *tz, an_log_line_cb cb, void *ctx,
                      const char *name, sxs_diag *diag, uint64_t size_hint, an_log_reader **ret);
void an_log_reader_free(an_log_reader *r);
uint8_t *an_log_reader_buf(an_log_reader *r, size_t *ret_cap);
/* Processes n bytes written into the buffer (the next bytes of the file); the next call of
 * an_log_reader_buf returns the other buffer. Returns 0, the
 * callback's non-zero stop value, or a negative error. The buffer's contents are consumed. */
int an_log_reader_process(an_log_reader *r, size_t n);
/* End of input: emits the last unterminated line. Same returns. */
int an_log_reader_finish(an_log_reader *r);
/* Stop value the callback returned, 0 if none. */
int an_log_reader_stopped(const an_log_reader *r);
void an_log_reader_stats(const an_log_reader *r, an_log_stats *ret);

/* Timestamps. Parses "YYYY<sep>MM<sep>DD HH:MM:SS" (+ optional ".fraction" when frac) at s;
 * returns the characters consumed (0 when s does not start with a valid date) and the wall
 * clock as seconds since 1970 "as if UTC". */
size_t an_log_parse_datetime(const char *s, size_t len, char date_sep, bool frac,
                             int64_t *ret_local);

/* Random-access byte source for .cab expansion. */
typedef struct {
    uint64_t size;
    /* Reads up to len bytes at off; bytes read, 0 at end, negative on error. */
    long (*read_at)(void *ctx, uint64_t off, void *buf, size_t len);
    /* After a failed read: what is damaged and where (byte offset in the image, or -1); ""
     * when unknown. May be NULL. */
    const char *(*why)(void *ctx, int64_t *ret_at);
    void *ctx;
} an_log_source;

/* Expands the cabinet in src in memory (libmspack, no temp files, output capped at
 * SXS_MAX_CAB_OUTPUT) and streams its log through r. Same returns as process. */
int an_log_stream_cab(const an_log_source *src, an_log_reader *r, const char *name, sxs_diag *diag);

#endif
