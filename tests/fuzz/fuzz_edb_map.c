/* libFuzzer harness for the row-to-attempt mapping of Windows Update's history database
 * (analyzer/history/hist_edb.c, an_history_edb_row): each input line is one tbHistory row,
 *   <flags><result><dt-hi><dt-lo> title|client
 * flags: bits 0-1 Status (0 absent, 1 installation, 2 uninstallation, 3 other), bit 2 no
 * MappedResult, bit 3 no date, bit 4 dt goes backwards, bit 5 an event-log record of the same
 * install comes first (WindowsUpdateClient 19/20); result picks MappedResult from the codes
 * that matter (0, failures, reboot required, success codes) or is raw; dt is minutes after the
 * previous row. Then finish, and the history's invariants (tests/fuzz/history_check.h) plus
 * the mapping's own: every attempt has evidence from the database or the event log, no control
 * character in a package or client, and no failure of a KB is left unresolved when a later
 * attempt of that KB succeeded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/edb/an_edb.h"
#include "analyzer/history/an_history.h"
#include "tests/fuzz/history_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DB[] = "Windows/SoftwareDistribution/DataStore/DataStore.edb";
static const char SYS[] = "Windows/System32/winevt/Logs/System.evtx";

static void check(const an_history *h, size_t rows)
{
    sxs_check_history(h);
    size_t n = an_history_count(h);
    if (n > rows)
        abort();
    for (size_t i = 0; i < n; i++) {
        const an_attempt *a = an_history_at(h, i);
        if (a->nev == 0 || (!a->from_edb && !a->from_evtx))
            abort();
        for (size_t e = 0; e < a->nev; e++)
            if (strcmp(a->ev[e].source, DB) != 0 && strcmp(a->ev[e].source, SYS) != 0)
                abort();
        for (const char *p = a->package; *p; p++)
            if ((unsigned char)*p < 0x20)
                abort();
        for (const char *p = a->client; *p; p++)
            if ((unsigned char)*p < 0x20)
                abort();
        /* a later success of the same KB resolves a failure */
        if (a->status != AN_ATT_FAILED || a->resolved || !a->kb[0])
            continue;
        for (size_t j = i + 1; j < n; j++) {
            const an_attempt *s = an_history_at(h, j);
            if ((s->status == AN_ATT_SUCCEEDED || s->status == AN_ATT_PENDING) &&
                s->kind == a->kind && strcasecmp(s->kb, a->kb) == 0)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t codes[] = {0,           0x80070643u, 0x800f0922u, 0x80070bc2u,
                                     0x00240005u, 0x00000001u, 0x8024200bu, 0x80070070u};
    an_history *h = an_history_new();
    an_facts *facts = an_facts_new();
    char *buf = malloc(size + 1);
    if (!h || !facts || !buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    int64_t t = 1704794400;
    uint64_t n = 0;
    size_t inputs = 0;
    for (char *line = buf, *next; line && line < buf + size; line = next) {
        char *nl = memchr(line, '\n', (size_t)(buf + size - line));
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        size_t len = strlen(line);
        if (len < 4)
            continue;
        const uint8_t *u = (const uint8_t *)line;
        int64_t dt = (int64_t)(u[2] << 8 | u[3]) * 60;
        t += (u[0] & 0x10) ? -dt : dt;
        char *title = line + 4, *client = strchr(title, '|');
        if (client)
            *client++ = '\0';
        an_edb_row r = {.path = DB,
                        .row = ++n,
                        .has_status = (u[0] & 3) != 0,
                        .status = (u[0] & 3) == 3 ? 7 : (int32_t)(u[0] & 3),
                        .has_result = (u[0] & 4) == 0,
                        .result = u[1] < 0xf0 ? codes[u[1] % 8] : (uint32_t)u[1] << 24 | u[1],
                        .has_time = (u[0] & 8) == 0,
                        .time = t,
                        .title = title,
                        .client = client ? client : ""};
        snprintf(r.update_id, sizeof(r.update_id), "%02x", u[1]);
        if (u[0] & 0x20) { /* the event log saw the same install */
            char code[16];
            snprintf(code, sizeof(code), "0x%08x", r.result);
            bool ok = !(r.result & 0x80000000u);
            an_evtx_record e = {.path = SYS,
                                .record = n,
                                .event_id = ok ? 19 : 20,
                                .provider = "Microsoft-Windows-WindowsUpdateClient",
                                .has_time = r.has_time,
                                .time = t - 30,
                                .nstr = 2,
                                .str = {ok ? title : code, ok ? "{G}" : title}};
            an_history_evtx_record(h, &e);
            inputs++;
        }
        an_history_edb_row(h, &r);
        inputs++;
    }
    if (an_history_finish(h, NULL, facts) != 0)
        abort();
    check(h, inputs);
    free(buf);
    an_facts_free(facts);
    an_history_free(h);
    return 0;
}
