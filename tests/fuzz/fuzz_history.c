/* libFuzzer harness for the servicing-history parsers (analyzer/history/): arbitrary bytes as a
 * setup, CBS, DISM and setupapi log (several files of one install, so sessions, upgrades and
 * driver sections cross files), then finish. Checks the history's invariants: bounded counts,
 * NUL-terminated fields, resolved_by pointing at a later success, evidence within its cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/history/an_history.h"
#include "tests/fuzz/history_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    sxs_check_history(h);
    an_facts_free(facts);
    an_history_free(h);
    return 0;
}
