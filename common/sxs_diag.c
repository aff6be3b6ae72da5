/* Diagnostics list: bounded, allocation failures drop the message rather than abort. */
#include "common/sxs_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_limits.h"
#include "common/sxs_grow.h"

struct sxs_diag {
    sxs_diag_entry *items;
    size_t count;
    size_t cap;
    size_t dropped;
};

sxs_diag *sxs_diag_new(void)
{
    return calloc(1, sizeof(sxs_diag));
}

void sxs_diag_free(sxs_diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].source);
        free(d->items[i].message);
    }
    free(d->items);
    free(d);
}

__attribute__((format(printf, 6, 0))) static void diag_vadd(sxs_diag *d, sxs_diag_level level,
                                                            const char *source, int64_t offset,
                                                            int64_t line, const char *fmt,
                                                            va_list ap)
{
    if (!d)
        return;
    if (d->count >= SXS_MAX_DIAGS) {
        d->dropped++;
        return;
    }
    sxs_diag_entry *n = sxs_grow(d->items, &d->cap, d->count, sizeof(*n), 16);
    if (!n) {
        d->dropped++;
        return;
    }
    d->items = n;
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) {
        d->dropped++;
        return;
    }
    char *src = NULL;
    if (source && !(src = strdup(source))) {
        free(msg);
        d->dropped++;
        return;
    }
    d->items[d->count++] = (sxs_diag_entry){
        .level = level, .source = src, .offset = offset, .line = line, .message = msg};
}

void sxs_diag_add(sxs_diag *d, sxs_diag_level level, const char *source, int64_t offset,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, level, source, offset, -1, fmt, ap);
    va_end(ap);
}

void sxs_diag_add_line(sxs_diag *d, sxs_diag_level level, const char *source, int64_t line,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, level, source, -1, line, fmt, ap);
    va_end(ap);
}

size_t sxs_diag_count(const sxs_diag *d)
{
    return d ? d->count : 0;
}

const sxs_diag_entry *sxs_diag_get(const sxs_diag *d, size_t i)
{
    return (d && i < d->count) ? &d->items[i] : NULL;
}

size_t sxs_diag_count_level(const sxs_diag *d, sxs_diag_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < sxs_diag_count(d); i++)
        if (d->items[i].level >= level)
            n++;
    return n;
}

size_t sxs_diag_dropped(const sxs_diag *d)
{
    return d ? d->dropped : 0;
}
