/* rules/: from the state of a pass (rule_scan.c) and the facts to findings. Evaluates each
 * rule's all/any/not tree, collects evidence and captures from the branches that made it true,
 * merges rules sharing a scenario id into one finding (the strongest rule gives severity,
 * confidence, title, description and plan; evidence is the union), renders plan placeholders
 * and orders findings most likely cause first. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/rule_scan_int.h"
#include "common/sxs_grow.h"

typedef struct {
    char *name;
    char *vals[RULE_MAX_CAPTURE_VALUES];
    size_t nvals;
} cap_list;

/* What one fired rule (or a merged finding) gathered. */
typedef struct {
    rule_evidence *ev;
    size_t nev, cap_ev;
    size_t ev_more;
    cap_list caps[32];
    size_t ncaps;
    bool oom;
} acc;

typedef struct {
    const rule_scan *s;
    const an_facts *facts;
    const char *windows_dir;
    sxs_diag *diag;
} ectx;

static void add_ev(acc *a, const char *source, int64_t line, int64_t offset, const char *ts,
                   const char *text);

/* The analyzer's driver-store lookup of an INF (analyzer/facts-history.md): 1 its package
 * folder is there (copied to folder), 0 it is not, -1 not looked up (unknown). The rules do no
 * I/O: the analyzer resolved every INF that a failed driver update names. */
static int driver_state(const ectx *e, const char *inf, char *folder, size_t cap)
{
    const char *base = strrchr(inf, '\\');
    base = base ? base + 1 : inf;
    size_t pos = 0;
    for (const an_fact *f; (f = an_facts_next(e->facts, "history.driver.missing", &pos));)
        if (strcasecmp(f->value, base) == 0)
            return 0;
    size_t n = an_facts_count(e->facts);
    for (size_t i = 0; i < n; i++) {
        const an_fact *f = an_facts_at(e->facts, i);
        if (strcmp(f->name, "history.driver.present") != 0 || strcasecmp(f->value, base) != 0)
            continue;
        const an_fact *g = an_facts_at(e->facts, i + 1);
        snprintf(folder, cap, "%s",
                 g && strcmp(g->name, "history.driver.present_folder") == 0 ? g->value : base);
        return 1;
    }
    return -1;
}

/* Visits every value captured under placeholder name by any log/correlate pattern whose INF
 * package folder is missing (c->op == FACT_MISSING) or present in the driver store, as the
 * analyzer found it. Returns how many; cites each into a when a is not NULL. */
static size_t driverstore_visit(ectx *e, const rule_cond *c, acc *a)
{
    if (!e->facts)
        return 0;
    const rule_set *rs = e->s->rs;
    size_t n = 0;
    for (size_t i = 0; i < rs->npats; i++) {
        if (e->s->canon[i] != i)
            continue;
        const rule_cond *pc = rs->pats[i];
        const rule_pat_state *p = &e->s->ps[i];
        for (size_t g = 0; g < p->ncaps; g++) {
            if (strcmp(pc->groups[g].name, c->capture) != 0)
                continue;
            for (size_t v = 0; v < p->caps[g].nvals; v++) {
                char folder[512];
                int r = driver_state(e, p->caps[g].vals[v], folder, sizeof(folder));
                if (r < 0 || (r == 1) != (c->op == FACT_EXISTS))
                    continue;
                n++;
                if (!a || !c->cite)
                    continue;
                char *t;
                int ok = r == 1 ? asprintf(&t, "%s: %s/System32/DriverStore/FileRepository/%s",
                                           p->caps[g].vals[v], e->windows_dir, folder)
                                : asprintf(&t,
                                           "%s: no package folder in "
                                           "%s/System32/DriverStore/FileRepository",
                                           p->caps[g].vals[v], e->windows_dir);
                if (ok >= 0) {
                    add_ev(a, "", -1, -1, "", t);
                    free(t);
                }
            }
        }
    }
    return n;
}

static void acc_free(acc *a)
{
    for (size_t i = 0; i < a->nev; i++) {
        free(a->ev[i].source);
        free(a->ev[i].timestamp);
        free(a->ev[i].text);
    }
    free(a->ev);
    for (size_t i = 0; i < a->ncaps; i++) {
        free(a->caps[i].name);
        for (size_t j = 0; j < a->caps[i].nvals; j++)
            free(a->caps[i].vals[j]);
    }
}

static void add_ev(acc *a, const char *source, int64_t line, int64_t offset, const char *ts,
                   const char *text)
{
    for (size_t i = 0; i < a->nev; i++)
        if (a->ev[i].line == line && strcmp(a->ev[i].source, source ? source : "") == 0 &&
            strcmp(a->ev[i].text, text) == 0)
            return;
    if (a->nev >= RULE_MAX_EVIDENCE) {
        a->ev_more++;
        return;
    }
    if (a->nev == a->cap_ev) {
        size_t nc = a->cap_ev ? a->cap_ev * 2 : 8;
        rule_evidence *ne = realloc(a->ev, nc * sizeof(*ne));
        if (!ne) {
            a->oom = true;
            return;
        }
        a->ev = ne;
        a->cap_ev = nc;
    }
    rule_evidence *e = &a->ev[a->nev];
    e->source = strdup(source ? source : "");
    e->timestamp = strdup(ts ? ts : "");
    e->text = strndup(text, RULE_MAX_EVIDENCE_TEXT);
    e->line = line;
    e->offset = offset;
    if (!e->source || !e->timestamp || !e->text) {
        free(e->source);
        free(e->timestamp);
        free(e->text);
        a->oom = true;
        return;
    }
    a->nev++;
}

static void add_cap(acc *a, const char *name, const char *val)
{
    cap_list *c = NULL;
    for (size_t i = 0; i < a->ncaps && !c; i++)
        if (strcmp(a->caps[i].name, name) == 0)
            c = &a->caps[i];
    if (!c) {
        if (a->ncaps == sizeof(a->caps) / sizeof(a->caps[0]))
            return;
        c = &a->caps[a->ncaps];
        if (!(c->name = strdup(name))) {
            a->oom = true;
            return;
        }
        c->nvals = 0;
        a->ncaps++;
    }
    for (size_t i = 0; i < c->nvals; i++)
        if (strcmp(c->vals[i], val) == 0)
            return;
    if (c->nvals < RULE_MAX_CAPTURE_VALUES) {
        if (!(c->vals[c->nvals] = strndup(val, RULE_MAX_CAPTURE_LEN)))
            a->oom = true;
        else
            c->nvals++;
    }
}

static const cap_list *find_cap(const acc *a, const char *name, size_t len)
{
    for (size_t i = 0; i < a->ncaps; i++)
        if (strlen(a->caps[i].name) == len && memcmp(a->caps[i].name, name, len) == 0)
            return &a->caps[i];
    return NULL;
}

/* ---- facts ---- */

static bool parse_num(const an_fact *f, int64_t *ret)
{
    if (f->has_num) {
        *ret = f->num;
        return true;
    }
    char *end;
    errno = 0;
    long long v = strtoll(f->value, &end, 0);
    if (!*f->value || *end || errno)
        return false;
    *ret = v;
    return true;
}

static bool value_equals(const an_fact *f, const char *want)
{
    if (strcasecmp(f->value, want) == 0)
        return true;
    int64_t a;
    char *end;
    errno = 0;
    long long b = strtoll(want, &end, 0);
    return *want && !*end && !errno && parse_num(f, &a) && a == b;
}

static bool fact_ok(const rule_cond *c, const an_fact *f, pcre2_match_data *md)
{
    int64_t n;
    switch (c->op) {
    case FACT_EXISTS:
        return true;
    case FACT_MISSING:
        return false;
    case FACT_EQUALS:
        return value_equals(f, c->sval);
    case FACT_NOT_EQUALS:
        return !value_equals(f, c->sval);
    case FACT_IN:
    case FACT_NOT_IN: {
        bool in = false;
        for (size_t i = 0; i < c->nset && !in; i++)
            in = value_equals(f, c->set[i]);
        return c->op == FACT_IN ? in : !in;
    }
    case FACT_MATCHES:
        return md &&
               pcre2_match(c->re, (PCRE2_SPTR)f->value, strlen(f->value), 0, 0, md, NULL) >= 0;
    default:
        break;
    }
    if (!parse_num(f, &n))
        return false;
    switch (c->op) {
    case FACT_LT:
        return n < c->nval;
    case FACT_LE:
        return n <= c->nval;
    case FACT_GT:
        return n > c->nval;
    case FACT_GE:
        return n >= c->nval;
    case FACT_EQ:
        return n == c->nval;
    case FACT_NE:
        return n != c->nval;
    default:
        return false;
    }
}

/* Visits the facts named c->fact satisfying c; returns how many (stops after the first when
 * a is NULL). */
static size_t fact_visit(const ectx *e, const rule_cond *c, acc *a)
{
    if (!e->facts)
        return 0;
    pcre2_match_data *md = NULL;
    if (c->op == FACT_MATCHES && !(md = pcre2_match_data_create_from_pattern(c->re, NULL)))
        return 0;
    size_t pos = 0, n = 0;
    const an_fact *f;
    while ((f = an_facts_next(e->facts, c->fact, &pos)) != NULL) {
        if (!fact_ok(c, f, md))
            continue;
        n++;
        if (!a)
            break;
        if (c->cite) {
            char *t;
            if (asprintf(&t, "%s = %s", f->name, f->value) >= 0) {
                add_ev(a, f->source, f->line, f->offset, "", t);
                free(t);
            } else {
                a->oom = true;
            }
        }
        if (c->capture)
            add_cap(a, c->capture, f->value);
    }
    pcre2_match_data_free(md);
    return n;
}

static bool eval(ectx *e, const rule_cond *c)
{
    switch (c->kind) {
    case COND_ALL:
        for (size_t i = 0; i < c->nkids; i++)
            if (!eval(e, c->kids[i]))
                return false;
        return true;
    case COND_ANY:
        for (size_t i = 0; i < c->nkids; i++)
            if (eval(e, c->kids[i]))
                return true;
        return false;
    case COND_NOT:
        return !eval(e, c->kids[0]);
    case COND_LOG:
    case COND_CORRELATE:
        return e->s->ps[e->s->canon[c->pat_index]].count >= c->min_count;
    case COND_FACT:
        if (c->op == FACT_MISSING)
            return !e->facts || !an_facts_get(e->facts, c->fact);
        return fact_visit(e, c, NULL) > 0;
    case COND_LOG_PRESENT:
        return e->s->family_present[c->family];
    case COND_LOG_ABSENT:
        return !e->s->family_present[c->family];
    case COND_DRIVERSTORE:
        return driverstore_visit(e, c, NULL) > 0;
    }
    return false;
}

/* Collects evidence and captures of a condition known to be true. */
static void collect(ectx *e, const rule_cond *c, acc *a)
{
    switch (c->kind) {
    case COND_ALL:
    case COND_ANY:
        for (size_t i = 0; i < c->nkids; i++)
            if (c->kind == COND_ALL || eval(e, c->kids[i]))
                collect(e, c->kids[i], a);
        return;
    case COND_NOT:
        return;
    case COND_LOG:
    case COND_CORRELATE: {
        const rule_pat_state *p = &e->s->ps[e->s->canon[c->pat_index]];
        for (size_t i = 0; c->cite && i < p->nev; i++)
            add_ev(a, p->ev[i].source, p->ev[i].line, p->ev[i].offset, p->ev[i].ts, p->ev[i].text);
        if (c->cite && p->count > p->nev)
            a->ev_more += p->count - p->nev;
        for (size_t g = 0; g < p->ncaps; g++)
            for (size_t v = 0; v < p->caps[g].nvals; v++)
                add_cap(a, c->groups[g].name, p->caps[g].vals[v]);
        return;
    }
    case COND_FACT:
        if (c->op == FACT_MISSING) {
            if (c->cite) {
                char *t;
                if (asprintf(&t, "%s: not present", c->fact) >= 0) {
                    add_ev(a, "", -1, -1, "", t);
                    free(t);
                }
            }
            return;
        }
        fact_visit(e, c, a);
        return;
    case COND_LOG_ABSENT: {
        char *t;
        if (asprintf(&t, "no %s log found", an_log_family_name(c->family)) >= 0) {
            add_ev(a, "", -1, -1, "", t);
            free(t);
        }
        return;
    }
    case COND_LOG_PRESENT:
        return;
    case COND_DRIVERSTORE:
        driverstore_visit(e, c, a);
        return;
    }
}

/* ---- rendering ---- */

/* Why a command was withheld: the first placeholder value that failed its kind's check. */
typedef struct {
    bool failed;
    char name[32];
    rule_kind kind;
    const char *why;
    size_t pos;
    size_t nvals; /* > 1: a list where a command takes one value */
    sxs_buf value;
} reject;

typedef struct {
    const acc *a;
    const char *target_drive;
    const char *boot_drive;
    const char *windows_dir;
    const char *fe_name; /* foreach placeholder and its current value */
    const char *fe_value;
    bool in_command;    /* values are checked against their kind; '/' -> '\\' */
    const sxs_buf *out; /* the text rendered so far (its quotes give a value's context) */
    reject rej;
    sxs_buf tmp;
} rctx;

/* Whether the next byte appended to out would sit between double quotes. */
static bool inside_quotes(const sxs_buf *out)
{
    size_t n = 0;
    for (size_t i = 0; out && i < out->len; i++)
        n += out->data[i] == '"';
    return n % 2 == 1;
}

/* A command value: the one value of the placeholder, separators turned to '\\', checked
 * against the kind. "" with r->rej set when it may not go into the command (the caller then
 * drops the whole command); NULL when out of memory. */
static const char *command_value(rctx *r, const char *name, size_t len, rule_kind kind,
                                 const char *const *vals, size_t nvals)
{
    if (r->rej.failed)
        return "";
    sxs_buf_reset(&r->tmp);
    if (sxs_buf_append_str(&r->tmp, vals[0]) < 0)
        return NULL;
    /* facts name paths inside the volume with '/'; a command needs Windows separators */
    for (size_t i = 0; i < r->tmp.len; i++)
        if (r->tmp.data[i] == '/')
            r->tmp.data[i] = '\\';
    const char *why = NULL;
    size_t pos = 0;
    if (nvals > 1) {
        why = "holds several values where the command takes one";
    } else if (rule_quote_check(kind, r->tmp.data ? r->tmp.data : "", r->tmp.len,
                                inside_quotes(r->out), &why, &pos) == 0) {
        return r->tmp.data ? r->tmp.data : "";
    }
    r->rej.failed = true;
    snprintf(r->rej.name, sizeof(r->rej.name), "%.*s", (int)len, name);
    r->rej.kind = kind;
    r->rej.why = why;
    r->rej.pos = pos;
    r->rej.nvals = nvals;
    sxs_buf_reset(&r->rej.value);
    /* the value as captured (before '/' -> '\\'), so the note shows the evidence */
    if (sxs_buf_append_str(&r->rej.value, vals[0]) < 0)
        return NULL;
    return "";
}

static const char *lookup(const char *name, size_t len, void *ctx)
{
    rctx *r = ctx;
    const char *one[1];
    const char *const *vals = one;
    size_t nvals = 1;
    rule_kind kind = RULE_KIND_TEXT;
    rule_placeholder_kind(name, len, &kind);
    if (len == 12 && memcmp(name, "target_drive", 12) == 0) {
        one[0] = r->target_drive;
    } else if (len == 10 && memcmp(name, "boot_drive", 10) == 0) {
        one[0] = r->boot_drive;
    } else if (len == 11 && memcmp(name, "windows_dir", 11) == 0) {
        one[0] = r->windows_dir;
    } else if (r->fe_name && strlen(r->fe_name) == len && memcmp(r->fe_name, name, len) == 0) {
        one[0] = r->fe_value;
    } else {
        const cap_list *c = find_cap(r->a, name, len);
        if (!c || c->nvals == 0)
            return NULL;
        vals = (const char *const *)c->vals;
        nvals = c->nvals;
    }
    if (r->in_command)
        return command_value(r, name, len, kind, vals, nvals);
    /* report text: the values joined, control bytes escaped so no line can be split */
    sxs_buf_reset(&r->tmp);
    for (size_t i = 0; i < nvals; i++)
        if (sxs_buf_append_str(&r->tmp, i ? ", " : "") < 0 ||
            rule_quote_text(vals[i], strlen(vals[i]), &r->tmp) < 0)
            return NULL;
    return r->tmp.data ? r->tmp.data : "";
}

static char *render(rctx *r, const char *text)
{
    if (!text)
        return strdup("");
    sxs_buf out;
    sxs_buf_init(&out, 64 * 1024);
    r->out = &out;
    /* lookup's joined list lives in r->tmp; rendering copies it before the next lookup */
    int ret = rule_text_render(text, lookup, r, &out);
    r->out = NULL;
    if (ret < 0) {
        sxs_buf_free(&out);
        return NULL;
    }
    return sxs_buf_steal(&out);
}

/* The note of a step whose command was withheld: the rule's note, then which placeholder
 * failed which check, with the value quoted as data. */
static char *withheld_note(const reject *j, const char *note)
{
    sxs_buf b;
    sxs_buf_init(&b, 64 * 1024);
    int r = 0;
    if (note && *note)
        r = sxs_buf_printf(&b, "%s ", note);
    if (r == 0)
        r = sxs_buf_printf(&b, "Command withheld: the value of {%s} was rejected", j->name);
    if (r == 0 && j->nvals > 1)
        r = sxs_buf_printf(&b, " (%zu values; a command takes one, first ", j->nvals);
    else if (r == 0)
        r = sxs_buf_printf(&b, " as %s %s (%s at byte %zu): ",
                           strchr("aeiouAEIOU", rule_kind_name(j->kind)[0]) ? "an" : "a",
                           rule_kind_name(j->kind), j->why, j->pos);
    if (r == 0)
        r = rule_quote_data(j->value.data ? j->value.data : "", j->value.len, &b);
    if (r == 0)
        r = sxs_buf_append_str(&b, j->nvals > 1 ? "). Run the step by hand for each value."
                                                : ". Check it by hand before running anything.");
    if (r < 0) {
        sxs_buf_free(&b);
        return NULL;
    }
    return sxs_buf_steal(&b);
}

static int add_step(rule_finding *f, size_t *cap, rctx *r, const rule_step *st)
{
    rule_plan_step *np = sxs_grow(f->plan, cap, f->nplan, sizeof(*np), 8);
    if (!np)
        return -ENOMEM;
    f->plan = np;
    rule_plan_step *p = &f->plan[f->nplan];
    p->step = render(r, st->step);
    r->in_command = true;
    r->rej.failed = false;
    p->command = render(r, st->command);
    r->in_command = false;
    p->where = strdup(st->where);
    p->note = render(r, st->note);
    if (r->rej.failed && p->command && p->note) {
        /* a value that failed its check never reaches a command */
        char *note = withheld_note(&r->rej, p->note);
        free(p->note);
        p->note = note;
        p->command[0] = '\0';
    }
    r->rej.failed = false;
    if (!p->step || !p->command || !p->where || !p->note) {
        free(p->step);
        free(p->command);
        free(p->where);
        free(p->note);
        return -ENOMEM;
    }
    /* rules merged into one finding often share steps: keep the first */
    for (size_t i = 0; i < f->nplan; i++)
        if (strcmp(f->plan[i].step, p->step) == 0 && strcmp(f->plan[i].command, p->command) == 0) {
            free(p->step);
            free(p->command);
            free(p->where);
            free(p->note);
            return 0;
        }
    f->nplan++;
    return 0;
}

static int build_plan(rule_finding *f, size_t *capp, const rule_def *d, rctx *r)
{
    size_t cap = *capp;
    for (size_t i = 0; i < d->nsteps; i++) {
        const rule_step *st = &d->steps[i];
        const cap_list *c = st->foreach ? find_cap(r->a, st->foreach, strlen(st->foreach)) : NULL;
        if (!st->foreach) {
            if (add_step(f, &cap, r, st) < 0) {
                *capp = cap;
                return -ENOMEM;
            }
            continue;
        }
        /* a step for each captured value; none when nothing was captured */
        for (size_t v = 0; c && v < c->nvals; v++) {
            r->fe_name = st->foreach;
            r->fe_value = c->vals[v];
            int ret = add_step(f, &cap, r, st);
            r->fe_name = r->fe_value = NULL;
            if (ret < 0) {
                *capp = cap;
                return ret;
            }
        }
    }
    *capp = cap;
    return 0;
}

/* ---- findings ---- */

typedef struct {
    const rule_def *d;
    acc a;
} fired;

static bool stronger(const rule_def *x, const rule_def *y)
{
    if (x->severity != y->severity)
        return x->severity > y->severity;
    if (x->confidence != y->confidence)
        return x->confidence > y->confidence;
    return x->order < y->order;
}

static void finding_free(rule_finding *f)
{
    free(f->id);
    free(f->title);
    free(f->description);
    for (size_t i = 0; i < f->nevidence; i++) {
        free(f->evidence[i].source);
        free(f->evidence[i].timestamp);
        free(f->evidence[i].text);
    }
    free(f->evidence);
    for (size_t i = 0; i < f->nplan; i++) {
        free(f->plan[i].step);
        free(f->plan[i].command);
        free(f->plan[i].where);
        free(f->plan[i].note);
    }
    free(f->plan);
}

void rule_result_free(rule_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfindings; i++)
        finding_free(&r->findings[i]);
    free(r->findings);
    for (size_t i = 0; i < r->nlogs; i++)
        free(r->logs[i].path);
    free(r->logs);
    free(r);
}

/* Builds one finding from the rules of one id (fr[0..n), primary = strongest). */
static int make_finding(rule_finding *f, fired *fr, size_t n, const rule_eval_input *in)
{
    size_t pi = 0;
    for (size_t i = 1; i < n; i++)
        if (stronger(fr[i].d, fr[pi].d))
            pi = i;
    const rule_def *d = fr[pi].d;
    acc m = {0};
    /* primary's evidence and captures first, then the others' */
    for (size_t k = 0; k < n; k++) {
        const acc *a = &fr[k == 0 ? pi : (k <= pi ? k - 1 : k)].a;
        for (size_t i = 0; i < a->nev; i++)
            add_ev(&m, a->ev[i].source, a->ev[i].line, a->ev[i].offset, a->ev[i].timestamp,
                   a->ev[i].text);
        m.ev_more += a->ev_more;
        for (size_t c = 0; c < a->ncaps; c++)
            for (size_t v = 0; v < a->caps[c].nvals; v++)
                add_cap(&m, a->caps[c].name, a->caps[c].vals[v]);
    }
    char wd[256];
    snprintf(wd, sizeof(wd), "%s", in && in->windows_dir ? in->windows_dir : "Windows");
    for (char *p = wd; *p; p++)
        if (*p == '/')
            *p = '\\';
    rctx r = {.a = &m,
              .target_drive = in && in->target_drive ? in->target_drive : "F:",
              .boot_drive = in && in->boot_drive ? in->boot_drive : "S:",
              .windows_dir = wd};
    sxs_buf_init(&r.tmp, 64 * 1024);
    sxs_buf_init(&r.rej.value, 64 * 1024);
    f->id = strdup(d->id);
    f->severity = d->severity;
    f->confidence = d->confidence;
    f->title = render(&r, d->title);
    f->description = render(&r, d->description);
    f->rules_fired = n;
    int ret = (!f->id || !f->title || !f->description || m.oom) ? -ENOMEM : 0;
    /* the strongest rule's steps first, then steps only the others have */
    size_t pcap = 0;
    for (size_t k = 0; ret == 0 && k < n; k++)
        ret = build_plan(f, &pcap, fr[k == 0 ? pi : (k <= pi ? k - 1 : k)].d, &r);
    sxs_buf_free(&r.tmp);
    sxs_buf_free(&r.rej.value);
    /* hand the evidence over */
    f->evidence = m.ev;
    f->nevidence = m.nev;
    f->evidence_more = m.ev_more;
    m.ev = NULL;
    m.nev = 0;
    acc_free(&m);
    return ret;
}

static int finding_cmp(const void *x, const void *y)
{
    const rule_finding *a = x, *b = y;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return 0;
}

/* A rule with "unless: [ids]" stays silent when a rule of one of those ids fired. */
static bool silenced(const rule_def *d, const fired *fr, size_t nf)
{
    for (size_t u = 0; u < d->nunless; u++)
        for (size_t f = 0; f < nf; f++)
            if (strcmp(fr[f].d->id, d->unless[u]) == 0)
                return true;
    return false;
}

int rule_scan_finish(rule_scan *s, const rule_eval_input *in, rule_result **ret, sxs_diag *diag)
{
    if (!s || !ret)
        return -EINVAL;
    const rule_set *rs = s->rs;
    ectx e = {.s = s,
              .facts = in ? in->facts : NULL,
              .windows_dir = in && in->windows_dir ? in->windows_dir : "Windows",
              .diag = diag};
    fired *fr = calloc(rs->nrules + 1, sizeof(*fr));
    rule_result *res = calloc(1, sizeof(*res));
    bool *done = calloc(rs->nrules + 1, sizeof(*done));
    int err = (!fr || !res || !done) ? -ENOMEM : 0;
    size_t nf = 0;
    if (s->match_limit_hits)
        sxs_diag_add(diag, SXS_DIAG_WARN, NULL, -1,
                     "rules: %" PRIu64 " log lines hit the regex match limit and were skipped",
                     s->match_limit_hits);
    /* two rounds: rules without "unless" first, then the generic ones they may silence */
    for (size_t k = 0; err == 0 && k < 2 * rs->nrules; k++) {
        size_t i = k % rs->nrules;
        const rule_def *d = rs->rules[i];
        if ((k < rs->nrules) != (d->nunless == 0))
            continue;
        if (silenced(d, fr, nf) || !eval(&e, d->when))
            continue;
        fr[nf].d = rs->rules[i];
        collect(&e, rs->rules[i]->when, &fr[nf].a);
        if (rs->rules[i]->context)
            collect(&e, rs->rules[i]->context, &fr[nf].a);
        if (fr[nf].a.oom)
            err = -ENOMEM;
        nf++;
    }
    /* group by id, in order of first firing */
    if (err == 0 && nf) {
        res->findings = calloc(nf, sizeof(*res->findings));
        fired *grp = calloc(nf, sizeof(*grp));
        if (!res->findings || !grp)
            err = -ENOMEM;
        for (size_t i = 0; err == 0 && i < nf; i++) {
            if (done[i])
                continue;
            size_t g = 0;
            for (size_t j = i; j < nf; j++)
                if (!done[j] && strcmp(fr[j].d->id, fr[i].d->id) == 0) {
                    grp[g++] = fr[j];
                    done[j] = true;
                }
            err = make_finding(&res->findings[res->nfindings], grp, g, in);
            res->nfindings++;
        }
        free(grp);
        /* stable: qsort is not, so order ties by position first */
        if (err == 0 && res->nfindings > 1) {
            for (size_t i = 1; i < res->nfindings; i++)
                for (size_t j = i;
                     j > 0 && finding_cmp(&res->findings[j - 1], &res->findings[j]) > 0; j--) {
                    rule_finding t = res->findings[j];
                    res->findings[j] = res->findings[j - 1];
                    res->findings[j - 1] = t;
                }
        }
    }
    if (err == 0 && s->nstats) {
        res->logs = calloc(s->nstats, sizeof(*res->logs));
        if (!res->logs)
            err = -ENOMEM;
        for (size_t i = 0; err == 0 && i < s->nstats; i++) {
            res->logs[i] = s->stats[i];
            if (!(res->logs[i].path = strdup(s->stats[i].path)))
                err = -ENOMEM;
            else
                res->nlogs++;
        }
    }
    for (size_t i = 0; fr && i < nf; i++)
        acc_free(&fr[i].a);
    free(fr);
    free(done);
    if (err < 0) {
        rule_result_free(res);
        return err;
    }
    *ret = res;
    return 0;
}
