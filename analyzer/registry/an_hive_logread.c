/* Transaction logs read by range through a small block cache (an_hive_logread.h). The replay
 * reads an entry's header and page list, streams the entry through Marvin32, then reads the
 * pages again to apply them: with a cache larger than an entry, each block is read from the
 * source once; with a smaller one, twice, and memory stays what the cache holds. */
#include "analyzer/registry/an_hive_logread.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned id;    /* which log */
    uint64_t block; /* block number + 1; 0 = empty */
    uint8_t *data;
} log_slot;

struct an_hive_logcache {
    uint32_t block, nslots;
    log_slot *slots;
};

an_hive_logcache *an_hive_logcache_new(uint32_t block, uint32_t slots)
{
    if (block == 0 || slots == 0)
        return NULL;
    an_hive_logcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->slots = calloc(slots, sizeof(*c->slots));
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->block = block;
    c->nslots = slots;
    return c;
}

void an_hive_logcache_free(an_hive_logcache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nslots; i++)
        free(c->slots[i].data);
    free(c->slots);
    free(c);
}

bool an_hive_log_present(const an_hive_log *l)
{
    return l && l->len > 0 && (l->data || l->read_at);
}

/* [off, off + len) of the log itself, all of it or -EIO. */
static int source_read(const an_hive_log *l, uint64_t off, uint8_t *buf, size_t len)
{
    if (l->data) {
        memcpy(buf, l->data + off, len);
        return 0;
    }
    return l->read_at(l->ctx, off, buf, len) < 0 ? -EIO : 0;
}

int an_hive_logcache_read(an_hive_logcache *c, const an_hive_log *l, unsigned id, uint64_t off,
                          void *vbuf, size_t len)
{
    uint8_t *buf = vbuf;
    if (!an_hive_log_present(l) || off > l->len || len > l->len - off)
        return -ERANGE;
    while (len > 0) {
        uint64_t block = off / c->block;
        size_t in = (size_t)(off % c->block);
        size_t n = c->block - in < len ? c->block - in : len;
        if (in == 0 && n == c->block) { /* a whole block: no need to keep it */
            int r = source_read(l, off, buf, n);
            if (r < 0)
                return r;
        } else {
            log_slot *s = &c->slots[(block + (uint64_t)id * 7) % c->nslots];
            if (s->id != id || s->block != block + 1) {
                if (!s->data && !(s->data = malloc(c->block)))
                    return -ENOMEM;
                uint64_t start = block * c->block, avail = l->len - start;
                s->block = 0;
                int r = source_read(l, start, s->data, avail < c->block ? (size_t)avail : c->block);
                if (r < 0)
                    return r;
                s->id = id;
                s->block = block + 1;
            }
            memcpy(buf, s->data + in, n);
        }
        buf += n;
        off += n;
        len -= n;
    }
    return 0;
}
