/* Prefilter benchmark (issue 16 item 4): the rule pass's log patterns of one family, run on
 * every line of a log with four prefilters in front of the same PCRE2 JIT confirmation, so
 * only the prefilter differs:
 *   wm       the engine before: Wu-Manber over literals >= 8 bytes, memmem/strcasestr per line
 *            for the shorter ones (the code as it was, kept here for the figure)
 *   teddy    the engine now: rules/rule_scan_lit.c, one pass for every literal
 *   hs-lit   Hyperscan 5.4, one hs_scan per line over a literal database (hs_compile_lit_multi)
 *   hs-re    Hyperscan 5.4, one hs_scan per line over the whole patterns (HS_FLAG_PREFILTER,
 *            as PCRE2 constructs such as lookarounds and possessive quantifiers need it)
 * The log is decoded once into memory first (its lines, as the decoder hands them out), so
 * the figure is the prefilter + regex part alone. Each variant must give the same match
 * counts, else the bench fails. Prints CPU seconds and MB/s of log bytes per CPU second.
 *   prefilter_bench RULES_DIR FAMILY LOGFILE [RUNS]    (Release build; needs libhs) */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/logs/an_log.h"
#include "rules/rule.h"
#include "rules/rule_int.h"
#include "rules/rule_scan_lit.h"

typedef struct {
    char *text; /* all lines, NUL-separated */
    size_t len, cap;
    size_t *off;
    size_t nlines, lcap;
    uint64_t bytes;
} lines;

static int keep_line(const an_log_line *ln, void *ctx)
{
    lines *L = ctx;
    if (L->len + ln->len + 1 > L->cap) {
        L->cap = (L->cap + ln->len + 1) * 2;
        if (!(L->text = realloc(L->text, L->cap)))
            return -1;
    }
    if (L->nlines == L->lcap) {
        L->lcap = L->lcap ? L->lcap * 2 : 1024;
        if (!(L->off = realloc(L->off, L->lcap * sizeof(*L->off))))
            return -1;
    }
    L->off[L->nlines++] = L->len;
    memcpy(L->text + L->len, ln->text, ln->len + 1);
    L->len += ln->len + 1;
    return 0;
}

typedef struct {
    const rule_cond **pats; /* distinct log patterns of the family */
    size_t n;
    pcre2_match_data *md;
    uint64_t *counts;
} patset;

static bool confirm(patset *P, size_t k, const char *t, size_t len)
{
    const rule_cond *c = P->pats[k];
    int rc = c->jit ? pcre2_jit_match(c->re, (PCRE2_SPTR)t, len, 0, 0, P->md, NULL)
                    : pcre2_match(c->re, (PCRE2_SPTR)t, len, 0, 0, P->md, NULL);
    return rc >= 0;
}

/* ---- wm: the engine's prefilter before this change -------------------------------------- */
#define WM_BITS 12
#define WM_MIN_LIT 8
static inline uint16_t block2(const char *p)
{
    return (uint16_t)(((uint8_t)p[0] ^ ((unsigned)(uint8_t)p[1] << 4)) & ((1u << WM_BITS) - 1));
}

typedef struct {
    size_t m;
    uint8_t shift[1u << WM_BITS];
    uint16_t head[1u << WM_BITS];
    uint16_t next[256];
    const char *lit[256];
    size_t len[256], k[256];
    size_t nlits;
    bool wm_lit[256]; /* per pattern: its literal is in the Wu-Manber set */
} wm_t;

static void wm_build(wm_t *w, const patset *P)
{
    memset(w, 0, sizeof(*w));
    w->m = 64;
    for (size_t k = 0; k < P->n && w->nlits < 256; k++) {
        const rule_cond *c = P->pats[k];
        if (!c->literal || c->literal_caseless || c->literal_len < WM_MIN_LIT)
            continue;
        w->lit[w->nlits] = c->literal;
        w->len[w->nlits] = c->literal_len;
        w->k[w->nlits++] = k;
        w->wm_lit[k] = true;
        if (c->literal_len < w->m)
            w->m = c->literal_len;
    }
    memset(w->shift, (int)(w->m - 1), sizeof(w->shift));
    for (size_t l = 0; l < w->nlits; l++) {
        for (size_t q = 1; q < w->m; q++) {
            uint16_t b = block2(w->lit[l] + q - 1);
            if (w->m - 1 - q < w->shift[b])
                w->shift[b] = (uint8_t)(w->m - 1 - q);
        }
        uint16_t b = block2(w->lit[l] + w->m - 2);
        w->next[l] = w->head[b];
        w->head[b] = (uint16_t)(l + 1);
    }
}

static void run_wm(const wm_t *w, patset *P, const char *t, size_t len)
{
    uint8_t hit[256] = {0};
    if (w->nlits && len >= w->m) {
        size_t pos = w->m - 1;
        while (pos < len) {
            uint16_t b = block2(t + pos - 1);
            if (w->shift[b]) {
                pos += w->shift[b];
                continue;
            }
            size_t start = pos + 1 - w->m;
            for (uint16_t li = w->head[b]; li; li = w->next[li - 1])
                if (w->len[li - 1] <= len - start &&
                    memcmp(t + start, w->lit[li - 1], w->len[li - 1]) == 0)
                    hit[w->k[li - 1]] = 1;
            pos++;
        }
    }
    for (size_t k = 0; k < P->n; k++) {
        const rule_cond *c = P->pats[k];
        if (w->wm_lit[k] && !hit[k])
            continue;
        if (!w->wm_lit[k] && c->literal &&
            (c->literal_caseless ? strcasestr(t, c->literal) == NULL
                                 : memmem(t, len, c->literal, c->literal_len) == NULL))
            continue;
        if (confirm(P, k, t, len))
            P->counts[k]++;
    }
}

/* ---- teddy: rules/rule_scan_lit.c ----------------------------------------------------------- */
static void run_teddy(const rule_litset *ls, const uint64_t *always, size_t nw, patset *P,
                      const char *t, size_t len)
{
    uint64_t hit[4];
    memcpy(hit, always, nw * sizeof(*hit));
    rule_litset_scan(ls, t, len, hit);
    for (size_t w = 0; w < nw; w++)
        for (uint64_t b = hit[w]; b; b &= b - 1) {
            size_t k = w * 64 + (size_t)__builtin_ctzll(b);
            if (confirm(P, k, t, len))
                P->counts[k]++;
        }
}

/* ---- Hyperscan ---------------------------------------------------------------------------------
 */
typedef struct {
    uint64_t hit[4];
} hs_ctx;

static int on_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                 void *vctx)
{
    (void)from;
    (void)to;
    (void)flags;
    hs_ctx *c = vctx;
    c->hit[id >> 6] |= 1ull << (id & 63);
    return 0;
}

static void run_hs(const hs_database_t *db, hs_scratch_t *sc, const uint64_t *always, size_t nw,
                   patset *P, const char *t, size_t len)
{
    hs_ctx c;
    memcpy(c.hit, always, nw * sizeof(*c.hit));
    hs_scan(db, t, (unsigned)len, 0, sc, on_hs, &c);
    for (size_t w = 0; w < nw; w++)
        for (uint64_t b = c.hit[w]; b; b &= b - 1) {
            size_t k = w * 64 + (size_t)__builtin_ctzll(b);
            if (confirm(P, k, t, len))
                P->counts[k]++;
        }
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { V_WM, V_TEDDY, V_HSLIT, V_HSRE, NVAR };
static const char *const var_names[NVAR] = {"wm", "teddy", "hs-lit", "hs-re"};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s RULES_DIR FAMILY LOGFILE [RUNS]\n", argv[0]);
        return 2;
    }
    int fam = an_log_family_from_name(argv[2]);
    int runs = argc > 4 ? atoi(argv[4]) : 3;
    rule_set *rs = rule_set_new();
    if (fam < 0 || runs < 1 || !rs || rule_set_load_dir(rs, argv[1], NULL, NULL) < 0) {
        fprintf(stderr, "bad family, runs or rules\n");
        return 2;
    }
    lines L = {0};
    an_log_stats st = {0};
    if (an_log_stream_host(argv[3], (an_log_family)fam, NULL, keep_line, &L, &st, NULL) != 0)
        return 1;
    /* distinct log patterns of the family (identical ones share a state in the engine) */
    patset P = {calloc(rs->npats + 1, sizeof(*P.pats)), 0, NULL, NULL};
    for (size_t i = 0; i < rs->npats; i++) {
        const rule_cond *c = rs->pats[i];
        if (c->kind != COND_LOG || !(c->families & (1u << fam)))
            continue;
        bool dup = false;
        for (size_t k = 0; k < P.n && !dup; k++)
            dup = strcmp(P.pats[k]->pattern, c->pattern) == 0 &&
                  P.pats[k]->ignore_case == c->ignore_case;
        if (!dup)
            P.pats[P.n++] = c;
    }
    if (P.n == 0 || P.n > 256) {
        fprintf(stderr, "%zu patterns: 1..256 supported\n", P.n);
        return 2;
    }
    size_t nw = (P.n + 63) / 64;
    P.md = pcre2_match_data_create(64, NULL);
    uint64_t *counts[NVAR];
    for (int v = 0; v < NVAR; v++)
        counts[v] = calloc(P.n, sizeof(uint64_t));

    wm_t *wm = malloc(sizeof(*wm));
    wm_build(wm, &P);

    rule_lit *lits = calloc(P.n, sizeof(*lits));
    size_t nl = 0;
    uint64_t always[4] = {0};
    for (size_t k = 0; k < P.n; k++) {
        const rule_cond *c = P.pats[k];
        if (c->literal && c->literal_len)
            lits[nl++] = (rule_lit){c->literal, c->literal_len, c->literal_caseless, k};
        else
            always[k >> 6] |= 1ull << (k & 63);
    }
    rule_litset *ls;
    if (rule_litset_new(lits, nl, &ls) < 0)
        return 1;

    const char **hl = calloc(P.n, sizeof(*hl));
    unsigned *hf = calloc(P.n, sizeof(*hf)), *hid = calloc(P.n, sizeof(*hid));
    size_t *hlen = calloc(P.n, sizeof(*hlen));
    for (size_t i = 0; i < nl; i++) {
        hl[i] = lits[i].lit;
        hlen[i] = lits[i].len;
        hid[i] = (unsigned)lits[i].k;
        hf[i] = HS_FLAG_SINGLEMATCH | (lits[i].caseless ? HS_FLAG_CASELESS : 0);
    }
    hs_database_t *dblit = NULL, *dbre = NULL;
    hs_compile_error_t *ce = NULL;
    if (nl && hs_compile_lit_multi(hl, hf, hid, hlen, (unsigned)nl, HS_MODE_BLOCK, NULL, &dblit,
                                   &ce) != HS_SUCCESS) {
        fprintf(stderr, "hs literal compile: %s\n", ce->message);
        return 1;
    }
    for (size_t k = 0; k < P.n; k++) {
        hl[k] = P.pats[k]->pattern;
        hid[k] = (unsigned)k;
        hf[k] = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY |
                (P.pats[k]->ignore_case ? HS_FLAG_CASELESS : 0);
    }
    if (hs_compile_multi(hl, hf, hid, (unsigned)P.n, HS_MODE_BLOCK, NULL, &dbre, &ce) !=
        HS_SUCCESS) {
        fprintf(stderr, "hs pattern compile (pattern %d): %s\n", ce->expression, ce->message);
        return 1;
    }
    hs_scratch_t *sc = NULL;
    if ((dblit && hs_alloc_scratch(dblit, &sc) != HS_SUCCESS) ||
        hs_alloc_scratch(dbre, &sc) != HS_SUCCESS)
        return 1;
    uint64_t zero[4] = {0};

    double *secs = calloc((size_t)runs * NVAR, sizeof(double));
    for (int r = 0; r < runs; r++) {
        for (int v = 0; v < NVAR; v++) { /* interleaved: same machine load for each */
            memset(P.counts = counts[v], 0, P.n * sizeof(uint64_t));
            double t0 = cpu_now();
            for (size_t i = 0; i < L.nlines; i++) {
                const char *t = L.text + L.off[i];
                size_t len = (i + 1 < L.nlines ? L.off[i + 1] : L.len) - L.off[i] - 1;
                switch (v) {
                case V_WM:
                    run_wm(wm, &P, t, len);
                    break;
                case V_TEDDY:
                    run_teddy(ls, always, nw, &P, t, len);
                    break;
                case V_HSLIT:
                    if (dblit)
                        run_hs(dblit, sc, always, nw, &P, t, len);
                    else
                        run_teddy(ls, always, nw, &P, t, len);
                    break;
                default:
                    run_hs(dbre, sc, zero, nw, &P, t, len);
                    break;
                }
            }
            secs[v * runs + r] = cpu_now() - t0;
        }
    }
    int bad = 0;
    for (int v = 1; v < NVAR; v++)
        if (memcmp(counts[v], counts[V_WM], P.n * sizeof(uint64_t)) != 0) {
            fprintf(stderr, "FAIL: %s counts differ from wm\n", var_names[v]);
            bad = 1;
        }
    uint64_t matches = 0;
    for (size_t k = 0; k < P.n; k++)
        matches += counts[V_WM][k];
    printf("log=%s lines=%zu bytes=%llu patterns=%zu literals=%zu matches=%llu runs=%d\n", argv[3],
           L.nlines, (unsigned long long)st.bytes, P.n, nl, (unsigned long long)matches, runs);
    for (int v = 0; v < NVAR; v++) {
        qsort(secs + v * runs, (size_t)runs, sizeof(double), cmp_double);
        double med = secs[v * runs + runs / 2];
        printf("prefilter=%s median_cpu_seconds=%.3f MBps_per_cpu_second=%.1f\n", var_names[v], med,
               (double)st.bytes / 1e6 / med);
    }
    hs_free_scratch(sc);
    hs_free_database(dblit);
    hs_free_database(dbre);
    rule_litset_free(ls);
    free(secs);
    free(hl);
    free(hf);
    free(hid);
    free(hlen);
    free(lits);
    free(wm);
    for (int v = 0; v < NVAR; v++)
        free(counts[v]);
    pcre2_match_data_free(P.md);
    free(P.pats);
    free(L.text);
    free(L.off);
    rule_set_free(rs);
    return bad;
}
