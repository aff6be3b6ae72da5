/* File half of the SetupDiag collector: every results file an_logs_find put in the "setupdiag"
 * family (Windows\Logs\SetupDiag\*, setupdiagresults.* in $WINDOWS.~BT\Sources\Panther,
 * \Rollback, Windows\Panther, \NewOS) is read whole through fsaccess (capped), parsed as XML or
 * as the text report by its extension, and written as facts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"

static bool has_suffix_ci(const char *s, const char *x)
{
    size_t n = strlen(s), k = strlen(x);
    return n >= k && strcasecmp(s + n - k, x) == 0;
}

/* Whole file into memory. 1 read, 0 skipped (absent, too large: diag says so), <0 error. */
static int read_whole(fsa_fs *fs, const char *path, uint8_t **ret, size_t *ret_len, sxs_diag *diag)
{
    fsa_file *f = NULL;
    int rc = fsa_file_open(fs, path, &f);
    if (rc <= 0) {
        if (rc < 0)
            sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "cannot open SetupDiag results (%s)",
                         strerror(-rc));
        return rc == -ENOMEM ? rc : 0;
    }
    uint64_t size = fsa_file_size(f);
    if (size > SXS_MAX_SETUPDIAG_FILE) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                     "%llu bytes: larger than any SetupDiag results file (limit %d); not read",
                     (unsigned long long)size, SXS_MAX_SETUPDIAG_FILE);
        fsa_file_close(f);
        return 0;
    }
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        fsa_file_close(f);
        return -ENOMEM;
    }
    size_t got;
    int n = fsa_file_read_full(f, 0, buf, (size_t)size, &got);
    if (n < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, (int64_t)got, "SetupDiag results unreadable (%s)",
                     strerror(-n));
        free(buf);
        fsa_file_close(f);
        return 0;
    }
    fsa_file_close(f);
    *ret = buf;
    *ret_len = got;
    return 1;
}

static int collect_file(fsa_fs *fs, const char *path, const an_tz *tz, an_facts *facts,
                        sxs_diag *diag)
{
    bool xml = has_suffix_ci(path, ".xml");
    if (!xml && !has_suffix_ci(path, ".log"))
        return 0; /* Logs_N.zip, SetupDiag.exe's own files: not results */
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_whole(fs, path, &data, &len, diag);
    if (rc <= 0)
        return rc;
    an_setupdiag_result r;
    rc = xml ? an_setupdiag_parse_xml(data, len, path, &r, diag)
             : an_setupdiag_parse_log(data, len, path, &r, diag);
    free(data);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0)
        return 0; /* damaged or not SetupDiag's: diag says why, no facts from it */
    rc = an_setupdiag_add_facts(&r, path, tz, facts);
    an_setupdiag_result_clear(&r);
    return rc;
}

int an_setupdiag_collect(fsa_fs *fs, const char *windows_dir, const an_log_file *logs, size_t nlogs,
                         const an_tz *tz, an_facts *facts, sxs_diag *diag)
{
    an_log_file *found = NULL;
    if (!logs) {
        int rc = an_logs_find(fs, windows_dir, &found, &nlogs, diag);
        if (rc < 0)
            return rc == -ENOMEM ? rc : 0;
        logs = found;
    }
    int rc = 0;
    for (size_t i = 0; i < nlogs && rc >= 0; i++)
        if (logs[i].family == AN_LOG_SETUPDIAG)
            rc = collect_file(fs, logs[i].path, tz, facts, diag);
    an_logs_free(found, found ? nlogs : 0);
    return rc;
}
