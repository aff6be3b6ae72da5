/* rules/: the engine's single pass over log lines. For each line of a log, every pattern of
 * every rule that applies to the log's family is tried (one multi-literal pass finds which
 * patterns' required literals the line holds, then PCRE2 with JIT runs on those); matches are
 * counted and the first ones kept with provenance. Correlation keeps a bounded ring of recent lines
 * (backward window) and a per-pattern forward window, both limited by time. Memory stays bounded
 * whatever the log size: counts, the first RULE_MAX_EVIDENCE lines and RULE_MAX_CAPTURE_VALUES
 * values per pattern. rule_eval.c turns the state into findings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/history/an_history.h"
#include "rules/rule_scan_int.h"

void rule_format_time(bool has_time, int64_t t, bool utc, char out[48])
{
    an_history_format_time(has_time, t, utc, out); /* one format for findings and history */
}

static void ev_free(rule_ev *e)
{
    free(e->text);
}

void rule_scan_free(rule_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->ps && i < s->rs->npats; i++) {
        rule_pat_state *p = &s->ps[i];
        for (size_t j = 0; j < p->nev; j++)
            ev_free(&p->ev[j]);
        for (size_t g = 0; g < p->ncaps; g++)
            for (size_t v = 0; v < p->caps[g].nvals; v++)
                free(p->caps[g].vals[v]);
        free(p->caps);
        pcre2_match_data_free(p->md);
        free(p->corrs);
    }
    free(s->ps);
    free(s->canon);
    for (size_t f = 0; f < AN_LOG_FAMILY_COUNT; f++) {
        free(s->fam[f].pats);
        free(s->fam[f].lits);
        free(s->fam[f].always);
        free(s->fam[f].hit);
        rule_litset_free(s->fam[f].ls);
    }
    for (size_t i = 0; i < RULE_CORR_RING; i++)
        free(s->ring[i].text);
    free(s->active);
    for (size_t i = 0; i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    for (size_t i = 0; i < s->nstats; i++)
        free(s->stats[i].path);
    free(s->stats);
    rule_litchunk_free(&s->chunk);
    pcre2_match_context_free(s->mctx);
    free(s);
}

static bool same_log_pattern(const rule_cond *a, const rule_cond *b)
{
    return a->kind == COND_LOG && b->kind == COND_LOG && a->families == b->families &&
           a->ignore_case == b->ignore_case && strcmp(a->pattern, b->pattern) == 0 &&
           ((!a->literal && !b->literal) ||
            (a->literal && b->literal && strcmp(a->literal, b->literal) == 0));
}

static int push_size(size_t **arr, size_t *n, size_t v)
{
    size_t *na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na)
        return -ENOMEM;
    *arr = na;
    na[(*n)++] = v;
    return 0;
}

/* Registers canonical log pattern pi with family f's prefilter. */
static int add_to_family(rule_scan *s, unsigned f, size_t pi)
{
    rule_family_filter *ff = &s->fam[f];
    const rule_cond *c = s->rs->pats[pi];
    size_t k = ff->npats;
    if (push_size(&ff->pats, &ff->npats, pi) < 0)
        return -ENOMEM;
    if (!c->literal || c->literal_len == 0)
        return 0; /* marked in always once the family is complete (family_bits) */
    rule_lit *nl = realloc(ff->lits, (ff->nlits + 1) * sizeof(*nl));
    if (!nl)
        return -ENOMEM;
    ff->lits = nl;
    nl[ff->nlits++] = (rule_lit){c->literal, c->literal_len, c->literal_caseless, k};
    return 0;
}

/* The family's literal set and hit bitsets, once all its patterns are known. */
static int family_bits(rule_scan *s, rule_family_filter *ff)
{
    ff->nwords = (ff->npats + 63) / 64;
    ff->always = calloc(ff->nwords, sizeof(*ff->always));
    ff->hit = calloc(ff->nwords, sizeof(*ff->hit));
    if (!ff->always || !ff->hit)
        return -ENOMEM;
    for (size_t k = 0; k < ff->npats; k++) {
        const rule_cond *c = s->rs->pats[ff->pats[k]];
        if (!c->literal || c->literal_len == 0)
            ff->always[k >> 6] |= 1ull << (k & 63);
    }
    return rule_litset_new(ff->lits, ff->nlits, &ff->ls);
}

int rule_scan_new(const rule_set *rs, rule_scan **ret)
{
    if (!rs || !ret)
        return -EINVAL;
    rule_scan *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->rs = rs;
    s->ps = calloc(rs->npats + 1, sizeof(*s->ps));
    s->canon = calloc(rs->npats + 1, sizeof(*s->canon));
    s->active = calloc(rs->npats + 1, sizeof(*s->active));
    s->mctx = pcre2_match_context_create(NULL);
    if (!s->ps || !s->canon || !s->active || !s->mctx)
        goto oom;
    pcre2_set_match_limit(s->mctx, RULE_PCRE2_MATCH_LIMIT);
    for (size_t i = 0; i < rs->npats; i++) {
        rule_cond *c = rs->pats[i];
        s->canon[i] = i;
        for (size_t j = 0; j < i && s->canon[i] == i; j++)
            if (s->canon[j] == j && same_log_pattern(rs->pats[j], c))
                s->canon[i] = j;
        if (s->canon[i] != i)
            continue; /* shares the state of an identical earlier pattern */
        rule_pat_state *p = &s->ps[i];
        p->md = pcre2_match_data_create_from_pattern(c->re, NULL);
        if (!p->md)
            goto oom;
        if (c->ngroups) {
            p->caps = calloc(c->ngroups, sizeof(*p->caps));
            if (!p->caps)
                goto oom;
            p->ncaps = c->ngroups;
        }
        if (c->kind == COND_LOG) {
            for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++)
                if ((c->families & (1u << f)) && add_to_family(s, f, i) < 0)
                    goto oom;
        }
    }
    /* correlations hang off the canonical state of their anchor */
    for (size_t i = 0; i < rs->npats; i++) {
        rule_cond *c = rs->pats[i];
        if (c->kind != COND_CORRELATE)
            continue;
        rule_pat_state *a = &s->ps[s->canon[c->anchor->pat_index]];
        if (push_size(&a->corrs, &a->ncorrs, i) < 0)
            goto oom;
        for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++)
            if (c->anchor->families & (1u << f))
                s->family_has_corr[f] = true;
    }
    for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++)
        if (s->fam[f].npats && family_bits(s, &s->fam[f]) < 0)
            goto oom;
    for (size_t i = 0; i < RULE_CORR_RING; i++) {
        s->ring[i].text = malloc(RULE_CORR_TEXT + 1);
        if (!s->ring[i].text)
            goto oom;
    }
    *ret = s;
    return 0;
oom:
    rule_scan_free(s);
    return -ENOMEM;
}

void rule_scan_family_present(rule_scan *s, an_log_family family)
{
    if (s && (unsigned)family < AN_LOG_FAMILY_COUNT)
        s->family_present[family] = true;
}

int rule_scan_file_begin(rule_scan *s, an_log_family family, const char *path)
{
    if (!s || (unsigned)family >= AN_LOG_FAMILY_COUNT || !path)
        return -EINVAL;
    char **np = realloc(s->paths, (s->npaths + 1) * sizeof(*np));
    if (!np)
        return -ENOMEM;
    s->paths = np;
    if (!(np[s->npaths] = strdup(path)))
        return -ENOMEM;
    s->cur_path = np[s->npaths++];
    s->cur_family = family;
    s->family_present[family] = true;
    s->file_seq++;
    s->ring_n = 0;
    s->ring_head = 0;
    s->ring_chunk = 0;
    s->nactive = 0;
    s->have_time = false;
    s->cur_lines = 0;
    s->chunk.id = 0; /* the litset may differ: another family */
    s->in_file = true;
    return 0;
}

int rule_scan_file_end(rule_scan *s, uint64_t bytes, double seconds)
{
    if (!s || !s->in_file)
        return -EINVAL;
    s->in_file = false;
    s->nactive = 0;
    s->ring_n = 0; /* its lines may lie in the reader's chunks, gone with the reader */
    rule_log_stat *ns = realloc(s->stats, (s->nstats + 1) * sizeof(*ns));
    if (!ns)
        return -ENOMEM;
    s->stats = ns;
    rule_log_stat *st = &ns[s->nstats];
    if (!(st->path = strdup(s->cur_path)))
        return -ENOMEM;
    s->nstats++;
    st->family = an_log_family_name(s->cur_family);
    st->lines = s->cur_lines;
    st->bytes = bytes;
    st->seconds = seconds;
    st->mb_per_s = seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
    return 0;
}

static char *dup_cap(const char *p, size_t n, size_t cap)
{
    if (n > cap)
        n = cap;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Prefilter + regex. true on a match (ovector in p->md). */
static bool try_match(rule_scan *s, const rule_cond *c, rule_pat_state *p, const char *text,
                      size_t len, bool literal_seen)
{
    if (c->literal && !literal_seen) {
        if (c->literal_caseless ? strcasestr(text, c->literal) == NULL
                                : memmem(text, len, c->literal, c->literal_len) == NULL)
            return false;
    }
    int rc = c->jit ? pcre2_jit_match(c->re, (PCRE2_SPTR)text, len, 0, 0, p->md, s->mctx)
                    : pcre2_match(c->re, (PCRE2_SPTR)text, len, 0, 0, p->md, s->mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT)
        s->match_limit_hits++;
    return rc >= 0;
}

/* Records one matching line: count, evidence (first ones), capture values. */
/* Where a matched line is: kept apart from the text so timestamps are formatted only for
 * the few lines that are kept. */
typedef struct {
    uint64_t line_no;
    uint64_t offset;
    bool has_time;
    bool utc;
    int64_t time;
} rule_pos;

static void record(rule_scan *s, const rule_cond *c, rule_pat_state *p, const char *text,
                   size_t len, const rule_pos *pos)
{
    p->count++;
    /* kept even when this condition does not cite: an identical pattern elsewhere may */
    if (p->nev < RULE_MAX_EVIDENCE) {
        rule_ev *e = &p->ev[p->nev];
        e->text = dup_cap(text, len, RULE_MAX_EVIDENCE_TEXT);
        if (e->text) {
            e->source = s->cur_path;
            e->line = (int64_t)pos->line_no;
            e->offset = (int64_t)pos->offset;
            rule_format_time(pos->has_time, pos->time, pos->utc, e->ts);
            p->nev++;
        }
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
    uint32_t npairs = pcre2_get_ovector_count(p->md);
    for (size_t g = 0; g < p->ncaps; g++) {
        uint32_t num = c->groups[g].number;
        if (num >= npairs || ov[2 * num] == PCRE2_UNSET || ov[2 * num + 1] < ov[2 * num])
            continue;
        rule_capture *cp = &p->caps[g];
        const char *v = text + ov[2 * num];
        size_t vl = ov[2 * num + 1] - ov[2 * num];
        if (vl > RULE_MAX_CAPTURE_LEN)
            vl = RULE_MAX_CAPTURE_LEN;
        if (vl == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < cp->nvals && !seen; k++)
            seen = strlen(cp->vals[k]) == vl && memcmp(cp->vals[k], v, vl) == 0;
        if (!seen && cp->nvals < RULE_MAX_CAPTURE_VALUES) {
            char *d = dup_cap(v, vl, RULE_MAX_CAPTURE_LEN);
            if (d)
                cp->vals[cp->nvals++] = d;
        }
    }
}

/* Tests a correlation pattern on one line (once per line per correlation). */
static void corr_line(rule_scan *s, size_t ci, const char *text, size_t len, const rule_pos *pos)
{
    rule_pat_state *p = &s->ps[ci];
    if (p->file_seq == s->file_seq && pos->line_no <= p->last_line)
        return;
    p->file_seq = s->file_seq;
    p->last_line = pos->line_no;
    const rule_cond *c = s->rs->pats[ci];
    if (try_match(s, c, p, text, len, false))
        record(s, c, p, text, len, pos);
}

static void activate(rule_scan *s, size_t ci, int64_t until)
{
    rule_pat_state *p = &s->ps[ci];
    if (p->fwd_active && p->fwd_seq == s->file_seq) {
        if (until > p->fwd_until)
            p->fwd_until = until;
        return;
    }
    p->fwd_active = true;
    p->fwd_seq = s->file_seq;
    p->fwd_until = until;
    s->active[s->nactive++] = ci;
}

/* An anchor matched at time t: lines already seen within the window, then lines to come. */
static void anchor_hit(rule_scan *s, rule_pat_state *ap, int64_t t, const an_log_line *line,
                       const rule_pos *pos)
{
    for (size_t k = 0; k < ap->ncorrs; k++) {
        size_t ci = ap->corrs[k];
        int64_t w = s->rs->pats[ci]->within, lo, hi;
        /* log timestamps are evidence: saturate instead of overflowing */
        if (__builtin_sub_overflow(t, w, &lo))
            lo = INT64_MIN;
        if (__builtin_add_overflow(t, w, &hi))
            hi = INT64_MAX;
        /* oldest first so last_line only grows */
        size_t start = (s->ring_head + RULE_CORR_RING - s->ring_n) % RULE_CORR_RING;
        for (size_t j = 0; j < s->ring_n; j++) {
            rule_ring_line *rl = &s->ring[(start + j) % RULE_CORR_RING];
            if (!rl->has_eff || rl->eff < lo || rl->eff > hi)
                continue;
            rule_pos rp = {rl->line_no, rl->offset, rl->has_time, rl->utc, rl->time};
            corr_line(s, ci, rl->at, rl->len, &rp);
        }
        corr_line(s, ci, line->text, line->len, pos);
        activate(s, ci, hi);
    }
}

/* Marks the patterns of family filter ff whose literal occurs in the line; a line in place
 * in its reader's chunk shares one scan of the chunk with the chunk's other lines. */
static void prefilter(rule_scan *s, rule_family_filter *ff, const an_log_line *line)
{
    for (size_t w = 0; w < ff->nwords; w++) {
        uint64_t v = ff->always[w];
        /* one or two words: hidden from GCC, which would make the loop a call to memcpy */
        __asm__("" : "+r"(v));
        ff->hit[w] = v;
    }
    if (line->ahead)
        rule_litset_scan_chunk(ff->ls, &s->chunk, line->chunk_id, line->text, line->len,
                               line->ahead, ff->hit);
    else
        rule_litset_scan(ff->ls, line->text, line->len, ff->hit);
}

/* The reader is on a new chunk: the previous one, where ring lines may still lie, is about to
 * be refilled (an_log_line.ahead), so those lines are copied now; at most RULE_CORR_RING of
 * them, where copying every line cost 7 % of the pass. */
static void ring_keep(rule_scan *s, uint64_t chunk)
{
    for (size_t j = 0; j < s->ring_n; j++) {
        rule_ring_line *rl = &s->ring[(s->ring_head + RULE_CORR_RING - 1 - j) % RULE_CORR_RING];
        if (!rl->chunk || rl->chunk == chunk)
            continue;
        memcpy(rl->text, rl->at, rl->len); /* len <= RULE_CORR_TEXT: kept in place only then */
        rl->text[rl->len] = '\0';
        rl->at = rl->text;
        rl->chunk = 0;
    }
    s->ring_chunk = chunk;
}

int rule_scan_line_cb(const an_log_line *line, void *ctx)
{
    rule_scan *s = ctx;
    if (!s->in_file)
        return 0;
    if (line->chunk_id != s->ring_chunk && line->chunk_id)
        ring_keep(s, line->chunk_id);
    s->cur_lines++;
    const char *text = line->text;
    size_t len = line->len;
    if (line->has_time) {
        s->have_time = true;
        s->last_time = line->time;
        s->last_utc = line->time_is_utc;
    }
    rule_pos pos = {line->line_no, line->offset, line->has_time, line->time_is_utc, line->time};
    /* 1. forward correlation windows opened by earlier anchors */
    for (size_t i = 0; i < s->nactive;) {
        size_t ci = s->active[i];
        rule_pat_state *p = &s->ps[ci];
        if (!s->have_time || s->last_time > p->fwd_until) {
            p->fwd_active = false;
            s->active[i] = s->active[--s->nactive];
            continue;
        }
        corr_line(s, ci, text, len, &pos);
        i++;
    }
    /* 2. every pattern of this family whose literal the line holds */
    an_log_family f = s->cur_family;
    rule_family_filter *ff = &s->fam[f];
    if (ff->npats) {
        prefilter(s, ff, line);
        for (size_t w = 0; w < ff->nwords; w++) {
            for (uint64_t bits = ff->hit[w]; bits; bits &= bits - 1) {
                size_t k = w * 64 + (size_t)__builtin_ctzll(bits); /* in pattern order */
                size_t pi = ff->pats[k];
                const rule_cond *c = s->rs->pats[pi];
                rule_pat_state *p = &s->ps[pi];
                /* the prefilter found the literal already */
                if (!try_match(s, c, p, text, len, c->literal != NULL))
                    continue;
                record(s, c, p, text, len, &pos);
                if (p->ncorrs && s->have_time)
                    anchor_hit(s, p, s->last_time, line, &pos);
            }
        }
    }
    /* 3. remember the line for later anchors: where it lies, if in place in the reader's
     * chunk (copied when the next chunk begins, above), else a copy */
    if (s->family_has_corr[f]) {
        rule_ring_line *rl = &s->ring[s->ring_head];
        if (line->ahead && len <= RULE_CORR_TEXT) {
            rl->at = text;
            rl->len = len;
            rl->chunk = line->chunk_id;
        } else {
            size_t n = len > RULE_CORR_TEXT ? RULE_CORR_TEXT : len;
            rl->len = n;
            /* Hide n's bound: knowing it, GCC inlines a slow "rep movsq" instead of calling
             * libc's memcpy, a measurable cost when every line is copied. */
            __asm__("" : "+r"(n));
            memcpy(rl->text, text, n);
            rl->text[n] = '\0';
            rl->at = rl->text;
            rl->chunk = 0;
        }
        rl->line_no = line->line_no;
        rl->offset = line->offset;
        rl->has_time = line->has_time;
        rl->utc = line->time_is_utc;
        rl->time = line->time;
        rl->has_eff = s->have_time;
        rl->eff = s->last_time;
        s->ring_head = (s->ring_head + 1) % RULE_CORR_RING;
        if (s->ring_n < RULE_CORR_RING)
            s->ring_n++;
    }
    return 0;
}
