/* A hive as a ranged reader with an overlay of replayed pages (an_hive_view.h). */
#include "analyzer/registry/an_hive_view.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/registry/an_hive_logread.h"
#include "common/sxs_grow.h"
#include "common/sxs_io.h"

#define CACHE_BLOCK (64u * 1024) /* one ranged source read */
/* 8 MiB at most (a slot is allocated when first used), direct-mapped by block number. The
 * subkey check walks keys in tree order, which in a real hive is not file order: on four real
 * SYSTEM hives of 11-15 MB, 32 slots read each block 2.3-6.5 times, 128 slots 1.2-1.3 times. */
#define CACHE_SLOTS 128u

typedef enum { SRC_MEM, SRC_FD, SRC_FSA } src_kind;

typedef struct {
    uint64_t index; /* page number: offset / AN_HIVE_PAGE */
    uint8_t *data;
} overlay_page;

typedef struct {
    uint64_t off;
    uint32_t len;
    uint8_t bytes[AN_HIVE_KEEP_LEN];
} kept_range;

struct an_hive_view {
    src_kind kind;
    uint8_t *mem;
    bool owns_mem;
    int fd;
    fsa_file *f;
    uint64_t src_size, size;
    overlay_page *pages; /* in the order first written */
    size_t npages, cap;
    /* hash index over pages: slot = position in pages + 1, 0 empty; nslots a power of two
     * at least twice npages (a log writing its pages in any order costs O(1) per page) */
    uint32_t *slots;
    size_t nslots;
    an_hive_logcache *cache; /* the block cache the log replay uses too; SRC_MEM needs none */
    kept_range *kept;        /* an_hive_view_read_keep's, by increasing offset */
    size_t nkept, capkept;
    uint64_t source_reads;
    bool kept_paged; /* all of them start a page (bin headers do): a read that starts
                        further into its page than AN_HIVE_KEEP_LEN is in none */
    char damage[256];
};

static an_hive_view *view_new(src_kind kind, uint64_t size)
{
    an_hive_view *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->kind = kind;
    v->fd = -1;
    v->src_size = v->size = size;
    if (kind != SRC_MEM && !(v->cache = an_hive_logcache_new(CACHE_BLOCK, CACHE_SLOTS))) {
        free(v);
        return NULL;
    }
    return v;
}

an_hive_view *an_hive_view_mem(uint8_t *owned, size_t size)
{
    an_hive_view *v = view_new(SRC_MEM, size);
    if (!v) {
        free(owned);
        return NULL;
    }
    v->mem = owned;
    v->owns_mem = true;
    return v;
}

an_hive_view *an_hive_view_mem_ref(const uint8_t *data, size_t size)
{
    an_hive_view *v = view_new(SRC_MEM, size);
    if (v)
        v->mem = (uint8_t *)data; /* only read */
    return v;
}

an_hive_view *an_hive_view_fd(int owned_fd, uint64_t size)
{
    an_hive_view *v = view_new(SRC_FD, size);
    if (!v) {
        close(owned_fd);
        return NULL;
    }
    v->fd = owned_fd;
    return v;
}

an_hive_view *an_hive_view_fsa(fsa_file *owned)
{
    an_hive_view *v = view_new(SRC_FSA, fsa_file_size(owned));
    if (!v) {
        fsa_file_close(owned);
        return NULL;
    }
    v->f = owned;
    return v;
}

void an_hive_view_free(an_hive_view *v)
{
    if (!v)
        return;
    if (v->owns_mem)
        free(v->mem);
    if (v->fd >= 0)
        close(v->fd);
    fsa_file_close(v->f);
    for (size_t i = 0; i < v->npages; i++)
        free(v->pages[i].data);
    free(v->pages);
    free(v->slots);
    free(v->kept);
    an_hive_logcache_free(v->cache);
    free(v);
}

void an_hive_view_forget(an_hive_view *v)
{
    free(v->kept);
    v->kept = NULL;
    v->nkept = v->capkept = 0;
}

size_t an_hive_view_kept(const an_hive_view *v)
{
    return v->nkept;
}

uint64_t an_hive_view_source_reads(const an_hive_view *v)
{
    return v->source_reads;
}

/* The kept range holding all of [off, off + len), or NULL. */
static const kept_range *kept_at(const an_hive_view *v, uint64_t off, size_t len)
{
    size_t lo = 0, hi = v->nkept; /* first range starting after off */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->kept[mid].off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const kept_range *k = &v->kept[lo - 1];
    return off - k->off + len <= k->len ? k : NULL;
}

uint64_t an_hive_view_size(const an_hive_view *v)
{
    return v->size;
}

uint64_t an_hive_view_source_size(const an_hive_view *v)
{
    return v->src_size;
}

size_t an_hive_view_overlay_pages(const an_hive_view *v)
{
    return v->npages;
}

const char *an_hive_view_damage(void *vv)
{
    return ((an_hive_view *)vv)->damage;
}

void an_hive_view_grow(an_hive_view *v, uint64_t size)
{
    an_hive_view_forget(v);
    if (size > v->size)
        v->size = size;
}

void an_hive_view_reset(an_hive_view *v)
{
    an_hive_view_forget(v);
    for (size_t i = 0; i < v->npages; i++)
        free(v->pages[i].data);
    v->npages = 0;
    if (v->slots)
        memset(v->slots, 0, v->nslots * sizeof(*v->slots));
    v->size = v->src_size;
}

/* Reads [off, off + len) of the source itself (inside src_size), all of it or -EIO. */
static int source_read(an_hive_view *v, uint64_t off, uint8_t *buf, size_t len)
{
    v->source_reads++;
    size_t got;
    int r = v->kind == SRC_FD ? sxs_pread_full(v->fd, buf, len, off, &got)
                              : fsa_file_read_full(v->f, off, buf, len, &got);
    if (r == 0 && got == len)
        return 0;
    if (r == 0)
        snprintf(v->damage, sizeof(v->damage), "file ends at offset %llu, before %llu",
                 (unsigned long long)(off + got), (unsigned long long)v->src_size);
    else if (v->kind == SRC_FD)
        snprintf(v->damage, sizeof(v->damage), "read error at offset %llu: %s",
                 (unsigned long long)(off + got), strerror(-r));
    else {
        const char *d = fsa_file_damage(v->f, NULL);
        snprintf(v->damage, sizeof(v->damage), "read error at offset %llu%s%s",
                 (unsigned long long)(off + got), d && d[0] ? ": " : "", d ? d : "");
    }
    return -EIO;
}

static int source_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    return source_read(ctx, off, buf, len);
}

/* Source bytes [off, off + len), off + len <= src_size, through the block cache. */
static int source_cached(an_hive_view *v, uint64_t off, uint8_t *buf, size_t len)
{
    if (v->kind == SRC_MEM) {
        memcpy(buf, v->mem + off, len);
        return 0;
    }
    an_hive_log src = {.len = (size_t)v->src_size, .read_at = source_read_at, .ctx = v};
    return an_hive_logcache_read(v->cache, &src, 0, off, buf, len);
}

static size_t slot_of(uint64_t idx, size_t nslots)
{
    return (size_t)((idx * 0x9E3779B97F4A7C15ull) >> 17) & (nslots - 1);
}

/* The overlay page with number idx, or NULL. */
static overlay_page *find_page(const an_hive_view *v, uint64_t idx)
{
    if (!v->nslots)
        return NULL;
    for (size_t s = slot_of(idx, v->nslots);; s = (s + 1) & (v->nslots - 1)) {
        uint32_t at = v->slots[s];
        if (!at)
            return NULL;
        if (v->pages[at - 1].index == idx)
            return &v->pages[at - 1];
    }
}

/* Indexes pages[pos] (the table is grown first when it would be half full). */
static int index_page(an_hive_view *v, size_t pos)
{
    if (pos >= UINT32_MAX - 1)
        return -ENOMEM;
    if ((pos + 1) * 2 > v->nslots) {
        size_t n = v->nslots ? v->nslots * 2 : 64;
        uint32_t *t = calloc(n, sizeof(*t));
        if (!t)
            return -ENOMEM;
        free(v->slots);
        v->slots = t;
        v->nslots = n;
        for (size_t i = 0; i < pos; i++) { /* re-index the pages already there */
            size_t s = slot_of(v->pages[i].index, n);
            while (t[s])
                s = (s + 1) & (n - 1);
            t[s] = (uint32_t)(i + 1);
        }
    }
    size_t s = slot_of(v->pages[pos].index, v->nslots);
    while (v->slots[s])
        s = (s + 1) & (v->nslots - 1);
    v->slots[s] = (uint32_t)(pos + 1);
    return 0;
}

/* Bytes of page idx as the hive holds them before the overlay: the source's, then zeros. */
static int base_bytes(an_hive_view *v, uint64_t off, uint8_t *buf, size_t len)
{
    size_t from_src = 0;
    if (off < v->src_size)
        from_src = v->src_size - off < len ? (size_t)(v->src_size - off) : len;
    if (from_src) {
        int r = source_cached(v, off, buf, from_src);
        if (r < 0)
            return r;
    }
    memset(buf + from_src, 0, len - from_src);
    return 0;
}

int an_hive_view_read(an_hive_view *v, uint64_t off, void *vbuf, size_t len)
{
    uint8_t *buf = vbuf;
    if (off > v->size || len > v->size - off)
        return -ERANGE;
    const kept_range *k = NULL;
    if (v->nkept && len <= AN_HIVE_KEEP_LEN &&
        (!v->kept_paged || off % AN_HIVE_PAGE < AN_HIVE_KEEP_LEN))
        k = kept_at(v, off, len);
    if (k) {
        memcpy(buf, k->bytes + (off - k->off), len);
        return 0;
    }
    if (v->npages == 0)
        return base_bytes(v, off, buf, len);
    while (len > 0) {
        uint64_t idx = off / AN_HIVE_PAGE;
        size_t in = (size_t)(off % AN_HIVE_PAGE);
        const overlay_page *pg = find_page(v, idx);
        size_t n;
        int r = 0;
        if (pg) {
            n = AN_HIVE_PAGE - in < len ? AN_HIVE_PAGE - in : len;
            memcpy(buf, pg->data + in, n);
        } else { /* up to the next overlay page in one go */
            uint64_t end = off + len, next = (idx + 1) * AN_HIVE_PAGE;
            while (next < end && !find_page(v, next / AN_HIVE_PAGE))
                next += AN_HIVE_PAGE;
            n = (size_t)((next < end ? next : end) - off);
            r = base_bytes(v, off, buf, n);
        }
        if (r < 0)
            return r;
        buf += n;
        off += n;
        len -= n;
    }
    return 0;
}

int an_hive_view_read_keep(an_hive_view *v, uint64_t off, void *buf, size_t len)
{
    if (len > AN_HIVE_KEEP_LEN)
        return -EINVAL;
    int r = an_hive_view_read(v, off, buf, len);
    if (r < 0 || v->nkept >= AN_HIVE_KEEP_MAX || (v->nkept && off <= v->kept[v->nkept - 1].off))
        return r;
    kept_range *n = sxs_grow(v->kept, &v->capkept, v->nkept, sizeof(*n), 256);
    if (!n)
        return 0; /* read all the same; only not kept */
    v->kept = n;
    v->kept_paged = (v->nkept == 0 || v->kept_paged) && off % AN_HIVE_PAGE == 0;
    n[v->nkept].off = off;
    n[v->nkept].len = (uint32_t)len;
    memcpy(n[v->nkept].bytes, buf, len);
    v->nkept++;
    return 0;
}

long an_hive_view_pread(void *vv, uint64_t off, void *buf, size_t len)
{
    an_hive_view *v = vv;
    if (off >= v->size)
        return 0;
    if (len > v->size - off)
        len = (size_t)(v->size - off);
    int r = an_hive_view_read(v, off, buf, len);
    return r < 0 ? r : (long)len;
}

int an_hive_view_write(an_hive_view *v, uint64_t off, const void *vsrc, size_t len)
{
    const uint8_t *src = vsrc;
    if (off > v->size || len > v->size - off)
        return -ERANGE;
    an_hive_view_forget(v);
    while (len > 0) {
        uint64_t idx = off / AN_HIVE_PAGE;
        size_t in = (size_t)(off % AN_HIVE_PAGE);
        size_t n = AN_HIVE_PAGE - in < len ? AN_HIVE_PAGE - in : len;
        overlay_page *pg = find_page(v, idx);
        if (!pg) {
            overlay_page *p = sxs_grow(v->pages, &v->cap, v->npages, sizeof(*p), 16);
            if (!p)
                return -ENOMEM;
            v->pages = p;
            uint8_t *data = malloc(AN_HIVE_PAGE);
            if (!data)
                return -ENOMEM;
            uint64_t page_off = idx * AN_HIVE_PAGE;
            uint64_t plen = v->size - page_off < AN_HIVE_PAGE ? v->size - page_off : AN_HIVE_PAGE;
            int r = base_bytes(v, page_off, data, (size_t)plen);
            if (r < 0) {
                free(data);
                return r;
            }
            memset(data + plen, 0, AN_HIVE_PAGE - plen);
            v->pages[v->npages] = (overlay_page){idx, data};
            r = index_page(v, v->npages);
            if (r < 0) {
                free(data);
                return r;
            }
            pg = &v->pages[v->npages++];
        }
        memcpy(pg->data + in, src, n);
        src += n;
        off += n;
        len -= n;
    }
    return 0;
}

int an_hive_view_flatten(an_hive_view *v, uint8_t **ret, size_t *ret_len)
{
    if (v->size > SIZE_MAX - 1)
        return -ENOMEM;
    uint8_t *b = malloc(v->size ? (size_t)v->size : 1);
    if (!b)
        return -ENOMEM;
    int r = an_hive_view_read(v, 0, b, (size_t)v->size);
    if (r < 0) {
        free(b);
        return r;
    }
    *ret = b;
    *ret_len = (size_t)v->size;
    return 0;
}
