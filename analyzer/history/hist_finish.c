/* analyzer/history/: after the log pass: order the attempts, merge the pieces of one upgrade
 * written to several logs (Panther, Rollback, NewOS), decide which failures a later attempt
 * resolved, and write the history.* facts the rules judge (analyzer/facts-history.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

/* Pieces of one upgrade are written within minutes to hours of each other (downlevel, Safe OS,
 * first boot, rollback); two runs of setup on one machine are usually days apart. */
#define HIST_UPGRADE_MERGE_WINDOW (6 * 3600)

static int att_cmp(const an_attempt *a, const an_attempt *b)
{
    if (a->has_start != b->has_start)
        return a->has_start ? -1 : 1;
    if (a->has_start && a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return 0;
}

/* Insertion sort: stable, and n is bounded by AN_HISTORY_MAX_ATTEMPTS; logs are mostly in
 * time order already, so it is near linear. */
static void sort_attempts(an_history *h)
{
    for (size_t i = 1; i < h->n; i++) {
        an_attempt t = h->att[i];
        size_t j = i;
        while (j > 0 && att_cmp(&h->att[j - 1], &t) > 0) {
            h->att[j] = h->att[j - 1];
            j--;
        }
        h->att[j] = t;
    }
}

static void fill(char *dst, size_t cap, const char *src)
{
    if (!dst[0] && src[0])
        hist_copy(dst, cap, src, strlen(src));
}

/* Moves what b knows into a (b is later), then empties b. */
static void merge_into(an_attempt *a, an_attempt *b)
{
    fill(a->client, sizeof(a->client), b->client);
    fill(a->source_build, sizeof(a->source_build), b->source_build);
    fill(a->target_build, sizeof(a->target_build), b->target_build);
    if (b->phase[0])
        HIST_COPY(a->phase, b->phase, strlen(b->phase));
    if (b->operation[0])
        HIST_COPY(a->operation, b->operation, strlen(b->operation));
    bool b_result = b->has_result && (b->result != 0 || !a->has_result);
    if (b_result) { /* the last fatal error wins */
        a->has_result = true;
        a->result = b->result;
        if (b->has_extend) {
            a->has_extend = true;
            a->extend_code = b->extend_code;
        }
    } else if (b->has_extend && !a->has_extend) {
        a->has_extend = true;
        a->extend_code = b->extend_code;
    }
    a->rolled_back |= b->rolled_back;
    a->disk_space |= b->disk_space;
    if (b->status == AN_ATT_FAILED || a->status == AN_ATT_UNKNOWN)
        a->status = b->status == AN_ATT_UNKNOWN ? a->status : b->status;
    if (a->rolled_back && a->status != AN_ATT_FAILED)
        a->status = AN_ATT_FAILED;
    if (b->has_end && (!a->has_end || b->end > a->end)) {
        a->end = b->end;
        a->has_end = true;
    }
    if (b_result)
        a->result_ev = -1;
    for (size_t k = 0; k < b->nev; k++) {
        if (a->nev < AN_HISTORY_MAX_EVIDENCE) {
            if (b_result && (int)k == b->result_ev)
                a->result_ev = (int)a->nev;
            a->ev[a->nev++] = b->ev[k];
        } else {
            a->ev_more++;
            free(b->ev[k].source);
            free(b->ev[k].text);
        }
    }
    a->ev_more += b->ev_more;
    memset(b, 0, sizeof(*b));
}

/* "10.0.22621.1" / "22621.1.amd64fre..." / "10.0.22621" -> 22621; 0 when none. */
static unsigned long major_build(const char *s)
{
    const char *p = s;
    if (strncmp(p, "10.0.", 5) == 0 || strncmp(p, "6.3.", 4) == 0 || strncmp(p, "6.2.", 4) == 0 ||
        strncmp(p, "6.1.", 4) == 0)
        p = strchr(strchr(p, '.') + 1, '.') + 1;
    return strtoul(p, NULL, 10);
}

/* Unknown on either side, or the same build number ("10.0.26200" = "10.0.26200.5074 (...)"). */
static bool same_build(const char *x, const char *y)
{
    return !x[0] || !y[0] || strcmp(x, y) == 0 || major_build(x) == major_build(y);
}

static void merge_upgrades(an_history *h)
{
    size_t w = 0;
    long last = -1;
    for (size_t i = 0; i < h->n; i++) {
        an_attempt *b = &h->att[i];
        an_attempt *a = last >= 0 ? &h->att[last] : NULL;
        bool piece = a && b->kind == AN_ATT_UPGRADE && a->kind == AN_ATT_UPGRADE && a->has_end &&
                     b->has_start && b->start >= a->start &&
                     b->start - a->end <= HIST_UPGRADE_MERGE_WINDOW &&
                     same_build(a->target_build, b->target_build) &&
                     /* a run that failed, then a new run of setup: two attempts */
                     !(a->status == AN_ATT_FAILED && b->source_build[0] && !b->rolled_back &&
                       b->status != AN_ATT_FAILED);
        if (piece) {
            merge_into(a, b);
            continue;
        }
        if (w != i)
            h->att[w] = *b;
        if (b->kind == AN_ATT_UPGRADE)
            last = (long)w;
        w++;
    }
    h->n = w;
}

/* The event logs, DataStore.edb and the text logs (CBS, WindowsUpdate.log) record one install
 * each in their own words: an event-log or EDB attempt joins an attempt of another source with the same KB whose
 * times are within the window and whose outcome does not contradict it. */
static bool outcome_fits(const an_attempt *a, const an_attempt *b)
{
    return a->status == b->status || a->status == AN_ATT_UNKNOWN || b->status == AN_ATT_UNKNOWN;
}

static bool other_source(const an_attempt *a, const an_attempt *b)
{
    return !a->nev || !b->nev || strcmp(a->ev[0].source, b->ev[0].source) != 0;
}

static void merge_sources(an_history *h)
{
    size_t w = 0;
    for (size_t i = 0; i < h->n; i++) {
        an_attempt *b = &h->att[i];
        bool merged = false;
        for (size_t j = w; b->kb[0] && j-- > 0 && !merged;) {
            an_attempt *a = &h->att[j];
            if (!a->from_evtx && !a->from_edb && !b->from_evtx && !b->from_edb)
                continue;
            if (a->kind != b->kind || strcasecmp(a->kb, b->kb) != 0 || !a->has_end ||
                !b->has_start || b->start - a->end > HIST_UPGRADE_MERGE_WINDOW)
                continue;
            if (outcome_fits(a, b) && other_source(a, b)) {
                merge_into(a, b);
                merged = true;
            }
        }
        if (merged)
            continue;
        if (w != i)
            h->att[w] = *b;
        w++;
    }
    h->n = w;
}

static bool same_target(const an_attempt *f, const an_attempt *s)
{
    if (f->kind != s->kind)
        return false;
    if (f->kind == AN_ATT_UPGRADE)
        return true;
    if (f->kb[0] && strcasecmp(f->kb, s->kb) == 0)
        return true;
    if (!f->package[0])
        return false;
    /* a later cumulative update supersedes a failed one */
    if (strncasecmp(f->package, "Package_for_RollupFix", 21) == 0)
        return strncasecmp(s->package, "Package_for_RollupFix", 21) == 0;
    /* same package name whatever the version (text before the last "~") */
    const char *ft = strrchr(f->package, '~'), *st = strrchr(s->package, '~');
    size_t fl = ft ? (size_t)(ft - f->package) : strlen(f->package);
    size_t sl = st ? (size_t)(st - s->package) : strlen(s->package);
    return fl == sl && strncasecmp(f->package, s->package, fl) == 0;
}

static void resolve(an_history *h, const char *installed_build)
{
    unsigned long installed = installed_build ? strtoul(installed_build, NULL, 10) : 0;
    for (size_t i = 0; i < h->n; i++) {
        an_attempt *f = &h->att[i];
        f->resolved_by = -1;
        if (f->status != AN_ATT_FAILED)
            continue;
        for (size_t j = i + 1; j < h->n && !f->resolved; j++) {
            const an_attempt *s = &h->att[j];
            if ((s->status == AN_ATT_SUCCEEDED || s->status == AN_ATT_PENDING) &&
                same_target(f, s)) {
                f->resolved = true;
                f->resolved_by = (long)j;
            }
        }
        /* the upgrade's target build is what is installed now */
        if (!f->resolved && f->kind == AN_ATT_UPGRADE && installed && f->target_build[0] &&
            major_build(f->target_build) == installed)
            f->resolved = true;
    }
}

size_t an_history_unresolved(const an_history *h)
{
    size_t n = 0;
    for (size_t i = 0; h && i < h->n; i++)
        n += h->att[i].status == AN_ATT_FAILED && !h->att[i].resolved;
    return n;
}

static const char *group_of(an_attempt_kind k)
{
    return k == AN_ATT_UPGRADE ? "upgrade" : "update";
}

/* The facts of the newest unresolved failure of a group ("upgrade" or "update"). */
static int failure_facts(an_facts *facts, const an_attempt *a, const char *g)
{
    char name[96], val[128];
    int r = 0;
    /* the line that gave the result, else the newest one */
    const an_history_evidence *last = a->result_ev >= 0 && (size_t)a->result_ev < a->nev
                                          ? &a->ev[a->result_ev]
                                          : (a->nev ? &a->ev[a->nev - 1] : NULL);
    const char *src = last ? last->source : NULL;
    int64_t off = last ? last->offset : -1, line = last ? last->line : -1;
#define ADD(suffix, value)                                                                         \
    do {                                                                                           \
        snprintf(name, sizeof(name), "history.%s.failure.%s", g, suffix);                          \
        if (r == 0)                                                                                \
            r = an_facts_add_str_at(facts, name, value, src, off, line);                           \
    } while (0)
    ADD("kind", an_attempt_kind_name(a->kind));
    if (a->has_result) {
        snprintf(val, sizeof(val), "0x%08" PRIX32, a->result);
        ADD("result", val);
        const sxs_errcode_info *ci = sxs_errcode_lookup(a->result);
        ADD("result_name", ci ? ci->name : "unknown code");
        ADD("error_class", sxs_errclass_name(sxs_errcode_class(a->result)));
    }
    if (a->has_extend) {
        snprintf(val, sizeof(val), "0x%" PRIX32, a->extend_code);
        ADD("extend_code", val);
        sxs_extend_code x;
        sxs_extend_code_from_values(a->result, a->extend_code, &x);
        if (x.phase_label)
            ADD("extend_phase", x.phase_label);
        if (x.operation_label)
            ADD("extend_operation", x.operation_label);
    }
    if (a->phase[0])
        ADD("phase", a->phase);
    if (a->operation[0])
        ADD("operation", a->operation);
    if (a->package[0])
        ADD("package", a->package);
    if (a->kb[0])
        ADD("kb", a->kb);
    if (a->client[0])
        ADD("client", a->client);
    if (a->source_build[0])
        ADD("source_build", a->source_build);
    if (a->target_build[0])
        ADD("target_build", a->target_build);
    ADD("rolled_back", a->rolled_back ? "true" : "false");
    char ts[48];
    an_history_format_time(a->has_start, a->start, a->time_is_utc, ts);
    if (ts[0])
        ADD("start", ts);
#undef ADD
    /* the lines behind it, each with its own provenance */
    for (size_t k = 0; k < a->nev && r == 0; k++) {
        snprintf(name, sizeof(name), "history.%s.failure.line", g);
        r = an_facts_add_str_at(facts, name, a->ev[k].text, a->ev[k].source, a->ev[k].offset,
                                a->ev[k].line);
    }
    return r;
}

static int write_facts(const an_history *h, an_facts *facts)
{
    size_t failed = 0, unresolved = 0;
    const an_attempt *newest[2] = {NULL, NULL};
    bool disk = false;
    int r = 0;
    for (size_t i = 0; i < h->n; i++) {
        const an_attempt *a = &h->att[i];
        failed += a->status == AN_ATT_FAILED;
        if (a->status != AN_ATT_FAILED || a->resolved)
            continue;
        unresolved++;
        newest[a->kind == AN_ATT_UPGRADE ? 0 : 1] = a;
        disk |= a->disk_space;
        if (r == 0)
            r = an_facts_add_str(facts, "history.unresolved.kind", an_attempt_kind_name(a->kind),
                                 NULL, -1);
    }
    if (r == 0)
        r = an_facts_add_num(facts, "history.attempts", (int64_t)h->n, NULL, -1);
    if (r == 0)
        r = an_facts_add_num(facts, "history.failed", (int64_t)failed, NULL, -1);
    if (r == 0)
        r = an_facts_add_num(facts, "history.unresolved", (int64_t)unresolved, NULL, -1);
    if (r == 0 && disk)
        r = an_facts_add_bool(facts, "history.disk_space", true, NULL);
    /* the event-log notes: service failures, restarts, bug checks, scan/download failures */
    /* (a full ring starts at its oldest note) */
    size_t first =
        h->evtx.nnotes == HIST_EVTX_MAX_NOTES ? h->evtx.notes_more % HIST_EVTX_MAX_NOTES : 0;
    const hist_evtx_note *unfinished = hist_evtx_unfinished(h);
    for (size_t k = 0; k <= h->evtx.nnotes && r == 0; k++) {
        const hist_evtx_note *n =
            k < h->evtx.nnotes ? &h->evtx.notes[(first + k) % HIST_EVTX_MAX_NOTES] : unfinished;
        if (!n)
            break;
        r = an_facts_add_str_at(facts, n->name, n->value, n->source, -1, n->record);
        if (r == 0 && n->detail_name[0])
            r = an_facts_add_str_at(facts, n->detail_name, n->detail, n->source, -1, n->record);
    }
    if (r == 0 && h->evtx.notes_more)
        r = an_facts_add_num(facts, "history.evtx.notes_dropped", (int64_t)h->evtx.notes_more, NULL,
                             -1);
    for (int g = 0; g < 2 && r == 0; g++)
        if (newest[g])
            r = failure_facts(facts, newest[g], group_of(g == 0 ? AN_ATT_UPGRADE : AN_ATT_UPDATE));
    return r;
}

int an_history_finish(an_history *h, const char *installed_build, an_facts *facts)
{
    if (!h)
        return -EINVAL;
    for (size_t i = 0; i < h->n; i++)
        h->open[i] = false;
    sort_attempts(h);
    merge_upgrades(h);
    merge_sources(h);
    resolve(h, installed_build);
    h->finished = true;
    return facts ? write_facts(h, facts) : 0;
}

size_t an_history_count(const an_history *h)
{
    return h ? h->n : 0;
}

const an_attempt *an_history_at(const an_history *h, size_t i)
{
    return h && i < h->n ? &h->att[i] : NULL;
}

size_t an_history_dropped(const an_history *h)
{
    return h ? h->dropped : 0;
}
