/* The EVTX reader of an_evtx.h: libevtx over a libbfio handle whose io functions are ranged
 * fsa_file_read calls. Built into a libyal island with libevtx.a and libbfio.a. */
#include "analyzer/evtx/an_evtx.h"

#include <errno.h>
#include <libbfio.h>
#include <libevtx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "analyzer/an_yal_file.h"
#include "common/sxs_grow.h"

/* EVTX layout (MS-EVEN6): a 4096-byte file header, then 64 KiB chunks each starting with the
 * 8-byte signature "ElfChnk\0". */
#define EVTX_HEADER 4096
#define EVTX_CHUNK 65536

bool an_evtx_filetime(uint64_t ft, int64_t *ret)
{
    /* 11644473600 s between 1601-01-01 and 1970-01-01; years past 9999 are garbage */
    const uint64_t epoch = 116444736000000000ull, max = 2650467743999999999ull;
    if (ft < epoch || ft > max)
        return false;
    *ret = (int64_t)((ft - epoch) / 10000000ull);
    return true;
}

static void first_line(char *why, size_t cap, const char *what, libevtx_error_t *err)
{
    char msg[256] = "";
    if (err)
        libevtx_error_sprint(err, msg, sizeof(msg));
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    snprintf(why, cap, "%s%s%s", what, msg[0] ? ": " : "", msg);
}

/* CRC-32 of RFC 1952 (zlib's crc32, initial value 0), as the EVTX header and chunks carry
 * it. */
static uint32_t crc32_of(const uint8_t *p, size_t n, uint32_t crc)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Records found in the bytes of chunks failing their CRC32: libevtx 20181227 gives every
 * record the offset 0, so a record is placed by its identifier, found here by walking each
 * such chunk's bytes. At most EVTX_MAX_PLACED are kept (a record beyond is not marked). */
#define EVTX_MAX_PLACED (1u << 20)
typedef struct {
    uint64_t id;
    uint32_t chunk;
} placed;
typedef struct {
    placed *v;
    size_t n, cap;
} placed_set;

static int place(placed_set *p, uint64_t id, uint32_t chunk)
{
    if (p->n >= EVTX_MAX_PLACED)
        return 0;
    placed *v = sxs_grow(p->v, &p->cap, p->n, sizeof(*v), 256);
    if (!v)
        return -ENOMEM;
    p->v = v;
    p->v[p->n++] = (placed){id, chunk};
    return 0;
}

/* Every record in a chunk's bytes, allocated or left in its free space: signature 0x2a2a, a
 * size that fits and is repeated in the record's last 4 bytes. */
static int place_chunk_records(const uint8_t *c, uint32_t chunk, placed_set *p)
{
    for (size_t off = 512; off + 28 <= EVTX_CHUNK;) {
        uint32_t size = le32(c + off + 4);
        if (le32(c + off) == 0x2a2a && size >= 28 && size <= EVTX_CHUNK - off &&
            le32(c + off + size - 4) == size) {
            if (place(p, le64(c + off + 8), chunk) < 0)
                return -ENOMEM;
            off += size;
        } else {
            off++; /* residue: a record may start anywhere (Windows pads to 8, not all do) */
        }
    }
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The CRC-bad chunk holding record id, -1 when none does. */
static int64_t chunk_of(const placed_set *p, uint64_t id)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->n && p->v[lo].id == id ? (int64_t)p->v[lo].chunk : -1;
}

/* A chunk whose header or records do not match their CRC32s: the header's over bytes 0-119
 * and 128-511 (at 124), the records' over 512 up to the free-space offset (at 52). */
static bool chunk_crc_bad(const uint8_t *c, size_t n)
{
    if (n < EVTX_CHUNK)
        return false; /* a cut slot: counted as truncation */
    uint32_t free_off = le32(c + 48);
    if (free_off < 512 || free_off > EVTX_CHUNK)
        return true;
    uint32_t hc = crc32_of(c + 128, 512 - 128, crc32_of(c, 120, 0));
    return hc != le32(c + 124) || crc32_of(c + 512, free_off - 512, 0) != le32(c + 52);
}

/* Chunk slots: the header's count and checksum, slots that do not start "ElfChnk" yet hold
 * bytes (a chunk whose header was overwritten or zeroed; a never-used slot is all zero), and
 * chunks whose checksums do not match (libevtx still reads their records). Each slot is read
 * once, 64 KiB at a time, into one buffer. */
static int scan_chunks(an_yal_file_io *io, an_evtx_stats *st, placed_set *bad)
{
    uint8_t hdr[128];
    long n = fsa_file_read(io->f, 0, hdr, sizeof(hdr));
    if (n < 0)
        return -EIO;
    if (n == (long)sizeof(hdr) && memcmp(hdr, "ElfFile\0", 8) == 0) {
        st->header_chunks = (uint32_t)hdr[42] | (uint32_t)hdr[43] << 8;
        st->dirty = (hdr[120] & LIBEVTX_FILE_FLAG_IS_DIRTY) != 0;
        st->header_crc_bad = crc32_of(hdr, 120, 0) != le32(hdr + 124);
    }
    if (io->size <= EVTX_HEADER)
        return 0;
    st->chunks = (uint32_t)((io->size - EVTX_HEADER) / EVTX_CHUNK);
    /* a cut log: fewer slots than the header counts, or a partial last slot */
    st->truncated = st->header_chunks > st->chunks || (io->size - EVTX_HEADER) % EVTX_CHUNK != 0;
    uint8_t *slot = malloc(EVTX_CHUNK);
    if (!slot)
        return -ENOMEM;
    for (uint32_t c = 0; c < st->chunks; c++) {
        uint64_t at = EVTX_HEADER + (uint64_t)c * EVTX_CHUNK;
        long r = fsa_file_read(io->f, at, slot, EVTX_CHUNK);
        if (r < 0) {
            free(slot);
            return -EIO;
        }
        if (r >= 8 && memcmp(slot, "ElfChnk\0", 8) == 0) {
            if (chunk_crc_bad(slot, (size_t)r)) {
                st->crc_bad_chunks++;
                if (place_chunk_records(slot, c, bad) < 0) {
                    free(slot);
                    return -ENOMEM;
                }
            }
            continue;
        }
        bool used = false;
        for (long k = 0; k < r && !used; k++)
            used = slot[k] != 0;
        st->bad_chunks += used;
    }
    free(slot);
    if (bad->n > 1)
        qsort(bad->v, bad->n, sizeof(*bad->v), by_id);
    return 0;
}

typedef struct {
    char s[AN_EVTX_MAX_STRINGS][AN_EVTX_MAX_STRING];
    char provider[256];
} rec_buf;

static int get_str(libevtx_record_t *rec, int i, char *out, size_t cap)
{
    size_t need = 0;
    out[0] = '\0';
    if (libevtx_record_get_utf8_string_size(rec, i, &need, NULL) != 1 || need == 0)
        return 0;
    if (need <= cap)
        return libevtx_record_get_utf8_string(rec, i, (uint8_t *)out, need, NULL) == 1;
    /* longer than kept: read it whole (bounded by the record, < 64 KiB) and cut */
    char *tmp = need <= EVTX_CHUNK * 2 ? malloc(need) : NULL;
    if (!tmp)
        return 0;
    int ok = libevtx_record_get_utf8_string(rec, i, (uint8_t *)tmp, need, NULL) == 1;
    if (ok) {
        memcpy(out, tmp, cap - 1);
        out[cap - 1] = '\0';
    }
    free(tmp);
    return ok;
}

static int one_record(libevtx_record_t *rec, const char *path, bool recovered,
                      const placed_set *bad, rec_buf *b, an_evtx_record_cb cb, void *ctx,
                      bool *ret_in_bad)
{
    an_evtx_record r = {.path = path, .recovered = recovered, .provider = b->provider};
    r.chunk = -1;
    uint64_t id = 0, ft = 0;
    uint32_t eid = 0;
    if (libevtx_record_get_identifier(rec, &id, NULL) != 1 ||
        libevtx_record_get_event_identifier(rec, &eid, NULL) != 1)
        return -EBADMSG;
    r.record = id;
    r.chunk = chunk_of(bad, id);
    r.chunk_crc_bad = r.chunk >= 0;
    *ret_in_bad = r.chunk_crc_bad;
    r.event_id = eid & 0xffffu; /* the qualifiers live in the high bits of classic events */
    if (libevtx_record_get_written_time(rec, &ft, NULL) == 1)
        r.has_time = an_evtx_filetime(ft, &r.time);
    b->provider[0] = '\0';
    size_t need = 0;
    if (libevtx_record_get_utf8_source_name_size(rec, &need, NULL) == 1 && need > 0 &&
        need <= sizeof(b->provider))
        libevtx_record_get_utf8_source_name(rec, (uint8_t *)b->provider, need, NULL);
    int ns = 0;
    if (libevtx_record_get_number_of_strings(rec, &ns, NULL) != 1)
        ns = 0;
    for (int i = 0; i < ns && r.nstr < AN_EVTX_MAX_STRINGS; i++) {
        get_str(rec, i, b->s[r.nstr], AN_EVTX_MAX_STRING);
        r.str[r.nstr] = b->s[r.nstr];
        r.nstr++;
    }
    return cb(&r, ctx);
}

int an_evtx_read(fsa_file *f, const char *path, an_evtx_record_cb cb, void *ctx, an_evtx_stats *st,
                 char *why, size_t why_cap)
{
    memset(st, 0, sizeof(*st));
    if (why_cap)
        why[0] = '\0';
    an_yal_file_io io = {.f = f, .size = fsa_file_size(f)};
    st->size = io.size;
    placed_set in_crc_bad = {0};
    int sc = scan_chunks(&io, st, &in_crc_bad);
    if (sc < 0) {
        free(in_crc_bad.v);
        if (sc == -ENOMEM)
            return sc;
        const char *d = fsa_file_damage(f, NULL);
        snprintf(why, why_cap, "%s", d && d[0] ? d : "the evidence could not be read");
        return -EIO;
    }
    libbfio_handle_t *bfio = NULL;
    libevtx_file_t *file = NULL;
    libevtx_error_t *err = NULL;
    rec_buf *b = malloc(sizeof(*b));
    int ret = 0;
    if (!b || an_yal_file_handle(&io, &bfio) != 1) {
        ret = -ENOMEM;
        goto out;
    }
    if (libevtx_file_initialize(&file, &err) != 1) {
        ret = -ENOMEM;
        goto out;
    }
    if (libevtx_file_open_file_io_handle(file, bfio, LIBEVTX_OPEN_READ, &err) != 1) {
        if (io.failed) {
            snprintf(why, why_cap, "%s", io.damage);
            ret = -EIO;
        } else {
            first_line(why, why_cap, "not an event log libevtx can open", err);
            ret = -EBADMSG;
        }
        libevtx_file_free(&file, NULL);
        goto out;
    }
    uint32_t flags = 0;
    if (libevtx_file_get_flags(file, &flags, NULL) == 1)
        st->dirty |= (flags & LIBEVTX_FILE_FLAG_IS_DIRTY) != 0;
    st->corrupted = libevtx_file_is_corrupted(file, NULL) == 1;
    for (int pass = 0; pass < 2 && ret == 0; pass++) {
        int n = 0;
        if ((pass ? libevtx_file_get_number_of_recovered_records(file, &n, NULL)
                  : libevtx_file_get_number_of_records(file, &n, NULL)) != 1)
            n = 0;
        for (int i = 0; i < n && ret == 0; i++) {
            libevtx_record_t *rec = NULL;
            int g = pass ? libevtx_file_get_recovered_record_by_index(file, i, &rec, NULL)
                         : libevtx_file_get_record_by_index(file, i, &rec, NULL);
            uint64_t *bad = pass ? &st->recovered_unreadable : &st->unreadable;
            if (g != 1 || !rec) {
                (*bad)++;
                continue;
            }
            bool in_bad = false;
            int r = one_record(rec, path, pass == 1, &in_crc_bad, b, cb, ctx, &in_bad);
            libevtx_record_free(&rec, NULL);
            if (r == -EBADMSG) {
                (*bad)++;
                continue;
            }
            st->records++;
            st->crc_bad_records += in_bad;
            st->recovered += pass == 1;
            ret = r;
        }
    }
    if (ret == 0 && io.failed) {
        snprintf(why, why_cap, "%s", io.damage);
        st->corrupted = true;
    }
    libevtx_file_close(file, NULL);
    libevtx_file_free(&file, NULL);
out:
    libevtx_error_free(&err);
    if (bfio)
        libbfio_handle_free(&bfio, NULL);
    free(b);
    free(in_crc_bad.v);
    return ret;
}
