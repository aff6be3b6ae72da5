/* libFuzzer harness for the servicing-history parsers (analyzer/history/): arbitrary bytes as a
 * setup, CBS, DISM and setupapi log (several files of one install, so sessions, upgrades and
 * driver sections cross files), then finish. Checks the history's invariants: bounded counts,
 * NUL-terminated fields, resolved_by pointing at a later success, evidence within its cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/an_history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const an_history *h)
{
    size_t n = an_history_count(h);
    if (n > AN_HISTORY_MAX_ATTEMPTS)
        abort();
    for (size_t i = 0; i < n; i++) {
        const an_attempt *a = an_history_at(h, i);
        if (!memchr(a->package, 0, sizeof(a->package)) ||
            !memchr(a->client, 0, sizeof(a->client)) ||
            !memchr(a->operation, 0, sizeof(a->operation)) ||
            !memchr(a->phase, 0, sizeof(a->phase)) || !memchr(a->kb, 0, sizeof(a->kb)) ||
            !memchr(a->target_build, 0, sizeof(a->target_build)))
            abort();
        if (a->nev > AN_HISTORY_MAX_EVIDENCE || (unsigned)a->kind >= AN_ATT_KIND_COUNT)
            abort();
        for (size_t e = 0; e < a->nev; e++)
            if (!a->ev[e].text || !a->ev[e].source || strlen(a->ev[e].text) > AN_HISTORY_MAX_TEXT)
                abort();
        if (a->resolved_by >= 0) {
            if ((size_t)a->resolved_by <= i || (size_t)a->resolved_by >= n || !a->resolved)
                abort();
            const an_attempt *r = an_history_at(h, (size_t)a->resolved_by);
            if (r->status != AN_ATT_SUCCEEDED && r->status != AN_ATT_PENDING)
                abort();
        }
        if (a->resolved && a->status != AN_ATT_FAILED)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        an_log_family fam;
        const char *path;
    } files[] = {
        {AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log"},
        {AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Rollback/setupact.log"},
        {AN_LOG_MOSETUP, "Windows/Logs/MoSetup/BlueBox.log"},
        {AN_LOG_CBS, "Windows/Logs/CBS/CbsPersist_20250101000000.log"},
        {AN_LOG_CBS, "Windows/Logs/CBS/CBS.log"},
        {AN_LOG_DISM, "Windows/Logs/DISM/dism.log"},
        {AN_LOG_SETUPAPI, "Windows/INF/setupapi.dev.log"},
    };
    an_history *h = an_history_new();
    an_facts *facts = an_facts_new();
    if (!h || !facts)
        abort();
    /* the input split in two: the first half and the whole, so state crosses files */
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        size_t len = (f & 1) ? size / 2 : size;
        an_history_file_begin(h, files[f].fam, files[f].path);
        an_log_stats st;
        an_log_stream_mem(data, len, files[f].path, files[f].fam, NULL, an_history_line_cb, h, &st,
                          NULL);
        an_history_file_end(h);
    }
    if (an_history_finish(h, size ? "22621" : NULL, facts) != 0)
        abort();
    check(h);
    an_facts_free(facts);
    an_history_free(h);
    return 0;
}
