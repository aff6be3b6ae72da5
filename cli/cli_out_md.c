/* The Markdown report, for pasting into a ticket. */
#include <inttypes.h>
#include <time.h>

#include "cli/cli_findings.h"
#include "cli/cli_history.h"
#include "cli/cli_report.h"

/* Table cells: '|' and newlines would break the table. */
static void cell(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

void cli_write_markdown(const cli_report *r, FILE *out)
{
    fputs("# sxsdoctor report\n\n", out);
    fprintf(out, "- **Evidence**: `%s`", r->d->evidence);
    if (r->d->ev) {
        const fsa_evidence_info *info = fsa_info(r->d->ev);
        fprintf(out, " (%s, %" PRIu64 " bytes)", fsa_format_name(info->format), info->media_size);
        if (info->ewf_examiner)
            fprintf(out, ", examiner %s", info->ewf_examiner);
        if (info->ewf_md5)
            fprintf(out, ", stored MD5 `%s`", info->ewf_md5);
    }
    fputc('\n', out);
    if (r->d->sha256[0])
        fprintf(out, "- **SHA-256**: `%s`\n", r->d->sha256);
    char snap[1024];
    if (cli_snapshot_text(r, snap, sizeof(snap)))
        fprintf(out, "- **Snapshot**: %s\n", snap);
    const char *status = r->d->verdict == SXS_VERDICT_HEALTHY    ? "HEALTHY"
                         : r->d->verdict == SXS_VERDICT_FINDINGS ? "FINDINGS"
                                                                 : "UNREADABLE";
    fprintf(out, "- **Verdict**: %s - %s\n", status, r->d->summary);

    if (r->d->ev && fsa_volume_count(r->d->ev)) {
        fputs("\n## Volumes\n\n| # | offset | size | fs | label | note "
              "|\n|---|---|---|---|---|---|\n",
              out);
        for (size_t i = 0; i < fsa_volume_count(r->d->ev); i++) {
            const fsa_volume_info *v = fsa_volume(r->d->ev, i);
            fprintf(out, "| %u | %" PRIu64 " | %" PRIu64 " | %s | ", v->index, v->offset, v->size,
                    v->fs);
            cell(out, v->label);
            fputs(" | ", out);
            cell(out, v->note);
            fputs(" |\n", out);
        }
        for (size_t i = 0; i < fsa_volume_count(r->d->ev); i++) {
            const fsa_volume_info *v = fsa_volume(r->d->ev, i);
            if (v->shadow_error && v->shadow_error[0]) {
                fprintf(out, "\nShadow copies of volume %u: unreadable (", v->index);
                cell(out, v->shadow_error);
                fputs(")\n", out);
            }
            if (!v->n_shadows)
                continue;
            fprintf(out, "\n### Shadow copies of volume %u (rollback options)\n\n", v->index);
            for (size_t k = 0; k < v->n_shadows; k++) {
                const fsa_shadow_info *sh = &v->shadows[k];
                char when[32] = "unknown date";
                time_t t = (time_t)sh->created;
                struct tm tm;
                if (sh->created && gmtime_r(&t, &tm))
                    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
                fprintf(out, "- `vss%u` %s, store `{%s}`\n", sh->index, when, sh->identifier);
            }
        }
    }
    for (size_t i = 0; i < r->d->n_installs; i++) {
        const cli_install_report *ir = &r->d->installs[i];
        fprintf(out, "\n## Windows installation %u (volume %u, `\\%s`)\n\n", ir->info->index + 1,
                ir->info->volume, ir->info->windows_dir);
        if (!ir->analysed) {
            fputs("Not analysed (excluded by `--install`).\n", out);
            continue;
        }
        const char *p = cli_fact_str(ir, "os.product_name");
        const char *b = cli_fact_str(ir, "os.current_build");
        const char *u = cli_fact_str(ir, "os.ubr");
        fprintf(out, "- %s, build %s.%s\n", p ? p : "unknown product", b ? b : "?", u ? u : "?");
        size_t pos = 0;
        for (const an_fact *f; (f = an_facts_next(ir->facts, "cbs.ssu.version", &pos));)
            fprintf(out, "- servicing stack `%s`\n", f->value);
        fprintf(out, "- time zone: %s\n", ir->tz.known ? ir->tz.key_name : "unknown (local times)");
        cli_findings_write_markdown(out, ir);
        cli_history_write_markdown(out, ir);
    }
    size_t nerr = sxs_diag_count_level(r->d->diag, SXS_DIAG_WARN);
    if (nerr) {
        fputs("\n## Could not analyse\n\n", out);
        for (size_t i = 0; i < sxs_diag_count(r->d->diag); i++) {
            const sxs_diag_entry *e = sxs_diag_get(r->d->diag, i);
            if (e->level < SXS_DIAG_WARN)
                continue;
            fprintf(out, "- `%s`: ", e->source ? e->source : r->d->evidence);
            cell(out, e->message);
            fputc('\n', out);
        }
    }
}
