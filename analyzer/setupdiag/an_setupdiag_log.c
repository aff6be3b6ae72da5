/* SetupDiagResults.log, SetupDiag's text report: "Matching Profile found: NAME - GUID", the
 * "System Information:" block ("\tHostOSBuildString = ..."), the failure lines ("Error:
 * SetupDiag reports ...", "Last Phase = ...", "Error = 0xA-0xB", "LogEntry: <log line>"),
 * "Recommend ..." remediation, and the "Last Setup Phase:" / "Last Setup Operation:" blocks.
 * Where a statement repeats, the last one wins: SetupDiag's documentation says the last
 * failure in its report is the fatal one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"

static bool prefix_ci(const char *s, size_t n, const char *p, const char **rest, size_t *rn)
{
    size_t k = strlen(p);
    if (n < k || strncasecmp(s, p, k) != 0)
        return false;
    s += k;
    n -= k;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    *rest = s;
    *rn = n;
    return true;
}

/* "NAME - GUID" (the GUID after the last " - "). */
static int on_profile(an_setupdiag_result *r, const char *v, size_t n, int64_t ln)
{
    size_t cut = n;
    for (size_t i = n; i >= 3; i--) {
        if (v[i - 3] == ' ' && v[i - 2] == '-' && v[i - 1] == ' ') {
            cut = i - 3;
            break;
        }
    }
    int rc = sd_text_set(&r->profile, v, cut, ln, SD_PRIO_FIELD);
    if (rc == 0 && cut < n)
        rc = sd_text_set(&r->profile_guid, v + cut + 3, n - cut - 3, ln, SD_PRIO_FIELD);
    return rc;
}

/* "Key = value" lines of the System Information block. */
static int on_system_line(an_setupdiag_result *r, const char *s, size_t n, int64_t ln,
                          bool *ret_used)
{
    static const struct {
        const char *key;
        int which;
    } keys[] = {
        {"HostOSBuildString", 0}, {"HostOSVersion", 1},    {"TargetOSBuildString", 2},
        {"TargetOSVersion", 3},   {"UpgradeStartTime", 4}, {"UpgradeEndTime", 5},
        {"DateTime", 6},
    };
    *ret_used = false;
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        const char *v;
        size_t vn;
        if (!prefix_ci(s, n, keys[k].key, &v, &vn) || vn == 0 || *v != '=')
            continue;
        v++, vn--;
        while (vn > 0 && (*v == ' ' || *v == '\t'))
            v++, vn--;
        *ret_used = true;
        switch (keys[k].which) {
        case 0:
            return sd_text_set(&r->host_os, v, vn, ln, SD_PRIO_FIELD);
        case 1:
            return sd_text_set(&r->host_os, v, vn, ln, SD_PRIO_DETAILS);
        case 2:
            return sd_text_set(&r->target_os, v, vn, ln, SD_PRIO_FIELD);
        case 3:
            return sd_text_set(&r->target_os, v, vn, ln, SD_PRIO_DETAILS);
        case 4:
            sd_time_set(&r->upgrade_start, v, vn, ln);
            return 0;
        case 5:
            sd_time_set(&r->upgrade_end, v, vn, ln);
            return 0;
        default:
            sd_time_set(&r->run_time, v, vn, ln);
            return 0;
        }
    }
    return 0;
}

/* One line; *recognized counts the lines only SetupDiag writes. */
static int on_line(an_setupdiag_result *r, const char *s, size_t n, int64_t ln,
                   unsigned *recognized)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (n == 0)
        return 0;
    const char *v;
    size_t vn;
    if (prefix_ci(s, n, "Matching Profile found:", &v, &vn)) {
        (*recognized)++;
        return on_profile(r, v, vn, ln);
    }
    if (prefix_ci(s, n, "SetupDiag version:", &v, &vn)) {
        (*recognized)++;
        return sd_text_set(&r->version, v, vn, ln, SD_PRIO_FIELD);
    }
    if (prefix_ci(s, n, "System Information:", &v, &vn)) {
        (*recognized)++;
        return 0;
    }
    if (prefix_ci(s, n, "LogEntry:", &v, &vn)) /* a quoted setup log line: no codes from it */
        return sd_text_set(&r->log_error_line, v, vn, ln, SD_PRIO_FIELD);
    if (prefix_ci(s, n, "Recommend", &v, &vn))
        return sd_list_add(r->remediation, &r->n_remediation, s, n, ln);
    if (prefix_ci(s, n, "Error: SetupDiag reports", &v, &vn)) {
        (*recognized)++;
        int rc = sd_list_add(r->failure_data, &r->n_failure_data, s, n, ln);
        return rc < 0 ? rc : sd_scan_line(r, s, n, ln, SD_PRIO_SENTENCE);
    }
    bool used;
    int rc = on_system_line(r, s, n, ln, &used);
    if (rc < 0 || used)
        return rc;
    return sd_scan_line(r, s, n, ln, SD_PRIO_SENTENCE);
}

int an_setupdiag_parse_log(const uint8_t *data, size_t len, const char *name,
                           an_setupdiag_result *ret_result, sxs_diag *diag)
{
    memset(ret_result, 0, sizeof(*ret_result));
    char *text;
    size_t tlen;
    int rc = sd_load(data, len, name, "report", diag, &text, &tlen);
    if (rc < 0)
        return rc;
    an_setupdiag_result r;
    memset(&r, 0, sizeof(r));
    r.kind = AN_SETUPDIAG_LOG;
    unsigned recognized = 0;
    int64_t ln = 1;
    for (size_t i = 0; i < tlen && rc >= 0; ln++) {
        size_t e = i;
        while (e < tlen && text[e] != '\n')
            e++;
        rc = on_line(&r, text + i, e - i, ln, &recognized);
        i = e + 1;
    }
    free(text);
    if (rc >= 0 && recognized == 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, name, -1,
                     "no SetupDiag report lines (\"Matching Profile found\", \"SetupDiag "
                     "version\", ...): not a SetupDiag report; not read");
        rc = -EBADMSG;
    }
    if (rc < 0) {
        an_setupdiag_result_clear(&r);
        return rc;
    }
    *ret_result = r;
    return 0;
}
