/* analyzer/history/: SetupDiag's own conclusion (setupdiag.* facts, analyzer/facts-setupdiag.md)
 * as an upgrade attempt of the history, cited as SetupDiag's with its time. When the setup logs
 * of the same run are on the disk too, an_history_finish merges the two (same window, same
 * target); when setup's logs were cleaned up after the rollback, SetupDiag's result is all
 * that is left, and it still says the upgrade failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/an_tz.h"
#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

/* "2023-05-22T22:32:46Z" (UTC) or "2023-05-23T00:32:46" (local). */
static bool parse_iso(const char *s, int64_t *ret, bool *ret_utc)
{
    int y, mo, d, h, mi, se;
    char tail[4] = "";
    int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%1[Z]", &y, &mo, &d, &h, &mi, &se, tail);
    if (n < 6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    *ret = an_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    *ret_utc = n == 7;
    return true;
}

typedef struct {
    const an_fact *source, *profile, *version, *result, *extend, *phase, *operation, *host, *target,
        *start, *end, *time, *line, *failure;
} sd_group;

static void evidence(an_attempt *a, const an_fact *at, const char *text, int64_t t, bool has_t,
                     bool utc)
{
    if (a->nev >= AN_HISTORY_MAX_EVIDENCE || !at)
        return;
    an_history_evidence *e = &a->ev[a->nev];
    e->source = strdup(at->source ? at->source : "");
    e->text = strndup(text, AN_HISTORY_MAX_TEXT);
    if (!e->source || !e->text) {
        free(e->source);
        free(e->text);
        return;
    }
    e->line = at->line;
    e->offset = -1;
    e->has_time = has_t;
    e->time = t;
    an_history_format_time(has_t, t, utc, e->timestamp);
    a->nev++;
}

static int add_group(an_history *h, const sd_group *g)
{
    uint32_t code = 0, ext = 0;
    bool has_code =
        g->result && sxs_errcode_parse_hex(g->result->value, strlen(g->result->value), &code) > 0;
    if (!has_code && !g->failure)
        return 0; /* SetupDiag found nothing to report */
    an_attempt a;
    memset(&a, 0, sizeof(a));
    a.kind = AN_ATT_UPGRADE;
    a.family = AN_LOG_SETUPDIAG;
    a.resolved_by = -1;
    a.result_ev = -1;
    a.status = AN_ATT_FAILED;
    if (has_code) {
        a.has_result = true;
        a.result = code;
        a.disk_space = hist_is_disk_space_code(code);
    }
    if (g->extend && sxs_errcode_parse_hex(g->extend->value, strlen(g->extend->value), &ext) &&
        ext) {
        a.has_extend = true;
        a.extend_code = ext;
    }
    snprintf(a.client, sizeof(a.client), "SetupDiag%s%s", g->profile ? " " : "",
             g->profile ? g->profile->value : "");
    if (g->phase)
        HIST_COPY(a.phase, g->phase->value, strlen(g->phase->value));
    if (g->operation)
        HIST_COPY(a.operation, g->operation->value, strlen(g->operation->value));
    if (g->host)
        HIST_COPY(a.source_build, g->host->value, strlen(g->host->value));
    if (g->target)
        HIST_COPY(a.target_build, g->target->value, strlen(g->target->value));
    bool utc = false;
    int64_t t;
    const an_fact *st = g->start ? g->start : g->time;
    if (st && parse_iso(st->value, &t, &utc)) {
        a.has_start = true;
        a.start = t;
        a.time_is_utc = utc;
    }
    const an_fact *en = g->end ? g->end : g->time;
    bool eu;
    if (en && parse_iso(en->value, &t, &eu)) {
        a.has_end = true;
        a.end = t;
        if (!a.has_start) {
            a.has_start = true;
            a.start = t;
            a.time_is_utc = eu;
        }
    }
    char text[1024];
    snprintf(text, sizeof(text), "SetupDiag%s%s (%s): %s%s%s%s%s%s%s", g->version ? " " : "",
             g->version ? g->version->value : "", g->source ? g->source->value : "?",
             g->profile ? g->profile->value : "no profile", g->result ? ", Error = " : "",
             g->result ? g->result->value : "", g->extend ? "-" : "",
             g->extend ? g->extend->value : "", g->phase ? ", Last Phase = " : "",
             g->phase ? g->phase->value : "");
    if (g->time) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, " [%s]", g->time->value);
    }
    evidence(&a, g->result ? g->result : g->source, text, a.end, a.has_end, a.time_is_utc);
    a.result_ev = a.nev ? 0 : -1;
    if (g->line)
        evidence(&a, g->line, g->line->value, a.end, a.has_end, a.time_is_utc);
    int r = an_history_add(h, &a);
    for (size_t k = 0; k < a.nev; k++) { /* an_history_add copied them */
        free(a.ev[k].source);
        free(a.ev[k].text);
    }
    return r;
}

int an_history_add_setupdiag(an_history *h, const an_facts *facts)
{
    if (!h || !facts)
        return 0;
    sd_group g;
    memset(&g, 0, sizeof(g));
    bool open = false;
    int r = 0;
    for (size_t i = 0; i < an_facts_count(facts) && r == 0; i++) {
        const an_fact *f = an_facts_at(facts, i);
        if (strncmp(f->name, "setupdiag.", 10) != 0)
            continue;
        const char *n = f->name + 10;
        if (strcmp(n, "source") == 0) {
            if (open)
                r = add_group(h, &g);
            memset(&g, 0, sizeof(g));
            g.source = f;
            open = true;
        }
#define TAKE(key, field) else if (strcmp(n, key) == 0 && !g.field) g.field = f
        TAKE("profile", profile);
        TAKE("version", version);
        TAKE("result", result);
        TAKE("extend_code", extend);
        TAKE("phase", phase);
        TAKE("operation", operation);
        TAKE("host_os_build", host);
        TAKE("target_os_build", target);
        TAKE("upgrade_start", start);
        TAKE("upgrade_end", end);
        TAKE("time", time);
        TAKE("log_error_line", line);
        TAKE("failure_data", failure);
#undef TAKE
    }
    if (open && r == 0)
        r = add_group(h, &g);
    return r;
}
