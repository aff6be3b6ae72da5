/* Growable byte buffer with a hard maximum size (curl's dynbuf idea): evidence can never make
 * it grow past what the caller allowed. Contents are kept NUL-terminated for convenience. */
#ifndef SXS_BUF_H
#define SXS_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;  /* NUL-terminated, may be NULL while empty */
    size_t len;  /* bytes used, excluding the terminator */
    size_t cap;  /* bytes allocated */
    size_t max;  /* largest len allowed */
} sxs_buf;

void sxs_buf_init(sxs_buf *b, size_t max);
void sxs_buf_free(sxs_buf *b);
void sxs_buf_reset(sxs_buf *b); /* len = 0, keeps memory */
/* 0 on success, -ENOSPC when max would be exceeded (nothing appended), -ENOMEM. */
int sxs_buf_append(sxs_buf *b, const void *p, size_t n);
int sxs_buf_append_str(sxs_buf *b, const char *s);
int sxs_buf_printf(sxs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (who frees it) and resets the buffer. Never NULL unless
 * allocation fails. */
char *sxs_buf_steal(sxs_buf *b);

#endif
