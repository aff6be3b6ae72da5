/* libFuzzer harness for the record-to-attempt mapping of the event logs
 * (analyzer/history/hist_evtx.c, an_history_evtx_record): each input line is one record,
 *   <sel><id-hi><id-lo><dt-hi><dt-lo> s1|s2|...
 * sel picks the log (System, Setup, WindowsUpdateClient) and the provider (WindowsUpdateClient,
 * Servicing, SCM, EventLog, Kernel-Power, User32, WER system/application, other), id is an
 * event id (one of the mapped ones when the high byte is 0xff, else raw), dt minutes after the
 * previous record (times also go backwards when its top bit is set), the rest the event data
 * strings. Then finish, and the history's invariants: bounded counts, NUL-terminated fields,
 * evidence within its cap and cited by a log path, resolved_by pointing at a later success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/evtx/an_evtx.h"
#include "analyzer/history/an_history.h"
#include "tests/fuzz/history_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The common history invariants, then what the event-log mapping adds: every attempt comes
 * from an event log, has evidence, cites an event-log path, and no record string brings a
 * control character into its package field. */
/* Records the harness marked as read from a chunk failing its CRC32 (by record number). */
#define FUZZ_MAX_REC 4096
static uint8_t marked[FUZZ_MAX_REC / 8];

static void check(const an_history *h)
{
    sxs_check_history(h);
    for (size_t i = 0; i < an_history_count(h); i++) {
        const an_attempt *a = an_history_at(h, i);
        if (a->nev == 0 || !a->from_evtx)
            abort();
        for (size_t e = 0; e < a->nev; e++) {
            if (strncmp(a->ev[e].source, "Windows/System32/winevt/Logs/", 29) != 0)
                abort();
            /* the evidence of a marked record says so, whatever its strings held */
            int64_t n = a->ev[e].line;
            if (n > 0 && n < FUZZ_MAX_REC && (marked[n / 8] >> (n % 8) & 1) &&
                !strstr(a->ev[e].text, "which fails its CRC32]"))
                abort();
        }
        for (const char *p = a->package; *p; p++)
            if ((unsigned char)*p < 0x20)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "Windows/System32/winevt/Logs/System.evtx", "Windows/System32/winevt/Logs/Setup.evtx",
        "Windows/System32/winevt/Logs/Microsoft-Windows-WindowsUpdateClient%4Operational.evtx"};
    static const char *const providers[] = {"Microsoft-Windows-WindowsUpdateClient",
                                            "Microsoft-Windows-Servicing",
                                            "Service Control Manager",
                                            "EventLog",
                                            "Microsoft-Windows-Kernel-Power",
                                            "User32",
                                            "Microsoft-Windows-WER-SystemErrorReporting",
                                            "Windows Error Reporting",
                                            "Other"};
    static const uint32_t ids[] = {19,   20,   43,   44,   25,   31,   1,    2,    3,  4,    7,
                                   7000, 7001, 7009, 7023, 7026, 7031, 7034, 6008, 41, 1074, 1001};
    an_history *h = an_history_new();
    an_facts *facts = an_facts_new();
    char *buf = malloc(size + 1);
    if (!h || !facts || !buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    int64_t t = 1704794400;
    uint64_t recno = 0;
    memset(marked, 0, sizeof(marked));
    for (char *line = buf, *next; line && line < buf + size; line = next) {
        char *nl = memchr(line, '\n', (size_t)(buf + size - line));
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        size_t len = strlen(line);
        if (len < 5)
            continue;
        const uint8_t *u = (const uint8_t *)line;
        an_evtx_record r = {.path = paths[u[0] % 3],
                            .provider = providers[(u[0] / 3) % 9],
                            .record = ++recno,
                            .chunk = u[2] % 17,
                            .chunk_crc_bad = (u[4] & 0x80) != 0, /* a record marked in its text */
                            .has_time = (u[3] & 0x40) == 0};
        r.event_id =
            u[1] == 0xff ? ids[u[2] % (sizeof(ids) / sizeof(ids[0]))] : (uint32_t)u[1] << 8 | u[2];
        int64_t dt = (int64_t)((u[3] & 0x3f) << 8 | u[4]) * 60;
        t += (u[3] & 0x80) ? -dt : dt;
        r.time = t;
        char *s = line + 5;
        while (r.nstr < AN_EVTX_MAX_STRINGS) {
            r.str[r.nstr++] = s;
            char *bar = strchr(s, '|');
            if (!bar)
                break;
            *bar = '\0';
            s = bar + 1;
        }
        if (r.chunk_crc_bad && recno < FUZZ_MAX_REC)
            marked[recno / 8] |= (uint8_t)(1u << (recno % 8));
        an_history_evtx_record(h, &r);
    }
    if (an_history_finish(h, NULL, facts) != 0)
        abort();
    check(h);
    free(buf);
    an_facts_free(facts);
    an_history_free(h);
    return 0;
}
