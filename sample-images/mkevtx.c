/* The EVTX writer of mkevtx.h. Layout (MS-EVEN6, and libevtx's "Windows XML Event Log
 * (EVTX)" notes): file header (4096 bytes; CRC32 of its first 120 bytes at 124), chunks of
 * 65536 bytes (512-byte header: record numbers, last-record and free-space offsets, CRC32 of
 * the records at 52, CRC32 of bytes 0-119 and 128-511 at 124), then records ("**\0\0", size,
 * EventRecordID, FILETIME, BinXML, size again). The BinXML of a record is a fragment header
 * and a template instance; the template holds the Event element with the provider, channel,
 * computer and Data names as text and substitutions for EventID (UInt16), Level (UInt8),
 * TimeCreated/@SystemTime (FILETIME), EventRecordID (UInt64) and each Data value (string).
 * Element and attribute names are written inline (their offset points just past itself). */
#include "sample-images/mkevtx.h"
#include "sample-images/mki_le.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define EVTX_HEADER 4096u
#define EVTX_CHUNK 65536u
#define EVTX_CHUNK_HEADER 512u
#define MAX_TEMPLATES 64
#define FIXED_SUBS 4 /* EventID, Level, SystemTime, EventRecordID */

enum { T_STRING = 0x01, T_UINT8 = 0x04, T_UINT16 = 0x06, T_UINT64 = 0x0a, T_FILETIME = 0x11 };

struct tpl {
    uint64_t key;
    uint32_t off; /* chunk offset of its definition data */
};

struct mki_evtx {
    struct mki_evtx_opts o;
    char *channel, *computer; /* copies of o's */
    struct mki_bytes chunks;  /* finished chunks */
    uint8_t c[EVTX_CHUNK];    /* the chunk being filled */
    size_t pos;               /* its free-space offset */
    unsigned nrec;
    uint64_t first_id, last_id, next_id;
    uint32_t last_off;
    uint32_t nchunks;
    struct tpl tpl[MAX_TEMPLATES];
    size_t ntpl;
};

/* The EVTX CRC-32 (RFC 1952, zlib's crc32), chained from crc. */
static uint32_t crc32_of(const uint8_t *p, size_t n, uint32_t crc)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

/* UTF-8 to UTF-16LE code units; (size_t)-1 on a bad sequence. out may be NULL (count). */
static size_t utf16(const char *s, uint16_t *out, size_t cap)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int more;
        if (*p < 0x80)
            cp = *p, more = 0;
        else if ((*p & 0xe0) == 0xc0)
            cp = *p & 0x1f, more = 1;
        else if ((*p & 0xf0) == 0xe0)
            cp = *p & 0x0f, more = 2;
        else if ((*p & 0xf8) == 0xf0)
            cp = *p & 0x07, more = 3;
        else
            return (size_t)-1;
        p++;
        for (int k = 0; k < more; k++, p++) {
            if ((*p & 0xc0) != 0x80)
                return (size_t)-1;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
            return (size_t)-1;
        uint16_t u[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xd800 | cp >> 10);
            u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
            nu = 2;
        } else {
            u[0] = (uint16_t)cp;
        }
        for (int k = 0; k < nu; k++, n++)
            if (out && n < cap)
                out[n] = u[k];
    }
    return n;
}

/* ---- BinXML emitter into the chunk ---- */

struct em {
    uint8_t *c;
    size_t pos;
    int over; /* ran past the chunk, or bad text */
};

static uint8_t *room(struct em *e, size_t n)
{
    if (e->over || e->pos + n > EVTX_CHUNK) {
        e->over = 1;
        return NULL;
    }
    uint8_t *p = e->c + e->pos;
    e->pos += n;
    return p;
}

static void u8(struct em *e, uint8_t v)
{
    uint8_t *p = room(e, 1);
    if (p)
        *p = v;
}

static void u16(struct em *e, uint16_t v)
{
    uint8_t *p = room(e, 2);
    if (p)
        mki_put16(p, v);
}

static void u32(struct em *e, uint32_t v)
{
    uint8_t *p = room(e, 4);
    if (p)
        mki_put32(p, v);
}

static void u64(struct em *e, uint64_t v)
{
    uint8_t *p = room(e, 8);
    if (p)
        mki_put64(p, v);
}

static void patch32(struct em *e, size_t at, uint32_t v)
{
    if (!e->over)
        mki_put32(e->c + at, v);
}

/* n UTF-16 units of s; returns n or -1 (marks e->over). */
static long chars(struct em *e, const char *s, size_t *ret_n)
{
    size_t n = utf16(s, NULL, 0);
    if (n == (size_t)-1 || n > 0x7fff) {
        e->over = 1;
        return -1;
    }
    uint8_t *p = room(e, 2 * n);
    if (!p)
        return -1;
    uint16_t *tmp = malloc((n ? n : 1) * sizeof(*tmp));
    if (!tmp) {
        e->over = 1;
        return -1;
    }
    utf16(s, tmp, n);
    for (size_t i = 0; i < n; i++)
        mki_put16(p + 2 * i, tmp[i]);
    free(tmp);
    if (ret_n)
        *ret_n = n;
    return (long)n;
}

static uint16_t name_hash(const char *s)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = h * 65599u + *p; /* names are ASCII */
    return (uint16_t)h;
}

/* A name offset pointing just past itself, then the name: next-in-hash-chain, hash, count,
 * UTF-16 and a NUL. */
static void name(struct em *e, const char *s)
{
    u32(e, (uint32_t)(e->pos + 4));
    u32(e, 0);
    u16(e, name_hash(s));
    size_t at = e->pos;
    u16(e, 0);
    size_t n = 0;
    if (chars(e, s, &n) >= 0 && !e->over)
        mki_put16(e->c + at, (uint16_t)n);
    u16(e, 0);
}

/* Opens an element; returns where its data size goes. */
static size_t open_el(struct em *e, const char *nm, int attrs)
{
    u8(e, attrs ? 0x41 : 0x01);
    u16(e, 0xffff); /* no dependency */
    size_t at = e->pos;
    u32(e, 0);
    name(e, nm);
    return at;
}

static void close_el(struct em *e, size_t size_at)
{
    patch32(e, size_at, (uint32_t)(e->pos - size_at - 4));
}

static void text(struct em *e, const char *s)
{
    u8(e, 0x05);
    u8(e, T_STRING);
    size_t at = e->pos;
    u16(e, 0);
    size_t n = 0;
    if (chars(e, s, &n) >= 0 && !e->over)
        mki_put16(e->c + at, (uint16_t)n);
}

static void subst(struct em *e, uint16_t id, uint8_t type)
{
    u8(e, 0x0d);
    u16(e, id);
    u8(e, type);
}

/* <nm attr="literal"/> */
static void empty_with_attr(struct em *e, const char *nm, const char *attr, const char *val,
                            int sub_id, uint8_t sub_type)
{
    size_t s = open_el(e, nm, 1);
    size_t list = e->pos;
    u32(e, 0);
    u8(e, 0x06);
    name(e, attr);
    if (sub_id >= 0)
        subst(e, (uint16_t)sub_id, sub_type);
    else
        text(e, val);
    patch32(e, list, (uint32_t)(e->pos - list - 4));
    u8(e, 0x03);
    close_el(e, s);
}

/* <nm>literal or substitution</nm> */
static void filled(struct em *e, const char *nm, const char *val, int sub_id, uint8_t sub_type)
{
    size_t s = open_el(e, nm, 0);
    u8(e, 0x02);
    if (sub_id >= 0)
        subst(e, (uint16_t)sub_id, sub_type);
    else
        text(e, val);
    u8(e, 0x04);
    close_el(e, s);
}

static const char *chan(const struct mki_evtx *w, const struct mki_evtx_event *ev)
{
    return ev->channel ? ev->channel : w->o.channel ? w->o.channel : "System";
}

static const char *comp(const struct mki_evtx *w, const struct mki_evtx_event *ev)
{
    return ev->computer ? ev->computer : w->o.computer ? w->o.computer : "WIN-SXSDOCTOR";
}

/* The template's definition data (next offset, GUID, size, fragment, Event, EOF). */
static void definition(struct em *e, const struct mki_evtx *w, const struct mki_evtx_event *ev,
                       uint64_t key)
{
    u32(e, 0);
    uint8_t *g = room(e, 16);
    if (g) {
        mki_put64(g, key);
        mki_put64(g + 8, key * 0x9E3779B97F4A7C15ull);
    }
    size_t size_at = e->pos;
    u32(e, 0);
    size_t start = e->pos;
    u8(e, 0x0f);
    u8(e, 1);
    u8(e, 1);
    u8(e, 0);
    size_t ev_el = open_el(e, "Event", 1);
    size_t list = e->pos;
    u32(e, 0);
    u8(e, 0x06);
    name(e, "xmlns");
    text(e, "http://schemas.microsoft.com/win/2004/08/events/event");
    patch32(e, list, (uint32_t)(e->pos - list - 4));
    u8(e, 0x02);
    size_t sys = open_el(e, "System", 0);
    u8(e, 0x02);
    empty_with_attr(e, "Provider", "Name", ev->provider, -1, 0);
    filled(e, "EventID", NULL, 0, T_UINT16);
    filled(e, "Level", NULL, 1, T_UINT8);
    empty_with_attr(e, "TimeCreated", "SystemTime", NULL, 2, T_FILETIME);
    filled(e, "EventRecordID", NULL, 3, T_UINT64);
    filled(e, "Channel", chan(w, ev), -1, 0);
    filled(e, "Computer", comp(w, ev), -1, 0);
    u8(e, 0x04);
    close_el(e, sys);
    size_t data = open_el(e, "EventData", 0);
    u8(e, 0x02);
    for (size_t i = 0; i < ev->nfields; i++) {
        if (ev->name[i]) {
            size_t d = open_el(e, "Data", 1);
            size_t l = e->pos;
            u32(e, 0);
            u8(e, 0x06);
            name(e, "Name");
            text(e, ev->name[i]);
            patch32(e, l, (uint32_t)(e->pos - l - 4));
            u8(e, 0x02);
            subst(e, (uint16_t)(FIXED_SUBS + i), T_STRING);
            u8(e, 0x04);
            close_el(e, d);
        } else {
            filled(e, "Data", NULL, (int)(FIXED_SUBS + i), T_STRING);
        }
    }
    u8(e, 0x04);
    close_el(e, data);
    u8(e, 0x04);
    close_el(e, ev_el);
    u8(e, 0x00);
    patch32(e, size_at, (uint32_t)(e->pos - start));
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    h ^= 0xff; /* separator */
    return h * 1099511628211ull;
}

static uint64_t shape(const struct mki_evtx *w, const struct mki_evtx_event *ev)
{
    uint64_t h = 1469598103934665603ull;
    h = fnv(h, ev->provider);
    h = fnv(h, chan(w, ev));
    h = fnv(h, comp(w, ev));
    for (size_t i = 0; i < ev->nfields; i++)
        h = fnv(h, ev->name[i]);
    return h;
}

/* The record at e->pos; e->over when it does not fit. */
static void record(struct mki_evtx *w, struct em *e, const struct mki_evtx_event *ev, uint64_t id)
{
    size_t start = e->pos;
    u32(e, 0x00002a2a);
    u32(e, 0);
    u64(e, id);
    u64(e, ev->time);
    u8(e, 0x0f);
    u8(e, 1);
    u8(e, 1);
    u8(e, 0);
    uint64_t key = shape(w, ev);
    const struct tpl *t = NULL;
    for (size_t i = 0; i < w->ntpl && !t; i++)
        if (w->tpl[i].key == key)
            t = &w->tpl[i];
    u8(e, 0x0c);
    u8(e, 0x01);
    u32(e, (uint32_t)key);
    if (t) {
        u32(e, t->off);
    } else {
        uint32_t off = (uint32_t)(e->pos + 4);
        u32(e, off);
        definition(e, w, ev, key);
        if (!e->over && w->ntpl < MAX_TEMPLATES)
            w->tpl[w->ntpl++] = (struct tpl){key, off};
    }
    /* instance data: the values' descriptors, then the values */
    size_t nsub = FIXED_SUBS + ev->nfields;
    u32(e, (uint32_t)nsub);
    u16(e, 2), u8(e, T_UINT16), u8(e, 0);
    u16(e, 1), u8(e, T_UINT8), u8(e, 0);
    u16(e, 8), u8(e, T_FILETIME), u8(e, 0);
    u16(e, 8), u8(e, T_UINT64), u8(e, 0);
    for (size_t i = 0; i < ev->nfields; i++) {
        size_t n = utf16(ev->value[i], NULL, 0);
        if (n == (size_t)-1 || n > 0x7fff) {
            e->over = 1;
            return;
        }
        u16(e, (uint16_t)(2 * n));
        u8(e, T_STRING); /* an empty string, not NullType: libfwevt refuses a NULL value in a normal
                            substitution */
        u8(e, 0);
    }
    u16(e, ev->id);
    u8(e, ev->level);
    u64(e, ev->time);
    u64(e, id);
    for (size_t i = 0; i < ev->nfields; i++)
        chars(e, ev->value[i], NULL);
    u8(e, 0x00); /* end of the fragment */
    u32(e, 0);
    if (!e->over) {
        uint32_t size = (uint32_t)(e->pos - start);
        mki_put32(e->c + start + 4, size);
        mki_put32(e->c + e->pos - 4, size);
    }
}

static void chunk_reset(struct mki_evtx *w)
{
    memset(w->c, 0, sizeof(w->c));
    w->pos = EVTX_CHUNK_HEADER;
    w->nrec = 0;
    w->ntpl = 0;
    w->last_off = 0;
}

static int chunk_flush(struct mki_evtx *w)
{
    if (w->nrec == 0)
        return 0;
    uint8_t *h = w->c;
    memcpy(h, "ElfChnk", 8);
    mki_put64(h + 8, w->first_id);
    mki_put64(h + 16, w->last_id);
    mki_put64(h + 24, w->first_id);
    mki_put64(h + 32, w->last_id);
    mki_put32(h + 40, 128);
    mki_put32(h + 44, w->last_off);
    mki_put32(h + 48, (uint32_t)w->pos);
    uint32_t rc = crc32_of(h + EVTX_CHUNK_HEADER, w->pos - EVTX_CHUNK_HEADER, 0);
    if (w->o.bad_crc_chunk == (long)w->nchunks)
        rc ^= 0x5a5a5a5au;
    mki_put32(h + 52, rc);
    uint32_t hc = crc32_of(h, 120, 0);
    hc = crc32_of(h + 128, EVTX_CHUNK_HEADER - 128, hc);
    mki_put32(h + 124, hc);
    if (w->o.bad_chunk == (long)w->nchunks)
        memset(h, 0, 8);
    int r = mki_bytes_append(&w->chunks, w->c, EVTX_CHUNK);
    if (r < 0)
        return r;
    w->nchunks++;
    chunk_reset(w);
    return 0;
}

struct mki_evtx *mki_evtx_new(const struct mki_evtx_opts *o)
{
    struct mki_evtx *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->o = *o;
    w->channel = o->channel ? strdup(o->channel) : NULL;
    w->computer = o->computer ? strdup(o->computer) : NULL;
    if ((o->channel && !w->channel) || (o->computer && !w->computer)) {
        mki_evtx_free(w);
        return NULL;
    }
    w->o.channel = w->channel;
    w->o.computer = w->computer;
    w->next_id = 1;
    chunk_reset(w);
    return w;
}

int mki_evtx_add(struct mki_evtx *w, const struct mki_evtx_event *ev)
{
    if (!ev->provider || ev->nfields > MKI_EVTX_MAX_FIELDS)
        return -EINVAL;
    int r;
    if (w->o.per_chunk && w->nrec >= w->o.per_chunk && (r = chunk_flush(w)) < 0)
        return r;
    uint64_t id = ev->record ? ev->record : w->next_id;
    for (int tries = 0; tries < 2; tries++) {
        struct em e = {.c = w->c, .pos = w->pos};
        size_t ntpl = w->ntpl;
        record(w, &e, ev, id);
        if (!e.over) {
            if (w->nrec == 0)
                w->first_id = id;
            w->last_id = id;
            w->last_off = (uint32_t)w->pos;
            w->pos = e.pos;
            w->nrec++;
            w->next_id = id + 1;
            return 0;
        }
        w->ntpl = ntpl;
        memset(w->c + w->pos, 0, EVTX_CHUNK - w->pos); /* what the failed try wrote */
        if (w->nrec == 0) /* does not fit an empty chunk (or bad UTF-8) */
            return -E2BIG;
        if ((r = chunk_flush(w)) < 0)
            return r;
    }
    return -E2BIG;
}

int mki_evtx_finish(struct mki_evtx *w, struct mki_bytes *out)
{
    int r = chunk_flush(w);
    uint8_t h[EVTX_HEADER] = {0};
    memcpy(h, "ElfFile", 8);
    mki_put64(h + 8, 0);
    mki_put64(h + 16, w->nchunks ? w->nchunks - 1 : 0);
    mki_put64(h + 24, w->next_id);
    mki_put32(h + 32, 128);
    mki_put16(h + 36, 1);
    mki_put16(h + 38, 3);
    mki_put16(h + 40, EVTX_HEADER);
    mki_put16(h + 42, (uint16_t)w->nchunks);
    mki_put32(h + 120, w->o.dirty ? 1u : 0u);
    mki_put32(h + 124, crc32_of(h, 120, 0) + (w->o.bad_header_crc ? 1u : 0u));
    size_t start = out->len;
    if (r == 0)
        r = mki_bytes_append(out, h, sizeof(h));
    if (r == 0 && w->chunks.len)
        r = mki_bytes_append(out, w->chunks.data, w->chunks.len);
    if (r == 0 && w->o.cut && start + w->o.cut < out->len) {
        out->len = start + w->o.cut;
        out->data[out->len] = '\0';
    }
    mki_evtx_free(w);
    return r;
}

void mki_evtx_free(struct mki_evtx *w)
{
    if (!w)
        return;
    free(w->chunks.data);
    free(w->channel);
    free(w->computer);
    free(w);
}
