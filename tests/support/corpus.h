/* Test support: locating (and decompressing) real corpus files, hashing evidence, running the
 * sxsdoctor binary. Used by every Criterion suite. */
#ifndef SXS_TEST_CORPUS_H
#define SXS_TEST_CORPUS_H

#include <criterion/criterion.h>
#include <stddef.h>

/* Path of a corpus file given its path relative to shared/corpus. A ".xz" or ".gz" file is
 * decompressed once into the test work directory and that path returned (without the
 * extension). If rel names the decompressed form (no .xz/.gz) and only the compressed one
 * exists, that is handled too. Returns a malloc'd path, or NULL when the corpus lacks it. */
char *sxs_corpus_path(const char *rel);

/* In a Criterion test: set var to the corpus file or skip the test with a clear message. */
#define SXS_CORPUS_OR_SKIP(var, rel)                                                               \
    char *var = sxs_corpus_path(rel);                                                              \
    do {                                                                                           \
        if (!var)                                                                                  \
            cr_skip_test("corpus file %s absent (set SXS_CORPUS_DIR / shared/corpus)", rel);       \
    } while (0)

/* A fresh, empty directory under the test work dir, unique per call. malloc'd. */
char *sxs_test_tmpdir(const char *tag);

/* sha256 of a file as lower-case hex into out[65]. 0 or negative errno. */
int sxs_sha256_file(const char *path, char out[65]);

/* Runs argv (argv[0] a path) with stdin from /dev/null, capturing stdout and stderr
 * (malloc'd, NUL-terminated; pass NULL to discard). Returns the exit status, or -1 when it
 * could not run or was killed by a signal (then *ret_signal is set if non-NULL). */
int sxs_run(char *const argv[], char **ret_out, char **ret_err, int *ret_signal);

/* Path of the built sxsdoctor binary. */
const char *sxs_binary(void);

/* Path of a sample image or tree the build wrote (BUILD/sample-images/out/<file>), or skips
 * the test with a message when it was not built. malloc'd. */
char *sxs_sample(const char *file);

/* Runs sxsdoctor --json on the sample image file (sxs_sample: skips when it was not built);
 * fails the test when it dies by a signal. Returns the exit status; stdout and stderr as for
 * sxs_run. */
int sxs_run_sample_json(const char *file, char **ret_out, char **ret_err);

/* Evaluates a Python expression over the JSON document d; returns its str() (malloc'd). The
 * test fails when the JSON is invalid or the expression raises. */
char *sxs_json_query(const char *json, const char *expr);
#define ASSERT_JSON(json, expr, expected)                                                          \
    do {                                                                                           \
        char *v_ = sxs_json_query(json, expr);                                                     \
        cr_assert_str_eq(v_, expected, "%s", expr);                                                \
        free(v_);                                                                                  \
    } while (0)

/* The same over JSON Lines: L is the list of documents, one a line. */
char *sxs_jsonl_query(const char *jsonl, const char *expr);
#define ASSERT_JSONL(jsonl, expr, expected)                                                        \
    do {                                                                                           \
        char *v_ = sxs_jsonl_query(jsonl, expr);                                                   \
        cr_assert_str_eq(v_, expected, "%s", expr);                                                \
        free(v_);                                                                                  \
    } while (0)

/* Reads a whole (small, test-owned) file; malloc'd, NUL-terminated; NULL on error. */
char *sxs_slurp(const char *path, size_t *ret_len);

#endif
