/* Bounded growable buffer. */
#include "common/sxs_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sxs_buf_init(sxs_buf *b, size_t max)
{
    *b = (sxs_buf){.max = max};
}

void sxs_buf_free(sxs_buf *b)
{
    free(b->data);
    *b = (sxs_buf){.max = b->max};
}

void sxs_buf_reset(sxs_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(sxs_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return -ENOSPC;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    char *p = realloc(b->data, ncap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int sxs_buf_append(sxs_buf *b, const void *p, size_t n)
{
    int r = buf_reserve(b, n);
    if (r < 0)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sxs_buf_append_str(sxs_buf *b, const char *s)
{
    return sxs_buf_append(b, s, strlen(s));
}

int sxs_buf_printf(sxs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    int r = sxs_buf_append(b, s, (size_t)n);
    free(s);
    return r;
}

char *sxs_buf_steal(sxs_buf *b)
{
    if (!b->data) {
        if (buf_reserve(b, 0) < 0)
            return NULL;
        b->data[0] = '\0';
    }
    char *p = b->data;
    *b = (sxs_buf){.max = b->max};
    return p;
}
