/* End-to-end tests of one run over many disks: several EVIDENCE and --from, JSON Lines in
 * input order with evidence.input, the worst exit code, usage errors before any work, --jobs
 * giving the same bytes, a crashed worker reported in its place, peak RSS per process. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tests/support/corpus.h"

/* Runs a shell command line (sxsdoctor is $SXS); exit status, stdout and stderr. */
static int run_sh(char **out, char **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run_sh(char **out, char **err, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert(vasprintf(&cmd, fmt, ap) > 0);
    va_end(ap);
    char *full = NULL;
    cr_assert(asprintf(&full, "SXS='%s'; %s", sxs_binary(), cmd) > 0);
    char *argv[] = {"/bin/sh", "-c", full, NULL};
    int sig = 0;
    int rc = sxs_run(argv, out, err, &sig);
    cr_assert_eq(sig, 0, "%s died with signal %d", cmd, sig);
    free(full);
    free(cmd);
    return rc;
}

typedef struct {
    char *healthy, *driver, *wu;
} samples;

static samples get_samples(void)
{
    samples s = {sxs_sample("healthy.raw"), sxs_sample("driver-missing.raw"),
                 sxs_sample("wu-services.raw")};
    return s;
}

static void free_samples(samples *s)
{
    free(s->healthy);
    free(s->driver);
    free(s->wu);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(batch, three_evidence_three_lines_in_order)
{
    samples s = get_samples();
    char *out, *err;
    int rc = run_sh(&out, &err, "\"$SXS\" --json '%s' '%s' '%s'", s.driver, s.healthy, s.wu);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    cr_assert_eq(count_lines(out), 3, "%s", out);
    ASSERT_JSONL(out, "len(L)", "3");
    char *want = NULL;
    cr_assert(asprintf(&want, "['%s', '%s', '%s']", s.driver, s.healthy, s.wu) > 0);
    ASSERT_JSONL(out, "[d['evidence']['input'] for d in L]", want);
    ASSERT_JSONL(out, "[d['evidence']['path'] for d in L]", want);
    ASSERT_JSONL(out, "[d['verdict']['primary'] for d in L]",
                 "['DRIVER-MISSING', None, 'WU-SERVICES']");
    ASSERT_JSONL(out, "[d['verdict']['status'] for d in L]", "['findings', 'healthy', 'findings']");
    free(want);
    free(out);
    free(err);
    free_samples(&s);
}

Test(batch, single_evidence_is_one_line_with_input)
{
    samples s = get_samples();
    char *out, *err;
    int rc = run_sh(&out, &err, "\"$SXS\" --json '%s'", s.healthy);
    cr_assert_eq(rc, 0, "exit %d; stderr: %s", rc, err);
    cr_assert_eq(count_lines(out), 1, "%s", out);
    ASSERT_JSON(out, "d['evidence']['input'] == d['evidence']['path']", "True");
    free(out);
    free(err);
    free_samples(&s);
}

Test(batch, from_file_and_stdin)
{
    samples s = get_samples();
    char *dir = sxs_test_tmpdir("from");
    char *list = NULL;
    cr_assert(asprintf(&list, "%s/disks.txt", dir) > 0);
    FILE *f = fopen(list, "w");
    cr_assert_not_null(f);
    fprintf(f, "# the lab's images\n%s\n\n  \n%s\r\n# done\n", s.wu, s.healthy);
    fclose(f);
    char *out1, *err1, *out2, *err2;
    int rc1 = run_sh(&out1, &err1, "\"$SXS\" --json --from '%s' '%s'", list, s.driver);
    cr_assert_eq(rc1, 1, "exit %d; stderr: %s", rc1, err1);
    char *want = NULL;
    cr_assert(asprintf(&want, "['%s', '%s', '%s']", s.driver, s.wu, s.healthy) > 0);
    ASSERT_JSONL(out1, "[d['evidence']['input'] for d in L]", want);
    int rc2 = run_sh(&out2, &err2, "cat '%s' | \"$SXS\" --json '%s' --from -", list, s.driver);
    cr_assert_eq(rc2, 1, "exit %d; stderr: %s", rc2, err2);
    cr_assert_str_eq(out1, out2);
    free(want);
    free(out1);
    free(err1);
    free(out2);
    free(err2);
    free(list);
    free(dir);
    free_samples(&s);
}

Test(batch, missing_evidence_gets_its_own_error_document)
{
    samples s = get_samples();
    char *out, *err;
    int rc =
        run_sh(&out, &err, "\"$SXS\" --json '%s' /nonexistent/disk.E01 '%s'", s.healthy, s.driver);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSONL(out, "[d['verdict']['status'] for d in L]",
                 "['healthy', 'unreadable', 'findings']");
    ASSERT_JSONL(out, "L[1]['evidence']['input']", "/nonexistent/disk.E01");
    ASSERT_JSONL(out, "L[1]['errors'][0]['source']", "/nonexistent/disk.E01");
    ASSERT_JSONL(out, "L[2]['verdict']['primary']", "DRIVER-MISSING");
    /* each stderr line names the evidence it is about */
    cr_assert_not_null(strstr(err, "/nonexistent/disk.E01: sxsdoctor: /nonexistent/disk.E01"), "%s",
                       err);
    free(out);
    free(err);
    /* healthy and findings only: 1 */
    rc = run_sh(&out, &err, "\"$SXS\" --json '%s' '%s'", s.healthy, s.driver);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    free(out);
    free(err);
    free_samples(&s);
}

Test(batch, usage_error_exit_2_no_output)
{
    samples s = get_samples();
    static const char *const bad[] = {
        "--jobs 0",  "--jobs 65",
        "--jobs x",  "--from /nonexistent/list.txt",
        "--from ''", "--timeline /tmp/sxs-batch-tl.jsonl",
        "--bogus",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *out, *err;
        int rc = run_sh(&out, &err, "\"$SXS\" --json %s '%s' '%s'", bad[i], s.healthy, s.driver);
        cr_assert_eq(rc, 2, "%s: exit %d; stderr: %s", bad[i], rc, err);
        cr_assert_str_eq(out, "", "%s: %s", bad[i], out);
        cr_assert_not_null(strstr(err, "sxsdoctor: "), "%s: %s", bad[i], err);
        free(out);
        free(err);
    }
    free_samples(&s);
}

Test(batch, jobs_2_same_bytes_as_jobs_1)
{
    samples s = get_samples();
    static const char *const formats[] = {"--json", "--markdown", ""};
    for (size_t i = 0; i < 3; i++) {
        char *o1, *e1, *o2, *e2;
        int r1 = run_sh(&o1, &e1, "\"$SXS\" %s --jobs 1 '%s' '%s' /nonexistent/x.raw '%s'",
                        formats[i], s.wu, s.healthy, s.driver);
        int r2 = run_sh(&o2, &e2, "\"$SXS\" %s -j 2 '%s' '%s' /nonexistent/x.raw '%s'", formats[i],
                        s.wu, s.healthy, s.driver);
        cr_assert_eq(r1, 3);
        cr_assert_eq(r2, 3);
        cr_assert_str_eq(o1, o2, "format '%s'", formats[i]);
        if (i > 0) { /* one section per evidence, headed by its name */
            char *h = NULL;
            cr_assert(asprintf(&h, "Evidence 2 of 4: %s%s", i == 1 ? "`" : "", s.healthy) > 0);
            cr_assert_not_null(strstr(o1, h), "%s", o1);
            cr_assert_not_null(strstr(o1, "Evidence 3 of 4: "), "%s", o1);
            free(h);
        }
        free(o1);
        free(e1);
        free(o2);
        free(e2);
    }
    free_samples(&s);
}

Test(batch, crashed_worker_does_not_stop_the_batch)
{
    samples s = get_samples();
    char *out, *err;
    /* SXS_TEST_CRASH: honoured by test builds only (SXS_TEST_HOOKS) */
    int rc = run_sh(&out, &err, "SXS_TEST_CRASH=driver-missing \"$SXS\" --json -j 2 '%s' '%s' '%s'",
                    s.healthy, s.driver, s.wu);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSONL(out, "[d['verdict']['status'] for d in L]",
                 "['healthy', 'unreadable', 'findings']");
    ASSERT_JSONL(out, "L[1]['evidence']['input'].endswith('driver-missing.raw')", "True");
    ASSERT_JSONL(out, "'signal 6, SIGABRT' in L[1]['verdict']['summary']", "True");
    ASSERT_JSONL(out, "'signal 6, SIGABRT' in L[1]['errors'][0]['message']", "True");
    ASSERT_JSONL(out, "L[2]['verdict']['primary']", "WU-SERVICES");
    cr_assert_not_null(strstr(err, "crashed (signal 6, SIGABRT"), "%s", err);
    free(out);
    free(err);
    /* alone, too: the error document and exit 3, not a dead process */
    rc = run_sh(&out, &err, "SXS_TEST_CRASH=driver-missing \"$SXS\" '%s'", s.driver);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    cr_assert_not_null(strstr(out, "SIGABRT"), "%s", out);
    free(out);
    free(err);
    free_samples(&s);
}

/* Peak RSS of the largest process of the run (the parent or any worker): RUSAGE_CHILDREN
 * after wait holds the largest descendant. The 64 MiB budget is for a build without
 * sanitizers; ASan's shadow and quarantine add to every process, so the bound is wider
 * there (the figure without sanitizers is measured in bench/batch.sh). */
Test(batch, peak_rss_per_process_within_budget)
{
    samples s = get_samples();
    char *out, *err;
    int rc = run_sh(&out, &err, "\"$SXS\" --json -j 2 '%s' '%s' '%s' '%s' '%s' '%s'", s.healthy,
                    s.driver, s.wu, s.healthy, s.driver, s.wu);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    struct rusage ru;
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
#if defined(__SANITIZE_ADDRESS__)
    long budget = 160L * 1024;
#else
    long budget = 64L * 1024;
#endif
    cr_assert_lt(ru.ru_maxrss, budget, "peak RSS %ld KiB", ru.ru_maxrss);
    free(out);
    free(err);
    free_samples(&s);
}

Test(batch, progress_names_disk_and_stage)
{
    samples s = get_samples();
    char *out, *err;
    int rc = run_sh(&out, &err, "\"$SXS\" --json --progress -j 2 '%s' '%s'", s.healthy, s.wu);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    cr_assert_not_null(strstr(err, "disk 1/2: healthy.raw: installation 1: registry hives"), "%s",
                       err);
    cr_assert_not_null(strstr(err, "disk 2/2: wu-services.raw: installation 1: log "), "%s", err);
    ASSERT_JSONL(out, "len(L)", "2");
    free(out);
    free(err);
    /* off when stderr is not a terminal */
    rc = run_sh(&out, &err, "\"$SXS\" --json '%s' '%s'", s.healthy, s.wu);
    cr_assert_null(strstr(err, "disk 1/2"), "%s", err);
    free(out);
    free(err);
    free_samples(&s);
}

/* `disk.E*` as the shell expands it: the later segments beside the first are not evidence of
 * their own (the first finds them), so one report */
Test(batch, later_segments_beside_the_first_are_one_evidence)
{
    char *e01 = sxs_sample("ssu-empty-split.E01");
    char *out, *err;
    size_t len = strlen(e01);
    int rc = run_sh(&out, &err, "\"$SXS\" --json '%.*s'.E0*", (int)(len - 4), e01);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    cr_assert_eq(count_lines(out), 1, "%s", out);
    ASSERT_JSON(out, "len(d['evidence']['segments']) >= 3", "True");
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    free(out);
    free(err);
    free(e01);
}

/* A full standard output: not delivered is 4, and it outranks an unreadable evidence (3) */
Test(batch, undelivered_reports_exit_4_worst_of_all)
{
    samples s = get_samples();
    char *out, *err;
    int rc = run_sh(&out, &err, "\"$SXS\" --json '%s' /nonexistent/x.raw > /dev/full", s.healthy);
    cr_assert_eq(rc, 4, "exit %d; stderr: %s", rc, err);
    cr_assert_not_null(strstr(err, "writing the report to standard output failed"), "%s", err);
    free(out);
    free(err);
    free_samples(&s);
}
