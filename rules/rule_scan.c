/* rules/: the engine's single pass over log lines. For each line of a log, every pattern of
 * every rule that applies to the log's family is tried (a memmem/strcasestr prefilter on a
 * literal the pattern requires, then PCRE2 with JIT); matches are counted and the first ones
 * kept with provenance. Correlation keeps a bounded ring of recent lines (backward window) and
 * a per-pattern forward window, both limited by time. Memory stays bounded whatever the log
 * size: counts, the first RULE_MAX_EVIDENCE lines and RULE_MAX_CAPTURE_VALUES values per
 * pattern. rule_eval.c turns the state into findings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/rule_scan_int.h"

void rule_format_time(bool has_time, int64_t t, bool utc, char out[48])
{
    out[0] = '\0';
    if (!has_time)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return;
    strftime(out, 48, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S (local)", &tm);
}

static void ev_free(rule_ev *e)
{
    free(e->text);
}

void rule_scan_free(rule_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->rs->npats; i++) {
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
    for (size_t f = 0; f < AN_LOG_FAMILY_COUNT; f++)
        free(s->by_family[f]);
    for (size_t i = 0; i < RULE_CORR_RING; i++)
        free(s->ring[i].text);
    free(s->active);
    for (size_t i = 0; i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    for (size_t i = 0; i < s->nstats; i++)
        free(s->stats[i].path);
    free(s->stats);
    pcre2_match_context_free(s->mctx);
    free(s);
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
    s->active = calloc(rs->npats + 1, sizeof(*s->active));
    s->mctx = pcre2_match_context_create(NULL);
    if (!s->ps || !s->active || !s->mctx)
        goto oom;
    pcre2_set_match_limit(s->mctx, RULE_PCRE2_MATCH_LIMIT);
    for (size_t i = 0; i < rs->npats; i++) {
        rule_cond *c = rs->pats[i];
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
            for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++) {
                if (!(c->families & (1u << f)))
                    continue;
                size_t *nb = realloc(s->by_family[f], (s->nby_family[f] + 1) * sizeof(*nb));
                if (!nb)
                    goto oom;
                s->by_family[f] = nb;
                nb[s->nby_family[f]++] = i;
            }
        } else {
            rule_pat_state *a = &s->ps[c->anchor->pat_index];
            /* anchors are indexed before their correlations only when written first; the
             * state array exists for all patterns already, so order does not matter */
            size_t *nc = realloc(a->corrs, (a->ncorrs + 1) * sizeof(*nc));
            if (!nc)
                goto oom;
            a->corrs = nc;
            nc[a->ncorrs++] = i;
            for (unsigned f = 0; f < AN_LOG_FAMILY_COUNT; f++)
                if (c->anchor->families & (1u << f))
                    s->family_has_corr[f] = true;
        }
    }
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
    s->nactive = 0;
    s->have_time = false;
    s->cur_lines = 0;
    s->in_file = true;
    return 0;
}

int rule_scan_file_end(rule_scan *s, uint64_t bytes, double seconds)
{
    if (!s || !s->in_file)
        return -EINVAL;
    s->in_file = false;
    s->nactive = 0;
    rule_log_stat *ns = realloc(s->stats, (s->nstats + 1) * sizeof(*ns));
    if (!ns)
        return -ENOMEM;
    s->stats = ns;
    rule_log_stat *st = &ns[s->nstats];
    if (!(st->path = strdup(s->cur_path)))
        return -ENOMEM;
    s->nstats++;
    st->family = rule_family_name(s->cur_family);
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
                      size_t len)
{
    if (c->literal) {
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
static void record(rule_scan *s, const rule_cond *c, rule_pat_state *p, const char *text,
                   size_t len, uint64_t line_no, uint64_t offset, const char *ts)
{
    p->count++;
    if (c->cite && p->nev < RULE_MAX_EVIDENCE) {
        rule_ev *e = &p->ev[p->nev];
        e->text = dup_cap(text, len, RULE_MAX_EVIDENCE_TEXT);
        if (e->text) {
            e->source = s->cur_path;
            e->line = (int64_t)line_no;
            e->offset = (int64_t)offset;
            memcpy(e->ts, ts, sizeof(e->ts));
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
static void corr_line(rule_scan *s, size_t ci, const char *text, size_t len, uint64_t line_no,
                      uint64_t offset, const char *ts)
{
    rule_pat_state *p = &s->ps[ci];
    if (p->file_seq == s->file_seq && line_no <= p->last_line)
        return;
    p->file_seq = s->file_seq;
    p->last_line = line_no;
    const rule_cond *c = s->rs->pats[ci];
    if (try_match(s, c, p, text, len))
        record(s, c, p, text, len, line_no, offset, ts);
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
                       const char *ts)
{
    for (size_t k = 0; k < ap->ncorrs; k++) {
        size_t ci = ap->corrs[k];
        int64_t w = s->rs->pats[ci]->within;
        /* oldest first so last_line only grows */
        size_t start = (s->ring_head + RULE_CORR_RING - s->ring_n) % RULE_CORR_RING;
        for (size_t j = 0; j < s->ring_n; j++) {
            rule_ring_line *rl = &s->ring[(start + j) % RULE_CORR_RING];
            if (!rl->has_time || rl->time < t - w || rl->time > t + w)
                continue;
            corr_line(s, ci, rl->text, rl->len, rl->line_no, rl->offset, rl->ts);
        }
        corr_line(s, ci, line->text, line->len, line->line_no, line->offset, ts);
        activate(s, ci, t + w);
    }
}

int rule_scan_line_cb(const an_log_line *line, void *ctx)
{
    rule_scan *s = ctx;
    if (!s->in_file)
        return 0;
    s->cur_lines++;
    const char *text = line->text;
    size_t len = line->len;
    if (line->has_time) {
        s->have_time = true;
        s->last_time = line->time;
        s->last_utc = line->time_is_utc;
    }
    char ts[48];
    rule_format_time(line->has_time, line->time, line->time_is_utc, ts);
    /* 1. forward correlation windows opened by earlier anchors */
    for (size_t i = 0; i < s->nactive;) {
        size_t ci = s->active[i];
        rule_pat_state *p = &s->ps[ci];
        if (!s->have_time || s->last_time > p->fwd_until) {
            p->fwd_active = false;
            s->active[i] = s->active[--s->nactive];
            continue;
        }
        corr_line(s, ci, text, len, line->line_no, line->offset, ts);
        i++;
    }
    /* 2. every pattern of this family */
    an_log_family f = s->cur_family;
    for (size_t k = 0; k < s->nby_family[f]; k++) {
        size_t pi = s->by_family[f][k];
        const rule_cond *c = s->rs->pats[pi];
        rule_pat_state *p = &s->ps[pi];
        if (!try_match(s, c, p, text, len))
            continue;
        record(s, c, p, text, len, line->line_no, line->offset, ts);
        if (p->ncorrs && s->have_time)
            anchor_hit(s, p, s->last_time, line, ts);
    }
    /* 3. remember the line for later anchors */
    if (s->family_has_corr[f]) {
        rule_ring_line *rl = &s->ring[s->ring_head];
        rl->len = len > RULE_CORR_TEXT ? RULE_CORR_TEXT : len;
        memcpy(rl->text, text, rl->len);
        rl->text[rl->len] = '\0';
        rl->line_no = line->line_no;
        rl->offset = line->offset;
        rl->has_time = s->have_time;
        rl->time = s->last_time;
        memcpy(rl->ts, ts, sizeof(ts));
        s->ring_head = (s->ring_head + 1) % RULE_CORR_RING;
        if (s->ring_n < RULE_CORR_RING)
            s->ring_n++;
    }
    return 0;
}
