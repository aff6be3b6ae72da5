/* The JSON report: the machine contract of DESIGN.md ("tool", "evidence", "volumes",
 * "installs", "verdict", "findings", "errors"). Additional keys may be added; none of these
 * may change meaning. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_findings.h"
#include "cli/cli_history.h"
#include "cli/cli_json.h"
#include "cli/cli_report.h"

static const char *verdict_name(sxs_verdict v)
{
    switch (v) {
    case SXS_VERDICT_HEALTHY:
        return "healthy";
    case SXS_VERDICT_FINDINGS:
        return "findings";
    case SXS_VERDICT_UNREADABLE:
        break;
    }
    return "unreadable";
}

static void kv_opt_str(cli_json *j, const char *key, const char *v)
{
    cli_json_key(j, key);
    cli_json_string(j, v); /* null when absent */
}

static void write_evidence(cli_json *j, const cli_report *r)
{
    cli_json_key(j, "evidence");
    cli_json_begin_object(j);
    cli_json_kv_str(j, "path", r->d->evidence);
    cli_json_kv_str(j, "input", r->input);
    if (!r->d->ev) {
        cli_json_key(j, "format");
        cli_json_null(j);
        cli_json_key(j, "size");
        cli_json_null(j);
        cli_json_end_object(j);
        return;
    }
    const fsa_evidence_info *info = fsa_info(r->d->ev);
    cli_json_kv_str(j, "format", fsa_format_name(info->format));
    cli_json_kv_uint(j, "size", info->media_size);
    if (r->d->sha256[0])
        cli_json_kv_str(j, "sha256", r->d->sha256);
    cli_json_key(j, "segments");
    cli_json_begin_array(j);
    for (size_t i = 0; i < info->segment_count; i++)
        cli_json_string(j, info->segments[i]);
    cli_json_end_array(j);
    if (info->format == FSA_FMT_EWF) {
        cli_json_key(j, "ewf");
        cli_json_begin_object(j);
        kv_opt_str(j, "case_number", info->ewf_case_number);
        kv_opt_str(j, "evidence_number", info->ewf_evidence_number);
        kv_opt_str(j, "description", info->ewf_description);
        kv_opt_str(j, "examiner", info->ewf_examiner);
        kv_opt_str(j, "notes", info->ewf_notes);
        kv_opt_str(j, "acquiry_date", info->ewf_acquiry_date);
        kv_opt_str(j, "acquiry_software", info->ewf_acquiry_software);
        kv_opt_str(j, "md5", info->ewf_md5);
        kv_opt_str(j, "sha1", info->ewf_sha1);
        cli_json_end_object(j);
    }
    cli_json_end_object(j);
}

static void write_volumes(cli_json *j, const cli_report *r)
{
    cli_json_key(j, "volumes");
    cli_json_begin_array(j);
    for (size_t i = 0; r->d->ev && i < fsa_volume_count(r->d->ev); i++) {
        const fsa_volume_info *v = fsa_volume(r->d->ev, i);
        cli_json_begin_object(j);
        cli_json_kv_uint(j, "index", v->index);
        cli_json_kv_uint(j, "offset", v->offset);
        cli_json_kv_uint(j, "size", v->size);
        cli_json_kv_str(j, "fs", v->fs);
        cli_json_kv_str(j, "label", v->label);
        cli_json_kv_str(j, "note", v->note);
        cli_json_kv_str(j, "partition_type", v->partition_type);
        cli_json_kv_str(j, "encryption", v->encryption);
        cli_json_kv_str(j, "unlocked_with", v->unlocked_with);
        cli_json_kv_str(j, "protectors", v->protectors);
        cli_json_key(j, "shadow_copies");
        cli_json_begin_array(j);
        for (size_t k = 0; k < v->n_shadows; k++) {
            const fsa_shadow_info *sh = &v->shadows[k];
            cli_json_begin_object(j);
            cli_json_kv_uint(j, "index", sh->index);
            cli_json_kv_str(j, "identifier", sh->identifier);
            cli_json_kv_str(j, "copy_set", sh->copy_set);
            cli_json_kv_int(j, "created", sh->created);
            cli_json_kv_uint(j, "volume_size", sh->volume_size);
            cli_json_kv_uint(j, "store_size", sh->store_size);
            cli_json_end_object(j);
        }
        cli_json_end_array(j);
        cli_json_kv_str(j, "shadow_error", v->shadow_error);
        /* --snapshot: the shadow copy read as this volume (its index), null for the volume now */
        cli_json_key(j, "snapshot");
        if (v->snapshot) {
            cli_json_begin_object(j);
            cli_json_kv_uint(j, "index", v->snapshot->index);
            cli_json_kv_str(j, "identifier", v->snapshot->identifier);
            cli_json_kv_int(j, "created", v->snapshot->created);
            cli_json_end_object(j);
        } else {
            cli_json_null(j);
        }
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void kv_fact_num(cli_json *j, const cli_install_report *ir, const char *key,
                        const char *fact)
{
    const an_fact *f = an_facts_get(ir->facts, fact);
    cli_json_key(j, key);
    if (f && f->has_num)
        cli_json_int(j, f->num);
    else if (f && *f->value && strspn(f->value, "0123456789") == strlen(f->value))
        cli_json_int(j, strtoll(f->value, NULL, 10));
    else
        cli_json_null(j);
}

static void write_install(cli_json *j, const cli_install_report *ir)
{
    cli_json_begin_object(j);
    cli_json_kv_uint(j, "index", ir->info->index + 1);
    cli_json_kv_uint(j, "volume", ir->info->volume);
    cli_json_kv_str(j, "path", ir->info->windows_dir);
    cli_json_kv_bool(j, "analysed", ir->analysed);
    kv_fact_num(j, ir, "build", "os.current_build");
    kv_fact_num(j, ir, "ubr", "os.ubr");
    kv_opt_str(j, "edition", ir->facts ? cli_fact_str(ir, "os.edition_id") : NULL);
    kv_opt_str(j, "product", ir->facts ? cli_fact_str(ir, "os.product_name") : NULL);
    kv_opt_str(j, "display_version", ir->facts ? cli_fact_str(ir, "os.display_version") : NULL);
    /* ssu_version: the highest servicing-stack version the CBS Version key names. */
    char best[64] = "";
    cli_json_key(j, "ssu_versions");
    cli_json_begin_array(j);
    size_t pos = 0;
    for (const an_fact *f; ir->facts && (f = an_facts_next(ir->facts, "cbs.ssu.version", &pos));) {
        cli_json_string(j, f->value);
        if (cli_version_cmp(f->value, best) > 0)
            snprintf(best, sizeof(best), "%s", f->value);
    }
    cli_json_end_array(j);
    kv_opt_str(j, "ssu_version", best[0] ? best : NULL);
    cli_json_key(j, "timezone");
    cli_json_begin_object(j);
    cli_json_kv_bool(j, "known", ir->tz.known);
    kv_opt_str(j, "name", ir->tz.known ? ir->tz.key_name : NULL);
    if (ir->tz.known)
        cli_json_kv_int(j, "bias_minutes", ir->tz.bias);
    cli_json_end_object(j);
    cli_json_key(j, "hives");
    cli_json_begin_array(j);
    static const char *const hives[] = {"software", "system", "components"};
    for (size_t h = 0; ir->facts && h < 3; h++) {
        char name[64];
        snprintf(name, sizeof(name), "hive.%s.state", hives[h]);
        const char *state = cli_fact_str(ir, name);
        if (!state)
            continue;
        cli_json_begin_object(j);
        cli_json_kv_str(j, "name", hives[h]);
        cli_json_kv_str(j, "state", state);
        snprintf(name, sizeof(name), "hive.%s.detail", hives[h]);
        kv_opt_str(j, "detail", cli_fact_str(ir, name));
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_key(j, "logs");
    cli_json_begin_array(j);
    for (size_t l = 0; l < ir->n_logs; l++) {
        cli_json_begin_object(j);
        cli_json_kv_str(j, "path", ir->logs[l].path);
        cli_json_kv_str(j, "family", an_log_family_name(ir->logs[l].family));
        cli_json_kv_uint(j, "size", ir->logs[l].size);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
    if (ir->facts && ir->analysed) {
        cli_json_key(j, "facts");
        cli_json_begin_array(j);
        for (size_t k = 0; k < an_facts_count(ir->facts); k++) {
            const an_fact *f = an_facts_at(ir->facts, k);
            cli_json_begin_object(j);
            cli_json_kv_str(j, "name", f->name);
            cli_json_kv_str(j, "value", f->value);
            kv_opt_str(j, "source", f->source);
            cli_json_end_object(j);
        }
        cli_json_end_array(j);
    }
    cli_json_end_object(j);
}

static void write_errors(cli_json *j, const cli_report *r)
{
    cli_json_key(j, "errors");
    cli_json_begin_array(j);
    for (size_t i = 0; i < sxs_diag_count(r->d->diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(r->d->diag, i);
        if (e->level < SXS_DIAG_WARN)
            continue;
        cli_json_begin_object(j);
        cli_json_kv_str(j, "source", e->source ? e->source : r->d->evidence);
        cli_json_kv_str(j, "message", e->message);
        cli_json_kv_str(j, "level", e->level == SXS_DIAG_ERROR ? "error" : "warning");
        if (e->offset >= 0)
            cli_json_kv_int(j, "offset", e->offset);
        if (e->line >= 0)
            cli_json_kv_int(j, "line", e->line);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

void cli_write_json(const cli_report *r, FILE *out)
{
    cli_json j;
    cli_json_init(&j, out, 0); /* JSON Lines: one document, one line */
    cli_json_begin_object(&j);
    cli_json_key(&j, "tool");
    cli_json_begin_object(&j);
    cli_json_kv_str(&j, "name", "sxsdoctor");
    cli_json_kv_str(&j, "version", r->version);
    cli_json_end_object(&j);
    write_evidence(&j, r);
    write_volumes(&j, r);
    cli_json_key(&j, "installs");
    cli_json_begin_array(&j);
    for (size_t i = 0; i < r->d->n_installs; i++)
        write_install(&j, &r->d->installs[i]);
    cli_json_end_array(&j);
    cli_json_key(&j, "verdict");
    cli_json_begin_object(&j);
    cli_json_kv_str(&j, "status", verdict_name(r->d->verdict));
    kv_opt_str(&j, "primary", r->d->primary_id);
    cli_json_kv_str(&j, "summary", r->d->summary);
    cli_json_end_object(&j);
    cli_json_key(&j, "findings");
    cli_json_begin_array(&j);
    for (size_t i = 0; i < r->d->n_installs; i++)
        cli_findings_write_json(&j, &r->d->installs[i]);
    cli_json_end_array(&j);
    cli_history_write_json(&j, r);
    write_errors(&j, r);
    cli_json_end_object(&j);
    fputc('\n', out);
}
