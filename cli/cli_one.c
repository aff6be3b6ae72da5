/* One evidence, in its worker process: diagnose it (diagnose/sxs_diagnose.h), say on stderr
 * what could not be read, write the --timeline file, and render the report. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_escape.h"
#include "cli/cli_history.h"
#include "cli/cli_run.h"
#include "cli/cli_wrap.h"
#include "common/sxs_exit.h"

static int write_timeline(const cli_report *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sxsdoctor: cannot write the timeline %s: %s\n", path, strerror(errno));
        return -errno;
    }
    int rc = cli_history_write_timeline(f, r);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "sxsdoctor: writing the timeline %s failed\n", path);
        return -EIO;
    }
    return 0;
}

static void print_diag(const cli_report *r)
{
    const sxs_diag *diag = r->d->diag;
    for (size_t i = 0; i < sxs_diag_count(diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(diag, i);
        if (e->level < SXS_DIAG_WARN && !r->opt->verbose)
            continue;
        fputs("sxsdoctor: ", stderr);
        cli_put_value(stderr, e->source ? e->source : r->d->evidence);
        fputs(e->level == SXS_DIAG_ERROR  ? ": error: "
              : e->level == SXS_DIAG_WARN ? ": warning: "
                                          : ": ",
              stderr);
        cli_put_value(stderr, e->message);
        if (e->offset >= 0)
            fprintf(stderr, " (offset %lld)", (long long)e->offset);
        if (e->line >= 0)
            fprintf(stderr, " (line %lld)", (long long)e->line);
        fputc('\n', stderr);
    }
    if (sxs_diag_dropped(diag))
        fprintf(stderr, "sxsdoctor: %zu further messages dropped\n", sxs_diag_dropped(diag));
}

/* Progress stages go to the parent as "-stage\n", one write each (shorter than PIPE_BUF, so
 * lines of different workers never interleave). */
static void send_stage(const char *stage, void *ctx)
{
    int fd = *(const int *)ctx;
    char line[200];
    int n = snprintf(line, sizeof(line), "-%s\n", stage);
    if (n <= 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    ssize_t w = write(fd, line, (size_t)n);
    (void)w; /* progress is best effort */
}

static void heading(const cli_run *run, const cli_report *r, size_t index, FILE *out)
{
    size_t count = run->inputs->count;
    if (count < 2)
        return;
    if (run->opt->format == CLI_FORMAT_MARKDOWN) {
        fprintf(out, "%s# Evidence %zu of %zu: `", index ? "\n---\n\n" : "", index + 1, count);
        cli_put_value(out, r->input);
        fputs("`\n\n", out);
    } else {
        /* a long path wraps on a terminal, as the report under it does (cli_wrap.h) */
        int width = cli_wrap_stdout_width();
        FILE *wrap = width ? cli_wrapping_stream(out, width) : NULL;
        FILE *o = wrap ? wrap : out;
        fprintf(o, "%s==== Evidence %zu of %zu: ", index ? "\n" : "", index + 1, count);
        cli_put_value(o, r->input);
        fputs(" ====\n\n", o);
        if (wrap)
            (void)fclose(wrap);
    }
}

bool cli_render(const cli_run *run, const cli_report *r, size_t index, FILE *out)
{
    bool ok = true;
    /* text and Markdown carry evidence text to a terminal: escaped (cli_escape.h) */
    FILE *esc = run->opt->format == CLI_FORMAT_JSON ? NULL : cli_escaping_stream(out);
    FILE *o = esc ? esc : out;
    switch (run->opt->format) {
    case CLI_FORMAT_JSON:
        cli_write_json(r, o);
        break;
    case CLI_FORMAT_MARKDOWN:
        heading(run, r, index, o);
        cli_write_markdown(r, o);
        break;
    case CLI_FORMAT_TEXT:
        heading(run, r, index, o);
        cli_write_text(r, o);
        break;
    }
    if (esc && fclose(esc) != 0)
        ok = false;
    if (fflush(out) != 0 || ferror(out))
        ok = false;
    return ok;
}

#ifdef SXS_TEST_HOOKS
/* Test builds only: SXS_TEST_CRASH=TEXT makes the worker of every evidence whose path holds
 * TEXT abort after its diagnosis, standing in for a parser bug (tests/test_batch.c). */
static void test_crash(const char *input)
{
    const char *crash = getenv("SXS_TEST_CRASH");
    if (crash && *crash && strstr(input, crash))
        abort();
}
#else
static void test_crash(const char *input)
{
    (void)input;
}
#endif

int cli_run_one(const cli_run *run, size_t index, FILE *out, int progress_fd)
{
    const cli_options *opt = run->opt;
    const char *input = run->inputs->paths[index];
    sxs_diagnose_options dopt = {
        .rules = run->rules,
        .target_drive = opt->target_drive,
        .boot_drive = opt->boot_drive,
        .install = opt->install,
        .hash = opt->hash,
        .recovery_password = run->recovery_password,
        .recovery_password_file = opt->recovery_password_file,
        .password_file = opt->password_file,
        .bek_file = opt->bek_file,
        .snapshot = opt->snapshot,
        .progress = progress_fd >= 0 ? send_stage : NULL,
        .progress_ctx = &progress_fd,
    };
    sxs_report *d = NULL;
    if (sxs_diagnose(input, &dopt, &d) < 0) {
        fprintf(stderr, "sxsdoctor: %s: out of memory\n", input);
        return SXS_EXIT_UNREADABLE;
    }
    test_crash(input);
    cli_report r = {.opt = opt, .version = run->version, .input = input, .d = d};
    int rc = sxs_verdict_exit_code(d->verdict);
    print_diag(&r);
    bool undelivered = opt->timeline && write_timeline(&r, opt->timeline) < 0;
    if (!cli_render(run, &r, index, out)) {
        fprintf(stderr, "sxsdoctor: writing the report to standard output failed: %s\n",
                strerror(errno));
        undelivered = true;
    }
    if (undelivered)
        rc = SXS_EXIT_OUTPUT;
    sxs_report_free(d);
    return rc;
}
