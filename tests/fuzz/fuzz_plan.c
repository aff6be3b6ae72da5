/* libFuzzer harness for plan rendering (issue 17 item 1): fuzzed bytes become the captured
 * values (facts, a CBS Doqe line) and the built-ins (--target-drive, the Windows directory)
 * of the shipped rule pack and of a rule set that puts every command-capable placeholder
 * into a command, quoted and bare, alone and as a list. Every rendered command must match
 * the command template it came from, each placeholder filled only with characters its kind
 * allows there (an oracle written here, independent of rule_quote.c): so no value can add a
 * cmd.exe or PowerShell separator, quote, expansion or newline. Report text (titles, steps,
 * notes) must hold no control byte. A violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Placeholders a command may hold and their characters (the oracle's own copy of the kinds):
 * "bare" outside double quotes, "quoted" inside. */
static const struct {
    const char *name;
    const char *bare;
    const char *quoted;
} kinds[] = {
    {"target_drive", "A-Za-z:", "A-Za-z:"},
    {"boot_drive", "A-Za-z:", "A-Za-z:"},
    {"windows_dir", "A-Za-z0-9._~\\\\-", "A-Za-z0-9._~\\\\-"},
    {"inf", "A-Za-z0-9._-", "A-Za-z0-9._-"},
    {"folder", "A-Za-z0-9._-", "A-Za-z0-9._-"},
    {"file", "A-Za-z0-9._-", "A-Za-z0-9._-"},
    {"service", "A-Za-z0-9._-", "A-Za-z0-9._-"},
    {"package", "A-Za-z0-9._~-", "A-Za-z0-9._~-"},
    {"component", "A-Za-z0-9._~-", "A-Za-z0-9._~-"},
    {"session", "A-Za-z0-9._~-", "A-Za-z0-9._~-"},
    {"version", "0-9.", "0-9."},
    {"build", "0-9.", "0-9."},
    {"kb", "KBkb0-9", "KBkb0-9"},
    {"control_set", "A-Za-z0-9", "A-Za-z0-9"},
    {"code", "0-9A-Fa-fxX-", "0-9A-Fa-fxX-"},
    {"start", "0-9", "0-9"},
    {"guid", "0-9A-Fa-f{}-", "0-9A-Fa-f{}-"},
    {"path", "A-Za-z0-9._~:\\\\-", "A-Za-z0-9._~:\\\\ ()+,#='\\[\\]{}@-"},
    {"bcd_path", "A-Za-z0-9._~:\\\\-", "A-Za-z0-9._~:\\\\ ()+,#='\\[\\]{}@-"},
    {"dump_path", "A-Za-z0-9._~:\\\\-", "A-Za-z0-9._~:\\\\ ()+,#='\\[\\]{}@-"},
    {"pending_package", "A-Za-z0-9._~-", "A-Za-z0-9._~-"},
    {"lkg_current", "0-9", "0-9"},
    {"lkg_failed", "0-9", "0-9"},
    {"lkg_lkg", "0-9", "0-9"},
    {"snapshot_store", "0-9", "0-9"},
    {"snapshot_set", "0-9A-Fa-f{}-", "0-9A-Fa-f{}-"},
    {"snapshot_folder", "A-Za-z0-9._-", "A-Za-z0-9._-"},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The synthetic rule: placeholder i captures fact service.pI.image_path. */
static const char *const synth_ph[] = {"inf",         "folder",  "file",    "service", "package",
                                       "component",   "session", "version", "build",   "kb",
                                       "control_set", "code",    "start",   "guid",    "path"};
#define NSYNTH (sizeof(synth_ph) / sizeof(synth_ph[0]))

static rule_set *pack, *synth;
static pcre2_code **tmpl;
static size_t ntmpl;
static pcre2_match_data *md;

static void die(const char *what, const char *s)
{
    fprintf(stderr, "fuzz_plan: %s: [%s]\n", what, s ? s : "(null)");
    abort();
}

static void buf_add(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *b = realloc(*b, *cap);
        if (!*b)
            abort();
    }
    memcpy(*b + *len, s, n);
    *len += n;
    (*b)[*len] = '\0';
}

/* A template to an anchored regex: literal text quoted, "{name|def}" to the kind's class (or
 * the default, or "<name>" when no value was captured). */
static void add_template(const char *t)
{
    char *re = NULL;
    size_t len = 0, cap = 0;
    bool quoted = false;
    buf_add(&re, &len, &cap, "^", 1);
    for (size_t i = 0; t[i];) {
        if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
            buf_add(&re, &len, &cap, "\\", 1);
            buf_add(&re, &len, &cap, t + i, 1);
            i += 2;
            continue;
        }
        if (t[i] == '{') {
            size_t j = i + 1;
            while (t[j] && t[j] != '}' && t[j] != '|')
                j++;
            size_t nl = j - i - 1;
            const char *def = NULL;
            size_t dl = 0;
            if (t[j] == '|') {
                def = t + j + 1;
                while (t[j] && t[j] != '}')
                    j++;
                dl = (size_t)(t + j - def);
            }
            const char *cls = NULL;
            for (size_t k = 0; k < NKINDS; k++)
                if (strlen(kinds[k].name) == nl && memcmp(kinds[k].name, t + i + 1, nl) == 0)
                    cls = quoted ? kinds[k].quoted : kinds[k].bare;
            if (!cls)
                die("placeholder of no command kind in a command", t);
            buf_add(&re, &len, &cap, "(?:[", 4);
            buf_add(&re, &len, &cap, cls, strlen(cls));
            buf_add(&re, &len, &cap, "]+|\\Q<", 6);
            buf_add(&re, &len, &cap, t + i + 1, nl);
            buf_add(&re, &len, &cap, ">\\E", 3);
            if (def) {
                buf_add(&re, &len, &cap, "|\\Q", 3);
                buf_add(&re, &len, &cap, def, dl);
                buf_add(&re, &len, &cap, "\\E", 2);
            }
            buf_add(&re, &len, &cap, ")", 1);
            i = j + 1;
            continue;
        }
        size_t j = i;
        while (t[j] && t[j] != '{' && !(t[j] == '}' && t[j + 1] == '}')) {
            quoted ^= t[j] == '"';
            j++;
        }
        buf_add(&re, &len, &cap, "\\Q", 2);
        buf_add(&re, &len, &cap, t + i, j - i);
        buf_add(&re, &len, &cap, "\\E", 2);
        i = j;
    }
    buf_add(&re, &len, &cap, "$", 1);
    int e;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, len, 0, &e, &off, NULL);
    if (!c)
        die("template regex", re);
    free(re);
    tmpl = realloc(tmpl, (ntmpl + 1) * sizeof(*tmpl));
    if (!tmpl)
        abort();
    tmpl[ntmpl++] = c;
}

static void add_templates(const rule_set *rs)
{
    for (size_t i = 0; i < rs->nrules; i++)
        for (size_t j = 0; j < rs->rules[i]->nsteps; j++)
            if (rs->rules[i]->steps[j].command && rs->rules[i]->steps[j].command[0])
                add_template(rs->rules[i]->steps[j].command);
}

/* One rule per placeholder I, firing on fact service.pI.image_path and capturing it, with a
 * foreach step (value quoted and bare, the built-ins around it) and a step taking the list. */
static rule_set *load_synth(void)
{
    char *y = NULL;
    size_t len = 0, cap = 0;
    buf_add(&y, &len, &cap, "rules:\n", 7);
    char r[1024];
    for (size_t i = 0; i < NSYNTH; i++) {
        const char *p = synth_ph[i];
        int n = snprintf(
            r, sizeof(r),
            "  - id: WU-CACHE\n    title: 'fuzz {%s}'\n    severity: low\n    confidence: low\n"
            "    description: 'd {%s}'\n"
            "    when: {fact: service.p%zu.image_path, exists: true, capture: %s}\n"
            "    plan:\n"
            "      - {step: 'q {%s}', where: rescue-vm, foreach: %s, note: 'n {%s}',"
            " command: 'dir \"{target_drive}\\{windows_dir}\\x\\{%s}\" && echo {%s}'}\n"
            "      - {step: 'l {%s}', where: rescue-vm, command: 'x {%s}|more'}\n",
            p, p, i, p, p, p, p, p, p, p, p);
        buf_add(&y, &len, &cap, r, (size_t)n);
    }
    rule_set *rs = rule_set_new();
    if (!rs || rule_set_load_mem(rs, "synth.yml", y, len, NULL, NULL) != 0)
        die("synthetic rule set does not compile", y);
    free(y);
    return rs;
}

static void init(void)
{
    pack = rule_set_new();
    if (!pack || rule_set_load_dir(pack, rule_builtin_dir(), NULL, NULL) != 0)
        die("shipped rule pack does not load", rule_builtin_dir());
    synth = load_synth();
    add_templates(pack);
    add_templates(synth);
    md = pcre2_match_data_create(4, NULL);
    if (!md)
        abort();
}

static void check_text(const char *what, const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            die(what, s);
}

static void check_result(const rule_result *r)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        const rule_finding *f = &r->findings[i];
        check_text("control byte in a title", f->title);
        check_text("control byte in a description", f->description);
        for (size_t p = 0; p < f->nplan; p++) {
            const rule_plan_step *s = &f->plan[p];
            check_text("control byte in a step", s->step);
            check_text("control byte in a note", s->note);
            if (!*s->command)
                continue;
            /* plain printable ASCII, no expansion or escape character of either shell */
            for (const char *c = s->command; *c; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e || strchr("%!$`^", *c))
                    die("character outside every kind in a command", s->command);
            bool ok = false;
            for (size_t t = 0; t < ntmpl && !ok; t++)
                ok = pcre2_match(tmpl[t], (PCRE2_SPTR)s->command, strlen(s->command), 0, 0, md,
                                 NULL) >= 0;
            if (!ok)
                die("command matches no template with kind-safe values", s->command);
        }
    }
}

/* Splits data on NUL into fields; field k is the k-th value (a '\x1f' inside makes two). */
static size_t split(const uint8_t *data, size_t size, char **fields, size_t max)
{
    size_t n = 0, i = 0;
    while (i <= size && n < max) {
        size_t j = i;
        while (j < size && data[j])
            j++;
        fields[n] = malloc(j - i + 1);
        if (!fields[n])
            abort();
        memcpy(fields[n], data + i, j - i);
        fields[n][j - i] = '\0';
        n++;
        i = j + 1;
    }
    return n;
}

static void add_values(an_facts *facts, const char *name, const char *v)
{
    const char *sep = strchr(v, '\x1f');
    if (!sep) {
        an_facts_add_str(facts, name, v, NULL, -1);
        return;
    }
    char *a = strndup(v, (size_t)(sep - v));
    if (!a)
        abort();
    an_facts_add_str(facts, name, a, NULL, -1);
    an_facts_add_str(facts, name, sep + 1, NULL, -1);
    free(a);
}

static void run(const rule_set *rs, an_facts *facts, const char *doqe_inf, const char *drive,
                const char *windir)
{
    rule_scan *s;
    if (rule_scan_new(rs, &s) < 0)
        return;
    if (doqe_inf && rule_scan_file_begin(s, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log") == 0) {
        char line[2048];
        const char *lines[3] = {line,
                                "2025-06-11 03:12:47, Info  CBS  DriverUpdateInstallUpdates "
                                "failed [HRESULT = 0x80070003 - ERROR_PATH_NOT_FOUND]",
                                "2025-06-11 03:12:47, Info  CBS  Startup: Rolling back KTM, "
                                "because drivers failed."};
        int n = snprintf(line, sizeof(line),
                         "2025-06-11 03:12:47, Info  CBS  Doqe: Recording result: 0x80070003, "
                         "for Inf: %s",
                         doqe_inf);
        size_t l0 = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
        for (size_t i = 0; i < 3; i++) {
            an_log_line l = {.text = lines[i],
                             .len = i ? strlen(lines[i]) : l0,
                             .line_no = i + 1,
                             .has_time = true,
                             .time = 1749611567};
            rule_scan_line_cb(&l, s);
        }
        rule_scan_file_end(s, 300, 0);
    }
    rule_eval_input in = {.facts = facts, .windows_dir = windir, .target_drive = drive};
    rule_result *r;
    if (rule_scan_finish(s, &in, &r, NULL) == 0) {
        check_result(r);
        rule_result_free(r);
    }
    rule_scan_free(s);
}

/* Byte 0 picks the case: placeholder k of the synthetic set (its rule alone fires), or the
 * shipped pack. Then NUL-separated fields: --target-drive, the Windows directory, values. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pack)
        init();
    if (size < 1 || size > 8192)
        return 0;
    size_t sel = data[0] % (NSYNTH + 1);
    char *fl[8] = {0};
    size_t n = split(data + 1, size - 1, fl, 8);
    const char *v[8];
    for (size_t i = 0; i < 8; i++)
        v[i] = i < n ? fl[i] : "";
    /* the built-ins, as a caller that passes them would */
    const char *drive = v[0][0] ? v[0] : NULL;
    const char *windir = v[1][0] ? v[1] : "Windows";
    an_facts *facts = an_facts_new();
    if (facts && sel < NSYNTH) {
        char name[64];
        snprintf(name, sizeof(name), "service.p%zu.image_path", sel);
        add_values(facts, name, v[2]);
        run(synth, facts, NULL, drive, windir);
    } else if (facts) {
        /* the shipped pack: the values where its rules take them from */
        add_values(facts, "reparse.library_junction.bad", v[2]);
        add_values(facts, "iis.physical_path.missing", v[3]);
        add_values(facts, "winsxs.ssu_current.missing", v[4]);
        add_values(facts, "system.control_set", v[5]);
        an_facts_add_num(facts, "service.wuauserv.start", 4, NULL, -1);
        an_facts_add_num(facts, "service.bits.start", 4, NULL, -1);
        run(pack, facts, v[6], drive, windir);
    }
    an_facts_free(facts);
    for (size_t i = 0; i < n; i++)
        free(fl[i]);
    return 0;
}
