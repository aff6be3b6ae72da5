/* End-to-end tests of the sxsdoctor command: options, exit codes, the JSON contract, error
 * messages naming the file, and the read-only guarantee (evidence hash unchanged). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support/corpus.h"

/* Runs sxsdoctor with up to 6 arguments; returns the exit code. */
static int run_tool(char **out, char **err, const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
    char *argv[] = {(char *)sxs_binary(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int sig = 0;
    int rc = sxs_run(argv, out, err, &sig);
    cr_assert_eq(sig, 0, "sxsdoctor died with signal %d", sig);
    cr_assert_geq(rc, 0);
    return rc;
}

/* Evaluates a Python expression over the JSON document d; returns its str() (malloc'd). The
 * expression fails the test when the JSON is invalid. */
static char *json_q(const char *json, const char *expr)
{
    char *dir = sxs_test_tmpdir("json");
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/r.json", dir) > 0);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);
    char *code = NULL;
    cr_assert(asprintf(&code, "import json,sys; d=json.load(open(sys.argv[1])); print(%s)",
                       expr) > 0);
    char *argv[] = {"/usr/bin/python3", "-c", code, path, NULL};
    char *out = NULL, *err = NULL;
    int rc = sxs_run(argv, &out, &err, NULL);
    cr_assert_eq(rc, 0, "JSON query %s failed: %s", expr, err);
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    free(err);
    free(code);
    free(path);
    free(dir);
    return out;
}

#define ASSERT_JSON(json, expr, expected)                                                     \
    do {                                                                                      \
        char *v_ = json_q(json, expr);                                                        \
        cr_assert_str_eq(v_, expected, "%s", expr);                                           \
        free(v_);                                                                             \
    } while (0)

Test(cli, help_and_version)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--help", NULL, NULL, NULL), 0);
    cr_assert_not_null(strstr(out, "Usage: sxsdoctor"));
    cr_assert_not_null(strstr(out, "Exit status:"));
    cr_assert_not_null(strstr(out, "--target-drive"));
    cr_assert_str_eq(err, "");
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--version", NULL, NULL, NULL), 0);
    cr_assert(strncmp(out, "sxsdoctor ", 10) == 0);
    free(out);
    free(err);
}

Test(cli, usage_errors_exit_2)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, NULL, NULL, NULL, NULL), 2);
    cr_assert_not_null(strstr(err, "no EVIDENCE"));
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--bogus", "x", NULL, NULL), 2);
    cr_assert_not_null(strstr(err, "--bogus"));
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--target-drive", "FF", "x", NULL), 2);
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--json", "--markdown", "x", NULL), 2);
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--install", "0", "x", NULL), 2);
    free(out);
    free(err);
}

Test(cli, missing_file_exit_3_names_it)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", "/nonexistent/disk.E01", NULL, NULL), 3);
    cr_assert_not_null(strstr(err, "/nonexistent/disk.E01"), "stderr: %s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "len(d['errors']) > 0", "True");
    ASSERT_JSON(out, "d['errors'][0]['source']", "/nonexistent/disk.E01");
    ASSERT_JSON(out, "d['installs']", "[]");
    free(out);
    free(err);
}

Test(cli, random_bytes_exit_3_no_crash)
{
    char *dir = sxs_test_tmpdir("rand");
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/garbage.img", dir) > 0);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    unsigned x = 12345;
    for (int i = 0; i < 1 << 20; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16) & 0xFF, f);
    }
    fclose(f);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(p, before), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, p, NULL, NULL, NULL), 3);
    cr_assert_not_null(strstr(err, "garbage.img"), "stderr: %s", err);
    cr_assert_not_null(strstr(out, "UNREADABLE"));
    cr_assert_eq(sxs_sha256_file(p, after), 0);
    cr_assert_str_eq(before, after);
    free(out);
    free(err);
    free(p);
    free(dir);
}

/* Real FTK Imager E01 with two NTFS partitions and no Windows: exit 3, volumes reported. */
Test(cli, ftk_e01_no_windows)
{
    SXS_CORPUS_OR_SKIP(img, "images/tsk_imageformat_mmls_1.E01");
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(img, before), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 3);
    ASSERT_JSON(out, "d['evidence']['format']", "ewf");
    ASSERT_JSON(out, "d['evidence']['size']", "62915072");
    ASSERT_JSON(out, "d['evidence']['ewf']['examiner']", "Rishwanth");
    ASSERT_JSON(out, "d['evidence']['ewf']['md5']", "8ec671e301095c258224aad701740503");
    ASSERT_JSON(out, "[(v['offset'], v['size'], v['fs']) for v in d['volumes']]",
                "[(65536, 28311552, 'ntfs'), (28377088, 31457280, 'ntfs')]");
    ASSERT_JSON(out, "d['installs']", "[]");
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    cr_assert_not_null(strstr(err, "no Windows installation"), "stderr: %s", err);
    cr_assert_eq(sxs_sha256_file(img, after), 0);
    cr_assert_str_eq(before, after);
    free(out);
    free(err);
    free(img);
}

/* btrfs, ext4, exFAT and NTFS partitions sharing type bytes: NTFS found, no Windows. */
Test(cli, multiple_filesystems_no_windows)
{
    SXS_CORPUS_OR_SKIP(img, "images/forensics-samples_fs.multiple.raw.xz");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 3);
    ASSERT_JSON(out, "[v['offset'] for v in d['volumes'] if v['fs'] == 'ntfs']", "[200278016]");
    ASSERT_JSON(out, "d['evidence']['format']", "raw");
    free(out);
    free(err);
    free(img);
}
