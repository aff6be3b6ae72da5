/* EWF version 1 reader with memory bounded whatever the media size (see fsa_ewf1.h).
 *
 * Why not libewf: libewf 20140813 (Debian 12's) sizes an array of one pointer per chunk of the
 * media when it reads the volume section (libewf_segment_file_read_volume_section ->
 * libmfdata_list_resize(chunk_table_list, number_of_chunks)), before any read, and keeps
 * ~128 bytes per chunk of each table it reads: 265 MiB for a 1 TB E01 at open alone, with no
 * call that avoids it. Here the open walks every section of every segment once, checking the
 * section descriptors' and tables' Adler-32 and that the chunk offsets of each table rise, and
 * keeps per table only where its entries are; the entries are read again, a block at a time,
 * when a read needs them.
 *
 * Layout (libyal's "Expert Witness Compression Format" document): a segment starts with a
 * 13-byte file header, then 76-byte section descriptors chained by absolute offsets up to a
 * "next" (more segments follow) or "done" section. Chunks lie in "sectors" sections; the
 * "table" after them lists one 32-bit entry per chunk: bit 31 says compressed (a zlib stream),
 * the rest is the offset from the table's base offset. An uncompressed chunk is followed by its
 * Adler-32. A table's last chunk ends at the table section, as libewf takes it. */
#include "fsaccess/fsa_ewf1.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/sxs_checked.h"
#include "common/sxs_io.h"
#include "common/sxs_utf16.h"

#define EWF1_FILE_HEADER 13
#define EWF1_DESC 76
#define EWF1_TABLE_HEADER 24
#define EWF1_VOLUME_E01 1052 /* ewf_volume: EnCase, ewfacquire's encase/ftk formats */
#define EWF1_VOLUME_SMART 94 /* ewf_volume_smart: FTK writes this one in .E01 too */
/* Largest chunk taken (32768 sectors of 512 bytes, ewfacquire's -b maximum): the chunk cache
 * holds up to EWF1_CHUNK_SLOTS of them. */
#define EWF1_MAX_CHUNK (16u * 1024 * 1024)
/* A compressed chunk stored larger than this is not one deflate made of a chunk: decline. */
#define EWF1_MAX_STORED(cs) ((cs) + (cs) / 8 + 4096)
/* Sections per segment walked before the chain is taken as a loop. */
#define EWF1_MAX_SECTIONS (1u << 20)
/* Inflated header/header2 text kept (a real one is under 4 KiB). */
#define EWF1_MAX_HEADER (1u << 20)
/* Segment files kept open at once (a 2 TB image in 1.4 GiB segments has ~1500). */
#define EWF1_FD_SLOTS 16
/* Table entries read at once, and blocks of them cached: 8 x 4 KiB. */
#define EWF1_ENTRY_BLOCK 1024u
#define EWF1_ENTRY_SLOTS 8
/* Inflated chunks cached (libtsk caches above this too), and the most bytes they may take: with
 * 16 MiB chunks (ewfacquire -b 32768) four slots would be 64 MiB, the whole memory budget, so
 * large chunks get fewer slots (one at least). */
#define EWF1_CHUNK_SLOTS 4
#define EWF1_CHUNK_CACHE_BYTES (4u * 1024 * 1024)
/* Entries checked per read at open (16 KiB). */
#define EWF1_SCAN_ENTRIES 4096u

/* A stored Adler-32 of a structure (not of chunk data) matches. The fuzz harness builds this
 * file with SXS_FUZZ_NO_CHECKSUMS so that mutated tables and descriptors get past their
 * checksums to the code that trusts them; never defined in sxs_fsaccess. */
static bool sum_ok(uLong calc, uint32_t stored)
{
#ifdef SXS_FUZZ_NO_CHECKSUMS
    (void)calc;
    (void)stored;
    return true;
#else
    return calc == stored;
#endif
}

static const uint8_t EVF_SIG[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};

typedef struct {
    uint32_t seg;         /* index into names */
    uint32_t count;       /* entries */
    uint64_t entries_off; /* file offset of entry 0 */
    uint64_t base;        /* base offset the entries are relative to */
    uint64_t end;         /* where the last chunk ends: the table section's start */
    uint64_t first_chunk;
} ewf1_table;

typedef struct {
    bool valid;
    size_t table;
    uint32_t block, n; /* n entries from block * EWF1_ENTRY_BLOCK, plus the next one if any */
    uint64_t used;
    uint32_t e[EWF1_ENTRY_BLOCK + 1];
} ewf1_entries;

typedef struct {
    bool valid, bad;
    uint64_t chunk, used;
    uint8_t *data;
} ewf1_chunk;

struct fsa_ewf1 {
    char **names;
    size_t nseg;
    struct {
        int fd;
        uint32_t seg;
        uint64_t used;
    } fds[EWF1_FD_SLOTS];
    ewf1_table *tables;
    size_t ntables, tables_cap;
    fsa_ewf1_info info;
    char *strs[9];
    uint64_t chunk_size, tick;
    ewf1_entries ec[EWF1_ENTRY_SLOTS];
    ewf1_chunk cc[EWF1_CHUNK_SLOTS];
    size_t nslots; /* of cc in use */
    uint8_t *cbuf; /* a stored chunk as read */
    size_t cbuf_cap;
    z_stream zs;
    bool zs_ready;
    char err[512];
};

/* ---- segment files ---- */

/* The descriptor of segment seg, opened on first use; the least recently used one is closed
 * when all slots are taken. -1 with r->err set. */
static int seg_fd(fsa_ewf1 *r, uint32_t seg)
{
    size_t lru = 0;
    for (size_t i = 0; i < EWF1_FD_SLOTS; i++) {
        if (r->fds[i].fd >= 0 && r->fds[i].seg == seg) {
            r->fds[i].used = ++r->tick;
            return r->fds[i].fd;
        }
        /* a free slot (used 0) before any open one */
        uint64_t u = r->fds[i].fd < 0 ? 0 : r->fds[i].used;
        uint64_t best = r->fds[lru].fd < 0 ? 0 : r->fds[lru].used;
        if (u < best)
            lru = i;
    }
    if (r->fds[lru].fd >= 0)
        close(r->fds[lru].fd);
    r->fds[lru].fd = open(r->names[seg], O_RDONLY | O_CLOEXEC);
    if (r->fds[lru].fd < 0) {
        snprintf(r->err, sizeof(r->err), "EWF segment %s cannot be opened: %s", r->names[seg],
                 strerror(errno));
        return -1;
    }
    r->fds[lru].seg = seg;
    r->fds[lru].used = ++r->tick;
    return r->fds[lru].fd;
}

/* Reads exactly len bytes at off of segment seg. 0, or -1 with r->err naming file and offset. */
static int seg_read(fsa_ewf1 *r, uint32_t seg, uint64_t off, void *buf, size_t len)
{
    int fd = seg_fd(r, seg);
    if (fd < 0)
        return -1;
    size_t got;
    int e = sxs_pread_full(fd, buf, len, off, &got);
    if (e == 0 && got == len)
        return 0;
    snprintf(r->err, sizeof(r->err), "EWF segment %s: read of %zu bytes at offset %llu %s",
             r->names[seg], len, (unsigned long long)off,
             e < 0 ? strerror(-e) : "runs past its end");
    return -1;
}

/* ---- header text (libewf's header value names and date format) ---- */

/* The ASCII header as UTF-8 (bytes above 0x7f as Latin-1). */
static void latin1_to_utf8(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && in[i] && o + (in[i] < 0x80 ? 1 : 2) < cap; i++)
        o += sxs_utf8_put(in[i], out + o);
    out[o] = '\0';
}

/* Line k (0-based) of text: start and length, without a trailing CR. */
static bool text_line(const char *t, unsigned k, const char **ret, size_t *ret_len)
{
    for (unsigned i = 0; i < k; i++) {
        t = strchr(t, '\n');
        if (!t)
            return false;
        t++;
    }
    size_t n = strcspn(t, "\n");
    if (n && t[n - 1] == '\r')
        n--;
    *ret = t;
    *ret_len = n;
    return true;
}

/* Field i of a tab-separated line. */
static bool tab_field(const char *l, size_t len, unsigned i, const char **ret, size_t *ret_len)
{
    const char *end = l + len;
    for (unsigned k = 0; k < i; k++) {
        const char *t = memchr(l, '\t', (size_t)(end - l));
        if (!t)
            return false;
        l = t + 1;
    }
    const char *t = memchr(l, '\t', (size_t)(end - l));
    *ret = l;
    *ret_len = (size_t)((t ? t : end) - l);
    return true;
}

enum { H_CASE, H_EVIDENCE, H_DESCRIPTION, H_EXAMINER, H_NOTES, H_DATE, H_SOFTWARE, H_N };
static const char *const HEADER_KEYS[H_N] = {"c", "n", "a", "e", "t", "m", "av"};

/* libewf's ctime-like form of a local time: "Thu Jan  2 03:04:05 2014". */
static char *format_date(time_t t)
{
    struct tm tm;
    char buf[64];
    if (!localtime_r(&t, &tm) || tm.tm_year + 1900 > 10000 ||
        strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm) == 0)
        return NULL;
    return strdup(buf);
}

/* The acquiry date: header2 stores seconds since 1970, header "Y M D h m s" local time. */
static char *convert_date(const char *v, size_t len, bool header2)
{
    char s[64];
    if (len == 0 || len >= sizeof(s))
        return NULL;
    memcpy(s, v, len);
    s[len] = '\0';
    if (header2) {
        char *end;
        errno = 0;
        unsigned long long t = strtoull(s, &end, 10);
        if (errno || *end || s[0] == '-')
            return NULL;
        return format_date((time_t)t);
    }
    struct tm tm = {.tm_isdst = -1};
    if (sscanf(s, "%d %d %d %d %d %d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return NULL;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? NULL : format_date(t);
}

/* Sets the header values a header text names; a later section's values replace earlier ones,
 * as libewf reads header then header2. Empty values are not values. */
static void parse_header_text(fsa_ewf1 *r, const char *text, bool header2)
{
    const char *types, *values;
    size_t tl, vl;
    if (!text_line(text, 2, &types, &tl) || !text_line(text, 3, &values, &vl))
        return;
    for (unsigned i = 0;; i++) {
        const char *k, *v;
        size_t kl, vlen;
        if (!tab_field(types, tl, i, &k, &kl))
            break;
        if (!tab_field(values, vl, i, &v, &vlen) || vlen == 0)
            continue;
        for (int h = 0; h < H_N; h++) {
            if (strlen(HEADER_KEYS[h]) != kl || memcmp(HEADER_KEYS[h], k, kl) != 0)
                continue;
            char *s = h == H_DATE ? convert_date(v, vlen, header2) : strndup(v, vlen);
            if (s) {
                free(r->strs[h]);
                r->strs[h] = s;
            }
        }
    }
}

/* Inflates a zlib stream of n bytes into out (cap bytes). Its length, or -1 when it does not
 * inflate or does not fit. */
static long inflate_all(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    uLongf olen = (uLongf)cap;
    if (uncompress(out, &olen, in, (uLong)n) != Z_OK)
        return -1;
    return (long)olen;
}

/* A header or header2 section's data (n bytes at off of segment 0). 0, or 1: not usable. */
static int read_header_section(fsa_ewf1 *r, uint64_t off, uint64_t n, bool header2)
{
    if (n == 0 || n > EWF1_MAX_HEADER)
        return 1;
    uint8_t *z = malloc((size_t)n), *t = malloc(EWF1_MAX_HEADER);
    char *u = malloc(EWF1_MAX_HEADER * 2);
    int rc = 1;
    if (z && t && u && seg_read(r, 0, off, z, (size_t)n) == 0) {
        long len = inflate_all(z, (size_t)n, t, EWF1_MAX_HEADER);
        if (len >= 0) {
            /* header2 is UTF-16LE with a byte-order mark; at most 3 bytes of UTF-8 per
             * unit fit in u */
            if (header2 && len >= 2 && t[0] == 0xff && t[1] == 0xfe)
                sxs_utf16le_to_utf8(t + 2, ((size_t)len - 2) / 2, 0, u, EWF1_MAX_HEADER * 2);
            else
                latin1_to_utf8(t, (size_t)len, u, EWF1_MAX_HEADER * 2);
            parse_header_text(r, u, header2);
            rc = 0;
        }
    }
    free(z);
    free(t);
    free(u);
    return rc;
}

/* ---- the open-time walk ---- */

typedef struct {
    bool have_volume;
    uint64_t header[2], header2[2]; /* data offset and size in segment 1; size 0: none */
    uint8_t md5[16], sha1[20];
    bool have_md5, have_sha1;
    uint64_t chunks_in_tables;
} walk_state;

/* Says why the set is not taken (for tests and debugging; the user sees libewf's words). */
__attribute__((format(printf, 3, 4))) static int decline(char *why, size_t cap, const char *fmt,
                                                         ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return 1;
}

static int read_volume(fsa_ewf1 *r, uint32_t seg, uint64_t off, uint64_t n, walk_state *w)
{
    uint8_t v[EWF1_VOLUME_E01];
    if (n != EWF1_VOLUME_E01 && n != EWF1_VOLUME_SMART)
        return 1;
    if (seg_read(r, seg, off, v, (size_t)n) < 0)
        return -1;
    if (!sum_ok(adler32(1, v, (uInt)n - 4), sxs_le32(v + n - 4)))
        return 1;
    uint64_t chunks = sxs_le32(v + 4), spc = sxs_le32(v + 8), bps = sxs_le32(v + 12);
    uint64_t sectors = n == EWF1_VOLUME_E01 ? sxs_le64(v + 16) : sxs_le32(v + 16);
    uint64_t cs, media;
    if (spc == 0 || bps == 0 || sxs_mul_u64(spc, bps, &cs) || cs > EWF1_MAX_CHUNK ||
        sxs_mul_u64(sectors, bps, &media) || chunks == 0 || media == 0 ||
        media / cs + (media % cs != 0) != chunks)
        return 1;
    r->info.chunk_count = chunks;
    r->info.sectors_per_chunk = (uint32_t)spc;
    r->info.bytes_per_sector = (uint32_t)bps;
    r->info.media_size = media;
    r->chunk_size = cs;
    w->have_volume = true;
    return 0;
}

/* Checks a table section (its data at off, n bytes, the section starting at start) and keeps
 * where it is. 0, 1 (decline), -1 (I/O, -ENOMEM as -2). */
static int read_table(fsa_ewf1 *r, uint32_t seg, uint64_t start, uint64_t off, uint64_t n,
                      uint64_t fsize, walk_state *w)
{
    uint8_t h[EWF1_TABLE_HEADER];
    if (!w->have_volume || n < EWF1_TABLE_HEADER)
        return 1;
    if (seg_read(r, seg, off, h, sizeof(h)) < 0)
        return -1;
    if (!sum_ok(adler32(1, h, 20), sxs_le32(h + 20)))
        return 1;
    uint32_t count = sxs_le32(h);
    uint64_t base = sxs_le64(h + 8);
    if (count == 0 || n < EWF1_TABLE_HEADER + 4ull * count + 4 || base >= fsize ||
        count > r->info.chunk_count - w->chunks_in_tables)
        return 1;
    uint32_t buf[EWF1_SCAN_ENTRIES];
    uLong sum = adler32(0, NULL, 0);
    uint64_t prev = 0, stored_max = EWF1_MAX_STORED(r->chunk_size);
    for (uint32_t i = 0; i < count; i += EWF1_SCAN_ENTRIES) {
        uint32_t k = count - i < EWF1_SCAN_ENTRIES ? count - i : EWF1_SCAN_ENTRIES;
        if (seg_read(r, seg, off + EWF1_TABLE_HEADER + 4ull * i, buf, 4ull * k) < 0)
            return -1;
        sum = adler32(sum, (const Bytef *)buf, 4 * k);
        for (uint32_t j = 0; j < k; j++) {
            uint64_t o = sxs_le32((const uint8_t *)&buf[j]) & 0x7fffffffu;
            /* offsets rise by at most one stored chunk; a fall is EnCase 6.7's > 2 GiB
             * overflow, which libewf untangles */
            if ((i + j > 0 && (o <= prev || o - prev > stored_max)) || base + o >= start)
                return 1;
            prev = o;
        }
    }
    uint8_t foot[4];
    if (seg_read(r, seg, off + EWF1_TABLE_HEADER + 4ull * count, foot, 4) < 0)
        return -1;
    if (!sum_ok(sum, sxs_le32(foot)) || start - (base + prev) > stored_max)
        return 1;
    if (r->ntables == r->tables_cap) {
        size_t cap = r->tables_cap ? r->tables_cap * 2 : 16;
        ewf1_table *t = realloc(r->tables, cap * sizeof(*t));
        if (!t)
            return -2;
        r->tables = t;
        r->tables_cap = cap;
    }
    r->tables[r->ntables++] = (ewf1_table){.seg = seg,
                                           .count = count,
                                           .entries_off = off + EWF1_TABLE_HEADER,
                                           .base = base,
                                           .end = start,
                                           .first_chunk = w->chunks_in_tables};
    w->chunks_in_tables += count;
    return 0;
}

static int read_hash(fsa_ewf1 *r, uint32_t seg, uint64_t off, uint64_t n, bool digest,
                     walk_state *w)
{
    uint8_t b[80];
    size_t need = digest ? 80 : 36;
    if (n < need)
        return 1;
    if (seg_read(r, seg, off, b, need) < 0)
        return -1;
    if (!sum_ok(adler32(1, b, (uInt)need - 4), sxs_le32(b + need - 4)))
        return 1;
    memcpy(w->md5, b, 16);
    w->have_md5 = true;
    if (digest) {
        memcpy(w->sha1, b + 16, 20);
        w->have_sha1 = true;
    }
    return 0;
}

/* Section kinds a clean EWF1 set has that carry nothing this reader needs. */
static bool ignored_kind(const char *t)
{
    static const char *const kinds[] = {"data", "sectors", "table2", "error2", "session"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(t, kinds[i]) == 0)
            return true;
    return false;
}

/* One section: its descriptor d at off, data [off+76, off+size). 0, 1, -1, -2; *ret_end when
 * it closed the segment ("next" or "done"). */
static int walk_section(fsa_ewf1 *r, uint32_t seg, uint64_t off, const uint8_t *d, uint64_t fsize,
                        walk_state *w, int *ret_end)
{
    char type[17];
    memcpy(type, d, 16);
    type[16] = '\0';
    uint64_t size = sxs_le64(d + 24), data = off + EWF1_DESC;
    if (strcmp(type, "next") == 0 || strcmp(type, "done") == 0) {
        *ret_end = type[0] == 'n' ? 1 : 2;
        return 0;
    }
    if (size < EWF1_DESC || !sxs_range_ok(off, size, fsize))
        return 1;
    uint64_t n = size - EWF1_DESC;
    if (strcmp(type, "header") == 0 || strcmp(type, "header2") == 0) {
        bool two = type[6] == '2';
        /* the first of each kind, parsed after the walk: header2 overrides header, as in
         * libewf, wherever each lies */
        uint64_t *at = two ? w->header2 : w->header;
        if (seg == 0 && at[1] == 0) {
            at[0] = data;
            at[1] = n ? n : 1;
        }
        return 0;
    }
    if (strcmp(type, "volume") == 0 || strcmp(type, "disk") == 0)
        return seg != 0 || w->have_volume ? 1 : read_volume(r, seg, data, n, w);
    if (strcmp(type, "table") == 0)
        return read_table(r, seg, off, data, n, fsize, w);
    if (strcmp(type, "hash") == 0 || strcmp(type, "digest") == 0)
        return read_hash(r, seg, data, n, type[0] == 'd', w);
    return ignored_kind(type) ? 0 : 1;
}

/* Walks segment seg's sections. 0, 1 (decline, why set), -1 (I/O), -2 (-ENOMEM). */
static int walk_segment(fsa_ewf1 *r, uint32_t seg, walk_state *w, char *why, size_t cap)
{
    const char *name = r->names[seg];
    int fd = seg_fd(r, seg);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    uint64_t fsize = (uint64_t)st.st_size;
    uint8_t fh[EWF1_FILE_HEADER];
    if (fsize < EWF1_FILE_HEADER + EWF1_DESC || seg_read(r, seg, 0, fh, sizeof(fh)) < 0 ||
        memcmp(fh, EVF_SIG, 8) != 0 || sxs_le16(fh + 9) != seg + 1)
        return decline(why, cap, "%s: not EWF1 segment %u", name, seg + 1);
    uint64_t off = EWF1_FILE_HEADER;
    for (unsigned k = 0; k < EWF1_MAX_SECTIONS; k++) {
        uint8_t d[EWF1_DESC];
        if (!sxs_range_ok(off, EWF1_DESC, fsize))
            return decline(why, cap, "%s: section descriptor past the end at %llu", name,
                           (unsigned long long)off);
        if (seg_read(r, seg, off, d, EWF1_DESC) < 0)
            return -1;
        if (!sum_ok(adler32(1, d, 72), sxs_le32(d + 72)))
            return decline(why, cap, "%s: section descriptor checksum at %llu", name,
                           (unsigned long long)off);
        int end = 0, rc = walk_section(r, seg, off, d, fsize, w, &end);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return decline(why, cap, "%s: section at %llu not taken", name,
                           (unsigned long long)off);
        if (end)
            return end == (seg + 1 == r->nseg ? 2 : 1)
                       ? 0
                       : decline(why, cap, "%s: segment closes wrongly at %llu", name,
                                 (unsigned long long)off);
        uint64_t next = sxs_le64(d + 16);
        if (next <= off)
            return decline(why, cap, "%s: section chain goes back at %llu", name,
                           (unsigned long long)off);
        off = next;
    }
    return decline(why, cap, "%s: too many sections, last at %llu", name, (unsigned long long)off);
}

/* ---- open/close ---- */

static char *hex(const uint8_t *b, size_t n)
{
    size_t z = 0;
    for (size_t i = 0; i < n; i++)
        z += b[i] == 0;
    if (z == n) /* libewf reports an all-zero digest when none was stored */
        return NULL;
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; s && i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", b[i]);
    return s;
}

static void set_info_strings(fsa_ewf1 *r, const walk_state *w)
{
    if (w->have_md5)
        r->strs[H_N] = hex(w->md5, 16);
    if (w->have_sha1)
        r->strs[H_N + 1] = hex(w->sha1, 20);
    fsa_ewf1_info *i = &r->info;
    i->case_number = r->strs[H_CASE];
    i->evidence_number = r->strs[H_EVIDENCE];
    i->description = r->strs[H_DESCRIPTION];
    i->examiner = r->strs[H_EXAMINER];
    i->notes = r->strs[H_NOTES];
    i->acquiry_date = r->strs[H_DATE];
    i->acquiry_software = r->strs[H_SOFTWARE];
    i->md5 = r->strs[H_N];
    i->sha1 = r->strs[H_N + 1];
}

static int alloc_caches(fsa_ewf1 *r)
{
    r->nslots = EWF1_CHUNK_CACHE_BYTES / r->chunk_size;
    if (r->nslots < 1)
        r->nslots = 1;
    if (r->nslots > EWF1_CHUNK_SLOTS)
        r->nslots = EWF1_CHUNK_SLOTS;
    for (size_t i = 0; i < r->nslots; i++)
        if (!(r->cc[i].data = malloc(r->chunk_size)))
            return -ENOMEM;
    r->cbuf_cap = EWF1_MAX_STORED(r->chunk_size);
    if (!(r->cbuf = malloc(r->cbuf_cap)))
        return -ENOMEM;
    if (inflateInit(&r->zs) != Z_OK)
        return -ENOMEM;
    r->zs_ready = true;
    return 0;
}

int fsa_ewf1_open(const char *const *names, size_t n, fsa_ewf1 **ret, char *why, size_t why_cap)
{
    *ret = NULL;
    if (why && why_cap)
        why[0] = '\0';
    if (n == 0 || n > UINT16_MAX)
        return decline(why, why_cap, "%s: %zu segments", n ? names[0] : "", n);
    fsa_ewf1 *r = calloc(1, sizeof(*r));
    if (!r || !(r->names = calloc(n, sizeof(char *)))) {
        free(r);
        return -ENOMEM;
    }
    r->nseg = n;
    for (size_t i = 0; i < EWF1_FD_SLOTS; i++)
        r->fds[i].fd = -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(r->names[i] = strdup(names[i])))
            rc = -2;
    walk_state w = {0};
    for (uint32_t s = 0; s < n && rc == 0; s++)
        rc = walk_segment(r, s, &w, why, why_cap);
    if (rc == -1) /* unreadable: libewf says so in its words */
        rc = decline(why, why_cap, "%s", r->err);
    if (rc == 0 && (!w.have_volume || w.chunks_in_tables != r->info.chunk_count))
        rc = decline(why, why_cap, "%s: tables list %llu chunks, not the volume's", names[0],
                     (unsigned long long)w.chunks_in_tables);
    if (rc == 0 && w.header[1] && read_header_section(r, w.header[0], w.header[1], false) != 0)
        rc = decline(why, why_cap, "%s: header section does not inflate", names[0]);
    if (rc == 0 && w.header2[1] && read_header_section(r, w.header2[0], w.header2[1], true) != 0)
        rc = decline(why, why_cap, "%s: header2 section does not inflate", names[0]);
    if (rc == 0) {
        set_info_strings(r, &w);
        rc = alloc_caches(r) < 0 ? -2 : 0;
    }
    if (rc != 0) {
        fsa_ewf1_close(r);
        return rc == -2 ? -ENOMEM : 1;
    }
    *ret = r;
    return 0;
}

void fsa_ewf1_close(fsa_ewf1 *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < EWF1_FD_SLOTS; i++)
        if (r->fds[i].fd >= 0)
            close(r->fds[i].fd);
    for (size_t i = 0; r->names && i < r->nseg; i++)
        free(r->names[i]);
    free(r->names);
    for (size_t i = 0; i < sizeof(r->strs) / sizeof(r->strs[0]); i++)
        free(r->strs[i]);
    for (size_t i = 0; i < EWF1_CHUNK_SLOTS; i++)
        free(r->cc[i].data);
    if (r->zs_ready)
        inflateEnd(&r->zs);
    free(r->cbuf);
    free(r->tables);
    free(r);
}

const fsa_ewf1_info *fsa_ewf1_info_of(const fsa_ewf1 *r)
{
    return r ? &r->info : NULL;
}

const char *fsa_ewf1_error(const fsa_ewf1 *r)
{
    return r && r->err[0] ? r->err : "EWF read failed";
}

/* ---- reads ---- */

/* The table holding chunk c (tables are in chunk order). */
static size_t table_of(const fsa_ewf1 *r, uint64_t c)
{
    size_t lo = 0, hi = r->ntables;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->tables[mid].first_chunk <= c)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Entry i of table t and the entry after it (raw), through the entry cache. -1 on I/O. */
static int entry_pair(fsa_ewf1 *r, size_t t, uint32_t i, uint32_t *ret_e, uint32_t *ret_next)
{
    const ewf1_table *tb = &r->tables[t];
    uint32_t block = i / EWF1_ENTRY_BLOCK;
    ewf1_entries *slot = NULL, *lru = &r->ec[0];
    for (size_t k = 0; k < EWF1_ENTRY_SLOTS; k++) {
        ewf1_entries *s = &r->ec[k];
        if (s->valid && s->table == t && s->block == block) {
            slot = s;
            break;
        }
        if (!s->valid || (lru->valid && s->used < lru->used))
            lru = s;
    }
    if (!slot) {
        uint32_t first = block * EWF1_ENTRY_BLOCK, n = tb->count - first;
        if (n > EWF1_ENTRY_BLOCK + 1)
            n = EWF1_ENTRY_BLOCK + 1;
        lru->valid = false;
        if (seg_read(r, tb->seg, tb->entries_off + 4ull * first, lru->e, 4ull * n) < 0)
            return -1;
        lru->valid = true;
        lru->table = t;
        lru->block = block;
        lru->n = n;
        slot = lru;
    }
    slot->used = ++r->tick;
    uint32_t j = i - block * EWF1_ENTRY_BLOCK;
    *ret_e = sxs_le32((const uint8_t *)&slot->e[j]);
    *ret_next = j + 1 < slot->n ? sxs_le32((const uint8_t *)&slot->e[j + 1]) : 0;
    return 0;
}

/* Chunk c into out (chunk_size bytes). 0 good, 1 damaged (out zeroed), -1 I/O. */
static int load_chunk(fsa_ewf1 *r, uint64_t c, uint8_t *out)
{
    size_t t = table_of(r, c);
    const ewf1_table *tb = &r->tables[t];
    uint32_t i = (uint32_t)(c - tb->first_chunk), e, next;
    if (entry_pair(r, t, i, &e, &next) < 0)
        return -1;
    uint64_t off = tb->base + (e & 0x7fffffffu);
    uint64_t end = i + 1 < tb->count ? tb->base + (next & 0x7fffffffu) : tb->end;
    uint64_t stored = end - off; /* checked at open: > 0 and <= cbuf_cap */
    uint64_t want = r->info.media_size - c * r->chunk_size;
    if (want > r->chunk_size)
        want = r->chunk_size;
    if (e & 0x80000000u) {
        if (seg_read(r, tb->seg, off, r->cbuf, (size_t)stored) < 0)
            return -1;
        inflateReset(&r->zs);
        r->zs.next_in = r->cbuf;
        r->zs.avail_in = (uInt)stored;
        r->zs.next_out = out;
        r->zs.avail_out = (uInt)r->chunk_size;
        int z = inflate(&r->zs, Z_FINISH);
        if (z == Z_STREAM_END && r->zs.total_out >= want)
            return 0;
    } else if (stored >= want + 4) {
        /* the checksum follows the data as stored: a last chunk may be stored short or padded
         * to the whole chunk size (ewfacquire 20140608) */
        uint64_t data = stored - 4 < r->chunk_size ? stored - 4 : r->chunk_size;
        if (seg_read(r, tb->seg, off, r->cbuf, (size_t)data + 4) < 0)
            return -1;
        if (adler32(1, r->cbuf, (uInt)data) == sxs_le32(r->cbuf + data)) {
            memcpy(out, r->cbuf, (size_t)data);
            return 0;
        }
    }
    memset(out, 0, r->chunk_size);
    return 1;
}

/* The cache slot holding chunk c, loaded if need be. NULL on I/O error. */
static ewf1_chunk *chunk(fsa_ewf1 *r, uint64_t c)
{
    ewf1_chunk *lru = &r->cc[0];
    for (size_t k = 0; k < r->nslots; k++) {
        ewf1_chunk *s = &r->cc[k];
        if (s->valid && s->chunk == c) {
            s->used = ++r->tick;
            return s;
        }
        if (!s->valid || (lru->valid && s->used < lru->used))
            lru = s;
    }
    lru->valid = false;
    int rc = load_chunk(r, c, lru->data);
    if (rc < 0)
        return NULL;
    lru->valid = true;
    lru->bad = rc == 1;
    lru->chunk = c;
    lru->used = ++r->tick;
    return lru;
}

ssize_t fsa_ewf1_read(fsa_ewf1 *r, uint64_t off, void *buf, size_t len, fsa_ewf1_bad_fn bad,
                      void *ctx)
{
    if (off >= r->info.media_size)
        return 0;
    if (len > r->info.media_size - off)
        len = (size_t)(r->info.media_size - off);
    if (len > SSIZE_MAX)
        len = SSIZE_MAX;
    size_t done = 0;
    while (done < len) {
        uint64_t c = (off + done) / r->chunk_size, in = (off + done) % r->chunk_size;
        size_t k = r->chunk_size - in < len - done ? (size_t)(r->chunk_size - in) : len - done;
        ewf1_chunk *s = chunk(r, c);
        if (!s)
            return -1;
        memcpy((uint8_t *)buf + done, s->data + in, k);
        if (s->bad && bad) {
            /* as libewf records it: the chunk's sectors, cut at the end of the media */
            uint64_t first = c * r->chunk_size, n = r->chunk_size;
            if (n > r->info.media_size - first)
                n = (r->info.media_size - first + r->info.bytes_per_sector - 1) /
                    r->info.bytes_per_sector * r->info.bytes_per_sector;
            bad(ctx, first, n);
        }
        done += k;
    }
    return (ssize_t)done;
}
