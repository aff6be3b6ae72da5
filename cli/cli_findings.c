/* Adapter between the rules engine's findings and the report writers: one place that knows
 * rule_result, so each writer stays a formatter. */
#include "cli/cli_findings.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_codes.h"
#include "rules/rule.h"
#include "cli/cli_escape.h"

const char *cli_fact_str(const cli_install_report *ir, const char *name)
{
    return sxs_install_fact(ir, name);
}

int cli_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10);
        unsigned long y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (ea == a && eb == b) /* neither is numeric here: treat the rest as equal */
            return 0;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return 0;
}

static void finding_codes(const rule_finding *f, cli_codes *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (size_t e = 0; e < f->nevidence; e++)
        cli_codes_scan(ret, f->evidence[e].text);
}

static const rule_result *res_of(const cli_install_report *ir)
{
    return ir->findings;
}

size_t cli_findings_count(const cli_install_report *ir)
{
    const rule_result *r = res_of(ir);
    return r ? r->nfindings : 0;
}

const rule_finding *cli_findings_top(const cli_install_report *ir)
{
    return sxs_install_top(ir);
}

const char *cli_findings_primary(const cli_install_report *ir)
{
    const rule_finding *f = cli_findings_top(ir);
    return f ? f->id : NULL;
}

void cli_findings_write_json(cli_json *j, const cli_install_report *ir)
{
    const rule_result *r = res_of(ir);
    for (size_t i = 0; r && i < r->nfindings; i++) {
        const rule_finding *f = &r->findings[i];
        cli_json_begin_object(j);
        cli_json_kv_str(j, "id", f->id);
        cli_json_kv_uint(j, "install", ir->info->index + 1);
        cli_json_kv_str(j, "severity", rule_severity_name(f->severity));
        cli_json_kv_str(j, "confidence", rule_confidence_name(f->confidence));
        cli_json_kv_str(j, "title", f->title);
        cli_json_kv_str(j, "description", f->description);
        cli_json_key(j, "evidence");
        cli_json_begin_array(j);
        for (size_t e = 0; e < f->nevidence; e++) {
            const rule_evidence *ev = &f->evidence[e];
            cli_json_begin_object(j);
            cli_json_kv_str(j, "source", ev->source);
            cli_json_key(j, "line");
            if (ev->line >= 0)
                cli_json_int(j, ev->line);
            else
                cli_json_null(j);
            cli_json_key(j, "offset");
            if (ev->offset >= 0)
                cli_json_int(j, ev->offset);
            else
                cli_json_null(j);
            cli_json_key(j, "timestamp");
            cli_json_string(j, ev->timestamp && *ev->timestamp ? ev->timestamp : NULL);
            cli_json_kv_str(j, "text", ev->text);
            cli_json_end_object(j);
        }
        cli_json_end_array(j);
        cli_json_kv_uint(j, "evidence_more", f->evidence_more);
        cli_codes codes;
        finding_codes(f, &codes);
        cli_json_key(j, "codes");
        cli_json_begin_array(j);
        for (size_t c = 0; c < codes.count; c++) {
            const cli_code *cc = &codes.items[c];
            const sxs_errcode_info *info = sxs_errcode_lookup(cc->code);
            char hex[16];
            snprintf(hex, sizeof(hex), "0x%08X", cc->code);
            cli_json_begin_object(j);
            cli_json_kv_str(j, "code", hex);
            cli_json_key(j, "name");
            cli_json_string(j, info ? info->name : NULL);
            cli_json_key(j, "meaning");
            cli_json_string(j, info ? info->meaning : NULL);
            if (cc->has_extend) {
                cli_json_kv_uint(j, "extend", cc->extend.extend);
                cli_json_key(j, "phase");
                cli_json_string(j, cc->extend.phase_label);
                cli_json_key(j, "operation");
                cli_json_string(j, cc->extend.operation_label);
            }
            cli_json_end_object(j);
        }
        cli_json_end_array(j);
        cli_json_key(j, "plan");
        cli_json_begin_array(j);
        for (size_t p = 0; p < f->nplan; p++) {
            const rule_plan_step *s = &f->plan[p];
            cli_json_begin_object(j);
            cli_json_kv_str(j, "step", s->step);
            cli_json_kv_str(j, "command", s->command);
            cli_json_kv_str(j, "where", s->where);
            cli_json_kv_str(j, "note", s->note);
            cli_json_end_object(j);
        }
        cli_json_end_array(j);
        cli_json_end_object(j);
    }
}

static void write_evidence_line(FILE *out, const rule_evidence *ev, const char *indent)
{
    fputs(indent, out);
    cli_put_value(out, ev->source && *ev->source ? ev->source : "(fact)");
    if (ev->line >= 0)
        fprintf(out, ":%" PRId64, ev->line);
    if (ev->timestamp && *ev->timestamp)
        fprintf(out, "  %s", ev->timestamp);
    fprintf(out, "\n%s  ", indent);
    cli_put_value(out, ev->text);
    fputc('\n', out);
}

void cli_findings_write_text(FILE *out, const cli_install_report *ir)
{
    const rule_result *r = res_of(ir);
    for (size_t i = 0; r && i < r->nfindings; i++) {
        const rule_finding *f = &r->findings[i];
        fprintf(out, "\n[%zu] %s  (%s severity, %s confidence)  installation %u\n", i + 1, f->id,
                rule_severity_name(f->severity), rule_confidence_name(f->confidence),
                ir->info->index + 1);
        fprintf(out, "    %s\n", f->title);
        if (f->description && *f->description)
            fprintf(out, "    Why: %s\n", f->description);
        if (f->nevidence) {
            fputs("    Evidence:\n", out);
            for (size_t e = 0; e < f->nevidence; e++)
                write_evidence_line(out, &f->evidence[e], "      ");
            if (f->evidence_more)
                fprintf(out, "      ... and %zu more\n", f->evidence_more);
        }
        cli_codes codes;
        finding_codes(f, &codes);
        if (codes.count) {
            fputs("    Codes:\n", out);
            for (size_t c = 0; c < codes.count; c++) {
                char d[512];
                cli_code_describe(&codes.items[c], d, sizeof(d));
                fprintf(out, "      %s\n", d);
            }
        }
        if (f->nplan) {
            fputs("    Repair plan:\n", out);
            for (size_t p = 0; p < f->nplan; p++) {
                const rule_plan_step *s = &f->plan[p];
                fprintf(out, "      %zu. %s  [%s]\n", p + 1, s->step, s->where);
                if (s->command && *s->command)
                    fprintf(out, "           %s\n", s->command);
                if (s->note && *s->note)
                    fprintf(out, "           (%s)\n", s->note);
            }
        }
    }
}

void cli_findings_write_markdown(FILE *out, const cli_install_report *ir)
{
    const rule_result *r = res_of(ir);
    for (size_t i = 0; r && i < r->nfindings; i++) {
        const rule_finding *f = &r->findings[i];
        fprintf(out, "\n### %zu. `%s`: %s\n\n*%s severity, %s confidence*\n\n", i + 1, f->id,
                f->title, rule_severity_name(f->severity), rule_confidence_name(f->confidence));
        if (f->description && *f->description)
            fprintf(out, "%s\n\n", f->description);
        if (f->nevidence) {
            fputs("Evidence:\n\n```\n", out);
            for (size_t e = 0; e < f->nevidence; e++)
                write_evidence_line(out, &f->evidence[e], "");
            fputs("```\n\n", out);
        }
        cli_codes codes;
        finding_codes(f, &codes);
        for (size_t c = 0; c < codes.count; c++) {
            char d[512];
            cli_code_describe(&codes.items[c], d, sizeof(d));
            fprintf(out, "- %s\n", d);
        }
        if (codes.count)
            fputc('\n', out);
        for (size_t p = 0; p < f->nplan; p++) {
            const rule_plan_step *s = &f->plan[p];
            fprintf(out, "%zu. %s (*%s*)", p + 1, s->step, s->where);
            if (s->command && *s->command)
                fprintf(out, "\n   ```\n   %s\n   ```", s->command);
            if (s->note && *s->note)
                fprintf(out, "\n   %s", s->note);
            fputc('\n', out);
        }
    }
}

bool cli_snapshot_text(const cli_report *r, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; r->d->ev && i < fsa_volume_count(r->d->ev) && o < cap; i++) {
        const fsa_volume_info *v = fsa_volume(r->d->ev, i);
        const fsa_shadow_info *sh = v->snapshot;
        if (!sh)
            continue;
        char when[32] = "unknown date";
        time_t t = (time_t)sh->created;
        struct tm tm;
        if (sh->created && gmtime_r(&t, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        int w = snprintf(out + o, cap - o,
                         "%svolume %u is read as its shadow copy vss%u {%s}, created %s (the "
                         "volume as it was then, not as it is now)",
                         o ? "; " : "", v->index, sh->index, sh->identifier, when);
        o = w < 0 ? cap : o + (size_t)w;
    }
    return out[0] != '\0';
}
