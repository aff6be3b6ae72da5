/* analyzer/history/: the attempt store of the servicing history: attempts opened and cited by
 * the per-family parsers during the log pass, bounded, then ordered, merged and resolved by
 * an_history_finish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

const char *an_attempt_kind_name(an_attempt_kind k)
{
    static const char *const names[AN_ATT_KIND_COUNT] = {"upgrade", "update",        "fod",
                                                         "feature", "driver-update", "dism"};
    return (unsigned)k < AN_ATT_KIND_COUNT ? names[k] : "unknown";
}

const char *an_attempt_status_name(an_attempt_status s)
{
    switch (s) {
    case AN_ATT_SUCCEEDED:
        return "succeeded";
    case AN_ATT_FAILED:
        return "failed";
    case AN_ATT_PENDING:
        return "pending";
    case AN_ATT_UNKNOWN:
        break;
    }
    return "unknown";
}

void an_history_format_time(bool has, int64_t t, bool utc, char out[48])
{
    out[0] = '\0';
    if (!has)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return;
    strftime(out, 48, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S (local)", &tm);
}

an_history *an_history_new(void)
{
    an_history *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->cbs.startup_att = h->cbs.driver_att = -1;
    h->setup.att = h->dism.att = h->sapi.att = -1;
    for (size_t i = 0; i < HIST_EVTX_OPEN; i++)
        h->evtx.open[i].att = -1;
    return h;
}

static void attempt_clear(an_attempt *a)
{
    for (size_t i = 0; i < a->nev; i++) {
        free(a->ev[i].source);
        free(a->ev[i].text);
    }
    memset(a, 0, sizeof(*a));
}

void an_history_free(an_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        attempt_clear(&h->att[i]);
    for (size_t i = 0; i < h->evtx.nnotes; i++)
        free(h->evtx.notes[i].source);
    free(h->evtx.last_srv.note.source);
    free(h->att);
    free(h->open);
    free(h->path);
    free(h);
}

void hist_copy(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    size_t max = len < cap - 1 ? len : cap - 1;
    while (n < max && (unsigned char)s[n] >= 0x20 && s[n] != 0x7f) /* stops at NUL too */
        n++;
    memcpy(dst, s, n);
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

/* A slot for a new attempt: append, or reuse the oldest closed attempt that did not fail. */
static long slot(an_history *h)
{
    if (h->n < AN_HISTORY_MAX_ATTEMPTS) {
        if (h->n == h->cap) {
            size_t nc = h->cap ? h->cap * 2 : 64;
            an_attempt *na = realloc(h->att, nc * sizeof(*na));
            if (!na)
                return -1;
            h->att = na;
            bool *no = realloc(h->open, nc * sizeof(*no));
            if (!no)
                return -1;
            h->open = no;
            h->cap = nc;
        }
        memset(&h->att[h->n], 0, sizeof(h->att[h->n]));
        h->open[h->n] = false;
        return (long)h->n++;
    }
    long best = -1;
    for (size_t i = 0; i < h->n; i++) {
        if (h->open[i] || h->att[i].status == AN_ATT_FAILED)
            continue;
        if (best < 0 || !h->att[i].has_start ||
            (h->att[best].has_start && h->att[i].start < h->att[best].start))
            best = (long)i;
    }
    if (best >= 0) {
        attempt_clear(&h->att[best]);
        h->dropped++;
    }
    return best;
}

long hist_begin(an_history *h, an_attempt_kind kind, const an_log_line *l)
{
    long i = slot(h);
    if (i < 0) {
        h->dropped++;
        return -1;
    }
    an_attempt *a = &h->att[i];
    a->kind = kind;
    a->status = AN_ATT_UNKNOWN;
    a->resolved_by = -1;
    a->result_ev = -1;
    a->family = h->family;
    if (l && l->has_time) {
        a->has_start = a->has_end = true;
        a->start = a->end = l->time;
        a->time_is_utc = l->time_is_utc;
    }
    h->open[i] = true;
    return i;
}

bool hist_set_path(an_history *h, const char *path)
{
    if (h->path && strcmp(h->path, path) == 0)
        return true;
    char *p = strdup(path);
    if (!p)
        return false;
    free(h->path);
    h->path = p;
    h->msg_off = h->comp_off = 0;
    return true;
}

void hist_cite(an_history *h, long i, const an_log_line *l, bool important)
{
    an_attempt *a = hist_get(h, i);
    if (!a || !l)
        return;
    if (l->has_time) {
        if (!a->has_start) {
            a->has_start = true;
            a->start = l->time;
            a->time_is_utc = l->time_is_utc;
        }
        if (!a->has_end || l->time > a->end)
            a->end = l->time;
        a->has_end = true;
    }
    for (size_t k = 0; k < a->nev; k++)
        if (a->ev[k].line == (int64_t)l->line_no && strcmp(a->ev[k].source, h->path) == 0)
            return;
    size_t k = a->nev;
    if (a->nev == AN_HISTORY_MAX_EVIDENCE) {
        a->ev_more++;
        if (!important)
            return;
        k = AN_HISTORY_MAX_EVIDENCE - 1; /* the newest important line replaces the last */
        if (a->result_ev == (int)k)
            a->result_ev = -1;
        free(a->ev[k].source);
        free(a->ev[k].text);
        a->nev--;
    }
    an_history_evidence *e = &a->ev[k];
    e->source = strdup(h->path ? h->path : "");
    e->text = strndup(l->text, l->len < AN_HISTORY_MAX_TEXT ? l->len : AN_HISTORY_MAX_TEXT);
    if (!e->source || !e->text) {
        free(e->source);
        free(e->text);
        return;
    }
    e->line = (int64_t)l->line_no;
    e->offset = (int64_t)l->offset;
    an_history_format_time(l->has_time, l->time, l->time_is_utc, e->timestamp);
    e->has_time = l->has_time;
    e->time = l->time;
    a->nev++;
}

void hist_result(an_history *h, long i, uint32_t code, const an_log_line *l)
{
    an_attempt *a = hist_get(h, i);
    if (!a)
        return;
    if (code == 0 && a->has_result && a->result != 0) { /* a failure stays the result */
        hist_cite(h, i, l, false);
        return;
    }
    a->has_result = true;
    a->result = code;
    if (code != 0 && code != 0x80070bc2 && code != 0x00000bc2) {
        a->status = AN_ATT_FAILED;
        if (hist_is_disk_space_code(code))
            a->disk_space = true;
    }
    hist_cite(h, i, l, true);
    a->result_ev = -1;
    for (size_t k = 0; l && k < a->nev; k++)
        if (a->ev[k].line == (int64_t)l->line_no && strcmp(a->ev[k].source, h->path) == 0)
            a->result_ev = (int)k;
}

void hist_close(an_history *h, long i, an_attempt_status status)
{
    an_attempt *a = hist_get(h, i);
    if (!a)
        return;
    h->open[i] = false;
    if (a->status != AN_ATT_FAILED && status != AN_ATT_UNKNOWN)
        a->status = status;
}

bool hist_is_disk_space_code(uint32_t code)
{
    /* the table's class, plus setup's disk-space blocks and a full CLFS log (CBS) */
    return sxs_errcode_class(code) == SXS_ERRCLASS_DISK_SPACE || code == 0x00000070 ||
           (code >= 0xC1900200 && code <= 0xC1900206 && code != 0xC1900200 && code != 0xC1900202) ||
           code == 0xC01A001D;
}

const char *hist_message(an_history *h, const an_log_line *l, const char **ret_level,
                         size_t *ret_level_len)
{
    const char *s = l->text;
    /* Fast path: a log keeps one column layout ("YYYY-MM-DD HH:MM:SS, ", the level padded (to
     * 22 in CBS, DISM and setup), the component padded to 7), so the message starts where it
     * started on the previous line: check the shape there instead of scanning the blanks. */
    size_t mo = h->msg_off, co = h->comp_off;
    bool same = mo && l->len > mo && s[19] == ',' && s[co - 1] == ' ' && s[mo] != ' ';
    if (same) { /* exactly an upper-case word, then blanks up to the message */
        const char *k = s + co, *end = s + mo;
        while (k < end && ((*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9')))
            k++;
        same = k > s + co && k < end;
        while (same && k < end && *k == ' ')
            k++;
        same = same && k == end;
    }
    if (same) {
        if (ret_level && ret_level_len) {
            *ret_level = s + 21;
            *ret_level_len = strcspn(s + 21, " ");
        }
        return s + mo;
    }
    /* "YYYY-MM-DD HH:MM:SS, " : the comma sits at 19 (later with fractions of a second) */
    const char *c = NULL;
    if (l->len > 21 && s[19] == ',')
        c = s + 19;
    else if (l->len > 21)
        c = memchr(s + 19, ',', l->len < 32 ? l->len - 19 : 13);
    if (!c || c[1] != ' ')
        return NULL;
    const char *p = c + 2;
    const char *lv = p;
    p += strcspn(p, " ");
    if (ret_level && ret_level_len) {
        *ret_level = lv;
        *ret_level_len = (size_t)(p - lv);
    }
    p += strspn(p, " ");
    /* "Info       [0x0601c1] IBS    ...": a message id column */
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (e && e - p < 16)
            p = e + 1 + strspn(e + 1, " ");
    }
    /* an upper-case component column (CBS, CSI, MOUPG, SP, DISM, ...) then blanks */
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
        q++;
    if (q > p && q - p <= 8 && q[0] == ' ' && q[1] == ' ') {
        const char *m = q + strspn(q, " ");
        if (c == s + 19 && *m) { /* remember the layout for the next lines */
            h->comp_off = (size_t)(p - s);
            h->msg_off = (size_t)(m - s);
        }
        return m;
    }
    /* excerpts quoted with single blanks ("2017-12-06 11:13:35, Info CBS Doqe: ..."): an
     * upper-case word of letters only, then one blank */
    if (q > p && q - p <= 6 && q[0] == ' ' && q[1] != ' ') {
        bool letters = true;
        for (const char *k = p; k < q; k++)
            letters &= *k >= 'A' && *k <= 'Z';
        if (letters)
            return q + 1;
    }
    return p;
}

int hist_hex_after(const char *s, const char *needle, uint32_t *ret)
{
    const char *p = strstr(s, needle);
    if (!p)
        return 0;
    p += strlen(needle);
    while (*p == ' ' || *p == '[' || *p == ':' || *p == '=')
        p++;
    return sxs_errcode_parse_hex(p, strnlen(p, 16), ret) > 0;
}

int hist_find_kb(const char *s, char kb[16])
{
    for (const char *p = s; (p = strstr(p, "KB")) != NULL; p += 2) {
        size_t n = 0;
        while (p[2 + n] >= '0' && p[2 + n] <= '9')
            n++;
        bool word = p == s || !((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z'));
        if (word && n >= 6 && n <= 8) {
            memcpy(kb, p, n + 2);
            kb[n + 2] = '\0';
            return 1;
        }
    }
    return 0;
}

int an_history_file_begin(an_history *h, an_log_family family, const char *path)
{
    char *p = strdup(path ? path : "");
    if (!p)
        return -ENOMEM;
    free(h->path);
    h->path = p;
    h->family = family;
    h->msg_off = h->comp_off = 0;
    h->setup.att = -1;
    h->setup.fatal_seen = false;
    /* the rollback logs of an upgrade add to the attempt they roll back */
    h->setup.rollback_file = strstr(path, "Rollback") || strstr(path, "rollback");
    h->dism.att = -1;
    h->sapi.att = -1;
    h->sapi.in_section = false;
    return 0;
}

int an_history_line_cb(const an_log_line *line, void *ctx)
{
    an_history *h = ctx;
    switch (h->family) {
    case AN_LOG_PANTHER:
    case AN_LOG_MOSETUP:
        hist_setup_line(h, line);
        break;
    case AN_LOG_CBS:
        hist_cbs_line(h, line);
        break;
    case AN_LOG_DISM:
        hist_dism_line(h, line);
        break;
    case AN_LOG_SETUPAPI:
        hist_setupapi_line(h, line);
        break;
    case AN_LOG_WINDOWSUPDATE:
        hist_wu_line(h, line);
        break;
    default:
        break;
    }
    return 0;
}

void an_history_file_end(an_history *h)
{
    switch (h->family) {
    case AN_LOG_PANTHER:
    case AN_LOG_MOSETUP:
        hist_setup_end(h);
        break;
    case AN_LOG_CBS:
        hist_cbs_end(h);
        break;
    case AN_LOG_DISM:
        hist_dism_end(h);
        break;
    case AN_LOG_SETUPAPI:
        hist_setupapi_end(h);
        break;
    default:
        break;
    }
}

int an_history_add(an_history *h, const an_attempt *src)
{
    long i = hist_begin(h, src->kind, NULL);
    if (i < 0)
        return -ENOMEM;
    an_attempt *a = &h->att[i];
    an_history_evidence ev[AN_HISTORY_MAX_EVIDENCE];
    size_t nev = 0;
    for (size_t k = 0; k < src->nev && k < AN_HISTORY_MAX_EVIDENCE; k++) {
        ev[nev] = src->ev[k];
        ev[nev].source = strdup(src->ev[k].source ? src->ev[k].source : "");
        ev[nev].text = strdup(src->ev[k].text ? src->ev[k].text : "");
        if (!ev[nev].source || !ev[nev].text) {
            free(ev[nev].source);
            free(ev[nev].text);
            continue;
        }
        nev++;
    }
    *a = *src;
    memcpy(a->ev, ev, nev * sizeof(ev[0]));
    a->nev = nev;
    a->resolved = false;
    a->resolved_by = -1;
    h->open[i] = false;
    return 0;
}

static int c_begin(an_log_family family, const char *path, void *ctx)
{
    return an_history_file_begin(ctx, family, path);
}

static int c_end(uint64_t bytes, double seconds, void *ctx)
{
    (void)bytes;
    (void)seconds;
    an_history_file_end(ctx);
    return 0;
}

void an_history_consumer(an_history *h, an_log_consumer *ret)
{
    *ret = (an_log_consumer){
        .file_begin = c_begin, .line = an_history_line_cb, .file_end = c_end, .ctx = h};
}
