/* rules/: the rule-file compiler. Reads YAML with libyaml's document API (nodes carry line
 * marks), validates strictly (unknown keys, wrong types, bad regexes, unknown fact names,
 * scenario ids and placeholders) and builds the in-memory rules of rule_int.h. Every problem is
 * reported as (file, line, message) through the caller's callback; a file with any error adds
 * no rule to the set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "rules/rule_int.h"

typedef struct {
    const char *file;
    rule_err_cb cb;
    void *ctx;
    int nerr;
    yaml_document_t *doc;
    size_t visits;
    bool exhausted;
} cctx;

/* Per rule while compiling: labels and captures, for cross-checks. */
typedef struct {
    rule_cond *labels[64];
    size_t nlabels;
    rule_cond *corrs[64];
    size_t ncorrs;
    char *captures[64];
    size_t ncaptures;
    /* Conditions that failed to compile: kept alive until the rule is done, because labels,
     * correlations and capture names above may point into them. */
    rule_cond **garbage;
    size_t ngarbage;
} rctx;

static void discard(rctx *r, rule_cond *cd)
{
    rule_cond **g = realloc(r->garbage, (r->ngarbage + 1) * sizeof(*g));
    if (!g) {
        /* cannot defer: drop every pointer that may lead into it, then free it */
        r->nlabels = r->ncorrs = r->ncaptures = 0;
        discard(r, cd);
        return;
    }
    r->garbage = g;
    g[r->ngarbage++] = cd;
}

__attribute__((format(printf, 3, 4))) static void err(cctx *c, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->nerr++;
    if (c->cb)
        c->cb(c->file, line, msg, c->ctx);
}

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static yaml_node_t *node(cctx *c, yaml_node_item_t id)
{
    if (++c->visits > RULE_MAX_NODE_VISITS) {
        if (!c->exhausted)
            err(c, 0, "rule file too complex (more than %d YAML nodes visited)",
                RULE_MAX_NODE_VISITS);
        c->exhausted = true;
        return NULL;
    }
    return yaml_document_get_node(c->doc, id);
}

/* Scalar text as a C string: NULL (with an error) when not a scalar or holding a NUL. */
static char *scalar(cctx *c, yaml_node_t *n, const char *what)
{
    if (!n)
        return NULL;
    if (n->type != YAML_SCALAR_NODE) {
        err(c, line_of(n), "'%s' must be a string", what);
        return NULL;
    }
    if (memchr(n->data.scalar.value, 0, n->data.scalar.length)) {
        err(c, line_of(n), "'%s' contains a NUL byte", what);
        return NULL;
    }
    char *s = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
    if (!s)
        err(c, line_of(n), "out of memory");
    return s;
}

static bool get_int(cctx *c, yaml_node_t *n, const char *what, int64_t min, int64_t *ret)
{
    char *s = scalar(c, n, what);
    if (!s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    bool ok = *s && *end == '\0' && errno == 0 && v >= min;
    free(s);
    if (!ok) {
        err(c, line_of(n), "'%s' must be an integer >= %lld", what, (long long)min);
        return false;
    }
    *ret = v;
    return true;
}

static bool get_bool(cctx *c, yaml_node_t *n, const char *what, bool *ret)
{
    char *s = scalar(c, n, what);
    if (!s)
        return false;
    bool ok = true;
    if (strcmp(s, "true") == 0)
        *ret = true;
    else if (strcmp(s, "false") == 0)
        *ret = false;
    else
        ok = false;
    free(s);
    if (!ok)
        err(c, line_of(n), "'%s' must be true or false", what);
    return ok;
}

/* Iterates a mapping's pairs: key text in key[], value node. Reports non-scalar keys and
 * duplicates. Returns the number of pairs stored (at most cap). */
typedef struct {
    char key[64];
    yaml_node_t *knode;
    yaml_node_t *value;
} kv;

static size_t pairs(cctx *c, yaml_node_t *m, kv *out, size_t cap)
{
    size_t n = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (!k || !v)
            return n;
        if (k->type != YAML_SCALAR_NODE || k->data.scalar.length >= sizeof(out[0].key) ||
            memchr(k->data.scalar.value, 0, k->data.scalar.length)) {
            err(c, line_of(k), "mapping key must be a short string");
            continue;
        }
        char key[64];
        memcpy(key, k->data.scalar.value, k->data.scalar.length);
        key[k->data.scalar.length] = '\0';
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            if (strcmp(out[i].key, key) == 0)
                dup = true;
        if (dup) {
            err(c, line_of(k), "duplicate key '%s'", key);
            continue;
        }
        if (n == cap) {
            err(c, line_of(k), "too many keys in mapping");
            break;
        }
        memcpy(out[n].key, key, sizeof(key));
        out[n].knode = k;
        out[n].value = v;
        n++;
    }
    return n;
}

static bool key_allowed(const char *key, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(*allowed, key) == 0)
            return true;
    return false;
}

static void check_keys(cctx *c, const kv *kvs, size_t n, const char *const *allowed,
                       const char *where)
{
    for (size_t i = 0; i < n; i++)
        if (!key_allowed(kvs[i].key, allowed))
            err(c, line_of(kvs[i].knode), "unknown key '%s' in %s", kvs[i].key, where);
}

static yaml_node_t *find(const kv *kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i].key, key) == 0)
            return kvs[i].value;
    return NULL;
}

static bool known_capture(rctx *r, const char *name)
{
    for (size_t i = 0; i < r->ncaptures; i++)
        if (strcmp(r->captures[i], name) == 0)
            return true;
    return false;
}

static void add_capture(cctx *c, rctx *r, char *name, int line)
{
    if (!rule_known_placeholder(name)) {
        err(c, line, "unknown placeholder '%s'", name);
        return;
    }
    if (!known_capture(r, name) && r->ncaptures < sizeof(r->captures) / sizeof(r->captures[0]))
        r->captures[r->ncaptures++] = name;
}

static bool compile_regex(cctx *c, rctx *r, rule_cond *cd, yaml_node_t *pn, bool ignore_case)
{
    cd->pattern = scalar(c, pn, "pattern");
    if (!cd->pattern)
        return false;
    int ecode;
    PCRE2_SIZE eoff;
    uint32_t opts = ignore_case ? PCRE2_CASELESS : 0;
    cd->re =
        pcre2_compile((PCRE2_SPTR)cd->pattern, PCRE2_ZERO_TERMINATED, opts, &ecode, &eoff, NULL);
    if (!cd->re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ecode, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "error %d", ecode);
        err(c, line_of(pn), "bad regex: %s at offset %zu", (const char *)msg, (size_t)eoff);
        return false;
    }
    cd->jit = pcre2_jit_compile(cd->re, PCRE2_JIT_COMPLETE) == 0;
    uint32_t count = 0, esize = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(cd->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(cd->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
    pcre2_pattern_info(cd->re, PCRE2_INFO_NAMETABLE, &table);
    if (count > 0) {
        cd->groups = calloc(count, sizeof(*cd->groups));
        if (!cd->groups) {
            err(c, line_of(pn), "out of memory");
            return false;
        }
        for (uint32_t i = 0; i < count; i++) {
            PCRE2_SPTR e = table + (size_t)i * esize;
            char *name = strdup((const char *)e + 2);
            if (!name) {
                err(c, line_of(pn), "out of memory");
                return false;
            }
            cd->groups[cd->ngroups].number = (uint32_t)((e[0] << 8) | e[1]);
            cd->groups[cd->ngroups++].name = name;
            add_capture(c, r, name, line_of(pn));
        }
    }
    return true;
}

static bool pattern_fields(cctx *c, rctx *r, rule_cond *cd, const kv *kvs, size_t n,
                           yaml_node_t *at)
{
    bool ok = true;
    cd->min_count = 1;
    cd->cite = true;
    yaml_node_t *v;
    if ((v = find(kvs, n, "ignore_case")))
        ok &= get_bool(c, v, "ignore_case", &cd->ignore_case);
    if ((v = find(kvs, n, "min_count"))) {
        int64_t mc;
        if (get_int(c, v, "min_count", 1, &mc))
            cd->min_count = (uint64_t)mc;
        else
            ok = false;
    }
    if ((v = find(kvs, n, "cite")))
        ok &= get_bool(c, v, "cite", &cd->cite);
    yaml_node_t *pn = find(kvs, n, "pattern");
    if (!pn) {
        err(c, line_of(at), "missing required key 'pattern'");
        return false;
    }
    if (!compile_regex(c, r, cd, pn, cd->ignore_case))
        return false;
    if ((v = find(kvs, n, "literal"))) {
        cd->literal = scalar(c, v, "literal");
        if (!cd->literal)
            return false;
        cd->literal_len = strlen(cd->literal);
        cd->literal_caseless = cd->ignore_case;
        if (cd->literal_len == 0) {
            err(c, line_of(v), "'literal' must not be empty");
            return false;
        }
    } else {
        cd->literal = rule_required_literal(cd->pattern, &cd->literal_len, &cd->literal_caseless);
        if (cd->ignore_case)
            cd->literal_caseless = true;
    }
    return ok;
}

static rule_cond *compile_cond(cctx *c, rctx *r, yaml_node_t *n, int depth);

static const char *const kinds[] = {"all",  "any",         "not",        "log",         "correlate",
                                    "fact", "log_present", "log_absent", "driverstore", NULL};

static bool one_family(cctx *c, rule_cond *cd, yaml_node_t *v, const char *what)
{
    char *s = scalar(c, v, what);
    if (!s)
        return false;
    int f = an_log_family_from_name(s);
    if (f < 0)
        err(c, line_of(v), "unknown log family '%s'", s);
    free(s);
    if (f < 0)
        return false;
    if (!cd->families)
        cd->family = (an_log_family)f;
    cd->families |= 1u << f;
    return true;
}

/* A family name, or (for log:) a list of them. */
static bool compile_family(cctx *c, rule_cond *cd, yaml_node_t *v, const char *what, bool list_ok)
{
    if (v->type != YAML_SEQUENCE_NODE || !list_ok)
        return one_family(c, cd, v, what);
    if (v->data.sequence.items.top == v->data.sequence.items.start) {
        err(c, line_of(v), "'%s' must name at least one log family", what);
        return false;
    }
    bool ok = true;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *n = node(c, *it);
        if (!n)
            return false;
        ok &= one_family(c, cd, n, what);
    }
    return ok;
}

static bool compile_fact(cctx *c, rctx *r, rule_cond *cd, const kv *kvs, size_t n, yaml_node_t *at)
{
    static const char *const allowed[] = {
        "fact", "exists", "missing", "equals", "not_equals", "in",      "not_in", "matches", "lt",
        "le",   "gt",     "ge",      "eq",     "ne",         "capture", "cite",   NULL};
    static const struct {
        const char *key;
        rule_fact_op op;
    } ops[] = {{"exists", FACT_EXISTS},
               {"missing", FACT_MISSING},
               {"equals", FACT_EQUALS},
               {"not_equals", FACT_NOT_EQUALS},
               {"in", FACT_IN},
               {"not_in", FACT_NOT_IN},
               {"matches", FACT_MATCHES},
               {"lt", FACT_LT},
               {"le", FACT_LE},
               {"gt", FACT_GT},
               {"ge", FACT_GE},
               {"eq", FACT_EQ},
               {"ne", FACT_NE}};
    check_keys(c, kvs, n, allowed, "fact condition");
    cd->cite = true;
    cd->fact = scalar(c, find(kvs, n, "fact"), "fact");
    if (!cd->fact)
        return false;
    bool ok = true;
    if (!rule_known_fact(cd->fact)) {
        err(c, line_of(find(kvs, n, "fact")), "unknown fact '%s'", cd->fact);
        ok = false;
    }
    yaml_node_t *opv = NULL;
    int nops = 0;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        yaml_node_t *v = find(kvs, n, ops[i].key);
        if (v) {
            nops++;
            opv = v;
            cd->op = ops[i].op;
        }
    }
    if (nops != 1) {
        err(c, line_of(at),
            "fact condition needs exactly one of exists, missing, equals, not_equals, in, "
            "not_in, matches, lt, le, gt, ge, eq, ne");
        return false;
    }
    bool b;
    switch (cd->op) {
    case FACT_EXISTS:
    case FACT_MISSING:
        if (!get_bool(c, opv, cd->op == FACT_EXISTS ? "exists" : "missing", &b))
            return false;
        if (!b) { /* "exists: false" reads as "missing: true" */
            cd->op = cd->op == FACT_EXISTS ? FACT_MISSING : FACT_EXISTS;
        }
        break;
    case FACT_EQUALS:
    case FACT_NOT_EQUALS:
        cd->sval = scalar(c, opv, cd->op == FACT_EQUALS ? "equals" : "not_equals");
        ok &= cd->sval != NULL;
        break;
    case FACT_MATCHES: {
        yaml_node_t *pn = opv;
        if (!compile_regex(c, r, cd, pn, true))
            return false;
        break;
    }
    case FACT_IN:
    case FACT_NOT_IN:
        if (opv->type != YAML_SEQUENCE_NODE) {
            err(c, line_of(opv), "'%s' must be a list", cd->op == FACT_IN ? "in" : "not_in");
            return false;
        }
        {
            size_t cnt = (size_t)(opv->data.sequence.items.top - opv->data.sequence.items.start);
            cd->set = calloc(cnt ? cnt : 1, sizeof(char *));
            if (!cd->set)
                return false;
            for (size_t i = 0; i < cnt; i++) {
                char *s = scalar(c, node(c, opv->data.sequence.items.start[i]), "list item");
                if (!s)
                    return false;
                cd->set[cd->nset++] = s;
            }
        }
        break;
    default:
        ok &= get_int(c, opv, "comparison", INT64_MIN, &cd->nval);
        break;
    }
    yaml_node_t *v;
    if ((v = find(kvs, n, "capture"))) {
        cd->capture = scalar(c, v, "capture");
        if (!cd->capture)
            return false;
        if (cd->op == FACT_MISSING) {
            err(c, line_of(v), "'capture' makes no sense with 'missing'");
            return false;
        }
        add_capture(c, r, cd->capture, line_of(v));
    }
    if ((v = find(kvs, n, "cite")))
        ok &= get_bool(c, v, "cite", &cd->cite);
    return ok;
}

static rule_cond *compile_cond(cctx *c, rctx *r, yaml_node_t *n, int depth)
{
    if (!n)
        return NULL;
    if (depth > RULE_MAX_DEPTH) {
        err(c, line_of(n), "conditions nested deeper than %d", RULE_MAX_DEPTH);
        return NULL;
    }
    if (n->type != YAML_MAPPING_NODE) {
        err(c, line_of(n), "a condition must be a mapping");
        return NULL;
    }
    kv kvs[24];
    size_t nk = pairs(c, n, kvs, 24);
    const char *kind = NULL;
    for (size_t i = 0; i < nk; i++) {
        if (!key_allowed(kvs[i].key, kinds))
            continue;
        if (kind) {
            err(c, line_of(kvs[i].knode), "condition has both '%s' and '%s'", kind, kvs[i].key);
            return NULL;
        }
        kind = kvs[i].key;
    }
    if (!kind) {
        err(c, line_of(n),
            "condition needs one of all, any, not, log, correlate, fact, log_present, "
            "log_absent");
        return NULL;
    }
    rule_cond *cd = calloc(1, sizeof(*cd));
    if (!cd) {
        err(c, line_of(n), "out of memory");
        return NULL;
    }
    cd->line = line_of(n);
    yaml_node_t *v = find(kvs, nk, kind);
    bool ok = true;
    if (strcmp(kind, "all") == 0 || strcmp(kind, "any") == 0) {
        static const char *const allowed[] = {"all", "any", NULL};
        check_keys(c, kvs, nk, allowed, "condition");
        cd->kind = kind[1] == 'l' ? COND_ALL : COND_ANY;
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.top == v->data.sequence.items.start) {
            err(c, line_of(v), "'%s' must be a non-empty list of conditions", kind);
            ok = false;
        } else {
            size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            cd->kids = calloc(cnt, sizeof(*cd->kids));
            ok = cd->kids != NULL;
            for (size_t i = 0; ok && i < cnt; i++) {
                rule_cond *k =
                    compile_cond(c, r, node(c, v->data.sequence.items.start[i]), depth + 1);
                if (!k)
                    ok = false;
                else
                    cd->kids[cd->nkids++] = k;
            }
        }
    } else if (strcmp(kind, "not") == 0) {
        static const char *const allowed[] = {"not", NULL};
        check_keys(c, kvs, nk, allowed, "condition");
        cd->kind = COND_NOT;
        cd->kids = calloc(1, sizeof(*cd->kids));
        rule_cond *k = cd->kids ? compile_cond(c, r, v, depth + 1) : NULL;
        if (k)
            cd->kids[cd->nkids++] = k;
        else
            ok = false;
    } else if (strcmp(kind, "log") == 0) {
        static const char *const allowed[] = {"log", "pattern", "literal",     "min_count",
                                              "as",  "cite",    "ignore_case", NULL};
        check_keys(c, kvs, nk, allowed, "log condition");
        cd->kind = COND_LOG;
        ok = compile_family(c, cd, v, "log", true);
        ok &= pattern_fields(c, r, cd, kvs, nk, n);
        yaml_node_t *as = find(kvs, nk, "as");
        if (as && (cd->label = scalar(c, as, "as")) != NULL) {
            for (size_t i = 0; i < r->nlabels; i++)
                if (strcmp(r->labels[i]->label, cd->label) == 0) {
                    err(c, line_of(as), "label '%s' used twice in this rule", cd->label);
                    ok = false;
                }
            if (r->nlabels < sizeof(r->labels) / sizeof(r->labels[0]))
                r->labels[r->nlabels++] = cd;
        } else if (as) {
            ok = false;
        }
    } else if (strcmp(kind, "correlate") == 0) {
        static const char *const allowed[] = {"correlate", "within", "pattern",     "literal",
                                              "min_count", "cite",   "ignore_case", NULL};
        check_keys(c, kvs, nk, allowed, "correlate condition");
        cd->kind = COND_CORRELATE;
        cd->anchor_label = scalar(c, v, "correlate");
        ok = cd->anchor_label != NULL;
        yaml_node_t *w = find(kvs, nk, "within");
        if (w && get_int(c, w, "within", 0, &cd->within)) {
            if (cd->within > RULE_MAX_WITHIN) {
                err(c, line_of(w), "'within' must be at most %d seconds", RULE_MAX_WITHIN);
                ok = false;
            }
        } else if (w) {
            ok = false;
        }
        ok &= pattern_fields(c, r, cd, kvs, nk, n);
        if (r->ncorrs < sizeof(r->corrs) / sizeof(r->corrs[0]))
            r->corrs[r->ncorrs++] = cd;
    } else if (strcmp(kind, "fact") == 0) {
        cd->kind = COND_FACT;
        ok = compile_fact(c, r, cd, kvs, nk, n);
    } else if (strcmp(kind, "driverstore") == 0) {
        static const char *const allowed[] = {"driverstore", "missing", "present", "cite", NULL};
        check_keys(c, kvs, nk, allowed, "driverstore condition");
        cd->kind = COND_DRIVERSTORE;
        cd->cite = true;
        cd->capture = scalar(c, v, "driverstore");
        ok = cd->capture != NULL;
        if (ok && !rule_known_placeholder(cd->capture)) {
            err(c, line_of(v), "unknown placeholder '%s'", cd->capture);
            ok = false;
        }
        yaml_node_t *mv = find(kvs, nk, "missing"), *pv = find(kvs, nk, "present");
        bool b = false;
        if ((mv != NULL) == (pv != NULL)) {
            err(c, line_of(n), "driverstore condition needs exactly one of missing, present");
            ok = false;
        } else if (get_bool(c, mv ? mv : pv, mv ? "missing" : "present", &b)) {
            /* "missing: true" == "present: false" */
            cd->op = (mv != NULL) == b ? FACT_MISSING : FACT_EXISTS;
        } else {
            ok = false;
        }
        yaml_node_t *cv = find(kvs, nk, "cite");
        if (cv)
            ok &= get_bool(c, cv, "cite", &cd->cite);
    } else {
        static const char *const allowed[] = {"log_present", "log_absent", NULL};
        check_keys(c, kvs, nk, allowed, "condition");
        cd->kind = kind[4] == 'p' ? COND_LOG_PRESENT : COND_LOG_ABSENT;
        ok = compile_family(c, cd, v, kind, false);
    }
    if (!ok) {
        discard(r, cd);
        return NULL;
    }
    return cd;
}

typedef struct {
    cctx *c;
    rctx *r;
    int line;
    bool ok;
    bool command; /* a plan command: free-text placeholders are refused */
} phctx;

static int check_placeholder(const char *name, size_t len, void *ctx)
{
    phctx *p = ctx;
    char buf[64];
    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (!rule_known_placeholder(buf)) {
        err(p->c, p->line, "unknown placeholder '{%s}'", buf);
        p->ok = false;
    } else if (!rule_builtin_placeholder(buf) && !known_capture(p->r, buf)) {
        err(p->c, p->line, "placeholder '{%s}' is not captured by any condition of this rule", buf);
        p->ok = false;
    } else if (p->command) {
        rule_kind kind = RULE_KIND_TEXT;
        rule_placeholder_kind(buf, strlen(buf), &kind);
        if (kind == RULE_KIND_TEXT) {
            err(p->c, p->line, "placeholder '{%s}' holds free text and cannot be used in a command",
                buf);
            p->ok = false;
        }
    }
    return 0;
}

static bool check_text(cctx *c, rctx *r, const char *text, int line, bool command)
{
    phctx p = {c, r, line, true, command};
    size_t bad = 0;
    if (rule_text_placeholders(text, check_placeholder, &p, &bad) < 0) {
        err(c, line, "malformed placeholder at column %zu (write '{{' or '}}' for a brace)",
            bad + 1);
        return false;
    }
    return p.ok;
}

static char *text_field(cctx *c, rctx *r, yaml_node_t *v, const char *what, bool *ok)
{
    char *s = scalar(c, v, what);
    if (!s) {
        *ok = false;
        return NULL;
    }
    if (!check_text(c, r, s, line_of(v), strcmp(what, "command") == 0))
        *ok = false;
    return s;
}

static bool compile_step(cctx *c, rctx *r, rule_step *st, yaml_node_t *n)
{
    static const char *const allowed[] = {"step", "command", "where", "note", "foreach", NULL};
    if (n->type != YAML_MAPPING_NODE) {
        err(c, line_of(n), "a plan step must be a mapping");
        return false;
    }
    kv kvs[16];
    size_t nk = pairs(c, n, kvs, 16);
    check_keys(c, kvs, nk, allowed, "plan step");
    st->line = line_of(n);
    bool ok = true;
    yaml_node_t *v;
    if (!(v = find(kvs, nk, "step"))) {
        err(c, line_of(n), "plan step is missing required key 'step'");
        ok = false;
    } else {
        st->step = text_field(c, r, v, "step", &ok);
        if (st->step && !st->step[0]) {
            err(c, line_of(v), "'step' must not be empty");
            ok = false;
        }
    }
    if (!(v = find(kvs, nk, "where"))) {
        err(c, line_of(n), "plan step is missing required key 'where'");
        ok = false;
    } else if ((st->where = scalar(c, v, "where")) != NULL) {
        if (strcmp(st->where, "offline") && strcmp(st->where, "rescue-vm") &&
            strcmp(st->where, "booted")) {
            err(c, line_of(v), "'where' must be offline, rescue-vm or booted");
            ok = false;
        }
    } else {
        ok = false;
    }
    if ((v = find(kvs, nk, "command")))
        st->command = text_field(c, r, v, "command", &ok);
    if ((v = find(kvs, nk, "note")))
        st->note = text_field(c, r, v, "note", &ok);
    if ((v = find(kvs, nk, "foreach"))) {
        st->foreach = scalar(c, v, "foreach");
        if (!st->foreach) {
            ok = false;
        } else if (!known_capture(r, st->foreach)) {
            err(c, line_of(v), "'foreach' names '%s', which no condition of this rule captures",
                st->foreach);
            ok = false;
        }
    }
    return ok;
}

static bool enum_field(cctx *c, yaml_node_t *v, const char *what, const char *const *names,
                       int count, int *ret)
{
    char *s = scalar(c, v, what);
    if (!s)
        return false;
    for (int i = 0; i < count; i++)
        if (strcmp(s, names[i]) == 0) {
            *ret = i;
            free(s);
            return true;
        }
    err(c, line_of(v), "unknown %s '%s'", what, s);
    free(s);
    return false;
}

/* "unless: [SSU-EMPTY, DRIVER-MISSING]": scenario ids whose finding, when it fires, explains
 * what this (generic) rule would report, so this rule then stays silent. */
static bool compile_unless(cctx *c, rule_def *rd, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top == v->data.sequence.items.start) {
        err(c, line_of(v), "'unless' must be a non-empty list of scenario ids");
        return false;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (!(rd->unless = calloc(cnt, sizeof(char *)))) {
        err(c, line_of(v), "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *k = node(c, v->data.sequence.items.start[i]);
        char *id = k ? scalar(c, k, "unless") : NULL;
        if (!id) {
            ok = false;
            continue;
        }
        if (!rule_known_scenario(id)) {
            err(c, line_of(k), "unless: unknown scenario id '%s'", id);
            free(id);
            ok = false;
            continue;
        }
        rd->unless[rd->nunless++] = id;
    }
    return ok;
}

static rule_def *compile_rule(cctx *c, yaml_node_t *n)
{
    static const char *const allowed[] = {
        "id",   "title",   "severity", "confidence", "description",
        "when", "context", "plan",     "unless",     NULL};
    static const char *const required[] = {"id",          "title", "severity", "confidence",
                                           "description", "when",  NULL};
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    static const char *const conf[] = {"low", "medium", "high"};
    if (n->type != YAML_MAPPING_NODE) {
        err(c, line_of(n), "a rule must be a mapping");
        return NULL;
    }
    kv kvs[24];
    size_t nk = pairs(c, n, kvs, 24);
    check_keys(c, kvs, nk, allowed, "rule");
    bool ok = true;
    for (const char *const *k = required; *k; k++)
        if (!find(kvs, nk, *k)) {
            err(c, line_of(n), "rule is missing required key '%s'", *k);
            ok = false;
        }
    rule_def *rd = calloc(1, sizeof(*rd));
    rctx *r = calloc(1, sizeof(*r));
    if (!rd || !r) {
        free(rd);
        free(r);
        err(c, line_of(n), "out of memory");
        return NULL;
    }
    rd->line = line_of(n);
    yaml_node_t *v;
    if ((v = find(kvs, nk, "id"))) {
        rd->id = scalar(c, v, "id");
        if (!rd->id) {
            ok = false;
        } else if (!rule_known_scenario(rd->id)) {
            err(c, line_of(v), "unknown scenario id '%s'", rd->id);
            ok = false;
        }
    }
    int e;
    if ((v = find(kvs, nk, "severity")) && (ok &= enum_field(c, v, "severity", sev, 5, &e)))
        rd->severity = (rule_severity)e;
    if ((v = find(kvs, nk, "confidence")) && (ok &= enum_field(c, v, "confidence", conf, 3, &e)))
        rd->confidence = (rule_confidence)e;
    /* Conditions first: they define the captures the texts may use. */
    if ((v = find(kvs, nk, "when")) && !(rd->when = compile_cond(c, r, v, 0)))
        ok = false;
    if ((v = find(kvs, nk, "context"))) {
        /* a list of conditions, kept as one "any" so each true one is cited */
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.top == v->data.sequence.items.start) {
            err(c, line_of(v), "'context' must be a non-empty list of conditions");
            ok = false;
        } else {
            size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            rd->context = calloc(1, sizeof(*rd->context));
            if (rd->context && !(rd->context->kids = calloc(cnt, sizeof(rule_cond *)))) {
                free(rd->context);
                rd->context = NULL;
            }
            if (!rd->context) {
                err(c, line_of(v), "out of memory");
                ok = false;
            }
            for (size_t i = 0; rd->context && i < cnt; i++) {
                rule_cond *k = compile_cond(c, r, node(c, v->data.sequence.items.start[i]), 1);
                if (!k)
                    ok = false;
                else
                    rd->context->kids[rd->context->nkids++] = k;
            }
            if (rd->context) {
                rd->context->kind = COND_ANY;
                rd->context->line = line_of(v);
            }
        }
    }
    for (size_t i = 0; i < r->ncorrs; i++) {
        rule_cond *cd = r->corrs[i];
        for (size_t j = 0; j < r->nlabels; j++)
            if (strcmp(r->labels[j]->label, cd->anchor_label) == 0)
                cd->anchor = r->labels[j];
        if (!cd->anchor) {
            err(c, cd->line, "correlate: no log condition labelled '%s' in this rule",
                cd->anchor_label);
            ok = false;
        }
    }
    if ((v = find(kvs, nk, "unless")))
        ok &= compile_unless(c, rd, v);
    if ((v = find(kvs, nk, "title")))
        rd->title = text_field(c, r, v, "title", &ok);
    if ((v = find(kvs, nk, "description")))
        rd->description = text_field(c, r, v, "description", &ok);
    if ((v = find(kvs, nk, "plan"))) {
        if (v->type != YAML_SEQUENCE_NODE) {
            err(c, line_of(v), "'plan' must be a list of steps");
            ok = false;
        } else {
            size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            rd->steps = calloc(cnt ? cnt : 1, sizeof(*rd->steps));
            if (!rd->steps)
                ok = false;
            for (size_t i = 0; rd->steps && i < cnt; i++) {
                yaml_node_t *sn = node(c, v->data.sequence.items.start[i]);
                if (!sn) {
                    ok = false;
                    break;
                }
                ok &= compile_step(c, r, &rd->steps[rd->nsteps++], sn);
            }
        }
    }
    /* capture names and labels are owned by the conditions, freed last */
    for (size_t i = 0; i < r->ngarbage; i++)
        rule_cond_free(r->garbage[i]);
    free(r->garbage);
    free(r);
    if (!ok) {
        rule_def_free(rd);
        return NULL;
    }
    return rd;
}

void rule_cond_free(rule_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nkids; i++)
        rule_cond_free(c->kids[i]);
    free(c->kids);
    free(c->pattern);
    pcre2_code_free(c->re);
    free(c->literal);
    free(c->label);
    for (size_t i = 0; i < c->ngroups; i++)
        free(c->groups[i].name);
    free(c->groups);
    free(c->anchor_label);
    free(c->fact);
    free(c->sval);
    for (size_t i = 0; i < c->nset; i++)
        free(c->set[i]);
    free(c->set);
    free(c->capture);
    free(c);
}

void rule_def_free(rule_def *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->title);
    free(r->description);
    rule_cond_free(r->when);
    rule_cond_free(r->context);
    for (size_t i = 0; i < r->nsteps; i++) {
        free(r->steps[i].step);
        free(r->steps[i].command);
        free(r->steps[i].where);
        free(r->steps[i].note);
        free(r->steps[i].foreach);
    }
    free(r->steps);
    for (size_t i = 0; i < r->nunless; i++)
        free(r->unless[i]);
    free(r->unless);
    free(r->file);
    free(r);
}

rule_set *rule_set_new(void)
{
    return calloc(1, sizeof(rule_set));
}

void rule_set_free(rule_set *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rule_def_free(rs->rules[i]);
    free(rs->rules);
    free(rs->pats);
    free(rs);
}

static size_t count_pats(const rule_cond *c)
{
    size_t n = (c->kind == COND_LOG || c->kind == COND_CORRELATE) ? 1 : 0;
    for (size_t i = 0; i < c->nkids; i++)
        n += count_pats(c->kids[i]);
    return n;
}

static void index_pats(rule_set *rs, rule_cond *c)
{
    if (c->kind == COND_LOG || c->kind == COND_CORRELATE) {
        c->pat_index = rs->npats;
        rs->pats[rs->npats++] = c;
    }
    for (size_t i = 0; i < c->nkids; i++)
        index_pats(rs, c->kids[i]);
}

/* Moves the compiled rules of one file into the set (all or nothing). */
static int add_rules(rule_set *rs, cctx *c, rule_def **defs, size_t n)
{
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        np += count_pats(defs[i]->when) + (defs[i]->context ? count_pats(defs[i]->context) : 0);
    if (rs->nrules + n > RULE_MAX_RULES || rs->npats + np > RULE_MAX_PATTERNS) {
        err(c, 0, "too many rules or patterns (limits %d and %d)", RULE_MAX_RULES,
            RULE_MAX_PATTERNS);
        return -E2BIG;
    }
    rule_def **nr = realloc(rs->rules, (rs->nrules + n + 1) * sizeof(*nr));
    if (!nr)
        return -ENOMEM;
    rs->rules = nr;
    rule_cond **npt = realloc(rs->pats, (rs->npats + np + 1) * sizeof(*npt));
    if (!npt)
        return -ENOMEM;
    rs->pats = npt;
    for (size_t i = 0; i < n; i++) {
        defs[i]->order = rs->nrules;
        index_pats(rs, defs[i]->when);
        if (defs[i]->context)
            index_pats(rs, defs[i]->context);
        rs->rules[rs->nrules++] = defs[i];
    }
    return 0;
}

static int compile_doc(rule_set *rs, cctx *c)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root) {
        err(c, 1, "file has no rules (expected a mapping with key 'rules')");
        return -EINVAL;
    }
    if (root->type != YAML_MAPPING_NODE) {
        err(c, line_of(root), "top level must be a mapping with key 'rules'");
        return -EINVAL;
    }
    kv kvs[8];
    size_t nk = pairs(c, root, kvs, 8);
    static const char *const allowed[] = {"rules", NULL};
    check_keys(c, kvs, nk, allowed, "rule file");
    yaml_node_t *rl = find(kvs, nk, "rules");
    if (!rl) {
        err(c, line_of(root), "missing required key 'rules'");
        return -EINVAL;
    }
    if (rl->type != YAML_SEQUENCE_NODE ||
        rl->data.sequence.items.top == rl->data.sequence.items.start) {
        err(c, line_of(rl), "'rules' must be a non-empty list of rules");
        return -EINVAL;
    }
    size_t cnt = (size_t)(rl->data.sequence.items.top - rl->data.sequence.items.start);
    rule_def **defs = calloc(cnt, sizeof(*defs));
    if (!defs)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *rn = node(c, rl->data.sequence.items.start[i]);
        if (!rn)
            break;
        rule_def *d = compile_rule(c, rn);
        if (d) {
            d->file = strdup(c->file);
            if (!d->file) {
                rule_def_free(d);
                c->nerr++;
                continue;
            }
            defs[n++] = d;
        }
    }
    int ret = c->nerr ? -EINVAL : add_rules(rs, c, defs, n);
    if (ret < 0)
        for (size_t i = 0; i < n; i++)
            rule_def_free(defs[i]);
    free(defs);
    return ret;
}

static void syntax_error(cctx *c, const yaml_parser_t *parser)
{
    if (parser->context)
        err(c, (int)parser->problem_mark.line + 1, "YAML syntax error: %s (line %d): %s",
            parser->context, (int)parser->context_mark.line + 1,
            parser->problem ? parser->problem : "unknown problem");
    else
        err(c, (int)parser->problem_mark.line + 1, "YAML syntax error: %s",
            parser->problem ? parser->problem : "unknown problem");
}

/* Refuses a file nested deeper than RULE_MAX_YAML_DEPTH before libyaml builds a document:
 * libyaml's scanner does O(flow depth) work per token (its simple-key stack), so 200,000
 * nested '[' cost minutes. The pre-scan runs the same scanner, so what it counts (flow and
 * block collections, outside quoted scalars and comments) is exactly what the loader would see,
 * and it stops at the first level too deep, which keeps it linear in the file size. A syntax
 * error ends the pre-scan; the loader then reports it. Returns 0 or -EINVAL (error reported). */
static int check_nesting(cctx *c, const void *data, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return -ENOMEM;
    yaml_parser_set_input_string(&p, data, len);
    int depth = 0, ret = 0;
    for (;;) {
        yaml_token_t tk;
        if (!yaml_parser_scan(&p, &tk))
            break;
        yaml_token_type_t type = tk.type;
        int line = (int)tk.start_mark.line + 1;
        yaml_token_delete(&tk);
        if (type == YAML_STREAM_END_TOKEN)
            break;
        if (type == YAML_FLOW_SEQUENCE_START_TOKEN || type == YAML_FLOW_MAPPING_START_TOKEN ||
            type == YAML_BLOCK_SEQUENCE_START_TOKEN || type == YAML_BLOCK_MAPPING_START_TOKEN) {
            if (++depth > RULE_MAX_YAML_DEPTH) {
                err(c, line, "nesting deeper than %d", RULE_MAX_YAML_DEPTH);
                ret = -EINVAL;
                break;
            }
        } else if ((type == YAML_FLOW_SEQUENCE_END_TOKEN || type == YAML_FLOW_MAPPING_END_TOKEN ||
                    type == YAML_BLOCK_END_TOKEN) &&
                   depth > 0) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return ret;
}

int rule_set_load_mem(rule_set *rs, const char *name, const void *data, size_t len,
                      rule_err_cb err_cb, void *ctx)
{
    cctx c = {.file = name, .cb = err_cb, .ctx = ctx};
    if (!rs || !name || (!data && len))
        return -EINVAL;
    if (len > RULE_MAX_FILE_SIZE) {
        err(&c, 0, "rule file larger than %d bytes", RULE_MAX_FILE_SIZE);
        return -EINVAL;
    }
    int nest = check_nesting(&c, data ? data : (const void *)"", len);
    if (nest < 0)
        return nest;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    if (!yaml_parser_initialize(&parser))
        return -ENOMEM;
    yaml_parser_set_input_string(&parser, data ? data : (const void *)"", len);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&c, &parser);
        yaml_parser_delete(&parser);
        return -EINVAL;
    }
    /* The whole file is read before anything is compiled, so a broken or second document
     * (not part of the language) keeps every rule of the file out of the set. */
    int ret = 0;
    if (yaml_document_get_root_node(&doc)) {
        if (!yaml_parser_load(&parser, &extra)) {
            syntax_error(&c, &parser);
            ret = -EINVAL;
        } else {
            yaml_node_t *root2 = yaml_document_get_root_node(&extra);
            if (root2) {
                err(&c, (int)root2->start_mark.line + 1, "only one YAML document per rule file");
                ret = -EINVAL;
            }
            yaml_document_delete(&extra);
        }
    }
    if (ret == 0) {
        c.doc = &doc;
        ret = compile_doc(rs, &c);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return ret;
}

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "directory";
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISCHR(m))
        return "character device";
    if (S_ISBLK(m))
        return "block device";
    if (S_ISSOCK(m))
        return "socket";
    return "special file";
}

__attribute__((format(printf, 5, 6))) static int
file_error(const char *path, rule_err_cb err_cb, void *ctx, int ret, const char *fmt, ...)
{
    if (err_cb) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        err_cb(path, 0, msg, ctx);
    }
    return ret;
}

/* O_NONBLOCK: opening a FIFO (or a tty) named like a rule file must not wait for a writer; the
 * fstat that follows refuses anything but a regular file before a byte is read. */
int rule_set_load_file(rule_set *rs, const char *path, rule_err_cb err_cb, void *ctx)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return file_error(path, err_cb, ctx, -e, "cannot open: %s", strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return file_error(path, err_cb, ctx, -e, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return file_error(path, err_cb, ctx, -EINVAL, "not a regular file (%s)",
                          file_kind(st.st_mode));
    }
    if (st.st_size > RULE_MAX_FILE_SIZE) {
        close(fd);
        return file_error(path, err_cb, ctx, -EINVAL, "rule file larger than %d bytes",
                          RULE_MAX_FILE_SIZE);
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    /* A file that grew since the fstat is read up to its size then; one that shrank ends
     * early. Either way what is compiled is what was read. */
    size_t got = 0;
    int rerr = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rerr = errno;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (rerr) {
        free(buf);
        return file_error(path, err_cb, ctx, -rerr, "cannot read: %s", strerror(rerr));
    }
    int ret = rule_set_load_mem(rs, path, buf, got, err_cb, ctx);
    free(buf);
    return ret;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_rule_file(const char *n)
{
    size_t l = strlen(n);
    return n[0] != '.' && ((l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
                           (l > 5 && strcmp(n + l - 5, ".yaml") == 0));
}

int rule_set_load_dir(rule_set *rs, const char *dir, rule_err_cb err_cb, void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        if (err_cb) {
            char msg[256];
            snprintf(msg, sizeof(msg), "cannot open rule directory: %s", strerror(e));
            err_cb(dir, 0, msg, ctx);
        }
        return -e;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_rule_file(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                ret = -ENOMEM;
                break;
            }
            names = nn;
        }
        if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
            ret = -ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (ret != -ENOMEM) {
            int r = rule_set_load_file(rs, names[i], err_cb, ctx);
            if (r < 0 && ret == 0)
                ret = r;
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

size_t rule_set_count(const rule_set *rs)
{
    return rs ? rs->nrules : 0;
}

int rule_set_info(const rule_set *rs, size_t i, rule_info *ret_info)
{
    if (!rs || i >= rs->nrules)
        return -ERANGE;
    const rule_def *d = rs->rules[i];
    *ret_info = (rule_info){d->id, d->title, d->severity, d->confidence, d->file, d->line};
    return 0;
}
