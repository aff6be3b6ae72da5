/* The text report, for people: evidence, volumes, installs, then verdict and plan. On a
 * terminal its long lines are wrapped to the terminal's width (cli_wrap.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_findings.h"
#include "cli/cli_history.h"
#include "cli/cli_escape.h"
#include "cli/cli_report.h"
#include "cli/cli_wrap.h"

static void human_size(uint64_t n, char *out, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%" PRIu64 " B", n);
    else
        snprintf(out, cap, "%.1f %s", v, unit[u]);
}

static void write_evidence(const cli_report *r, FILE *out)
{
    fprintf(out, "Evidence: %s\n", r->d->evidence);
    if (!r->d->ev)
        return;
    const fsa_evidence_info *info = fsa_info(r->d->ev);
    char sz[32];
    human_size(info->media_size, sz, sizeof(sz));
    fprintf(out, "  format  %s", fsa_format_name(info->format));
    if (info->segment_count > 1)
        fprintf(out, " (%zu segments)", info->segment_count);
    fputc('\n', out);
    if (info->format != FSA_FMT_DIRECTORY)
        fprintf(out, "  size    %" PRIu64 " bytes (%s)\n", info->media_size, sz);
    if (r->d->sha256[0])
        fprintf(out, "  sha256  %s\n", r->d->sha256);
    char snap[1024];
    if (cli_snapshot_text(r, snap, sizeof(snap)))
        fprintf(out, "  snapshot %s\n", snap);
    const struct {
        const char *label;
        const char *value;
    } ewf[] = {
        {"case", info->ewf_case_number},
        {"evidence no.", info->ewf_evidence_number},
        {"description", info->ewf_description},
        {"examiner", info->ewf_examiner},
        {"notes", info->ewf_notes},
        {"acquired", info->ewf_acquiry_date},
        {"acquired with", info->ewf_acquiry_software},
        {"stored MD5", info->ewf_md5},
        {"stored SHA1", info->ewf_sha1},
    };
    for (size_t i = 0; i < sizeof(ewf) / sizeof(ewf[0]); i++)
        if (ewf[i].value && *ewf[i].value)
            fprintf(out, "  %-13s %s\n", ewf[i].label, ewf[i].value);
}

static void write_volumes(const cli_report *r, FILE *out)
{
    if (!r->d->ev)
        return;
    size_t n = fsa_volume_count(r->d->ev);
    fprintf(out, "\nVolumes: %zu\n", n);
    if (n)
        fprintf(out, "  %-3s %14s %12s  %-10s %-16s %s\n", "#", "offset", "size", "fs", "label",
                "note");
    for (size_t i = 0; i < n; i++) {
        const fsa_volume_info *v = fsa_volume(r->d->ev, i);
        char sz[32];
        human_size(v->size, sz, sizeof(sz));
        fprintf(out, "  %-3u %14" PRIu64 " %12s  %-10s %-16s %s\n", v->index, v->offset, sz, v->fs,
                v->label, v->note);
    }
    for (size_t i = 0; i < n; i++) {
        const fsa_volume_info *v = fsa_volume(r->d->ev, i);
        if (v->shadow_error[0])
            fprintf(out, "\nShadow copies of volume %u: unreadable (%s)\n", v->index,
                    v->shadow_error);
        if (!v->n_shadows)
            continue;
        fprintf(out, "\nShadow copies of volume %u (rollback options): %zu\n", v->index,
                v->n_shadows);
        for (size_t k = 0; k < v->n_shadows; k++) {
            const fsa_shadow_info *sh = &v->shadows[k];
            char when[32] = "unknown date", sz[32];
            time_t t = (time_t)sh->created;
            struct tm tm;
            if (sh->created && gmtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
            /* libvshadow 20190323 reports the volume's size as the store's: show that one */
            human_size(sh->volume_size, sz, sizeof(sz));
            fprintf(out, "  vss%-3u %s  {%s}  snapshot of a %s volume\n", sh->index, when,
                    sh->identifier, sz);
        }
    }
}

static const char *fact_or(const cli_install_report *ir, const char *name, const char *dflt)
{
    const char *v = ir->facts ? cli_fact_str(ir, name) : NULL;
    return v && *v ? v : dflt;
}

static void write_install(const cli_install_report *ir, FILE *out, bool verbose)
{
    fprintf(out, "\nWindows installation %u: volume %u, \\%s\n", ir->info->index + 1,
            ir->info->volume, ir->info->windows_dir);
    if (!ir->analysed) {
        fputs("  (not analysed: excluded by --install)\n", out);
        return;
    }
    /* Windows 11 keeps ProductName "Windows 10 ..."; the build number tells them apart. */
    const char *product = fact_or(ir, "os.product_name", "unknown");
    const char *build = fact_or(ir, "os.current_build", NULL);
    if (build && atol(build) >= 22000 && strncmp(product, "Windows 10", 10) == 0)
        fprintf(out, "  product     Windows 11%s", product + 10);
    else
        fprintf(out, "  product     %s", product);
    const char *dv = fact_or(ir, "os.display_version", fact_or(ir, "os.release_id", NULL));
    if (dv)
        fprintf(out, " %s", dv);
    fprintf(out, " (%s)\n", fact_or(ir, "os.edition_id", "edition unknown"));
    fprintf(out, "  build       %s.%s\n", fact_or(ir, "os.current_build", "?"),
            fact_or(ir, "os.ubr", "?"));
    fputs("  servicing stack", out);
    size_t pos = 0, n = 0;
    for (const an_fact *f; (f = an_facts_next(ir->facts, "cbs.ssu.version", &pos)); n++)
        fprintf(out, "%s%s", n ? ", " : " ", f->value);
    fputs(n ? " (CBS Version key)\n" : " unknown (no CBS Version key read)\n", out);
    if (ir->tz.known) {
        int off = -ir->tz.bias; /* Windows: UTC = local + Bias */
        int a = off < 0 ? -off : off;
        fprintf(out, "  time zone   %s (UTC%c%02d:%02d standard); log times shown in UTC\n",
                ir->tz.key_name, off < 0 ? '-' : '+', a / 60, a % 60);
    } else
        fputs("  time zone   unknown; log times are local time\n", out);
    static const char *const hives[] = {"software", "system", "components"};
    for (size_t h = 0; h < 3; h++) {
        char name[64];
        snprintf(name, sizeof(name), "hive.%s.state", hives[h]);
        const char *state = cli_fact_str(ir, name);
        if (!state)
            continue;
        snprintf(name, sizeof(name), "hive.%s.detail", hives[h]);
        const char *detail = cli_fact_str(ir, name);
        fprintf(out, "  hive %-10s %s%s%s\n", hives[h], state, detail && *detail ? ": " : "",
                detail ? detail : "");
    }
    fprintf(out, "  logs found  %zu\n", ir->n_logs);
    if (verbose) {
        for (size_t l = 0; l < ir->n_logs; l++) {
            fprintf(out, "    %-12s ", an_log_family_name(ir->logs[l].family));
            cli_put_value(out, ir->logs[l].path);
            fprintf(out, " (%" PRIu64 " bytes)\n", ir->logs[l].size);
        }
        fputs("  facts:\n", out);
        for (size_t k = 0; k < an_facts_count(ir->facts); k++) {
            const an_fact *f = an_facts_at(ir->facts, k);
            fprintf(out, "    %s = ", f->name);
            cli_put_value(out, f->value); /* names and strings from the disk */
            fputc('\n', out);
        }
    }
}

static void write_report(const cli_report *r, FILE *out)
{
    write_evidence(r, out);
    write_volumes(r, out);
    for (size_t i = 0; i < r->d->n_installs; i++)
        write_install(&r->d->installs[i], out, r->opt->verbose);

    fputs("\nVerdict: ", out);
    switch (r->d->verdict) {
    case SXS_VERDICT_HEALTHY:
        fputs("HEALTHY", out);
        break;
    case SXS_VERDICT_FINDINGS:
        fputs("FINDINGS", out);
        break;
    case SXS_VERDICT_UNREADABLE:
        fputs("UNREADABLE", out);
        break;
    }
    fprintf(out, " - %s\n", r->d->summary);
    for (size_t i = 0; i < r->d->n_installs; i++)
        cli_findings_write_text(out, &r->d->installs[i]);
    for (size_t i = 0; i < r->d->n_installs; i++)
        cli_history_write_text(out, &r->d->installs[i], r->opt->verbose);

    size_t nerr = sxs_diag_count_level(r->d->diag, SXS_DIAG_WARN);
    if (nerr) {
        fprintf(out, "\nCould not analyse (%zu):\n", nerr);
        for (size_t i = 0; i < sxs_diag_count(r->d->diag); i++) {
            const sxs_diag_entry *e = sxs_diag_get(r->d->diag, i);
            if (e->level < SXS_DIAG_WARN)
                continue;
            fprintf(out, "  %s: %s", e->source ? e->source : r->d->evidence, e->message);
            if (e->offset >= 0)
                fprintf(out, " (offset %" PRId64 ")", e->offset);
            if (e->line >= 0)
                fprintf(out, " (line %" PRId64 ")", e->line);
            fputc('\n', out);
        }
    }
}

void cli_write_text(const cli_report *r, FILE *out)
{
    int width = cli_wrap_stdout_width();
    FILE *wrap = width ? cli_wrapping_stream(out, width) : NULL;
    write_report(r, wrap ? wrap : out);
    /* a failed write shows on out and then stdout, where main() finds it (exit status 4) */
    if (wrap)
        (void)fclose(wrap);
}
