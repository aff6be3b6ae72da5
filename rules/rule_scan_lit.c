/* rules/: the multi-literal prefilter of the rule pass. Every literal of a log family, short or
 * long, case-sensitive or caseless, is found in one pass over the line with the "Teddy"
 * technique (as in Hyperscan's FDR and Rust's aho-corasick): the literals are spread over 8
 * buckets; for each of the first three bytes of a literal, two 16-entry tables give, per low
 * and per high nibble of a byte, the buckets that accept it. PSHUFB looks up 32 (AVX2) or 16
 * (SSSE3) bytes at a time; a position whose three lookups leave a bucket bit set is a candidate
 * start, confirmed by comparing the bucket's literals. No false negatives: a literal's own bytes
 * always pass its bucket's tables. A scalar loop over the same tables serves other CPUs.
 *
 * With AVX-512 VBMI, one VPERMI2B looks up a byte's buckets in a 128-entry table directly, so
 * each of the three window bytes costs one instruction instead of six, for 64 bytes at a time;
 * masked loads read a line's last block without a padded copy. The table is exact per byte
 * (not the product of two nibble tables), entry c covering both c and c | 0x80, so it lets
 * through fewer candidates than the nibble tables, and still none are missed.
 *
 * A line the reader hands out in place in its chunk (an_log_line.chunk_id) is not scanned on its
 * own: the first such line of a chunk scans the next RULE_LITCHUNK_SPAN bytes into a bitmap of
 * candidate positions, without a branch on the data, and each line then costs one compare
 * unless a candidate falls in it (0.2 to 0.8 lines in one on CBS logs).
 *
 * Why not Hyperscan: the engine needs per-line results, and one hs_scan per line (literal or
 * whole-pattern database) costs more than this whole pass; bench/logs/prefilter_bench.c has the
 * figures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_scan_lit.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RULE_LIT_X86 1
#endif

/* Mask of the first n of 64 positions. */
static inline uint64_t first_n(size_t n)
{
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}

#define NBUCKET 8
#define PLEN 3 /* bytes of each literal the tables test (the block code below has three) */

struct rule_litset {
    /* per low / high nibble: buckets accepting it at literal byte j; 16 entries, repeated
     * for the second AVX2 lane */
    uint8_t lo[PLEN][32];
    uint8_t hi[PLEN][32];
    uint8_t tab[PLEN][256]; /* scalar: lo & hi combined per byte */
    uint8_t t7[PLEN][128];  /* VBMI: exact buckets of byte c and of c | 0x80 */
    rule_lit *lits;         /* sorted by bucket */
    size_t *woff;           /* per literal: offset of the PLEN bytes the tables test */
    bool has_short;         /* a literal shorter than PLEN: line ends need the scalar loop */
    char **folded;          /* lower-case copy of each caseless literal, else NULL */
    uint64_t (*head)[4];    /* per literal: its first 16 bytes as two words, and their masks */
    size_t nlits;
    size_t bstart[NBUCKET + 1]; /* literals of bucket b: lits[bstart[b] .. bstart[b + 1]) */
    rule_lit_impl impl;
    bool chunked; /* impl has a chunk scan (rule_litset_scan_chunk) */
};

static inline uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* How common each byte is in servicing logs, 255 = most common (the space): the rank of its
 * count over the 25 real logs of the test corpus (CBS, DISM, Panther, setupapi, WindowsUpdate;
 * 35 MB). The tables test each literal at its rarest three bytes, so that a literal starting
 * with a word every line holds ("CSI", "Failed") does not make every line a candidate. */
static const uint8_t byte_rank[256] = {
    54,  53,  52,  51,  50,  49,  48,  47,  46,  177, 218, 45,  44,  217, 43,  42,  41,  40,  39,
    38,  37,  36,  35,  34,  33,  32,  31,  30,  29,  28,  27,  26,  255, 142, 181, 157, 162, 171,
    182, 184, 186, 185, 179, 169, 224, 242, 226, 201, 253, 240, 248, 243, 233, 236, 230, 221, 229,
    219, 245, 170, 174, 198, 175, 165, 130, 214, 207, 228, 222, 213, 206, 199, 190, 234, 166, 183,
    197, 220, 195, 194, 215, 167, 205, 232, 202, 193, 189, 203, 180, 168, 160, 192, 223, 191, 25,
    200, 24,  246, 216, 239, 241, 254, 238, 231, 209, 251, 173, 208, 237, 225, 250, 252, 235, 172,
    247, 244, 249, 227, 212, 211, 204, 210, 178, 188, 176, 187, 196, 23,  126, 128, 156, 155, 153,
    135, 105, 101, 100, 89,  102, 116, 90,  75,  70,  104, 97,  76,  78,  74,  121, 112, 79,  80,
    77,  140, 81,  82,  113, 86,  96,  88,  98,  143, 106, 85,  83,  84,  73,  147, 146, 118, 127,
    71,  117, 125, 108, 124, 141, 150, 94,  133, 129, 148, 95,  139, 138, 122, 99,  132, 145, 137,
    107, 123, 22,  64,  21,  120, 109, 111, 20,  19,  18,  63,  17,  16,  15,  14,  164, 151, 163,
    152, 13,  12,  11,  10,  65,  158, 159, 154, 57,  9,   60,  8,   7,   6,   68,  87,  62,  161,
    115, 149, 119, 144, 93,  136, 103, 134, 131, 114, 5,   67,  4,   56,  3,   91,  55,  72,  110,
    2,   92,  59,  66,  58,  69,  61,  1,   0,
};

static unsigned rank_of(uint8_t c, bool caseless)
{
    unsigned r = byte_rank[c];
    if (caseless && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && byte_rank[c ^ 0x20] > r)
        r = byte_rank[c ^ 0x20]; /* both cases pass the tables */
    return r;
}

/* Offset of the literal's rarest PLEN bytes (0 for a literal of PLEN bytes or fewer). */
static size_t pick_window(const rule_lit *l)
{
    size_t best = 0;
    unsigned best_score = ~0u;
    for (size_t o = 0; l->len >= PLEN && o + PLEN <= l->len; o++) {
        unsigned score = 0;
        for (size_t j = 0; j < PLEN; j++)
            score += rank_of((uint8_t)l->lit[o + j], l->caseless);
        if (score < best_score) {
            best_score = score;
            best = o;
        }
    }
    return best;
}

static int cmp_window(const rule_lit *a, size_t oa, const rule_lit *b, size_t ob)
{
    for (size_t j = 0; j < PLEN; j++) {
        int ca = oa + j < a->len ? fold((uint8_t)a->lit[oa + j]) : -1;
        int cb = ob + j < b->len ? fold((uint8_t)b->lit[ob + j]) : -1;
        if (ca != cb)
            return ca - cb;
    }
    return 0;
}

/* Literals with similar windows next to each other (then cut into buckets). */
static void sort_lits(rule_lit *l, size_t *woff, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* a few dozen literals: insertion sort, stable */
        rule_lit x = l[i];
        size_t xo = woff[i], j = i;
        while (j > 0 && cmp_window(&l[j - 1], woff[j - 1], &x, xo) > 0) {
            l[j] = l[j - 1];
            woff[j] = woff[j - 1];
            j--;
        }
        l[j] = x;
        woff[j] = xo;
    }
}

static void add_byte(rule_litset *ls, size_t j, uint8_t c, uint8_t bit)
{
    ls->t7[j][c & 0x7F] |= bit;
    ls->lo[j][c & 15] |= bit;
    ls->hi[j][c >> 4] |= bit;
    ls->lo[j][16 + (c & 15)] |= bit;
    ls->hi[j][16 + (c >> 4)] |= bit;
}

static bool cpu_has(rule_lit_impl impl)
{
#ifdef RULE_LIT_X86
    if (impl == RULE_LIT_AVX512VBMI) /* libgcc checks that the OS saves the ZMM state too */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vbmi");
    if (impl == RULE_LIT_AVX2)
        return __builtin_cpu_supports("avx2");
    if (impl == RULE_LIT_SSSE3)
        return __builtin_cpu_supports("ssse3");
#endif
    return impl == RULE_LIT_SCALAR;
}

int rule_litset_use(rule_litset *ls, rule_lit_impl impl)
{
    if (impl == RULE_LIT_AUTO)
        impl = cpu_has(RULE_LIT_AVX512VBMI) ? RULE_LIT_AVX512VBMI
               : cpu_has(RULE_LIT_AVX2)     ? RULE_LIT_AVX2
               : cpu_has(RULE_LIT_SSSE3)    ? RULE_LIT_SSSE3
                                            : RULE_LIT_SCALAR;
    if (!cpu_has(impl))
        return -ENOTSUP;
    ls->impl = impl;
    ls->chunked = impl == RULE_LIT_SCALAR || impl == RULE_LIT_AVX2 || impl == RULE_LIT_AVX512VBMI;
    return 0;
}

rule_lit_impl rule_litset_impl(const rule_litset *ls)
{
    return ls->impl;
}

void rule_litset_free(rule_litset *ls)
{
    if (!ls)
        return;
    for (size_t i = 0; i < ls->nlits; i++)
        free(ls->folded[i]);
    free(ls->folded);
    free(ls->head);
    free(ls->woff);
    free(ls->lits);
    free(ls);
}

int rule_litset_new(const rule_lit *lits, size_t n, rule_litset **ret)
{
    rule_litset *ls = calloc(1, sizeof(*ls));
    if (!ls)
        return -ENOMEM;
    if (n) {
        ls->lits = malloc(n * sizeof(*ls->lits));
        ls->folded = calloc(n, sizeof(*ls->folded));
        ls->head = calloc(n, sizeof(*ls->head));
        ls->woff = calloc(n, sizeof(*ls->woff));
        if (!ls->lits || !ls->folded || !ls->head || !ls->woff) {
            free(ls->lits);
            free(ls->folded);
            free(ls->head);
            free(ls->woff);
            free(ls);
            return -ENOMEM;
        }
        memcpy(ls->lits, lits, n * sizeof(*lits));
    }
    ls->nlits = n;
    for (size_t i = 0; i < n; i++) {
        if (!lits[i].lit || lits[i].len == 0) {
            rule_litset_free(ls);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        ls->woff[i] = pick_window(&ls->lits[i]);
        if (ls->lits[i].len < PLEN)
            ls->has_short = true;
    }
    /* Similar windows share a bucket, so a bucket's tables stay selective. */
    sort_lits(ls->lits, ls->woff, n);
    for (size_t b = 0; b <= NBUCKET; b++)
        ls->bstart[b] = (n * b + NBUCKET - 1) / NBUCKET;
    for (size_t b = 0; b < NBUCKET; b++) {
        uint8_t bit = (uint8_t)(1u << b);
        for (size_t i = ls->bstart[b]; i < ls->bstart[b + 1]; i++) {
            const rule_lit *l = &ls->lits[i];
            if (l->caseless) {
                if (!(ls->folded[i] = malloc(l->len))) {
                    rule_litset_free(ls);
                    return -ENOMEM;
                }
                for (size_t q = 0; q < l->len; q++)
                    ls->folded[i][q] = (char)fold((uint8_t)l->lit[q]);
            }
            for (size_t j = 0; j < PLEN; j++) {
                if (ls->woff[i] + j >= l->len) { /* a shorter literal accepts any byte there */
                    for (unsigned c = 0; c < 256; c++)
                        add_byte(ls, j, (uint8_t)c, bit);
                    continue;
                }
                uint8_t c = (uint8_t)l->lit[ls->woff[i] + j];
                add_byte(ls, j, c, bit);
                if (l->caseless && fold(c) != c)
                    add_byte(ls, j, fold(c), bit);
                else if (l->caseless && c >= 'a' && c <= 'z')
                    add_byte(ls, j, (uint8_t)(c & ~0x20), bit);
            }
        }
    }
    for (size_t j = 0; j < PLEN; j++)
        for (unsigned c = 0; c < 256; c++)
            ls->tab[j][c] = ls->lo[j][c & 15] & ls->hi[j][c >> 4];
    for (size_t i = 0; i < n; i++) {
        uint8_t w[16] = {0}, m[16] = {0};
        size_t h = ls->lits[i].len < 16 ? ls->lits[i].len : 16;
        memcpy(w, ls->lits[i].lit, h);
        memset(m, 0xFF, h);
        memcpy(&ls->head[i][0], w, 16);
        memcpy(&ls->head[i][2], m, 16);
    }
    rule_litset_use(ls, RULE_LIT_AUTO);
    *ret = ls;
    return 0;
}

static bool eq_folded(const char *t, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold((uint8_t)t[i]) != (uint8_t)lower[i])
            return false;
    return true;
}

/* Case-sensitive literal i at text[pos] (it fits): most candidates differ in the first 16
 * bytes, compared as two masked words without a call. */
static inline bool eq_lit(const rule_litset *ls, size_t i, const char *text, size_t len, size_t pos)
{
    const rule_lit *l = &ls->lits[i];
    if (len - pos < 16)
        return memcmp(text + pos, l->lit, l->len) == 0;
    const uint64_t *h = ls->head[i];
    uint64_t a, b;
    memcpy(&a, text + pos, 8);
    memcpy(&b, text + pos + 8, 8);
    if (((a & h[2]) ^ h[0]) | ((b & h[3]) ^ h[1]))
        return false;
    return l->len <= 16 || memcmp(text + pos + 16, l->lit + 16, l->len - 16) == 0;
}

/* A candidate window at text[pos] for the buckets in mask: compare their literals, each
 * starting its window's offset earlier. */
static void confirm(const rule_litset *ls, const char *text, size_t len, size_t pos, unsigned mask,
                    uint64_t *hit)
{
    if (pos >= len)
        return;
    while (mask) {
        unsigned b = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        for (size_t i = ls->bstart[b]; i < ls->bstart[b + 1]; i++) {
            const rule_lit *l = &ls->lits[i];
            uint64_t bit = 1ull << (l->k & 63);
            if (pos < ls->woff[i] || (hit[l->k >> 6] & bit))
                continue;
            size_t start = pos - ls->woff[i];
            if (l->len > len - start)
                continue;
            if (ls->folded[i] ? eq_folded(text + start, ls->folded[i], l->len)
                              : eq_lit(ls, i, text, len, start))
                hit[l->k >> 6] |= bit;
        }
    }
}

static void scan_scalar_from(const rule_litset *ls, const char *text, size_t len, size_t from,
                             uint64_t *hit)
{
    const uint8_t *s = (const uint8_t *)text;
    for (size_t pos = from; pos < len; pos++) {
        unsigned m = ls->tab[0][s[pos]];
        if (!m)
            continue;
        m &= ls->tab[1][pos + 1 < len ? s[pos + 1] : 0] | (pos + 1 < len ? 0 : 0xFF);
        m &= ls->tab[2][pos + 2 < len ? s[pos + 2] : 0] | (pos + 2 < len ? 0 : 0xFF);
        if (m)
            confirm(ls, text, len, pos, m, hit);
    }
}

#ifdef RULE_LIT_X86
/* W-byte blocks: candidates at p[0..W) need p[0..W + PLEN - 1) readable, so the last block
 * of a line is moved back to end at the line's end, overlapping (its positions already scanned
 * are masked); the last positions, whose literal prefix would run past the end, and lines
 * shorter than a block, go through a zero-padded copy. confirm() checks against the length. */
#define TEDDY_BODY(W, VEC, LOADU, SET1, AND, SHUF, SRLI16, CMPEQ, MOVEMASK, STOREU, ZERO)          \
    const VEC lo0 = LOADU((const VEC *)ls->lo[0]), hi0 = LOADU((const VEC *)ls->hi[0]);            \
    const VEC lo1 = LOADU((const VEC *)ls->lo[1]), hi1 = LOADU((const VEC *)ls->hi[1]);            \
    const VEC lo2 = LOADU((const VEC *)ls->lo[2]), hi2 = LOADU((const VEC *)ls->hi[2]);            \
    const VEC nib = SET1(0x0F), zero = ZERO();                                                     \
    const size_t span = (W) + PLEN - 1; /* bytes one block reads */                                \
    uint8_t pad[(W) + PLEN - 1];                                                                   \
    const uint8_t *s = (const uint8_t *)text;                                                      \
    size_t i = 0, done = 0; /* positions below done are scanned */                                 \
    while (done + PLEN - 1 < len) {                                                                \
        const uint8_t *p;                                                                          \
        if (i + span <= len) {                                                                     \
            p = s + i;                                                                             \
        } else if (len >= span) { /* last block ends at the line's end, overlapping */             \
            i = len - span;                                                                        \
            p = s + i;                                                                             \
        } else { /* short line: a zero-padded copy */                                              \
            memset(pad, 0, sizeof(pad));                                                           \
            memcpy(pad, s, len);                                                                   \
            p = pad;                                                                               \
        }                                                                                          \
        VEC v0 = LOADU((const VEC *)p), v1 = LOADU((const VEC *)(p + 1));                          \
        VEC v2 = LOADU((const VEC *)(p + 2));                                                      \
        VEC m = AND(SHUF(lo0, AND(v0, nib)), SHUF(hi0, AND(SRLI16(v0, 4), nib)));                  \
        m = AND(m, AND(SHUF(lo1, AND(v1, nib)), SHUF(hi1, AND(SRLI16(v1, 4), nib))));              \
        m = AND(m, AND(SHUF(lo2, AND(v2, nib)), SHUF(hi2, AND(SRLI16(v2, 4), nib))));              \
        uint32_t cand = ~(uint32_t)MOVEMASK(CMPEQ(m, zero));                                       \
        if ((W) < 32)                                                                              \
            cand &= (uint32_t)((1ull << (W)) - 1);                                                 \
        if (done > i)                                                                              \
            cand &= ~(uint32_t)((1ull << (done - i)) - 1);                                         \
        if (cand) {                                                                                \
            uint8_t mb[W];                                                                         \
            STOREU((VEC *)mb, m);                                                                  \
            while (cand) {                                                                         \
                unsigned q = (unsigned)__builtin_ctz(cand);                                        \
                cand &= cand - 1;                                                                  \
                confirm(ls, text, len, i + q, mb[q], hit);                                         \
            }                                                                                      \
        }                                                                                          \
        i += (W);                                                                                  \
        done = i;                                                                                  \
    }                                                                                              \
    /* the last PLEN - 1 positions: only literals shorter than PLEN can start there */             \
    if (ls->has_short)                                                                             \
        scan_scalar_from(ls, text, len, done < len ? done : len, hit);

__attribute__((target("avx2"))) static void scan_avx2(const rule_litset *ls, const char *text,
                                                      size_t len, uint64_t *hit)
{
    TEDDY_BODY(32, __m256i, _mm256_loadu_si256, _mm256_set1_epi8, _mm256_and_si256,
               _mm256_shuffle_epi8, _mm256_srli_epi16, _mm256_cmpeq_epi8, _mm256_movemask_epi8,
               _mm256_storeu_si256, _mm256_setzero_si256)
}

__attribute__((target("ssse3"))) static void scan_ssse3(const rule_litset *ls, const char *text,
                                                        size_t len, uint64_t *hit)
{
    TEDDY_BODY(16, __m128i, _mm_loadu_si128, _mm_set1_epi8, _mm_and_si128, _mm_shuffle_epi8,
               _mm_srli_epi16, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_storeu_si128,
               _mm_setzero_si128)
}

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void
scan_vbmi(const rule_litset *ls, const char *text, size_t len, uint64_t *hit)
{
    const __m512i a0 = _mm512_loadu_si512(ls->t7[0]), b0 = _mm512_loadu_si512(ls->t7[0] + 64);
    const __m512i a1 = _mm512_loadu_si512(ls->t7[1]), b1 = _mm512_loadu_si512(ls->t7[1] + 64);
    const __m512i a2 = _mm512_loadu_si512(ls->t7[2]), b2 = _mm512_loadu_si512(ls->t7[2] + 64);
    for (size_t i = 0; i < len; i += 64) {
        const char *p = text + i;
        size_t rem = len - i;
        __m512i v0, v1, v2;
        uint64_t valid;
        if (rem >= 64 + PLEN - 1) { /* the whole block and the window past it are the line's */
            v0 = _mm512_loadu_si512(p);
            v1 = _mm512_loadu_si512(p + 1);
            v2 = _mm512_loadu_si512(p + 2);
            valid = ~0ull;
        } else { /* the end of the line: bytes past it read as 0 (no literal holds a NUL) */
            valid = first_n(rem);
            v0 = _mm512_maskz_loadu_epi8(valid, p);
            v1 = _mm512_maskz_loadu_epi8(first_n(rem - 1), p + 1);
            v2 = _mm512_maskz_loadu_epi8(rem >= 2 ? first_n(rem - 2) : 0, p + 2);
        }
        /* VPERMI2B: bits 0..6 of each byte index the 128-entry table (a: 0..63, b: 64..127) */
        __m512i m = _mm512_ternarylogic_epi32(_mm512_permutex2var_epi8(a0, v0, b0),
                                              _mm512_permutex2var_epi8(a1, v1, b1),
                                              _mm512_permutex2var_epi8(a2, v2, b2), 0x80);
        uint64_t cand = _mm512_test_epi8_mask(m, m) & valid;
        if (cand) {
            uint8_t mb[64];
            _mm512_storeu_si512(mb, m);
            while (cand) {
                unsigned q = (unsigned)__builtin_ctzll(cand);
                cand &= cand - 1;
                confirm(ls, text, len, i + q, mb[q], hit);
            }
        }
    }
}

/* Candidate bits of the 64-byte blocks at base[i], i = from, from + 64, .. < to, into bits[]
 * (one word per block, bit q: a window may start at base[i + q]), for base[0 .. avail)
 * readable; bytes past avail read as 0, as past a line's end. No branch on the data: which
 * blocks hold a candidate is as good as random, and a branch on it cost more than the scan. */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void
chunk_vbmi(const rule_litset *ls, const char *base, size_t from, size_t to, size_t avail,
           uint64_t *bits)
{
    const __m512i a0 = _mm512_loadu_si512(ls->t7[0]), b0 = _mm512_loadu_si512(ls->t7[0] + 64);
    const __m512i a1 = _mm512_loadu_si512(ls->t7[1]), b1 = _mm512_loadu_si512(ls->t7[1] + 64);
    const __m512i a2 = _mm512_loadu_si512(ls->t7[2]), b2 = _mm512_loadu_si512(ls->t7[2] + 64);
    size_t i = from;
    for (; i < to && avail - i >= 64 + PLEN - 1; i += 64) {
        const char *p = base + i;
        __m512i m = _mm512_ternarylogic_epi32(
            _mm512_permutex2var_epi8(a0, _mm512_loadu_si512(p), b0),
            _mm512_permutex2var_epi8(a1, _mm512_loadu_si512(p + 1), b1),
            _mm512_permutex2var_epi8(a2, _mm512_loadu_si512(p + 2), b2), 0x80);
        *bits++ = _mm512_test_epi8_mask(m, m);
    }
    for (; i < to; i += 64) { /* the chunk's last block(s) */
        const char *p = base + i;
        size_t rd = avail - i; /* >= 1 */
        __m512i v0 = _mm512_maskz_loadu_epi8(first_n(rd), p);
        __m512i v1 = _mm512_maskz_loadu_epi8(first_n(rd - 1), p + 1);
        __m512i v2 = _mm512_maskz_loadu_epi8(rd >= 2 ? first_n(rd - 2) : 0, p + 2);
        __m512i m = _mm512_ternarylogic_epi32(_mm512_permutex2var_epi8(a0, v0, b0),
                                              _mm512_permutex2var_epi8(a1, v1, b1),
                                              _mm512_permutex2var_epi8(a2, v2, b2), 0x80);
        *bits++ = _mm512_test_epi8_mask(m, m) & first_n(rd);
    }
}

/* Candidate bits of the 32 windows starting at p[0..32), which needs p[0 .. 32 + PLEN - 1)
 * readable: the nibble tables' buckets (t[2j]: low, t[2j + 1]: high nibbles of byte j), as in
 * TEDDY_BODY. */
__attribute__((target("avx2"))) static inline uint32_t teddy32(const __m256i t[2 * PLEN],
                                                               const uint8_t *p)
{
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i m = _mm256_set1_epi8(-1);
    for (size_t j = 0; j < PLEN; j++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + j));
        m = _mm256_and_si256(
            m, _mm256_and_si256(_mm256_shuffle_epi8(t[2 * j], _mm256_and_si256(v, nib)),
                                _mm256_shuffle_epi8(
                                    t[2 * j + 1], _mm256_and_si256(_mm256_srli_epi16(v, 4), nib))));
    }
    return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, _mm256_setzero_si256()));
}

/* chunk_vbmi with AVX2 and the nibble tables (which let through a superset of the exact
 * table's windows; confirm() sorts them out): two 32-byte Teddy steps per 64-byte block, and
 * the chunk's last blocks through a zero-padded copy, as AVX2 has no masked byte loads. */
__attribute__((target("avx2"))) static void chunk_avx2(const rule_litset *ls, const char *base,
                                                       size_t from, size_t to, size_t avail,
                                                       uint64_t *bits)
{
    __m256i t[2 * PLEN];
    for (size_t j = 0; j < PLEN; j++) {
        t[2 * j] = _mm256_loadu_si256((const __m256i *)ls->lo[j]);
        t[2 * j + 1] = _mm256_loadu_si256((const __m256i *)ls->hi[j]);
    }
    const uint8_t *s = (const uint8_t *)base;
    size_t i = from;
    for (; i < to && avail - i >= 64 + PLEN - 1; i += 64)
        *bits++ = teddy32(t, s + i) | (uint64_t)teddy32(t, s + i + 32) << 32;
    for (; i < to; i += 64) { /* the chunk's last block(s) */
        uint8_t pad[64 + PLEN - 1] = {0};
        size_t rd = avail - i; /* >= 1 */
        memcpy(pad, s + i, rd < sizeof(pad) ? rd : sizeof(pad));
        *bits++ = (teddy32(t, pad) | (uint64_t)teddy32(t, pad + 32) << 32) & first_n(rd);
    }
}
#endif

/* Buckets of the window at base[p], past avail every byte passing (scalar) or reading as 0
 * (VBMI), as in the chunk scans. */
static inline unsigned chunk_mask(const rule_litset *ls, bool vbmi, const uint8_t *s, size_t p,
                                  size_t avail)
{
    if (vbmi)
        return ls->t7[0][s[p] & 0x7F] &
               (p + 1 < avail ? ls->t7[1][s[p + 1] & 0x7F] : ls->t7[1][0]) &
               (p + 2 < avail ? ls->t7[2][s[p + 2] & 0x7F] : ls->t7[2][0]);
    return ls->tab[0][s[p]] & (p + 1 < avail ? ls->tab[1][s[p + 1]] : 0xFFu) &
           (p + 2 < avail ? ls->tab[2][s[p + 2]] : 0xFFu);
}

/* The scalar form of chunk_vbmi, for CPUs without it and as the reference the tests hold the
 * vector one to. */
static void chunk_scalar(const rule_litset *ls, const char *base, size_t from, size_t to,
                         size_t avail, uint64_t *bits)
{
    const uint8_t *s = (const uint8_t *)base;
    for (size_t i = from; i < to; i += 64) {
        uint64_t w = 0;
        for (size_t q = 0; q < 64 && i + q < avail; q++)
            if (chunk_mask(ls, false, s, i + q, avail))
                w |= 1ull << q;
        *bits++ = w;
    }
}

/* The first candidate at or after position p, or c->to when the span has none. */
static size_t next_cand(const rule_litchunk *c, size_t p)
{
    if (p >= c->to)
        return c->to;
    size_t q = p - c->from, w = q >> 6, nw = (c->to - c->from + 63) >> 6;
    uint64_t x = c->bits[w] & (~0ull << (q & 63));
    while (!x) {
        if (++w >= nw)
            return c->to;
        x = c->bits[w];
    }
    size_t r = c->from + (w << 6) + (size_t)__builtin_ctzll(x);
    return r < c->to ? r : c->to;
}

void rule_litchunk_free(rule_litchunk *c)
{
    if (!c)
        return;
    free(c->bits);
    *c = (rule_litchunk){0};
}

/* rule_litset_scan_chunk for a line it can take (ls->chunked, in place, not over the span),
 * past the common case of the next candidate lying beyond the line. */
__attribute__((noinline)) static void scan_chunk_line(const rule_litset *ls, rule_litchunk *c,
                                                      uint64_t id, const char *text, size_t len,
                                                      size_t ahead, uint64_t *hit)
{
    bool vbmi = false;
#ifdef RULE_LIT_X86
    vbmi = ls->impl == RULE_LIT_AVX512VBMI;
#endif
    if (!c->bits && !(c->bits = malloc(RULE_LITCHUNK_SPAN / 64 * sizeof(*c->bits)))) {
        rule_litset_scan(ls, text, len, hit);
        return;
    }
    /* A line of the chunk already known lies at or after the last line's end and ends its
     * readable bytes where the chunk does; anything else starts over from this line. */
    uintptr_t t = (uintptr_t)text, b = (uintptr_t)c->base;
    if (id != c->id || t < b + c->next || t - b + ahead != c->avail) {
        c->id = id;
        c->base = text;
        c->avail = ahead;
        c->from = c->to = c->cand = 0;
    }
    size_t o = (size_t)(t - (uintptr_t)c->base), end = o + len;
    c->next = end;
    if (end > c->to) { /* the next span of blocks, from the one holding the line's start */
        c->from = o & ~(size_t)63;
        c->to = c->from + RULE_LITCHUNK_SPAN;
        if (c->to > c->avail)
            c->to = c->avail;
#ifdef RULE_LIT_X86
        if (vbmi)
            chunk_vbmi(ls, c->base, c->from, c->to, c->avail, c->bits);
        else if (ls->impl == RULE_LIT_AVX2)
            chunk_avx2(ls, c->base, c->from, c->to, c->avail, c->bits);
        else
#endif
            chunk_scalar(ls, c->base, c->from, c->to, c->avail, c->bits);
        c->cand = next_cand(c, o);
    }
    if (c->cand < o)
        c->cand = next_cand(c, o);
    const uint8_t *s = (const uint8_t *)c->base;
    while (c->cand < end) {
        size_t p = c->cand;
        confirm(ls, text, len, p - o, chunk_mask(ls, vbmi, s, p, c->avail), hit);
        c->cand = next_cand(c, p + 1);
    }
}

void rule_litset_scan_chunk(const rule_litset *ls, rule_litchunk *c, uint64_t id, const char *text,
                            size_t len, size_t ahead, uint64_t *hit)
{
    if (!ls->nlits || !len)
        return;
    if (!ls->chunked || !id || ahead < len || len > RULE_LITCHUNK_SPAN - 64) {
        rule_litset_scan(ls, text, len, hit);
        return;
    }
    /* most lines: the next line of the chunk, inside the span scanned, before the next
     * candidate */
    uintptr_t t = (uintptr_t)text, b = (uintptr_t)c->base;
    if (id == c->id && t >= b + c->next && t - b + ahead == c->avail) {
        size_t o = (size_t)(t - b), end = o + len;
        if (end <= c->to && c->cand >= end) {
            c->next = end;
            return;
        }
    }
    scan_chunk_line(ls, c, id, text, len, ahead, hit);
}

void rule_litset_scan(const rule_litset *ls, const char *text, size_t len, uint64_t *hit)
{
    if (!ls->nlits || !len)
        return;
#ifdef RULE_LIT_X86
    if (ls->impl == RULE_LIT_AVX512VBMI) {
        scan_vbmi(ls, text, len, hit);
        return;
    }
    if (ls->impl == RULE_LIT_AVX2) {
        scan_avx2(ls, text, len, hit);
        return;
    }
    if (ls->impl == RULE_LIT_SSSE3) {
        scan_ssse3(ls, text, len, hit);
        return;
    }
#endif
    scan_scalar_from(ls, text, len, 0, hit);
}
