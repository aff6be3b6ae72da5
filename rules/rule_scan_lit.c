/* rules/: the multi-literal prefilter of the rule pass. Every literal of a log family, short or
 * long, case-sensitive or caseless, is found in one pass over the line with the "Teddy"
 * technique (as in Hyperscan's FDR and Rust's aho-corasick): the literals are spread over 8
 * buckets; for each of the first three bytes of a literal, two 16-entry tables give, per low
 * and per high nibble of a byte, the buckets that accept it. PSHUFB looks up 32 (AVX2) or 16
 * (SSSE3) bytes at a time; a position whose three lookups leave a bucket bit set is a candidate
 * start, confirmed by comparing the bucket's literals. No false negatives: a literal's own bytes
 * always pass its bucket's tables. A scalar loop over the same tables serves other CPUs.
 *
 * Why not Hyperscan: the engine sees one line at a time, and one hs_scan per line (literal or
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

#define NBUCKET 8
#define PLEN 3 /* bytes of each literal the tables test (the block code below has three) */

struct rule_litset {
    /* per low / high nibble: buckets accepting it at literal byte j; 16 entries, repeated
     * for the second AVX2 lane */
    uint8_t lo[PLEN][32];
    uint8_t hi[PLEN][32];
    uint8_t tab[PLEN][256]; /* scalar: lo & hi combined per byte */
    rule_lit *lits;         /* sorted by bucket */
    char **folded;          /* lower-case copy of each caseless literal, else NULL */
    uint64_t (*head)[4];    /* per literal: its first 16 bytes as two words, and their masks */
    size_t nlits;
    size_t bstart[NBUCKET + 1]; /* literals of bucket b: lits[bstart[b] .. bstart[b + 1]) */
    rule_lit_impl impl;
};

static inline uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

static int cmp_prefix(const rule_lit *a, const rule_lit *b)
{
    for (size_t j = 0; j < PLEN; j++) {
        int ca = j < a->len ? fold((uint8_t)a->lit[j]) : -1;
        int cb = j < b->len ? fold((uint8_t)b->lit[j]) : -1;
        if (ca != cb)
            return ca - cb;
    }
    return 0;
}

static void sort_lits(rule_lit *l, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* a few dozen literals: insertion sort, stable */
        rule_lit x = l[i];
        size_t j = i;
        while (j > 0 && cmp_prefix(&l[j - 1], &x) > 0) {
            l[j] = l[j - 1];
            j--;
        }
        l[j] = x;
    }
}

static void add_byte(rule_litset *ls, size_t j, uint8_t c, uint8_t bit)
{
    ls->lo[j][c & 15] |= bit;
    ls->hi[j][c >> 4] |= bit;
    ls->lo[j][16 + (c & 15)] |= bit;
    ls->hi[j][16 + (c >> 4)] |= bit;
}

static bool cpu_has(rule_lit_impl impl)
{
#ifdef RULE_LIT_X86
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
        impl = cpu_has(RULE_LIT_AVX2)    ? RULE_LIT_AVX2
               : cpu_has(RULE_LIT_SSSE3) ? RULE_LIT_SSSE3
                                         : RULE_LIT_SCALAR;
    if (!cpu_has(impl))
        return -ENOTSUP;
    ls->impl = impl;
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
        if (!ls->lits || !ls->folded || !ls->head) {
            free(ls->lits);
            free(ls->folded);
            free(ls->head);
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
    /* Similar prefixes share a bucket, so a bucket's tables stay selective. */
    sort_lits(ls->lits, n);
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
                if (j >= l->len) { /* a shorter literal accepts any byte there */
                    for (unsigned c = 0; c < 16; c++)
                        add_byte(ls, j, (uint8_t)(c * 0x11), bit);
                    continue;
                }
                uint8_t c = (uint8_t)l->lit[j];
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

/* A candidate at text[pos] for the buckets in mask: compare their literals. */
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
            if (l->len > len - pos || (hit[l->k >> 6] & bit))
                continue;
            if (ls->folded[i] ? eq_folded(text + pos, ls->folded[i], l->len)
                              : eq_lit(ls, i, text, len, pos))
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
#endif

void rule_litset_scan(const rule_litset *ls, const char *text, size_t len, uint64_t *hit)
{
    if (!ls->nlits || !len)
        return;
#ifdef RULE_LIT_X86
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
