/* Transaction-log replay for registry hives, in memory (our own implementation: no C library
 * does this). The algorithm follows yarp's (M. Suhanov), which was checked against hives that
 * Windows recovered itself:
 *   - a hive is dirty when its base block checksum is bad or its two sequence numbers differ;
 *   - new format (Windows 8.1+): a log is a 512-byte base block (file type 6) followed by
 *     "HvLE" entries, each with Marvin32 hashes, a sequence number, the hive bins data size and
 *     a list of dirty pages; entries are applied in sequence order, across .LOG1 and .LOG2
 *     (the log with the lower sequence number first, the other only if it continues it);
 *   - old format (Windows 7/8 and older): a base block (file type 1 or 2), "DIRT" and a bitmap
 *     with one bit per 512-byte sector of the hive bins, then the dirty sectors in order.
 * Every offset and length comes from evidence bytes and is checked before use; an invalid entry
 * stops the replay of that log, and nothing of that entry is applied. An entry that grows the
 * hive beyond what its own pages carry is invalid. The replay works page-wise on a view of the
 * primary (an_hive_view.h): the primary is read by range and never copied; the pages the logs
 * change, and the fixed-up base block, go to the view's overlay, so memory stays bounded by what
 * the logs carry. The logs are read by range too (an_hive_logread.h): an entry is checked by
 * streaming it through its hash, then its pages are read again and applied one by one, so a log
 * of any size costs the log cache and a few fixed buffers. A log that cannot be read is treated
 * as absent: the replay starts again without it. */
#include "analyzer/registry/an_hive.h"
#include "analyzer/registry/an_hive_logread.h"
#include "analyzer/registry/an_hive_view.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"

#define BASE_BLOCK_PRIMARY 4096u /* base block of a primary file */
#define BASE_BLOCK_LOG 512u      /* base block of a log file (one sector) */
#define HBIN_ALIGN 4096u         /* hive bins data is a multiple of this */
#define HVLE_HEADER 40u          /* fixed part of an HvLE entry */
#define HVLE_MIN_SIZE 512u       /* entries are whole sectors */
#define SECTOR 512u              /* old format dirty unit */
#define MARVIN32_LOG_SEED 0x82EF4D887A4E55C5ULL

#define FILE_TYPE_PRIMARY 0u
#define FILE_TYPE_LOG_OLD 1u
#define FILE_TYPE_LOG_VERYOLD 2u
#define FILE_TYPE_LOG_NEW 6u

/* Base block field offsets. */
#define BB_SEQ1 4
#define BB_SEQ2 8
#define BB_TIMESTAMP 12
#define BB_MAJOR 20
#define BB_MINOR 24
#define BB_TYPE 28
#define BB_FORMAT 32
#define BB_HBINS_SIZE 40
#define BB_CLUSTERING 44
#define BB_CHECKSUM 508
#define BB_FLAGS 144

const char *an_hive_state_name(an_hive_state s)
{
    switch (s) {
    case AN_HIVE_CLEAN:
        return "clean";
    case AN_HIVE_REPLAYED:
        return "replayed";
    case AN_HIVE_DIRTY_NOT_REPLAYED:
        return "dirty-not-replayed";
    case AN_HIVE_UNREADABLE:
        return "unreadable";
    }
    return "unreadable";
}

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static void marvin_mix(uint32_t *lo, uint32_t *hi, uint32_t v)
{
    *lo += v;
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

/* Marvin32 over data given in parts: every part but the last a multiple of 4 bytes long. */
typedef struct {
    uint32_t lo, hi;
} marvin_state;

static void marvin_words(marvin_state *m, const uint8_t *p, size_t len)
{
    for (size_t pos = 0; len - pos >= 4; pos += 4)
        marvin_mix(&m->lo, &m->hi, sxs_le32(p + pos));
}

static uint64_t marvin_final(marvin_state *m, const uint8_t *p, size_t len)
{
    size_t pos = len / 4 * 4;
    marvin_words(m, p, pos);
    uint32_t lo = m->lo, hi = m->hi;
    uint32_t final = 0x80;
    switch (len - pos) {
    case 3:
        final = (final << 8) | p[pos + 2];
        /* fall through */
    case 2:
        final = (final << 8) | p[pos + 1];
        /* fall through */
    case 1:
        final = (final << 8) | p[pos];
        break;
    default:
        break;
    }
    marvin_mix(&lo, &hi, final);
    marvin_mix(&lo, &hi, 0);
    return ((uint64_t)hi << 32) | lo;
}

uint64_t an_marvin32(const uint8_t *p, size_t len, uint64_t seed)
{
    marvin_state m = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    return marvin_final(&m, p, len);
}

static uint32_t base_block_checksum(const uint8_t *bb)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < BB_CHECKSUM; i += 4)
        sum ^= sxs_le32(bb + i);
    if (sum == 0)
        return 1;
    if (sum == 0xFFFFFFFFu)
        return 0xFFFFFFFEu;
    return sum;
}

static bool base_block_checksum_ok(const uint8_t *bb)
{
    return base_block_checksum(bb) == sxs_le32(bb + BB_CHECKSUM);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strnlen(buf, cap);
    if (used + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

/* What we learned about one log file before applying it. */
typedef struct {
    const an_hive_log *src;
    unsigned id; /* 0 LOG, 1 LOG1, 2 LOG2: its place in the log cache */
    const char *name;
    uint8_t bb[BASE_BLOCK_LOG]; /* its base block */
    bool usable;
    bool is_new;
    uint32_t seq;        /* log base block sequence number (both are equal when usable) */
    uint64_t timestamp;  /* last written, for old-format eligibility */
    uint32_t hbins_size; /* old format: size the dirty bitmap covers */
    uint32_t flags;
    size_t pages_start; /* old format: first dirty sector in the log */
    char why[128];      /* why it is not usable */
} log_info;

static bool hbins_size_ok(uint32_t size, uint64_t max_size)
{
    return size >= HBIN_ALIGN && size % HBIN_ALIGN == 0 &&
           (uint64_t)size + BASE_BLOCK_PRIMARY <= max_size;
}

/* Reads [off, off + len) of a log; on a read error notes the log (the replay starts again
 * without it) and returns -EIO. */
static int log_read(an_hive_logcache *lc, const log_info *li, const an_hive_log **failed,
                    uint64_t off, void *buf, size_t len)
{
    int r = an_hive_logcache_read(lc, li->src, li->id, off, buf, len);
    if (r == -EIO)
        *failed = li->src;
    return r;
}

/* Fills li; 0, or -EIO / -ENOMEM when the log's first bytes cannot be read. */
static int classify_log(an_hive_logcache *lc, const an_hive_log **failed, const an_hive_log *l,
                        unsigned id, const char *name, uint64_t max_size, log_info *li)
{
    memset(li, 0, sizeof(*li));
    li->src = l;
    li->id = id;
    li->name = l && l->name ? l->name : name;
    if (!an_hive_log_present(l)) {
        snprintf(li->why, sizeof(li->why), "absent or empty");
        return 0;
    }
    if (l->len < BASE_BLOCK_LOG) {
        snprintf(li->why, sizeof(li->why), "shorter (%zu B) than a base block", l->len);
        return 0;
    }
    int r = log_read(lc, li, failed, 0, li->bb, BASE_BLOCK_LOG);
    if (r < 0)
        return r;
    const uint8_t *d = li->bb;
    if (memcmp(d, "regf", 4) != 0) {
        snprintf(li->why, sizeof(li->why), "no regf signature");
        return 0;
    }
    if (!base_block_checksum_ok(d)) {
        snprintf(li->why, sizeof(li->why), "base block checksum mismatch");
        return 0;
    }
    if (sxs_le32(d + BB_SEQ1) != sxs_le32(d + BB_SEQ2)) {
        snprintf(li->why, sizeof(li->why), "log base block itself is dirty (%u/%u)",
                 sxs_le32(d + BB_SEQ1), sxs_le32(d + BB_SEQ2));
        return 0;
    }
    uint32_t major = sxs_le32(d + BB_MAJOR), minor = sxs_le32(d + BB_MINOR);
    if (major != 1 || minor < 1 || minor > 6 || sxs_le32(d + BB_FORMAT) != 1 ||
        sxs_le32(d + BB_CLUSTERING) != 1) {
        snprintf(li->why, sizeof(li->why), "unsupported version %u.%u or format", major, minor);
        return 0;
    }
    li->seq = sxs_le32(d + BB_SEQ1);
    li->timestamp = sxs_le64(d + BB_TIMESTAMP);
    li->hbins_size = sxs_le32(d + BB_HBINS_SIZE);
    li->flags = sxs_le32(d + BB_FLAGS);
    uint32_t type = sxs_le32(d + BB_TYPE);
    if (type == FILE_TYPE_LOG_NEW) {
        if (l->len <= BASE_BLOCK_LOG + HVLE_HEADER) {
            snprintf(li->why, sizeof(li->why), "no room for a log entry");
            return 0;
        }
        li->is_new = true;
        li->usable = true;
        return 0;
    }
    if (type != FILE_TYPE_LOG_OLD && type != FILE_TYPE_LOG_VERYOLD) {
        snprintf(li->why, sizeof(li->why), "not a transaction log (file type %u)", type);
        return 0;
    }
    if (!hbins_size_ok(li->hbins_size, max_size)) {
        snprintf(li->why, sizeof(li->why), "invalid hive bins data size %u", li->hbins_size);
        return 0;
    }
    size_t vec_len = li->hbins_size / HBIN_ALIGN; /* bytes: one bit per 512-byte sector */
    size_t unaligned = BASE_BLOCK_LOG + 4 + vec_len;
    li->pages_start = (unaligned + SECTOR - 1) / SECTOR * SECTOR;
    if (l->len < li->pages_start + SECTOR) {
        snprintf(li->why, sizeof(li->why), "too short for its dirty vector and one sector");
        return 0;
    }
    uint8_t sig[4];
    if ((r = log_read(lc, li, failed, BASE_BLOCK_LOG, sig, sizeof(sig))) < 0)
        return r;
    if (memcmp(sig, "DIRT", 4) != 0) {
        snprintf(li->why, sizeof(li->why), "no DIRT dirty vector signature");
        return 0;
    }
    li->usable = true;
    return 0;
}

/* Replay state for one hive. */
typedef struct {
    an_hive_view *v;
    uint64_t max_size;
    bool base_valid;
    uint32_t secondary_seq;
    bool have_last;
    uint32_t last_seq;
    uint32_t hbins_size;           /* effective hive bins data size */
    uint32_t flags;                /* effective base block flags */
    const uint8_t *log_base_block; /* base block of the last applied log */
    unsigned entries, pages;
    char logs[64];
    an_hive_logcache *lc;
    const an_hive_log *failed; /* the log a read failed in (the replay starts again without it) */
} replay_ctx;

static int read_log(replay_ctx *c, const log_info *li, uint64_t off, void *buf, size_t len)
{
    return log_read(c->lc, li, &c->failed, off, buf, len);
}

/* Dirty page i of the entry at pos: its offset in the hive bins and its size. */
static int page_ref(replay_ctx *c, const log_info *li, uint64_t pos, uint32_t i, uint32_t *ret_off,
                    uint32_t *ret_size)
{
    uint8_t ref[8];
    int r = read_log(c, li, pos + HVLE_HEADER + (uint64_t)i * 8, ref, sizeof(ref));
    if (r < 0)
        return r;
    *ret_off = sxs_le32(ref);
    *ret_size = sxs_le32(ref + 4);
    return 0;
}

/* Marvin32 of [off, off + len) of a log, streamed through the log cache. */
static int hash_log_range(replay_ctx *c, const log_info *li, uint64_t off, uint64_t len,
                          uint64_t *ret_hash)
{
    uint8_t buf[4096]; /* a multiple of 4: every part but the last hashes whole words */
    marvin_state m = {(uint32_t)MARVIN32_LOG_SEED, (uint32_t)(MARVIN32_LOG_SEED >> 32)};
    for (;;) {
        size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
        int r = read_log(c, li, off, buf, n);
        if (r < 0)
            return r;
        if (n == len) {
            *ret_hash = marvin_final(&m, buf, n);
            return 0;
        }
        marvin_words(&m, buf, n);
        off += n;
        len -= n;
    }
}

static int grow_hive(replay_ctx *c, uint32_t hbins_size)
{
    uint64_t need = (uint64_t)hbins_size + BASE_BLOCK_PRIMARY;
    if (need <= an_hive_view_size(c->v))
        return 0;
    if (need > c->max_size)
        return -EFBIG;
    an_hive_view_grow(c->v, need);
    return 0;
}

static void note_log(replay_ctx *c, const char *name)
{
    if (c->logs[0])
        appendf(c->logs, sizeof(c->logs), "+");
    appendf(c->logs, sizeof(c->logs), "%s", name);
}

/* Checks the HvLE entry at pos of a log of len bytes; its header goes to e. 1 valid, 0 invalid
 * (why filled), or a negative error (a read error of the log: -EIO). */
static int hvle_entry_valid(replay_ctx *c, const log_info *li, size_t len, size_t pos,
                            uint32_t expect_seq, uint8_t e[HVLE_HEADER], char *why, size_t why_cap)
{
    if (!sxs_range_ok(pos, HVLE_HEADER, len)) {
        snprintf(why, why_cap, "entry header at %zu past the end", pos);
        return 0;
    }
    int r = read_log(c, li, pos, e, HVLE_HEADER);
    if (r < 0)
        return r;
    if (memcmp(e, "HvLE", 4) != 0) {
        snprintf(why, why_cap, "no HvLE signature at %zu", pos);
        return 0;
    }
    uint32_t size = sxs_le32(e + 4);
    if (size < HVLE_MIN_SIZE || size % HVLE_MIN_SIZE != 0 || !sxs_range_ok(pos, size, len)) {
        snprintf(why, why_cap, "entry at %zu has invalid size %u", pos, size);
        return 0;
    }
    uint32_t hbins = sxs_le32(e + 16);
    if (!hbins_size_ok(hbins, c->max_size)) {
        snprintf(why, why_cap, "entry at %zu has invalid hive bins data size %u", pos, hbins);
        return 0;
    }
    uint32_t count = sxs_le32(e + 20);
    if (count == 0 || (uint64_t)count * 8 > size - HVLE_HEADER) {
        snprintf(why, why_cap, "entry at %zu has invalid dirty page count %u", pos, count);
        return 0;
    }
    uint64_t data_hash = 0;
    if (sxs_le64(e + 32) != an_marvin32(e, 32, MARVIN32_LOG_SEED) ||
        ((r = hash_log_range(c, li, pos + HVLE_HEADER, size - HVLE_HEADER, &data_hash)) == 0 &&
         sxs_le64(e + 24) != data_hash)) {
        snprintf(why, why_cap, "entry at %zu fails its hash check", pos);
        return 0;
    }
    if (r < 0)
        return r;
    uint32_t seq = sxs_le32(e + 12);
    if (seq != expect_seq) {
        snprintf(why, why_cap, "entry at %zu has sequence %u, expected %u", pos, seq, expect_seq);
        return 0;
    }
    uint64_t data_off = HVLE_HEADER + (uint64_t)count * 8;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t off = 0, psize = 0;
        if ((r = page_ref(c, li, pos, i, &off, &psize)) < 0)
            return r;
        if (psize == 0 || !sxs_range_ok(off, psize, hbins)) {
            snprintf(why, why_cap,
                     "entry at %zu: dirty page %u (offset %u, size %u) outside "
                     "the %u bytes of hive bins",
                     pos, i, off, psize, hbins);
            return 0;
        }
        if (!sxs_range_ok(data_off, psize, size)) {
            snprintf(why, why_cap, "entry at %zu: dirty page %u data past the entry", pos, i);
            return 0;
        }
        data_off += psize;
    }
    return 1;
}

/* Bytes of [from, to) covered by the range [off, off + size). */
static uint64_t overlap(uint64_t off, uint64_t size, uint64_t from, uint64_t to)
{
    uint64_t lo = off > from ? off : from, hi = off + size < to ? off + size : to;
    return hi > lo ? hi - lo : 0;
}

/* Hive bins the buffer holds now: the primary's, plus what earlier entries grew it by. */
static uint64_t bins_held(const replay_ctx *c)
{
    return an_hive_view_size(c->v) - BASE_BLOCK_PRIMARY;
}

/* An entry may grow the hive only by bins its own dirty pages carry: Windows logs a new bin as
 * dirty whole (SYSTEM_B.LOG2 grows twice, each time fully covered), and zero-filled growth the
 * log never wrote would let a 5 KiB log claim 512 MiB of memory. Overlapping pages are summed,
 * which a valid entry never has; the sum is still bounded by the data the entry carries. */
static int growth_covered(replay_ctx *c, const log_info *li, uint64_t pos, uint32_t count,
                          uint64_t held, uint32_t hbins, bool *ret_ok, uint64_t *ret_covered)
{
    uint64_t covered = 0;
    for (uint32_t i = 0; i < count && hbins > held; i++) {
        uint32_t off = 0, psize = 0;
        int r = page_ref(c, li, pos, i, &off, &psize);
        if (r < 0)
            return r;
        covered += overlap(off, psize, held, hbins);
    }
    *ret_covered = covered;
    *ret_ok = hbins <= held || covered >= hbins - held;
    return 0;
}

/* Copies len bytes at log offset from into the hive at hive offset to, a bounce buffer at a
 * time (a dirty page may be any size the hive bins hold). */
static int copy_to_hive(replay_ctx *c, const log_info *li, uint64_t from, uint64_t to, uint64_t len)
{
    uint8_t buf[AN_HIVE_PAGE];
    while (len > 0) {
        size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
        int r = read_log(c, li, from, buf, n);
        if (r == 0)
            r = an_hive_view_write(c->v, to, buf, n);
        if (r < 0)
            return r;
        from += n;
        to += n;
        len -= n;
    }
    return 0;
}

typedef enum { APPLY_OK, APPLY_NOT_ELIGIBLE, APPLY_NOTHING } apply_result;

/* Applies the valid entries of one new-format log, in order; stops at the first invalid one. */
static int apply_new_log(replay_ctx *c, const log_info *li, apply_result *ret, char *why,
                         size_t why_cap)
{
    if (c->have_last && (int32_t)(li->seq - c->last_seq) <= 0) {
        snprintf(why, why_cap, "%s: sequence %u already covered", li->name, li->seq);
        *ret = APPLY_NOT_ELIGIBLE;
        return 0;
    }
    if (c->base_valid && li->seq < c->secondary_seq) {
        snprintf(why, why_cap, "%s: older than the hive (log %u < hive %u)", li->name, li->seq,
                 c->secondary_seq);
        *ret = APPLY_NOT_ELIGIBLE;
        return 0;
    }
    size_t len = li->src->len;
    size_t pos = BASE_BLOCK_LOG;
    uint32_t expect = li->seq;
    unsigned applied = 0;
    char stop[256] = "";
    while (pos < len) {
        uint8_t e[HVLE_HEADER];
        int r = hvle_entry_valid(c, li, len, pos, expect, e, stop, sizeof(stop));
        if (r < 0)
            return r;
        if (r == 0)
            break;
        uint32_t size = sxs_le32(e + 4), hbins = sxs_le32(e + 16), count = sxs_le32(e + 20);
        uint64_t held = bins_held(c), covered = 0;
        bool covers = false;
        if ((r = growth_covered(c, li, pos, count, held, hbins, &covers, &covered)) < 0)
            return r;
        if (!covers) {
            snprintf(stop, sizeof(stop),
                     "entry at %zu claims %u bytes of hive bins, %llu more than the hive holds, "
                     "but its dirty pages carry only %llu of them",
                     pos, hbins, (unsigned long long)(hbins - held), (unsigned long long)covered);
            break;
        }
        r = grow_hive(c, hbins);
        if (r < 0)
            return r;
        uint64_t data_off = pos + HVLE_HEADER + (uint64_t)count * 8;
        for (uint32_t i = 0; i < count; i++) { /* page by page into the overlay */
            uint32_t off = 0, psize = 0;
            if ((r = page_ref(c, li, pos, i, &off, &psize)) < 0 ||
                (r = copy_to_hive(c, li, data_off, BASE_BLOCK_PRIMARY + (uint64_t)off, psize)) < 0)
                return r;
            data_off += psize;
        }
        c->pages += count;
        c->entries++;
        c->have_last = true;
        c->last_seq = expect;
        c->hbins_size = hbins;
        c->flags = (c->flags & ~1u) | (sxs_le32(e + 8) & 1u); /* KTM-locked bit */
        applied++;
        expect++;
        pos += size;
    }
    if (applied == 0) {
        snprintf(why, why_cap, "%s: %s", li->name, stop[0] ? stop : "no entries");
        *ret = APPLY_NOTHING;
        return 0;
    }
    c->log_base_block = li->bb;
    note_log(c, li->name);
    *ret = APPLY_OK;
    return 0;
}

/* Lower sequence number first, allowing for 32-bit wrap-around (as yarp does). */
static bool starts_before(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(b - a) <= 0x7FFFFFFFu;
}

static int replay_new(replay_ctx *c, const log_info *a, const log_info *b, char *why,
                      size_t why_cap)
{
    apply_result r;
    int err;
    if (!b) {
        return apply_new_log(c, a, &r, why, why_cap);
    }
    const log_info *first = starts_before(b->seq, a->seq) ? b : a;
    const log_info *second = first == a ? b : a;
    char w1[160] = "", w2[160] = "";
    if (!c->base_valid) {
        /* The primary base block cannot be trusted: Windows uses the newer log alone. */
        err = apply_new_log(c, second, &r, w2, sizeof(w2));
        snprintf(why, why_cap, "%s", w2);
        return err;
    }
    err = apply_new_log(c, first, &r, w1, sizeof(w1));
    if (err < 0)
        return err;
    if (r == APPLY_NOT_ELIGIBLE) {
        err = apply_new_log(c, second, &r, w2, sizeof(w2));
    } else if (r == APPLY_OK && second->seq == c->last_seq + 1) {
        err = apply_new_log(c, second, &r, w2, sizeof(w2));
    } else if (r == APPLY_OK) {
        snprintf(w2, sizeof(w2), "%s: does not continue %s (sequence %u, expected %u)",
                 second->name, first->name, second->seq, c->last_seq + 1);
    }
    snprintf(why, why_cap, "%s%s%s", w1, w1[0] && w2[0] ? "; " : "", w2);
    return err;
}

/* Bit bit of an old-format log's dirty vector. */
/* The byte of the dirty vector read last (bits are visited in order). */
typedef struct {
    size_t byte; /* its index + 1; 0 = none yet */
    uint8_t val;
} vec_cursor;

static int dirty_bit(replay_ctx *c, const log_info *li, vec_cursor *cur, size_t bit, bool *ret_set)
{
    if (cur->byte != bit / 8 + 1) {
        int r = read_log(c, li, BASE_BLOCK_LOG + 4 + bit / 8, &cur->val, 1);
        if (r < 0)
            return r;
        cur->byte = bit / 8 + 1;
    }
    *ret_set = (cur->val >> (bit % 8)) & 1;
    return 0;
}

static int count_dirty_sectors(replay_ctx *c, const log_info *li, size_t vec_len, size_t *ret_n)
{
    uint8_t buf[4096];
    size_t nbits = 0;
    for (size_t i = 0; i < vec_len; i += sizeof(buf)) {
        size_t n = vec_len - i < sizeof(buf) ? vec_len - i : sizeof(buf);
        int r = read_log(c, li, BASE_BLOCK_LOG + 4 + i, buf, n);
        if (r < 0)
            return r;
        for (size_t k = 0; k < n; k++)
            nbits += (size_t)__builtin_popcount(buf[k]);
    }
    *ret_n = nbits;
    return 0;
}

static int replay_old(replay_ctx *c, const log_info *li, uint64_t primary_timestamp, char *why,
                      size_t why_cap)
{
    if (li->timestamp < primary_timestamp) {
        snprintf(why, why_cap, "%s: older than the hive", li->name);
        return 0;
    }
    size_t vec_len = li->hbins_size / HBIN_ALIGN;
    size_t nbits = 0;
    int r = count_dirty_sectors(c, li, vec_len, &nbits);
    if (r < 0)
        return r;
    /* All listed sectors must be present: a half-applied old log is worse than none. */
    uint64_t need;
    if (nbits == 0 || sxs_mul_u64(nbits, SECTOR, &need) ||
        !sxs_range_ok(li->pages_start, need, li->src->len)) {
        snprintf(why, why_cap, "%s: %s", li->name,
                 nbits == 0 ? "dirty vector lists no sectors"
                            : "truncated: fewer dirty sectors than the vector lists");
        return 0;
    }
    /* As for new-format entries: growth only as far as the log carries the sectors. */
    uint64_t held = bins_held(c), covered = 0;
    vec_cursor cur = {0, 0};
    for (size_t bit = 0; bit < vec_len * 8 && li->hbins_size > held; bit++) {
        bool set = false;
        if ((r = dirty_bit(c, li, &cur, bit, &set)) < 0)
            return r;
        if (set)
            covered += overlap((uint64_t)bit * SECTOR, SECTOR, held, li->hbins_size);
    }
    if (li->hbins_size > held && covered < li->hbins_size - held) {
        snprintf(why, why_cap,
                 "%s: claims %u bytes of hive bins, %llu more than the hive holds, but its dirty "
                 "sectors carry only %llu of them",
                 li->name, li->hbins_size, (unsigned long long)(li->hbins_size - held),
                 (unsigned long long)covered);
        return 0;
    }
    r = grow_hive(c, li->hbins_size);
    if (r < 0)
        return r;
    size_t k = 0;
    for (size_t bit = 0; bit < vec_len * 8; bit++) {
        bool set = false;
        if ((r = dirty_bit(c, li, &cur, bit, &set)) < 0)
            return r;
        if (!set)
            continue;
        r = copy_to_hive(c, li, li->pages_start + (uint64_t)k * SECTOR,
                         BASE_BLOCK_PRIMARY + (uint64_t)bit * SECTOR, SECTOR);
        if (r < 0)
            return r;
        k++;
    }
    c->pages += (unsigned)nbits;
    c->entries++;
    c->hbins_size = li->hbins_size;
    c->flags = li->flags;
    c->log_base_block = li->bb;
    note_log(c, li->name);
    return 0;
}

/* Makes the base block of the replayed copy consistent, as Windows leaves it after recovery. */
static int fix_base_block(replay_ctx *c)
{
    uint8_t bb[BASE_BLOCK_PRIMARY];
    int r = an_hive_view_read(c->v, 0, bb, sizeof(bb));
    if (r < 0)
        return r;
    if (!c->base_valid && c->log_base_block) {
        memcpy(bb, c->log_base_block, BASE_BLOCK_LOG);
        memset(bb + BASE_BLOCK_LOG, 0, BASE_BLOCK_PRIMARY - BASE_BLOCK_LOG);
    }
    uint32_t seq = c->have_last ? c->last_seq : sxs_le32(bb + BB_SEQ1);
    put_le32(bb + BB_SEQ1, seq);
    put_le32(bb + BB_SEQ2, seq);
    put_le32(bb + BB_HBINS_SIZE, c->hbins_size);
    put_le32(bb + BB_FLAGS, c->flags);
    put_le32(bb + BB_TYPE, FILE_TYPE_PRIMARY);
    put_le32(bb + BB_CHECKSUM, base_block_checksum(bb));
    return an_hive_view_write(c->v, 0, bb, sizeof(bb)); /* the base block joins the overlay */
}

/* Final sanity check of the (possibly replayed) bytes before libregf sees them. */
static bool check_readable(const uint8_t *h, uint64_t len, an_hive_status *st)
{
    if (!base_block_checksum_ok(h))
        return true; /* nothing trustworthy to check; libregf decides */
    uint32_t hbins = sxs_le32(h + BB_HBINS_SIZE);
    if ((uint64_t)hbins + BASE_BLOCK_PRIMARY > len) {
        /* The guard against absurd declared sizes: the hive is read by range, so only what
         * the file (and the logs) hold can be read. */
        snprintf(st->detail, sizeof(st->detail),
                 "truncated: base block declares %u bytes of hive bins (field at offset %d), "
                 "file holds %llu",
                 hbins, BB_HBINS_SIZE, (unsigned long long)(len - BASE_BLOCK_PRIMARY));
        return false;
    }
    if (sxs_le32(h + BB_MAJOR) != 1) {
        snprintf(st->detail, sizeof(st->detail), "unsupported format version %u.%u",
                 sxs_le32(h + BB_MAJOR), sxs_le32(h + BB_MINOR));
        return false;
    }
    return true;
}

/* The primary could not be read: unreadable, with the source's words for it. */
static int read_failed(an_hive_view *v, an_hive_status *status, int r)
{
    if (r == -ENOMEM)
        return r;
    status->state = AN_HIVE_UNREADABLE;
    snprintf(status->detail, sizeof(status->detail), "%s", an_hive_view_damage(v));
    return -EIO;
}

/* The bytes of the hive as replayed, for the final checks: the base block (fixed up when the
 * replay applied entries). */
static bool check_readable_view(an_hive_view *v, an_hive_status *st, int *err)
{
    uint8_t bb[BASE_BLOCK_PRIMARY];
    int r = an_hive_view_read(v, 0, bb, sizeof(bb));
    if (r < 0) {
        *err = read_failed(v, st, r);
        return false;
    }
    return check_readable(bb, an_hive_view_size(v), st);
}

/* One replay with the logs given; a read error of a log returns -EIO with *failed set. */
static int replay_once(an_hive_view *v, uint64_t max_size, const an_hive_log *log,
                       const an_hive_log *log1, const an_hive_log *log2, an_hive_logcache *lc,
                       const an_hive_log **failed, an_hive_status *status)
{
    memset(status, 0, sizeof(*status));
    status->state = AN_HIVE_UNREADABLE;
    uint64_t len = an_hive_view_size(v);
    uint8_t h[BASE_BLOCK_PRIMARY + 32];
    int rr = len >= BASE_BLOCK_LOG ? an_hive_view_read(v, 0, h, BASE_BLOCK_LOG) : 0;
    if (rr < 0)
        return read_failed(v, status, rr);
    if (len < BASE_BLOCK_LOG || memcmp(h, "regf", 4) != 0) {
        snprintf(status->detail, sizeof(status->detail), "not a registry hive (no regf signature)");
        return 0;
    }
    if (len < BASE_BLOCK_PRIMARY + HBIN_ALIGN) {
        snprintf(status->detail, sizeof(status->detail),
                 "truncated: %llu bytes, less than a base block and one hive bin",
                 (unsigned long long)len);
        return 0;
    }
    if ((rr = an_hive_view_read(v, 0, h, sizeof(h))) < 0) /* base block and the first bin header */
        return read_failed(v, status, rr);
    status->base_block_valid = base_block_checksum_ok(h);
    status->primary_seq = sxs_le32(h + BB_SEQ1);
    status->secondary_seq = sxs_le32(h + BB_SEQ2);
    if (sxs_le32(h + BB_TYPE) != FILE_TYPE_PRIMARY) {
        snprintf(status->detail, sizeof(status->detail), "not a primary hive file (file type %u)",
                 sxs_le32(h + BB_TYPE));
        return 0;
    }
    bool dirty = !status->base_block_valid || status->primary_seq != status->secondary_seq;
    if (!dirty) {
        if (check_readable(h, len, status))
            status->state = AN_HIVE_CLEAN;
        return 0;
    }

    replay_ctx c = {.v = v,
                    .max_size = max_size,
                    .base_valid = status->base_block_valid,
                    .secondary_seq = status->secondary_seq,
                    .hbins_size = sxs_le32(h + BB_HBINS_SIZE),
                    .flags = sxs_le32(h + BB_FLAGS),
                    .lc = lc};
    if (!c.base_valid) /* guess from the file size, kept aligned (yarp does the same) */
        c.hbins_size = len - BASE_BLOCK_PRIMARY > 0xFFFFF000u
                           ? 0xFFFFF000u
                           : (uint32_t)(((len - BASE_BLOCK_PRIMARY) / HBIN_ALIGN) * HBIN_ALIGN);
    uint64_t primary_ts = sxs_le64(h + BB_TIMESTAMP);
    if (!c.base_valid) /* the first bin's timestamp stands in for the base block's */
        primary_ts = memcmp(h + BASE_BLOCK_PRIMARY, "hbin", 4) == 0
                         ? sxs_le64(h + BASE_BLOCK_PRIMARY + 20)
                         : 0;

    log_info l0, l1, l2;
    if ((rr = classify_log(lc, failed, log, 0, "LOG", max_size, &l0)) < 0 ||
        (rr = classify_log(lc, failed, log1, 1, "LOG1", max_size, &l1)) < 0 ||
        (rr = classify_log(lc, failed, log2, 2, "LOG2", max_size, &l2)) < 0)
        return rr;

    char why[256] = "";
    int err = 0;
    /* New format first, both logs preferred (yarp's order of preference). */
    if (l1.usable && l1.is_new && l2.usable && l2.is_new)
        err = replay_new(&c, &l1, &l2, why, sizeof(why));
    else if (l1.usable && l1.is_new)
        err = replay_new(&c, &l1, NULL, why, sizeof(why));
    else if (l2.usable && l2.is_new)
        err = replay_new(&c, &l2, NULL, why, sizeof(why));
    else if (l0.usable && l0.is_new)
        err = replay_new(&c, &l0, NULL, why, sizeof(why));
    if (err < 0 && c.failed) {
        *failed = c.failed;
        return -EIO;
    }
    if (err < 0)
        return err == -EFBIG ? 0 : err == -ENOMEM ? err : read_failed(v, status, err);
    if (c.entries > 0) {
        status->new_format = true;
    } else {
        const log_info *old = NULL;
        if (l1.usable && !l1.is_new && l2.usable && !l2.is_new)
            old = l1.timestamp >= l2.timestamp ? &l1 : &l2; /* the latest */
        else if (l1.usable && !l1.is_new)
            old = &l1;
        else if (l2.usable && !l2.is_new)
            old = &l2;
        else if (l0.usable && !l0.is_new)
            old = &l0;
        if (old) {
            char w[160] = "";
            err = replay_old(&c, old, primary_ts, w, sizeof(w));
            if (err < 0 && c.failed) {
                *failed = c.failed;
                return -EIO;
            }
            if (err < 0)
                return err == -EFBIG ? 0 : err == -ENOMEM ? err : read_failed(v, status, err);
            if (w[0])
                appendf(why, sizeof(why), "%s%s", why[0] ? "; " : "", w);
        }
    }

    if (c.entries == 0) {
        /* Read the primary as it is, and say why the logs could not help. */
        status->state = AN_HIVE_DIRTY_NOT_REPLAYED;
        if (!why[0]) {
            snprintf(why, sizeof(why), "no usable log");
            const log_info *all[3] = {&l1, &l2, &l0};
            for (int i = 0; i < 3; i++)
                if (an_hive_log_present(all[i]->src))
                    appendf(why, sizeof(why), "; %s: %s", all[i]->name,
                            all[i]->usable ? "not applicable" : all[i]->why);
        }
        snprintf(status->detail, sizeof(status->detail), "dirty (%u/%u%s): %s", status->primary_seq,
                 status->secondary_seq, status->base_block_valid ? "" : ", bad base block checksum",
                 why);
        int cerr = 0;
        if (!check_readable_view(v, status, &cerr))
            status->state = AN_HIVE_UNREADABLE;
        return cerr;
    }

    if ((rr = fix_base_block(&c)) < 0)
        return rr == -ENOMEM ? rr : read_failed(v, status, rr);
    status->state = AN_HIVE_REPLAYED;
    status->entries = c.entries;
    status->pages = c.pages;
    status->last_sequence = c.have_last ? c.last_seq : 0;
    snprintf(status->logs, sizeof(status->logs), "%s", c.logs);
    snprintf(status->detail, sizeof(status->detail),
             "dirty (%u/%u%s), replayed %u %s, %u %s "
             "from %s%s%s",
             status->primary_seq, status->secondary_seq,
             status->base_block_valid ? "" : ", bad base block checksum", c.entries,
             status->new_format ? "entries" : "log", c.pages,
             status->new_format ? "pages" : "sectors", c.logs, why[0] ? "; " : "", why);
    int cerr = 0;
    if (!check_readable_view(v, status, &cerr))
        status->state = AN_HIVE_UNREADABLE;
    return cerr;
}

int an_hive_replay_view_cached(an_hive_view *v, uint64_t max_size, const an_hive_log *log,
                               const an_hive_log *log1, const an_hive_log *log2,
                               uint32_t cache_block, uint32_t cache_slots, an_hive_status *status)
{
    const an_hive_log *l[3] = {log, log1, log2};
    for (;;) {
        an_hive_logcache *lc = an_hive_logcache_new(cache_block, cache_slots);
        if (!lc)
            return -ENOMEM;
        const an_hive_log *failed = NULL;
        int r = replay_once(v, max_size, l[0], l[1], l[2], lc, &failed, status);
        an_hive_logcache_free(lc);
        if (!failed)
            return r;
        /* As if the log had never been given (it was loaded whole before, and a log that could
         * not be read was no log): drop what the replay wrote and start again without it. At
         * most three times, one per log. */
        for (int i = 0; i < 3; i++)
            if (l[i] == failed)
                l[i] = NULL;
        an_hive_view_reset(v);
    }
}

int an_hive_replay_view(an_hive_view *v, uint64_t max_size, const an_hive_log *log,
                        const an_hive_log *log1, const an_hive_log *log2, an_hive_status *status)
{
    return an_hive_replay_view_cached(v, max_size, log, log1, log2, AN_HIVE_LOG_BLOCK,
                                      AN_HIVE_LOG_SLOTS, status);
}

int an_hive_replay(uint8_t **hive, size_t *hive_len, size_t max_size, const an_hive_log *log,
                   const an_hive_log *log1, const an_hive_log *log2, an_hive_status *status)
{
    an_hive_view *v = *hive ? an_hive_view_mem_ref(*hive, *hive_len) : NULL;
    if (*hive && !v)
        return -ENOMEM;
    if (!v) {
        memset(status, 0, sizeof(*status));
        status->state = AN_HIVE_UNREADABLE;
        snprintf(status->detail, sizeof(status->detail), "not a registry hive (no regf signature)");
        return 0;
    }
    int r = an_hive_replay_view(v, max_size, log, log1, log2, status);
    if (r == 0 && (an_hive_view_overlay_pages(v) > 0 || an_hive_view_size(v) != *hive_len)) {
        uint8_t *flat = NULL;
        size_t flen = 0;
        r = an_hive_view_flatten(v, &flat, &flen);
        if (r == 0) {
            free(*hive);
            *hive = flat;
            *hive_len = flen;
        }
    }
    an_hive_view_free(v);
    return r;
}
