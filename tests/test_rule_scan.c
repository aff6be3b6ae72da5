/* Tests of the rule pass's multi-literal prefilter (rules/rule_scan_lit.c) and of the decoder's
 * clean-line shortcut (analyzer/logs/an_log_read.c): every implementation of the literal pass
 * (scalar, SSSE3, AVX2, as the CPU has them) against a plain search on generated lines with
 * short literals at line starts, ends and in other cases; the whole rule pass against PCRE2 run
 * on every line with no prefilter, on every real log of the corpus and on generated lines; and
 * the lines the decoder hands out against a plain splitter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/logs/an_log.h"
#include "common/sxs_limits.h"
#include "rules/rule.h"
#include "rules/rule_scan_int.h"
#include "rules/rule_scan_lit.h"
#include "tests/support/corpus.h"

static const rule_lit_impl impls[] = {RULE_LIT_SCALAR, RULE_LIT_SSSE3, RULE_LIT_AVX2,
                                      RULE_LIT_AVX512VBMI};
static const char *const impl_names[] = {"scalar", "ssse3", "avx2", "avx512vbmi"};

/* Deterministic generator (xorshift64*), so a failure is reproducible. */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return rnd_state * 2685821657736338717ull;
}

static bool has_folded(const char *t, size_t n, const char *lit, size_t ln)
{
    for (size_t i = 0; i + ln <= n; i++) {
        size_t k = 0;
        while (k < ln && ((unsigned char)t[i + k] | ((t[i + k] >= 'A' && t[i + k] <= 'Z') << 5)) ==
                             ((unsigned char)lit[k] | ((lit[k] >= 'A' && lit[k] <= 'Z') << 5)))
            k++;
        if (k == ln)
            return true;
    }
    return false;
}

/* The literals of the rule pack's patterns and some edge cases: 1 and 2 bytes, a prefix of
 * another, shared prefixes, caseless. */
static const struct {
    const char *s;
    bool caseless;
} gen_lits[] = {
    {", Error", false},
    {"_SXS_", false},
    {", error", true},
    {"c01a001d", false},
    {"C01A001D", false},
    {"Hashes for file member ", false},
    {"Hashes for file member [", false},
    {"CSI Payload Corrupt", false},
    {"Failed to create worker session", false},
    {"Doqe: Recording result: 0x80070003, for Inf: ", false},
    {"setup phase change", true},
    {"x", false},
    {"Q", true},
    {"ab", false},
    {"\t;", false},
    {"Startup: Rolling back KTM", false},
};
#define NGEN (sizeof(gen_lits) / sizeof(gen_lits[0]))

/* A line of random length built from pieces of literals, their case variants and filler. */
static size_t gen_line(char *out, size_t cap)
{
    static const char filler[] = "abcXQ ,_:E[]0123 \tSsxe";
    size_t n = 0, want = rnd() % 200;
    if (rnd() % 4 == 0) { /* a literal at the very start */
        const char *l = gen_lits[rnd() % NGEN].s;
        size_t ll = strlen(l);
        memcpy(out, l, ll);
        n = ll;
    }
    while (n < want && n + 64 < cap) {
        unsigned r = (unsigned)(rnd() % 8);
        if (r < 3) {
            const char *l = gen_lits[rnd() % NGEN].s;
            size_t ll = strlen(l), take = r == 0 ? ll - rnd() % ll : ll; /* whole or cut */
            for (size_t k = 0; k < take; k++) {
                char c = l[k];
                if (rnd() % 16 == 0 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
                    c ^= 0x20; /* other case */
                out[n++] = c;
            }
        } else {
            out[n++] = filler[rnd() % (sizeof(filler) - 1)];
        }
    }
    if (rnd() % 4 == 0) { /* a literal at the very end */
        const char *l = gen_lits[rnd() % NGEN].s;
        size_t ll = strlen(l);
        memcpy(out + n, l, ll);
        n += ll;
    }
    out[n] = '\0';
    return n;
}

Test(rule_scan_lit, every_implementation_agrees_with_plain_search)
{
    rule_lit lits[NGEN];
    for (size_t i = 0; i < NGEN; i++)
        lits[i] = (rule_lit){gen_lits[i].s, strlen(gen_lits[i].s), gen_lits[i].caseless, i};
    rule_litset *ls;
    cr_assert_eq(rule_litset_new(lits, NGEN, &ls), 0);
    uint64_t found[NGEN] = {0};
    size_t tested = 0;
    char line[512];
    for (int iter = 0; iter < 40000; iter++) {
        size_t n = gen_line(line, sizeof(line));
        /* the line alone in an exact-size heap block: reads past it would be caught by ASan */
        char *t = malloc(n ? n : 1);
        cr_assert(t);
        memcpy(t, line, n);
        uint64_t want = 0;
        for (size_t i = 0; i < NGEN; i++) {
            size_t ln = lits[i].len;
            bool in = lits[i].caseless ? has_folded(line, n, lits[i].lit, ln)
                                       : memmem(line, n, lits[i].lit, ln) != NULL;
            if (in) {
                want |= 1ull << i;
                found[i]++;
            }
        }
        for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
            if (rule_litset_use(ls, impls[m]) != 0)
                continue; /* the CPU lacks it */
            uint64_t hit = 0;
            rule_litset_scan(ls, t, n, &hit);
            cr_assert_eq(hit, want, "%s: line '%s': got %#llx, want %#llx", impl_names[m], line,
                         (unsigned long long)hit, (unsigned long long)want);
            tested++;
        }
        free(t);
    }
    cr_assert_geq(tested, 40000);
    for (size_t i = 0; i < NGEN; i++) /* each literal was seen, so each was really tested */
        cr_expect_gt(found[i], 50, "literal '%s' seen %llu times", gen_lits[i].s,
                     (unsigned long long)found[i]);
    /* an empty set and an empty line are fine; an empty literal is refused */
    rule_litset *none;
    cr_assert_eq(rule_litset_new(NULL, 0, &none), 0);
    uint64_t h = 0;
    rule_litset_scan(none, "abc", 3, &h);
    rule_litset_scan(ls, "", 0, &h);
    cr_assert_eq(h, 0);
    rule_litset_free(none);
    rule_lit empty = {"", 0, false, 0};
    cr_assert_eq(rule_litset_new(&empty, 1, &none), -EINVAL);
    rule_litset_free(ls);
}

/* The literals of gen_lits in t[0..n), as plain search finds them. */
static uint64_t plain_hits(const rule_lit *lits, const char *t, size_t n)
{
    uint64_t want = 0;
    for (size_t i = 0; i < NGEN; i++) {
        bool in = lits[i].caseless ? has_folded(t, n, lits[i].lit, lits[i].len)
                                   : memmem(t, n, lits[i].lit, lits[i].len) != NULL;
        if (in)
            want |= 1ull << i;
    }
    return want;
}

/* The chunk scan (one scan of a reader chunk shared by its lines) against plain search, line by
 * line: chunks of several scan spans, lines ended by LF, CRLF or the NUL the reader writes,
 * literals cut by a line's end, lines handed out as copies in between (chunk_id 0), a line too
 * long for a span, and a new chunk at the same address. */
Test(rule_scan_lit, chunk_scan_agrees_with_plain_search)
{
    rule_lit lits[NGEN];
    for (size_t i = 0; i < NGEN; i++)
        lits[i] = (rule_lit){gen_lits[i].s, strlen(gen_lits[i].s), gen_lits[i].caseless, i};
    rule_litset *ls;
    cr_assert_eq(rule_litset_new(lits, NGEN, &ls), 0);
    enum { CAP = 3 * RULE_LITCHUNK_SPAN };
    size_t starts[4096], lens[4096];
    size_t tested = 0, copies = 0, longs = 0, hits = 0;
    for (int round = 0; round < 24; round++) {
        /* the chunk, in an exact-size heap block: ASan catches reads past its end */
        char *buf = malloc(CAP);
        cr_assert(buf);
        size_t n = 0, nl = 0;
        while (nl < 4096) {
            char line[512];
            size_t ln = gen_line(line, sizeof(line));
            if (round % 6 == 5 && nl == 3) { /* a line longer than a span */
                ln = RULE_LITCHUNK_SPAN + 100;
                if (n + ln + 2 > CAP)
                    break;
                for (size_t k = 0; k < ln; k++)
                    buf[n + k] = "xab_SXS_ E"[k % 10];
                memcpy(buf + n + ln - 7, ", Error", 7);
                longs++;
            } else {
                if (n + ln + 2 > CAP)
                    break;
                memcpy(buf + n, line, ln);
            }
            starts[nl] = n;
            lens[nl++] = ln;
            n += ln;
            unsigned term = (unsigned)(rnd() % 3);
            buf[n++] = term == 0 ? '\n' : term == 1 ? '\r' : '\0';
            if (term == 1)
                buf[n++] = '\n';
        }
        for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
            if (rule_litset_use(ls, impls[m]) != 0)
                continue;
            rule_litchunk c = {0};
            for (int pass = 0; pass < 2; pass++) { /* the same address, another chunk id */
                uint64_t id = (uint64_t)round * 8 + m * 2 + (uint64_t)pass + 1;
                for (size_t l = 0; l < nl; l++) {
                    const char *t = buf + starts[l];
                    uint64_t want = plain_hits(lits, t, lens[l]), hit = 0;
                    if (rnd() % 16 == 0) { /* handed out as a copy */
                        char *cp = malloc(lens[l] ? lens[l] : 1);
                        cr_assert(cp);
                        memcpy(cp, t, lens[l]);
                        rule_litset_scan_chunk(ls, &c, 0, cp, lens[l], lens[l], &hit);
                        free(cp);
                        copies++;
                    } else {
                        rule_litset_scan_chunk(ls, &c, id, t, lens[l], n - starts[l], &hit);
                    }
                    cr_assert_eq(hit, want, "%s: chunk %d line %zu '%.*s': got %#llx, want %#llx",
                                 impl_names[m], round, l, (int)(lens[l] < 300 ? lens[l] : 300), t,
                                 (unsigned long long)hit, (unsigned long long)want);
                    hits += want != 0;
                    tested++;
                }
            }
            rule_litchunk_free(&c);
        }
        free(buf);
    }
    cr_assert_geq(tested, 20000);
    cr_assert_gt(copies, 100);
    cr_assert_gt(longs, 0);
    cr_assert_gt(hits, tested / 4);
    rule_litset_free(ls);
}

Test(rule_scan_lit, auto_picks_the_fastest_the_cpu_has)
{
    rule_lit l = {"_SXS_", 5, false, 0};
    rule_litset *ls;
    cr_assert_eq(rule_litset_new(&l, 1, &ls), 0);
    rule_lit_impl want = rule_litset_use(ls, RULE_LIT_AVX512VBMI) == 0 ? RULE_LIT_AVX512VBMI
                         : rule_litset_use(ls, RULE_LIT_AVX2) == 0     ? RULE_LIT_AVX2
                         : rule_litset_use(ls, RULE_LIT_SSSE3) == 0    ? RULE_LIT_SSSE3
                                                                       : RULE_LIT_SCALAR;
    cr_assert_eq(rule_litset_use(ls, RULE_LIT_AUTO), 0);
    cr_assert_eq(rule_litset_impl(ls), want);
    rule_litset_free(ls);
}

/* ---- the whole rule pass against PCRE2 on every line ------------------------------------- */

typedef struct {
    const rule_set *rs;
    an_log_family fam;
    uint64_t *counts;
    pcre2_match_data **md;
    pcre2_match_context *mctx;
} plain_ctx;

static int plain_line(const an_log_line *line, void *ctx)
{
    plain_ctx *p = ctx;
    for (size_t i = 0; i < p->rs->npats; i++) {
        const rule_cond *c = p->rs->pats[i];
        if (c->kind != COND_LOG || !(c->families & (1u << p->fam)))
            continue;
        if (pcre2_match(c->re, (PCRE2_SPTR)line->text, line->len, 0, 0, p->md[i], p->mctx) >= 0)
            p->counts[i]++;
    }
    return 0;
}

static rule_set *load_pack(void)
{
    rule_set *rs = rule_set_new();
    cr_assert(rs);
    cr_assert_eq(rule_set_load_dir(rs, rule_builtin_dir(), NULL, NULL), 0);
    return rs;
}

static void plain_init(plain_ctx *p, const rule_set *rs, an_log_family fam)
{
    *p = (plain_ctx){rs, fam, calloc(rs->npats + 1, sizeof(uint64_t)),
                     calloc(rs->npats + 1, sizeof(pcre2_match_data *)),
                     pcre2_match_context_create(NULL)};
    cr_assert(p->counts && p->md && p->mctx);
    pcre2_set_match_limit(p->mctx, RULE_PCRE2_MATCH_LIMIT);
    for (size_t i = 0; i < rs->npats; i++)
        cr_assert(p->md[i] = pcre2_match_data_create_from_pattern(rs->pats[i]->re, NULL));
}

static void plain_free(plain_ctx *p)
{
    for (size_t i = 0; i < p->rs->npats; i++)
        pcre2_match_data_free(p->md[i]);
    free(p->md);
    free(p->counts);
    pcre2_match_context_free(p->mctx);
}

/* Forces one literal-pass implementation on every family; false when the CPU lacks it. */
static bool scan_use(rule_scan *s, rule_lit_impl impl)
{
    for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++)
        if (s->fam[f].ls && rule_litset_use(s->fam[f].ls, impl) != 0)
            return false;
    return true;
}

/* Log patterns' counts of the rule pass equal the plain counts; returns their sum. */
static uint64_t expect_same_counts(const rule_scan *s, const plain_ctx *p, const char *what,
                                   const char *impl)
{
    uint64_t total = 0;
    for (size_t i = 0; i < p->rs->npats; i++) {
        const rule_cond *c = p->rs->pats[i];
        if (c->kind != COND_LOG || !(c->families & (1u << p->fam)))
            continue;
        cr_expect_eq(s->ps[s->canon[i]].count, p->counts[i],
                     "%s (%s): pattern %s: %llu, plain %llu", what, impl, c->pattern,
                     (unsigned long long)s->ps[s->canon[i]].count,
                     (unsigned long long)p->counts[i]);
        total += p->counts[i];
    }
    return total;
}

Test(rule_scan_pass, same_matches_as_plain_pcre2_on_every_corpus_log, .timeout = 600)
{
    static const struct {
        const char *rel;
        an_log_family fam;
    } logs[] = {
        {"logs/cbs/alborz25_ws2012-9200_CBS.log", AN_LOG_CBS},
        {"logs/cbs/appostarsi_win10-19041_CBS_5_23.log.xz", AN_LOG_CBS},
        {"logs/cbs/appostarsi_win10-19041_CBS_Win_10.log.xz", AN_LOG_CBS},
        {"logs/cbs/appostarsi_win11-22621_CBS.log.xz", AN_LOG_CBS},
        {"logs/cbs/eyeofparadox_win11-26100_CBS.log.xz", AN_LOG_CBS},
        {"logs/cbs/hofcake_win81-9600_CBS.log", AN_LOG_CBS},
        {"logs/cbs/romi1996_win10-18362_CBS.log", AN_LOG_CBS},
        {"logs/cbs/scarlaglen_win11-22621_CBS.log.xz", AN_LOG_CBS},
        {"logs/excerpts/msdocs_cbs_0x8007000d_driver-failure_redacted-dates.log", AN_LOG_CBS},
        {"logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log", AN_LOG_CBS},
        {"logs/dism/appostarsi_win10_dism_5_23.log.xz", AN_LOG_DISM},
        {"logs/dism/appostarsi_win10_dism_win_10.log", AN_LOG_DISM},
        {"logs/dism/appostarsi_win11_dism.log", AN_LOG_DISM},
        {"logs/dism/eyeofparadox_win11-26100_dism.log", AN_LOG_DISM},
        {"logs/panther/appostarsi_upgrade_rollback/setupact.log.xz", AN_LOG_PANTHER},
        {"logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log", AN_LOG_PANTHER},
        {"logs/panther/azure_vm_specialize/setupact.log", AN_LOG_PANTHER},
        {"logs/panther/bitbtrust_winpe_install/setupact.log", AN_LOG_PANTHER},
        {"logs/panther/bitbtrust_winpe_install/setuperr.log", AN_LOG_PANTHER},
        {"logs/panther/rickak77_upgrade_error/setupact.log", AN_LOG_PANTHER},
        {"logs/panther/eyeofparadox_mosetup/BlueBox.log", AN_LOG_MOSETUP},
        {"logs/setupapi/plaso_setupapi.dev.log", AN_LOG_SETUPAPI},
        {"logs/panther/appostarsi_upgrade_rollback/setupapi.offline.log.xz", AN_LOG_SETUPAPI},
        {"logs/windowsupdate/appostarsi_win10-19041_WindowsUpdate.log.xz", AN_LOG_WINDOWSUPDATE},
        {"logs/windowsupdate/findingsanity_ws2019-17763_WindowsUpdate.log", AN_LOG_WINDOWSUPDATE},
    };
    rule_set *rs = load_pack();
    uint64_t total = 0;
    size_t seen = 0;
    for (size_t li = 0; li < sizeof(logs) / sizeof(logs[0]); li++) {
        char *path = sxs_corpus_path(logs[li].rel);
        if (!path)
            continue; /* counted below: most of the corpus must be there */
        seen++;
        plain_ctx p;
        plain_init(&p, rs, logs[li].fam);
        cr_assert_eq(an_log_stream_host(path, logs[li].fam, NULL, plain_line, &p, NULL, NULL), 0);
        for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
            rule_scan *s;
            cr_assert_eq(rule_scan_new(rs, &s), 0);
            if (!scan_use(s, impls[m])) {
                rule_scan_free(s);
                continue;
            }
            cr_assert_eq(rule_scan_file_begin(s, logs[li].fam, logs[li].rel), 0);
            cr_assert_eq(
                an_log_stream_host(path, logs[li].fam, NULL, rule_scan_line_cb, s, NULL, NULL), 0);
            uint64_t t = expect_same_counts(s, &p, logs[li].rel, impl_names[m]);
            if (m == 0)
                total += t;
            rule_scan_free(s);
        }
        plain_free(&p);
        free(path);
    }
    if (seen == 0)
        cr_skip_test("corpus logs absent (set SXS_CORPUS_DIR / shared/corpus)");
    cr_expect_eq(seen, sizeof(logs) / sizeof(logs[0]), "corpus logs found");
    cr_expect_gt(total, 1000, "the comparison saw real matches: %llu", (unsigned long long)total);
    rule_set_free(rs);
}

/* Lines a CBS log could hold, with the pack's short literals (", Error", "_SXS_", "c01a001d")
 * at the start, at the end and in other cases. */
static size_t gen_cbs_line(char *out, size_t cap)
{
    static const char *const parts[] = {
        ", Error",
        ", ERROR",
        ", error",
        ", Error ",
        ", Error\t",
        "_SXS_",
        "STATUS_SXS_",
        "ERROR_SXS_ASSEMBLY_MISSING",
        "status_sxs_x",
        "c01a001d",
        "C01A001D",
        "0xc01a001d",
        "0xC01A001D ",
        "2024-04-01 10:00:00",
        " ",
        "Info  ",
        "CBS  ",
        "0x800f081f",
        "0x80073712 ",
        "Hashes for file member [l:8]'wcp.dll' do not match",
        "CSI Payload Corrupt (n) x",
        "Startup: Rolling back KTM",
        "Failed to create worker session",
        "CSI    ",
        "Error  ",
        "x",
        ",",
        "E",
        "_",
    };
    const size_t np = sizeof(parts) / sizeof(parts[0]);
    size_t n = 0, k = 1 + rnd() % 8;
    for (size_t i = 0; i < k; i++) {
        const char *s = parts[rnd() % np];
        size_t sl = strlen(s);
        if (n + sl + 1 >= cap)
            break;
        memcpy(out + n, s, sl);
        n += sl;
    }
    out[n] = '\0';
    return n;
}

Test(rule_scan_pass, same_matches_as_plain_pcre2_on_generated_lines)
{
    rule_set *rs = load_pack();
    plain_ctx p;
    plain_init(&p, rs, AN_LOG_CBS);
    enum { NLINES = 30000 };
    char(*lines)[512] = malloc(NLINES * sizeof(*lines));
    size_t *lens = malloc(NLINES * sizeof(*lens));
    cr_assert(lines && lens);
    for (size_t i = 0; i < NLINES; i++)
        lens[i] = gen_cbs_line(lines[i], sizeof(lines[i]));
    for (size_t i = 0; i < NLINES; i++) {
        an_log_line ln = {.text = lines[i], .len = lens[i], .line_no = i + 1};
        plain_line(&ln, &p);
    }
    for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
        rule_scan *s;
        cr_assert_eq(rule_scan_new(rs, &s), 0);
        if (!scan_use(s, impls[m])) {
            rule_scan_free(s);
            continue;
        }
        cr_assert_eq(rule_scan_file_begin(s, AN_LOG_CBS, "generated"), 0);
        for (size_t i = 0; i < NLINES; i++) {
            an_log_line ln = {.text = lines[i], .len = lens[i], .line_no = i + 1};
            rule_scan_line_cb(&ln, s);
        }
        uint64_t total = expect_same_counts(s, &p, "generated", impl_names[m]);
        cr_expect_gt(total, 3000);
        rule_scan_free(s);
    }
    free(lines);
    free(lens);
    plain_free(&p);
    rule_set_free(rs);
}

/* ---- decoder: the clean-line shortcut hands out what a plain splitter would --------------- */

typedef struct {
    char *want;     /* the expected lines, each NUL-terminated, one after another */
    uint64_t *offs; /* expected offset per line */
    size_t nwant;
    size_t at; /* read position in want */
    size_t got;
} split_ctx;

static int split_line(const an_log_line *ln, void *ctx)
{
    split_ctx *c = ctx;
    cr_assert_lt(c->got, c->nwant, "more lines than written");
    const char *w = c->want + c->at;
    cr_assert_str_eq(ln->text, w, "line %llu", (unsigned long long)ln->line_no);
    cr_assert_eq(ln->len, strlen(w));
    cr_assert_eq(ln->offset, c->offs[c->got], "line %llu offset", (unsigned long long)ln->line_no);
    cr_assert_not(ln->truncated);
    c->at += strlen(w) + 1;
    c->got++;
    return 0;
}

Test(rule_scan_decode, clean_lines_split_as_plain_splitter_across_chunks)
{
    /* printable ASCII with tabs, lone CRs, several CRs before LF, DEL, LF only, empty lines; some
     * lines long, up to the line limit, so chunk boundaries fall inside lines */
    size_t cap = (size_t)SXS_STREAM_CHUNK * 2 + SXS_MAX_LOG_LINE * 4;
    uint8_t *buf = malloc(cap);
    char *want = malloc(cap);
    uint64_t *offs = malloc(cap / 2 * sizeof(*offs));
    cr_assert(buf && want && offs);
    size_t n = 0, wn = 0, nl = 0;
    while (n < (size_t)SXS_STREAM_CHUNK * 2) {
        size_t len = rnd() % 8 == 0 ? rnd() % (SXS_MAX_LOG_LINE - 3) : rnd() % 300;
        offs[nl++] = n;
        size_t start = n;
        for (size_t i = 0; i < len; i++) {
            unsigned r = (unsigned)(rnd() % 64);
            buf[n++] = r == 0 ? '\t' : r == 1 ? '\r' : r == 2 ? 0x7F : (uint8_t)(0x20 + rnd() % 95);
        }
        size_t text_end = n;
        while (text_end > start && buf[text_end - 1] == '\r')
            text_end--; /* trailing CRs belong to the terminator */
        memcpy(want + wn, buf + start, text_end - start);
        wn += text_end - start;
        want[wn++] = '\0';
        unsigned crs = (unsigned)(rnd() % 4); /* 0: LF, 1: CRLF, 2-3: CRCRLF... */
        for (unsigned i = 0; i < crs; i++)
            buf[n++] = '\r';
        buf[n++] = '\n';
    }
    split_ctx c = {want, offs, nl, 0, 0};
    an_log_stats st;
    cr_assert_eq(
        an_log_stream_mem(buf, n, "generated", AN_LOG_POQEXEC, NULL, split_line, &c, &st, NULL), 0);
    cr_assert_eq(c.got, nl);
    cr_assert_eq(st.lines, nl);
    cr_assert_eq(st.binary_bytes, 0);
    free(buf);
    free(want);
    free(offs);
}

typedef struct {
    int64_t times[8];
    bool has[8];
    size_t n;
} time_ctx;

static int time_line(const an_log_line *ln, void *ctx)
{
    time_ctx *c = ctx;
    if (c->n < 8) {
        c->has[c->n] = ln->has_time;
        c->times[c->n] = ln->time;
    }
    c->n++;
    return 0;
}

Test(rule_scan_decode, remembered_date_gives_the_same_times)
{
    /* the same date on consecutive lines (the cache), a bad clock after a good date, a new
     * date, an invalid date with the cached prefix, a leap day */
    static const char log[] = "2024-04-01 10:00:00, Info a\r\n"
                              "2024-04-01 10:00:01, Info b\r\n"
                              "2024-04-01 25:00:01, Info bad hour\r\n"
                              "2024-04-02 00:00:00, Info next day\r\n"
                              "2024-04-0x 00:00:00, Info bad date\r\n"
                              "2024-02-29 23:59:59, Info leap\r\n"
                              "2023-02-29 23:59:59, Info not leap\r\n"
                              "2024-04-02 00:00:007, Info more digits\r\n";
    time_ctx c = {0};
    cr_assert_eq(an_log_stream_mem((const uint8_t *)log, sizeof(log) - 1, "t", AN_LOG_CBS, NULL,
                                   time_line, &c, NULL, NULL),
                 0);
    cr_assert_eq(c.n, 8);
    const int64_t d0401 = 1711929600; /* 2024-04-01T00:00:00 */
    cr_assert(c.has[0] && c.times[0] == d0401 + 36000);
    cr_assert(c.has[1] && c.times[1] == d0401 + 36001);
    cr_assert_not(c.has[2]);
    cr_assert(c.has[3] && c.times[3] == d0401 + 86400);
    cr_assert_not(c.has[4]);
    cr_assert(c.has[5] && c.times[5] == 1709251199); /* 2024-02-29T23:59:59 */
    cr_assert_not(c.has[6]);
    cr_assert_not(c.has[7]);
}

static int only_a(const an_log_line *ln, void *ctx)
{
    size_t *total = ctx;
    for (size_t i = 0; i < ln->len; i++)
        cr_assert_eq(ln->text[i], 'a', "line %llu byte %zu: %#x", (unsigned long long)ln->line_no,
                     i, (unsigned char)ln->text[i]);
    *total += ln->len;
    return 0;
}

Test(rule_scan_decode, terminator_split_by_a_chunk_boundary)
{
    /* CR as a chunk's last byte and its LF first in the next; or an LF alone first there */
    for (int crlf = 0; crlf < 2; crlf++) {
        size_t n = (size_t)SXS_STREAM_CHUNK + 100, nl = 0, as = 0;
        uint8_t *buf = malloc(n);
        cr_assert(buf);
        memset(buf, 'a', n);
        size_t lf = (size_t)SXS_STREAM_CHUNK; /* first byte of the second chunk */
        for (size_t at = 100; at + 2 < (size_t)SXS_STREAM_CHUNK - 1; at += 101, nl++)
            buf[at] = '\n'; /* lines of 100 bytes up to the boundary */
        if (crlf)
            buf[SXS_STREAM_CHUNK - 1] = '\r';
        buf[lf] = '\n';
        buf[n - 1] = '\n';
        nl += 2;
        for (size_t i = 0; i < n; i++)
            as += buf[i] == 'a';
        an_log_stats st;
        size_t total = 0;
        cr_assert_eq(
            an_log_stream_mem(buf, n, "split", AN_LOG_POQEXEC, NULL, only_a, &total, &st, NULL), 0);
        cr_assert_eq(st.lines, nl, "crlf=%d", crlf);
        cr_assert_eq(total, as, "crlf=%d: every 'a' and nothing else", crlf);
        free(buf);
    }
}
