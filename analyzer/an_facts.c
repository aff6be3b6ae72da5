/* Fact store: an append-only array; lookups are linear, fine for the few hundred facts an
 * install yields. */
#include "analyzer/an_facts.h"
#include "common/sxs_grow.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct an_facts {
    an_fact *items;
    size_t count;
    size_t cap;
};

an_facts *an_facts_new(void)
{
    return calloc(1, sizeof(an_facts));
}

void an_facts_free(an_facts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        free((char *)f->items[i].name);
        free((char *)f->items[i].value);
        free((char *)f->items[i].source);
    }
    free(f->items);
    free(f);
}

static int facts_push(an_facts *f, const char *name, const char *value, bool has_num, int64_t num,
                      const char *source, int64_t offset)
{
    an_fact *n = sxs_grow(f->items, &f->cap, f->count, sizeof(*n), 64);
    if (!n)
        return -ENOMEM;
    f->items = n;
    char *nm = strdup(name);
    char *val = strdup(value ? value : "");
    char *src = source ? strdup(source) : NULL;
    if (!nm || !val || (source && !src)) {
        free(nm);
        free(val);
        free(src);
        return -ENOMEM;
    }
    f->items[f->count++] = (an_fact){.name = nm,
                                     .value = val,
                                     .has_num = has_num,
                                     .num = num,
                                     .source = src,
                                     .offset = offset,
                                     .line = -1};
    return 0;
}

int an_facts_add_str(an_facts *f, const char *name, const char *value, const char *source,
                     int64_t offset)
{
    return facts_push(f, name, value, false, 0, source, offset);
}

int an_facts_add_str_at(an_facts *f, const char *name, const char *value, const char *source,
                        int64_t offset, int64_t line)
{
    int r = facts_push(f, name, value, false, 0, source, offset);
    if (r == 0)
        f->items[f->count - 1].line = line;
    return r;
}

int an_facts_add_num(an_facts *f, const char *name, int64_t value, const char *source,
                     int64_t offset)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, value);
    return facts_push(f, name, buf, true, value, source, offset);
}

int an_facts_add_str_line(an_facts *f, const char *name, const char *value, const char *source,
                          int64_t line)
{
    return an_facts_add_str_at(f, name, value, source, -1, line);
}

int an_facts_add_num_line(an_facts *f, const char *name, int64_t value, const char *source,
                          int64_t line)
{
    int r = an_facts_add_num(f, name, value, source, -1);
    if (r == 0)
        f->items[f->count - 1].line = line;
    return r;
}

int an_facts_add_bool(an_facts *f, const char *name, bool value, const char *source)
{
    return facts_push(f, name, value ? "true" : "false", true, value ? 1 : 0, source, -1);
}

int an_facts_add_numf(an_facts *f, int64_t value, const char *source, const char *name_fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, name_fmt);
    int n = vsnprintf(name, sizeof(name), name_fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(name))
        return -ENAMETOOLONG;
    return an_facts_add_num(f, name, value, source, -1);
}

int an_facts_add_strf(an_facts *f, const char *value, const char *source, const char *name_fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, name_fmt);
    int n = vsnprintf(name, sizeof(name), name_fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(name))
        return -ENAMETOOLONG;
    return an_facts_add_str(f, name, value, source, -1);
}

const an_fact *an_facts_get(const an_facts *f, const char *name)
{
    size_t pos = 0;
    return an_facts_next(f, name, &pos);
}

size_t an_facts_count(const an_facts *f)
{
    return f ? f->count : 0;
}

const an_fact *an_facts_at(const an_facts *f, size_t i)
{
    return (f && i < f->count) ? &f->items[i] : NULL;
}

const an_fact *an_facts_next(const an_facts *f, const char *name, size_t *pos)
{
    for (size_t i = *pos; f && i < f->count; i++) {
        if (strcmp(f->items[i].name, name) == 0) {
            *pos = i + 1;
            return &f->items[i];
        }
    }
    if (f)
        *pos = f->count;
    return NULL;
}
