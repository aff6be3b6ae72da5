/* libFuzzer harness for the SetupDiag results parsers: arbitrary bytes through the XML parser
 * (every encoding path: the first bytes pick UTF-16LE/BE or UTF-8) and the text report parser,
 * then into facts. Checks the result invariants: texts are single-line, valid lengths, lists
 * within their cap, and a failed parse leaves nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/setupdiag/an_setupdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const an_setupdiag_text *t)
{
    if (!t->text)
        return;
    size_t n = strlen(t->text);
    if (n == 0 || n > SXS_MAX_SETUPDIAG_TEXT || strchr(t->text, '\n') || strchr(t->text, '\r'))
        abort();
}

static void check(const an_setupdiag_result *r)
{
    const an_setupdiag_text *single[] = {
        &r->version, &r->profile,   &r->profile_guid, &r->failure_details, &r->log_error_line,
        &r->phase,   &r->operation, &r->host_os,      &r->target_os,
    };
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        check_text(single[i]);
    if (r->n_failure_data > SXS_MAX_SETUPDIAG_LIST || r->n_remediation > SXS_MAX_SETUPDIAG_LIST)
        abort();
    for (size_t i = 0; i < r->n_failure_data; i++)
        check_text(&r->failure_data[i]);
    for (size_t i = 0; i < r->n_remediation; i++)
        check_text(&r->remediation[i]);
}

static void one(int (*parse)(const uint8_t *, size_t, const char *, an_setupdiag_result *,
                             sxs_diag *),
                const uint8_t *data, size_t size, const an_tz *tz)
{
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    int rc = parse(data, size, "fuzz", &r, d);
    if (rc == 0) {
        check(&r);
        an_facts *f = an_facts_new();
        if (f && an_setupdiag_add_facts(&r, "fuzz", tz, f) == 0 && an_facts_count(f) == 0)
            abort(); /* setupdiag.source is always written */
        an_facts_free(f);
    } else if (r.profile.text || r.n_failure_data || r.result.known) {
        abort();
    }
    an_setupdiag_result_clear(&r);
    sxs_diag_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const an_tz tz = {
        .known = true,
        .bias = -60,
        .daylight_bias = -60,
        .has_dst = true,
        .standard_start = {.month = 10, .day = 5, .hour = 3},
        .daylight_start = {.month = 3, .day = 5, .hour = 2},
    };
    one(an_setupdiag_parse_xml, data, size, &tz);
    one(an_setupdiag_parse_log, data, size, NULL);
    return 0;
}
