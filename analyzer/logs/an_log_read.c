/* Streaming decoder and line splitter for servicing logs: detects the encoding from the BOM
 * (UTF-8, UTF-8 BOM, UTF-16LE BOM), splits lines on LF (CRLF tolerated), converts to UTF-8,
 * skips NUL runs (crash residue) and drops other control bytes, cuts over-long lines, and hands
 * each line with its provenance (line number, byte offset in the stored file) and timestamp to
 * the caller. Memory: two SXS_STREAM_CHUNK chunks plus one line, whatever the file size.
 *
 * Speed: a clean ASCII line (the overwhelming case in CBS/DISM logs) is found with memchr,
 * checked eight bytes at a time and handed out in place, without a copy. Anything else (a line
 * spanning two chunks, NUL or control bytes, non-ASCII) takes the careful byte-wise path.
 * Bytes that are not valid UTF-8 are read as Windows-1252 ("ANSI": Panther logs write
 * "Microsoft(R)" as a single 0xAE byte even after a UTF-8 BOM). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "analyzer/logs/an_log_internal.h"
#include "common/sxs_limits.h"
#include "common/sxs_utf16.h"

enum { ENC_UNKNOWN, ENC_UTF8, ENC_UTF16 };

struct an_log_reader {
    an_log_family family;
    const an_tz *tz;
    an_log_line_cb cb;
    void *ctx;
    const char *name;
    sxs_diag *diag;
    an_log_stats st;
    bool bom;
    bool ansi_seen;
    int enc;
    int stop;

    /* Two chunk buffers of in_cap + 1 + IN_PAD bytes, filled in turn, so the lines of one
     * chunk stay in place while the next chunk's lines are handed out (an_log_line.ahead). */
    uint8_t *inbuf[2];
    uint8_t *in; /* the one being filled / processed */
    unsigned side;
    size_t in_cap;
    uint64_t file_off; /* stored-file offset of in[0] for the chunk being processed */
    uint64_t chunk_id; /* an_log_line.chunk_id of the chunk being processed */

    /* The line being assembled when it is not handed out in place. */
    char *carry; /* SXS_MAX_LOG_LINE + 1 */
    size_t carry_len;
    bool carry_active;
    bool carry_trunc;
    bool line_off_set; /* line_off points at the first non-NUL byte */
    uint64_t line_off;
    bool in_nul_run;
    uint64_t line_no;
    char *dec; /* decode buffer: each raw byte gives at most 3 UTF-8 bytes */

    /* UTF-16 state across chunk boundaries. */
    bool has_odd;
    uint8_t odd;
    bool has_hi;
    uint16_t hi;
    uint64_t hi_off;

    /* The last whole "YYYY-MM-DD HH:MM:SS" stamp parsed and its result: CBS writes about 40
     * lines a second, so most lines repeat it byte for byte. */
    char stamp[20]; /* the 19 bytes and a NUL, as they go to time_text */
    int64_t stamp_time;
    bool stamp_utc;
    bool stamp_set;

    /* The date part of the last timestamp parsed ("2024-03-12"): most lines repeat it. */
    char date_key[10];
    char date_sep;
    int64_t date_days;
    bool date_set;

    /* setupapi: the current section's start time applies to its lines. */
    bool sect;
    int64_t sect_time;
    char sect_text[40];
};

#define DEC_CAP ((size_t)SXS_MAX_LOG_LINE * 3 + 8)
#define IN_PAD 32

int an_log_reader_new(an_log_family family, const an_tz *tz, an_log_line_cb cb, void *ctx,
                      const char *name, sxs_diag *diag, uint64_t size_hint, an_log_reader **ret)
{
    an_log_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    /* Small logs (most of them) need no whole chunk. */
    r->in_cap = size_hint > 0 && size_hint < SXS_STREAM_CHUNK ? (size_t)size_hint
                                                              : (size_t)SXS_STREAM_CHUNK;
    /* zeroed, and IN_PAD bytes past the data, so first_ctl may read whole blocks */
    r->inbuf[0] = calloc(1, r->in_cap + 1 + IN_PAD);
    r->inbuf[1] = calloc(1, r->in_cap + 1 + IN_PAD);
    r->in = r->inbuf[0];
    r->carry = malloc((size_t)SXS_MAX_LOG_LINE + 1);
    r->dec = malloc(DEC_CAP);
    if (!r->inbuf[0] || !r->inbuf[1] || !r->carry || !r->dec) {
        an_log_reader_free(r);
        return -ENOMEM;
    }
    r->family = family;
    r->tz = tz;
    r->cb = cb;
    r->ctx = ctx;
    r->name = name ? name : "log";
    r->diag = diag;
    *ret = r;
    return 0;
}

void an_log_reader_free(an_log_reader *r)
{
    if (!r)
        return;
    free(r->inbuf[0]);
    free(r->inbuf[1]);
    free(r->carry);
    free(r->dec);
    free(r);
}

uint8_t *an_log_reader_buf(an_log_reader *r, size_t *ret_cap)
{
    *ret_cap = r->in_cap;
    return r->in;
}

int an_log_reader_stopped(const an_log_reader *r)
{
    return r->stop;
}

void an_log_reader_stats(const an_log_reader *r, an_log_stats *ret)
{
    *ret = r->st;
    if (r->enc == ENC_UTF16)
        ret->encoding = "utf-16le-bom";
    else if (r->bom)
        ret->encoding = "utf-8-bom";
    else if (r->ansi_seen)
        ret->encoding = "ansi";
    else
        ret->encoding = "utf-8";
}

/* ---- timestamps ---------------------------------------------------------------------------- */

static inline bool dig2(const char *s, unsigned *v)
{
    unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
    if (a > 9 || b > 9)
        return false;
    *v = a * 10 + b;
    return true;
}

/* "YYYY?MM?DD" at s: the day number, false when not a valid date. */
static bool parse_date(const char *s, char date_sep, int64_t *ret_days)
{
    static const unsigned dim[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned c, yy, mo, d;
    if (s[4] != date_sep || s[7] != date_sep)
        return false;
    if (!dig2(s, &c) || !dig2(s + 2, &yy) || !dig2(s + 5, &mo) || !dig2(s + 8, &d))
        return false;
    unsigned y = c * 100 + yy;
    if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > dim[mo])
        return false;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return false;
    *ret_days = an_days_from_civil(y, mo, d);
    return true;
}

/* " HH:MM:SS[.fff]" at s + 10 (len >= 19): the length of the whole timestamp and the seconds of
 * the day, 0 when invalid. */
static size_t parse_clock(const char *s, size_t len, bool frac, unsigned *ret_secs)
{
    unsigned h, mi, se;
    if (s[10] != ' ' || s[13] != ':' || s[16] != ':')
        return 0;
    if (!dig2(s + 11, &h) || !dig2(s + 14, &mi) || !dig2(s + 17, &se))
        return 0;
    if (h > 23 || mi > 59 || se > 59)
        return 0;
    size_t n = 19;
    if (frac && n < len && s[n] == '.') {
        size_t k = n + 1;
        while (k < len && k - n <= 9 && (unsigned)(unsigned char)s[k] - '0' <= 9)
            k++;
        if (k > n + 1)
            n = k;
    }
    /* "2024-03-12 10:14:22" followed by more digits is not this format. */
    if (n < len && (unsigned)(unsigned char)s[n] - '0' <= 9)
        return 0;
    *ret_secs = h * 3600 + mi * 60 + se;
    return n;
}

size_t an_log_parse_datetime(const char *s, size_t len, char date_sep, bool frac,
                             int64_t *ret_local)
{
    int64_t days;
    unsigned secs;
    if (len < 19)
        return 0;
    size_t n = parse_clock(s, len, frac, &secs);
    if (!n || !parse_date(s, date_sep, &days))
        return 0;
    *ret_local = days * 86400 + (int64_t)secs;
    return n;
}

/* an_log_parse_datetime with the reader's last date remembered (same result). */
static size_t parse_datetime_cached(an_log_reader *r, const char *s, size_t len, char date_sep,
                                    bool frac, int64_t *ret_local)
{
    unsigned secs;
    if (len < 19)
        return 0;
    size_t n = parse_clock(s, len, frac, &secs);
    if (!n)
        return 0;
    if (!r->date_set || r->date_sep != date_sep ||
        memcmp(s, r->date_key, sizeof(r->date_key)) != 0) {
        int64_t days;
        if (!parse_date(s, date_sep, &days))
            return 0;
        memcpy(r->date_key, s, sizeof(r->date_key)); /* holds the separators: checked */
        r->date_sep = date_sep;
        r->date_days = days;
        r->date_set = true;
    }
    *ret_local = r->date_days * 86400 + (int64_t)secs;
    return n;
}

static void set_time(an_log_reader *r, an_log_line *ln, const char *txt, size_t n, int64_t local)
{
    ln->has_time = true;
    if (r->tz && r->tz->known) {
        ln->time = an_tz_local_to_utc(r->tz, local);
        ln->time_is_utc = true;
    } else {
        ln->time = local;
        ln->time_is_utc = false;
    }
    if (n >= sizeof(ln->time_text))
        n = sizeof(ln->time_text) - 1;
    memcpy(ln->time_text, txt, n);
    ln->time_text[n] = '\0';
}

/* After "<<<" / ">>>": skips spaces, matches word, skips spaces; returns the rest or NULL. */
static const char *after_marker(const char *s, size_t len, const char *word, size_t *ret_rest)
{
    size_t i = 3, wl = strlen(word);
    while (i < len && s[i] == ' ')
        i++;
    if (len - i < wl || memcmp(s + i, word, wl) != 0)
        return NULL;
    i += wl;
    while (i < len && s[i] == ' ')
        i++;
    *ret_rest = len - i;
    return s + i;
}

static void parse_setupapi_time(an_log_reader *r, an_log_line *ln)
{
    const char *s = ln->text, *t;
    size_t len = ln->len, rest;
    int64_t local;
    size_t n;
    if (len > 3 && memcmp(s, ">>>", 3) == 0 && (t = after_marker(s, len, "Section start", &rest))) {
        n = an_log_parse_datetime(t, rest, '/', true, &local);
        if (n) {
            set_time(r, ln, t, n, local);
            r->sect = true;
            r->sect_time = ln->time;
            memcpy(r->sect_text, ln->time_text, sizeof(r->sect_text));
        }
        return;
    }
    if (len > 3 && memcmp(s, "<<<", 3) == 0 && (t = after_marker(s, len, "Section end", &rest))) {
        n = an_log_parse_datetime(t, rest, '/', true, &local);
        if (n)
            set_time(r, ln, t, n, local);
        else if (r->sect)
            goto inherit;
        r->sect = false;
        return;
    }
    if (len > 15 && memcmp(s, "[Boot Session: ", 15) == 0) {
        n = an_log_parse_datetime(s + 15, len - 15, '/', true, &local);
        if (n)
            set_time(r, ln, s + 15, n, local);
        r->sect = false;
        return;
    }
    if (!r->sect)
        return;
inherit:
    ln->has_time = true;
    ln->time = r->sect_time;
    ln->time_is_utc = r->tz && r->tz->known;
    memcpy(ln->time_text, r->sect_text, sizeof(ln->time_text));
}

/* The line starts with the same 19-byte stamp as the last one parsed, and no digit follows it:
 * parse_clock and parse_date would give the same result again. */
static bool same_stamp(const an_log_reader *r, const char *s, size_t len)
{
    return r->stamp_set && len >= 19 && memcmp(s, r->stamp, 19) == 0 &&
           (len == 19 || (unsigned)(unsigned char)s[19] - '0' > 9);
}

static void parse_time(an_log_reader *r, an_log_line *ln)
{
    int64_t local;
    size_t n;
    switch (r->family) {
    case AN_LOG_CBS:
    case AN_LOG_DISM:
    case AN_LOG_PANTHER:
    case AN_LOG_MOSETUP:
        if (same_stamp(r, ln->text, ln->len)) {
            ln->has_time = true;
            ln->time = r->stamp_time;
            ln->time_is_utc = r->stamp_utc;
            memcpy(ln->time_text, r->stamp, sizeof(r->stamp));
            break;
        }
        n = parse_datetime_cached(r, ln->text, ln->len, '-', false, &local);
        if (n)
            set_time(r, ln, ln->text, n, local);
        if (n == 19) { /* without a fraction (frac is false here): always 19 */
            memcpy(r->stamp, ln->time_text, sizeof(r->stamp));
            r->stamp_time = ln->time;
            r->stamp_utc = ln->time_is_utc;
            r->stamp_set = true;
        }
        break;
    case AN_LOG_WINDOWSUPDATE:
        n = parse_datetime_cached(r, ln->text, ln->len, '/', true, &local);
        if (n)
            set_time(r, ln, ln->text, n, local);
        break;
    case AN_LOG_SETUPAPI:
        parse_setupapi_time(r, ln);
        break;
    default: /* poqexec, pending.xml, XML reports: no per-line time */
        break;
    }
}

/* ---- line output --------------------------------------------------------------------------- */

/* ahead: bytes readable at text in the chunk (a line in place), 0 for a copied line. */
static int emit(an_log_reader *r, const char *text, size_t len, uint64_t off, bool trunc,
                size_t ahead)
{
    an_log_line ln;
    ln.text = text;
    ln.len = len;
    ln.ahead = ahead;
    ln.chunk_id = r->chunk_id;
    ln.line_no = ++r->line_no;
    ln.offset = off;
    ln.truncated = trunc;
    ln.has_time = false;
    ln.time = 0;
    ln.time_is_utc = false;
    ln.time_text[0] = '\0';
    parse_time(r, &ln);
    r->st.lines++;
    if (trunc)
        r->st.lines_truncated++;
    int rc = r->cb ? r->cb(&ln, r->ctx) : 0;
    if (rc != 0)
        r->stop = rc;
    return rc;
}

/* Windows-1252 0x80..0x9F; 0 = undefined there (dropped as binary). */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when invalid. */
static size_t utf8_valid_len(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    size_t need;
    uint32_t min;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
        min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    uint32_t cp = b & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/* Careful decode of one raw line (NULs already removed) into r->dec. */
static size_t decode_slow(an_log_reader *r, const uint8_t *s, size_t n)
{
    char *o = r->dec;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint8_t b = s[i];
        if (b < 0x80) {
            if (b < 0x20 && b != '\t' && b != '\r')
                r->st.binary_bytes++;
            else
                o[k++] = (char)b;
            i++;
            continue;
        }
        size_t v = utf8_valid_len(s + i, n - i);
        if (v) {
            memcpy(o + k, s + i, v);
            k += v;
            i += v;
            continue;
        }
        uint32_t cp = b < 0xA0 ? cp1252_hi[b - 0x80] : b;
        if (cp == 0) {
            r->st.binary_bytes++;
        } else {
            k += sxs_utf8_put(cp, o + k);
            r->ansi_seen = true;
        }
        i++;
    }
    return k;
}

/* Largest cut <= max that does not split a UTF-8 sequence of s. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t c = max;
    while (c > 0 && ((unsigned char)s[c] & 0xC0) == 0x80)
        c--;
    return c;
}

static bool clean_ascii(const uint8_t *p, size_t n);

/* Finishes the carried line: decode, strip CRs and a leading BOM, emit, reset. */
static int finish_carry(an_log_reader *r)
{
    const uint8_t *s = (const uint8_t *)r->carry;
    size_t n = r->carry_len;
    bool trunc = r->carry_trunc;
    uint64_t off = r->line_off;
    r->carry_active = false;
    r->carry_len = 0;
    r->carry_trunc = false;
    r->line_off_set = false;
    r->in_nul_run = false;
    if (trunc && r->enc != ENC_UTF16) {
        /* The cut may have split a UTF-8 sequence: drop its incomplete tail. */
        size_t c = n, back = 0;
        while (c > 0 && back < 4 && (s[c - 1] & 0xC0) == 0x80) {
            c--;
            back++;
        }
        if (c > 0 && s[c - 1] >= 0xC0) {
            size_t need = s[c - 1] >= 0xF0 ? 4 : s[c - 1] >= 0xE0 ? 3 : 2;
            if (back + 1 < need)
                n = c - 1;
        }
    }
    while (n > 0 && s[n - 1] == '\r')
        n--;
    if (clean_ascii(s, n)) { /* nothing to decode (a UTF-16 line of ASCII, say) */
        r->carry[n] = '\0';
        return emit(r, r->carry, n, off, trunc, 0);
    }
    size_t len = decode_slow(r, s, n);
    char *t = r->dec;
    if (len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
        t += 3;
        len -= 3;
        off += r->enc == ENC_UTF16 ? 2 : 3;
    }
    if (len > SXS_MAX_LOG_LINE) {
        len = utf8_cut(t, len, SXS_MAX_LOG_LINE);
        trunc = true;
    }
    t[len] = '\0';
    return emit(r, t, len, off, trunc, 0);
}

/* Appends raw bytes of the current line, skipping (and counting) NUL runs. off is the stored
 * offset of p[0]. */
static void carry_raw(an_log_reader *r, const uint8_t *p, size_t n, uint64_t off)
{
    if (!r->carry_active) {
        r->carry_active = true;
        r->line_off = off;
    }
    size_t i = 0;
    while (i < n) {
        if (p[i] == 0) {
            if (!r->in_nul_run) {
                r->st.nul_runs++;
                r->in_nul_run = true;
            }
            while (i < n && p[i] == 0)
                i++;
            continue;
        }
        r->in_nul_run = false;
        const uint8_t *z = memchr(p + i, 0, n - i);
        size_t span = z ? (size_t)(z - (p + i)) : n - i;
        if (!r->line_off_set) {
            r->line_off = off + i;
            r->line_off_set = true;
        }
        size_t room = SXS_MAX_LOG_LINE - r->carry_len;
        size_t take = span < room ? span : room;
        memcpy(r->carry + r->carry_len, p + i, take);
        r->carry_len += take;
        if (take < span)
            r->carry_trunc = true;
        i += span;
    }
}

/* True when every byte is printable ASCII (0x20..0x7F): nothing to decode or drop. */
static bool clean_ascii(const uint8_t *p, size_t n)
{
    const uint64_t k20 = 0x2020202020202020ULL, hi = 0x8080808080808080ULL;
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        acc |= ((x - k20) & ~x) | x;
    }
    if (acc & hi)
        return false;
    for (; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x80)
            return false;
    return true;
}

/* Index of the first byte of p[0..n) that is not printable ASCII (< 0x20 or >= 0x80: as a
 * signed byte, less than 0x20), or n. Reads whole blocks: p[0 .. n + IN_PAD) must be readable. */
static size_t first_ctl(const uint8_t *p, size_t n)
{
#if defined(__SSE2__)
    const __m128i k20 = _mm_set1_epi8(0x20);
    for (size_t i = 0; i < n; i += 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 16));
        uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmplt_epi8(a, k20)) |
                     (uint32_t)_mm_movemask_epi8(_mm_cmplt_epi8(b, k20)) << 16;
        if (m) {
            size_t k = i + (size_t)__builtin_ctz(m);
            return k < n ? k : n;
        }
    }
    return n;
#else
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x80)
            return i;
    return n;
#endif
}

/* A clean line at p: printable ASCII up to "\n" or "\r\n", not over the line limit. Its text
 * length (ret_len) and the bytes it takes with its terminator, or 0 when the line needs the
 * careful path (then it is handled exactly as before this shortcut existed). */
static size_t clean_line(const uint8_t *p, const uint8_t *end, size_t *ret_len)
{
    size_t avail = (size_t)(end - p);
    size_t lim = avail < (size_t)SXS_MAX_LOG_LINE + 2 ? avail : (size_t)SXS_MAX_LOG_LINE + 2;
    size_t e = first_ctl(p, lim);
    if (e >= avail)
        return 0;
    /* the limit counts the CR, as the careful path does */
    if (p[e] == '\n' && e <= SXS_MAX_LOG_LINE) {
        *ret_len = e;
        return e + 1;
    }
    if (p[e] == '\r' && e + 1 < avail && p[e + 1] == '\n' && e + 1 <= SXS_MAX_LOG_LINE) {
        *ret_len = e;
        return e + 2;
    }
    return 0;
}

static int process_utf8(an_log_reader *r, uint8_t *buf, size_t start, size_t n)
{
    uint8_t *p = buf + start, *end = buf + n;
    while (p < end) {
        size_t clen, take;
        if (!r->carry_active && (take = clean_line(p, end, &clen))) {
            p[clen] = '\0';
            r->in_nul_run = false;
            int rc = emit(r, (const char *)p, clen, r->file_off + (uint64_t)(p - buf), false,
                          (size_t)(end - p));
            if (rc)
                return rc;
            p += take;
            continue;
        }
        uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        uint8_t *seg_end = nl ? nl : end;
        size_t seg = (size_t)(seg_end - p);
        uint64_t off = r->file_off + (uint64_t)(p - buf);
        if (nl && !r->carry_active && seg <= SXS_MAX_LOG_LINE) {
            size_t e = seg;
            while (e > 0 && p[e - 1] == '\r')
                e--;
            if (clean_ascii(p, e)) {
                p[e] = '\0';
                r->in_nul_run = false;
                int rc = emit(r, (const char *)p, e, off, false, (size_t)(end - p));
                if (rc)
                    return rc;
                p = nl + 1;
                continue;
            }
        }
        carry_raw(r, p, seg, off);
        if (nl) {
            int rc = finish_carry(r);
            if (rc)
                return rc;
            p = nl + 1;
        } else {
            p = end;
        }
    }
    return 0;
}

/* One UTF-8 encoded code point into the carried line (UTF-16 input). */
static void carry_cp(an_log_reader *r, uint32_t cp, uint64_t off)
{
    char tmp[4];
    size_t k = sxs_utf8_put(cp, tmp);
    if (!r->carry_active) {
        r->carry_active = true;
        r->line_off = off;
    }
    if (!r->line_off_set) {
        r->line_off = off;
        r->line_off_set = true;
    }
    if (SXS_MAX_LOG_LINE - r->carry_len < k) {
        r->carry_trunc = true;
        return;
    }
    memcpy(r->carry + r->carry_len, tmp, k);
    r->carry_len += k;
}

static int utf16_unit(an_log_reader *r, uint16_t u, uint64_t off)
{
    if (r->has_hi) {
        r->has_hi = false;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            carry_cp(r, 0x10000 + (((uint32_t)r->hi - 0xD800) << 10) + (u - 0xDC00u), r->hi_off);
            return 0;
        }
        carry_cp(r, 0xFFFD, r->hi_off);
    }
    if (u == 0) {
        if (!r->carry_active) {
            r->carry_active = true;
            r->line_off = off;
        }
        if (!r->in_nul_run) {
            r->st.nul_runs++;
            r->in_nul_run = true;
        }
        return 0;
    }
    r->in_nul_run = false;
    if (u == '\n') {
        if (!r->carry_active) {
            r->carry_active = true;
            r->line_off = off;
        }
        return finish_carry(r);
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
        r->has_hi = true;
        r->hi = u;
        r->hi_off = off;
        return 0;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        carry_cp(r, 0xFFFD, off);
        return 0;
    }
    if (u < 0x20 && u != '\t' && u != '\r') {
        r->st.binary_bytes += 2;
        return 0;
    }
    carry_cp(r, u, off);
    return 0;
}

/* Fast path: a run of printable ASCII units (most of any log) copied straight into the line.
 * Returns the index after the run. */
static size_t utf16_ascii_run(an_log_reader *r, const uint8_t *buf, size_t i, size_t n)
{
    uint64_t off = r->file_off + i;
    if (!r->carry_active) {
        r->carry_active = true;
        r->line_off = off;
    }
    if (!r->line_off_set) {
        r->line_off = off;
        r->line_off_set = true;
    }
    r->in_nul_run = false;
    size_t room = SXS_MAX_LOG_LINE - r->carry_len, k = 0;
    char *dst = r->carry + r->carry_len;
    while (i + 2 <= n && buf[i + 1] == 0 && buf[i] >= 0x20 && buf[i] < 0x80) {
        if (k < room)
            dst[k] = (char)buf[i];
        k++;
        i += 2;
    }
    if (k > room) {
        r->carry_len += room;
        r->carry_trunc = true;
    } else {
        r->carry_len += k;
    }
    return i;
}

static int process_utf16(an_log_reader *r, const uint8_t *buf, size_t start, size_t n)
{
    size_t i = start;
    int rc;
    if (r->has_odd && i < n) {
        uint16_t u = (uint16_t)(r->odd | (buf[i] << 8));
        r->has_odd = false;
        rc = utf16_unit(r, u, r->file_off + i - 1);
        if (rc)
            return rc;
        i++;
    }
    while (i + 2 <= n) {
        if (buf[i + 1] == 0 && buf[i] >= 0x20 && buf[i] < 0x80 && !r->has_hi) {
            i = utf16_ascii_run(r, buf, i, n);
            continue;
        }
        rc = utf16_unit(r, (uint16_t)(buf[i] | (buf[i + 1] << 8)), r->file_off + i);
        if (rc)
            return rc;
        i += 2;
    }
    if (i < n) {
        r->has_odd = true;
        r->odd = buf[i];
    }
    return 0;
}

int an_log_reader_process(an_log_reader *r, size_t n)
{
    if (r->stop)
        return r->stop;
    if (n > r->in_cap)
        return -EINVAL;
    size_t start = 0;
    if (r->enc == ENC_UNKNOWN && n > 0) {
        if (n >= 3 && r->in[0] == 0xEF && r->in[1] == 0xBB && r->in[2] == 0xBF) {
            r->bom = true;
            r->enc = ENC_UTF8;
            start = 3;
        } else if (n >= 2 && r->in[0] == 0xFF && r->in[1] == 0xFE) {
            r->bom = true;
            r->enc = ENC_UTF16;
            start = 2;
        } else {
            r->enc = ENC_UTF8;
        }
    }
    r->st.bytes += n;
    uint64_t lines_before = r->st.lines;
    /* unique in the process, so a consumer fed by several readers tells their chunks apart */
    static _Atomic uint64_t chunk_seq;
    r->chunk_id = ++chunk_seq;
    int rc =
        r->enc == ENC_UTF16 ? process_utf16(r, r->in, start, n) : process_utf8(r, r->in, start, n);
    r->file_off += n;
    /* The next chunk goes to the other buffer, unless this one handed out no line: then no
     * consumer has seen its chunk_id yet, and the buffer before it must stay as it is until
     * one has (an_log_line.ahead). */
    if (r->st.lines != lines_before) {
        r->side ^= 1u;
        r->in = r->inbuf[r->side];
    }
    return rc;
}

int an_log_reader_finish(an_log_reader *r)
{
    if (r->stop)
        return r->stop;
    if (r->enc == ENC_UTF16) {
        if (r->has_hi) {
            r->has_hi = false;
            carry_cp(r, 0xFFFD, r->hi_off);
        }
        if (r->has_odd) {
            r->has_odd = false;
            r->st.binary_bytes++;
        }
    }
    /* A trailing NUL run alone is crash residue, not a line. */
    if (r->carry_active && r->carry_len > 0)
        return finish_carry(r);
    r->carry_active = false;
    return 0;
}
