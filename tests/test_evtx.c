/* Event logs into the servicing history (analyzer/evtx/an_evtx.h, an_evtlog.h, history/hist_evtx.c):
 * real EVTX files Windows wrote (tests/data/evtx, SOURCE.md), cross-checked record by record
 * with libevtx's own evtxexport, damaged copies of them, and in-memory records for each
 * mapping rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/evtx/an_evtlog.h"
#include "analyzer/evtx/an_evtx.h"
#include "analyzer/history/an_history.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"
#include "support/corpus.h"

static an_history *hist;
static an_facts *facts;
static sxs_diag *diag;

static void setup(void)
{
    hist = an_history_new();
    facts = an_facts_new();
    diag = sxs_diag_new();
    cr_assert(hist && facts && diag);
}

static void teardown(void)
{
    an_history_free(hist);
    an_facts_free(facts);
    sxs_diag_free(diag);
}

TestSuite(evtx, .init = setup, .fini = teardown);

static int sh(const char *cmd, char **ret_out)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    return sxs_run(argv, ret_out, NULL, NULL);
}

/* A directory tree holding Windows/System32/winevt/Logs/<as> = the gunzipped test file data
 * (cut to cut bytes when cut > 0). Returns the tree (malloc'd); *ret_log the host path. */
static char *tree_with(const char *data_gz, const char *as, long cut, char **ret_log)
{
    char *dir = sxs_test_tmpdir("evtx");
    char cmd[4096], *log = malloc(2048);
    cr_assert(log);
    snprintf(log, 2048, "%s/Windows/System32/winevt/Logs/%s", dir, as);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/Windows/System32/winevt/Logs' '%s/Windows/System32/config' && "
             "gzip -dc '%s/tests/data/evtx/%s' > '%s'",
             dir, dir, SXS_SOURCE_DIR, data_gz, log);
    cr_assert_eq(sh(cmd, NULL), 0, "%s", cmd);
    if (cut > 0)
        cr_assert_eq(truncate(log, cut), 0);
    *ret_log = log;
    return dir;
}

/* Opens the tree's volume and runs the collector over it. */
static void collect_tree(const char *dir)
{
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(dir, diag, &ev), 0);
    cr_assert_geq(fsa_volume_count(ev), 1);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    cr_assert_not_null(fs);
    cr_assert_eq(an_evtlog_collect(fs, "Windows", hist, facts, diag), 0);
    fsa_close(ev);
}

static const char *fact(const char *name)
{
    const an_fact *f = an_facts_get(facts, name);
    return f ? f->value : NULL;
}

static int64_t num(const char *name)
{
    const an_fact *f = an_facts_get(facts, name);
    cr_assert(f && f->has_num, "no number %s", name);
    return f->num;
}

static size_t count_facts(const char *name)
{
    size_t n = 0, pos = 0;
    while (an_facts_next(facts, name, &pos))
        n++;
    return n;
}

static const an_attempt *attempt_kb(const char *kb, size_t *ret_n)
{
    const an_attempt *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < an_history_count(hist); i++)
        if (strcmp(an_history_at(hist, i)->kb, kb) == 0) {
            found = found ? found : an_history_at(hist, i);
            n++;
        }
    *ret_n = n;
    return found;
}

typedef struct {
    char *list; /* "record:event id\n" for each record, in order */
    size_t len, cap;
    size_t n19, n20;
    size_t marked; /* records placed in a chunk failing its CRC32 */
    /* the (non-recovered) records placed in a chunk that fails its CRC32 but whose number
     * lies outside that chunk's first..last record identifiers (chunk header bytes 24-39),
     * or in such a chunk and not marked; checked when ranges is set */
    const uint64_t (*ranges)[3]; /* {chunk, first id, last id}, crc-bad chunks only */
    size_t nranges;
    size_t misplaced;
} seen;

static int on_rec(const an_evtx_record *r, void *ctx)
{
    seen *s = ctx;
    char line[64];
    int n = snprintf(line, sizeof(line), "%llu:%u\n", (unsigned long long)r->record, r->event_id);
    if (s->len + (size_t)n + 1 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->list = realloc(s->list, s->cap);
        cr_assert_not_null(s->list);
    }
    memcpy(s->list + s->len, line, (size_t)n + 1);
    s->len += (size_t)n;
    if (strcmp(r->provider, "Microsoft-Windows-WindowsUpdateClient") == 0)
        s->n19 += r->event_id == 19, s->n20 += r->event_id == 20;
    s->marked += r->chunk_crc_bad;
    if (s->ranges && !r->recovered) {
        bool in_range = false;
        for (size_t i = 0; i < s->nranges; i++)
            in_range |= r->record >= s->ranges[i][1] && r->record <= s->ranges[i][2] &&
                        (uint64_t)r->chunk == s->ranges[i][0];
        s->misplaced += in_range != r->chunk_crc_bad;
    }
    return 0;
}

/* libevtx's evtxexport -m all lists the same records (allocated, then recovered) with the
 * same event ids, in the same order. */
static void assert_matches_evtxexport(const char *host, const seen *s)
{
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof(cmd),
             "evtxexport -m all -f text '%s' | awk -F': ' '/^Event number/ {n=$2} /^Event "
             "identifier/ {split($2, a, \"[()]\"); print n \":\" a[2]}'",
             host);
    cr_assert_eq(sh(cmd, &out), 0, "%s", cmd);
    cr_assert_str_eq(s->list, out, "records differ from evtxexport's");
    free(out);
}

static void read_host_log(const char *dir, const char *as, seen *s, an_evtx_stats *st, int want)
{
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(dir, diag, &ev), 0);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    cr_assert_not_null(fs);
    char path[512], why[320];
    snprintf(path, sizeof(path), "windows/system32/WINEVT/logs/%s", as); /* any case */
    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fs, path, &f), 1);
    cr_assert_eq(an_evtx_read(f, path, on_rec, s, st, why, sizeof(why)), want, "%s", why);
    fsa_file_close(f);
    fsa_close(ev);
}

/* system.evtx of omerbenamram/evtx (a Windows 10 1703 machine, 2017): 1881 records, every one
 * as evtxexport reads it; 79 recovered records neither libevtx nor evtxexport can parse. */
Test(evtx, real_system_matches_evtxexport)
{
    char *log = NULL, *dir = tree_with("system.evtx.gz", "System.evtx", 0, &log);
    seen s = {0};
    an_evtx_stats st;
    read_host_log(dir, "System.evtx", &s, &st, 0);
    cr_assert_eq(st.records, 1881);
    cr_assert_eq(st.recovered, 0);
    cr_assert_eq(st.recovered_unreadable, 79);
    cr_assert_eq(st.unreadable, 0);
    cr_assert_eq(st.chunks, 17);
    cr_assert_eq(st.header_chunks, 3); /* stale in a dirty log: 17 slots are written */
    cr_assert_eq(st.bad_chunks, 0);
    cr_assert(st.dirty);
    cr_assert_not(st.truncated);
    cr_assert_eq(s.n19, 116);
    cr_assert_eq(s.n20, 5);
    assert_matches_evtxexport(log, &s);
    free(s.list);
    free(log);
    free(dir);
}

/* The same log into the history: 121 update attempts (Store apps, Defender definitions, MSRT,
 * cumulative updates); the 2017-07 cumulative update KB4025342 failed four times with
 * 0x80248007 over eight days (43 + 20 each time): one failed attempt with its eight records,
 * never succeeded; the October MSRT failed with 0x80246013 and is the newest failure. */
Test(evtx, real_system_history)
{
    char *log = NULL, *dir = tree_with("system.evtx.gz", "System.evtx", 0, &log);
    collect_tree(dir);
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    const char *p = "Windows/System32/winevt/Logs/System.evtx";
    cr_assert_str_eq(fact("evtx.log"), p);
    cr_assert_eq(num("evtx.records"), 1881);
    cr_assert_eq(num("evtx.recovered_unreadable"), 79);
    cr_assert_null(fact("unread.evtx"), "a dirty log is not a damaged one");
    cr_assert_eq(num("history.attempts"), 121);
    cr_assert_eq(num("history.failed"), 2);
    cr_assert_eq(num("history.unresolved"), 2);
    size_t n = 0;
    const an_attempt *a = attempt_kb("KB4025342", &n);
    cr_assert_eq(n, 1, "one attempt for the retried update, not %zu", n);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->result, 0x80248007u);
    cr_assert_not(a->resolved);
    cr_assert_str_eq(a->client, "Windows Update");
    cr_assert_eq(a->nev, 8);
    cr_assert_str_eq(a->ev[0].source, p);
    cr_assert_eq(a->ev[0].line, 560); /* the first 43 */
    cr_assert_eq(a->ev[0].offset, -1);
    cr_assert_str_eq(a->ev[0].timestamp, "2017-07-23T07:25:41Z");
    cr_assert_str_eq(a->ev[1].text,
                     "Microsoft-Windows-WindowsUpdateClient 20: 0x80248007 | 2017-07 Cumulative "
                     "Update for Windows 10 Version 1703 for x64-based Systems (KB4025342) | 201");
    cr_assert_eq(a->ev[1].line, 561);
    /* the finding's facts: the newest unresolved failure, cited by record */
    cr_assert_str_eq(fact("history.update.failure.kb"), "KB890830");
    cr_assert_str_eq(fact("history.update.failure.result"), "0x80246013");
    cr_assert_str_eq(fact("history.update.failure.start"), "2017-12-18T13:48:00Z");
    const an_fact *rf = an_facts_get(facts, "history.update.failure.result");
    cr_assert_str_eq(rf->source, p);
    cr_assert_eq(rf->line, 1823);
    cr_assert_eq(count_facts("history.evtx.restart_requested"), 2);
    cr_assert_eq(count_facts("history.evtx.driver_not_loaded"), 3);
    cr_assert_eq(count_facts("history.evtx.service_failure"), 0); /* Spooler, CldFlt: not ours */
    free(log);
    free(dir);
}

static bool diag_has(const char *source, const char *needle)
{
    for (size_t i = 0; i < sxs_diag_count(diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(diag, i);
        if (e->level >= SXS_DIAG_WARN && e->source && strcmp(e->source, source) == 0 &&
            strstr(e->message, needle))
            return true;
    }
    return false;
}

/* A chunk whose signature was overwritten (omerbenamram/evtx's sample): the 267 records of
 * the other chunks and 81 recovered ones still read, exactly as evtxexport reads them; the
 * report names the file and the damaged chunks: the two zeroed slots, and three chunks whose
 * records fail their CRC32 (libevtx reads them anyway). */
Test(evtx, bad_chunk_magic)
{
    char *log = NULL,
         *dir = tree_with("sample_with_a_bad_chunk_magic.evtx.gz", "Setup.evtx", 0, &log);
    /* the record-id ranges of chunks 0, 7 and 9 (the ones failing their CRC32), read from
     * their headers here, independently of the reader */
    uint64_t ranges[3][3] = {{0}, {7}, {9}};
    FILE *lf = fopen(log, "rb");
    cr_assert_not_null(lf);
    for (size_t i = 0; i < 3; i++) {
        uint8_t h[40];
        cr_assert_eq(fseeko(lf, (off_t)(4096 + ranges[i][0] * 65536), SEEK_SET), 0);
        cr_assert_eq(fread(h, 1, sizeof(h), lf), sizeof(h));
        cr_assert_eq(memcmp(h, "ElfChnk", 7), 0);
        memcpy(&ranges[i][1], h + 24, 8);
        memcpy(&ranges[i][2], h + 32, 8);
        cr_assert_leq(ranges[i][1], ranges[i][2]);
    }
    fclose(lf);
    seen s = {.ranges = (const uint64_t(*)[3])ranges, .nranges = 3};
    an_evtx_stats st;
    read_host_log(dir, "Setup.evtx", &s, &st, 0);
    /* every record of those chunks is marked, and no other one */
    cr_assert_eq(s.misplaced, 0);
    cr_assert_gt(s.marked, 0);
    cr_assert_eq(st.crc_bad_records, s.marked);
    cr_assert_eq(st.records, 267 + 81);
    cr_assert_eq(st.recovered, 81);
    cr_assert_eq(st.recovered_unreadable, 82);
    cr_assert_eq(st.unreadable, 0);
    cr_assert_eq(st.bad_chunks, 2); /* slots 6 and 10: data, header zeroed */
    assert_matches_evtxexport(log, &s);
    free(s.list);
    collect_tree(dir);
    const char *p = "Windows/System32/winevt/Logs/Setup.evtx";
    cr_assert_eq(num("evtx.bad_chunks"), 2);
    cr_assert_eq(num("evtx.crc_bad_chunks"), 3); /* chunks 0, 7 and 9: records CRC32 wrong */
    cr_assert_eq(num("evtx.crc_bad_records"), (int64_t)s.marked);
    const char *u = fact("unread.evtx");
    cr_assert_not_null(u);
    cr_assert(strstr(u, "5 of 16 chunks damaged, 3 of them failing their checksum"), "%s", u);
    cr_assert(diag_has(p, "5 of 16 chunks damaged"));
    free(log);
    free(dir);
}

/* Cut inside its fourth chunk: the three whole chunks' records, the cut named. */
Test(evtx, truncated)
{
    char *log = NULL,
         *dir = tree_with("system.evtx.gz", "System.evtx", 4096 + 3 * 65536 + 1000, &log);
    collect_tree(dir);
    const char *p = "Windows/System32/winevt/Logs/System.evtx";
    const char *u = fact("unread.evtx");
    cr_assert_not_null(u, "a truncated log is damaged evidence");
    cr_assert_str_eq(u, "damaged event log: 0 of 3 chunks damaged (truncated: the header counts "
                        "3), 0 records unreadable, 326 read (0 recovered)");
    cr_assert(diag_has(p, "0 of 3 chunks damaged (truncated"));
    cr_assert_eq(num("evtx.records"), 326); /* evtxexport reads 326 of the cut file too */
    free(log);
    free(dir);
}

/* Not an event log at all: unread, named, no record. */
Test(evtx, garbage)
{
    char *log = NULL, *dir = tree_with("system.evtx.gz", "System.evtx", 0, &log);
    FILE *f = fopen(log, "wb");
    cr_assert_not_null(f);
    for (int i = 0; i < 70000; i++)
        fputc("0123456789abcdef"[(i * 7) % 16], f);
    fclose(f);
    collect_tree(dir);
    const char *p = "Windows/System32/winevt/Logs/System.evtx";
    cr_assert_not_null(fact("unread.evtx"));
    cr_assert_null(fact("evtx.records"));
    cr_assert(diag_has(p, "event log not read: not an event log libevtx can open"));
    free(log);
    free(dir);
}

/* ---- the record-to-attempt mapping over in-memory records ---- */

static const char *const SYS = "Windows/System32/winevt/Logs/System.evtx";
static const char *const SETUP = "Windows/System32/winevt/Logs/Setup.evtx";
static const char *const WUC = "Microsoft-Windows-WindowsUpdateClient";
static const char *const SRV = "Microsoft-Windows-Servicing";
/* 2024-01-09T10:00:00Z */
#define T0 1704794400
#define DAY 86400

static void rec(const char *path, uint64_t n, const char *provider, uint32_t id, int64_t t,
                size_t nstr, const char *const *strs)
{
    an_evtx_record r = {.path = path,
                        .record = n,
                        .event_id = id,
                        .provider = provider,
                        .has_time = true,
                        .time = t,
                        .nstr = nstr};
    for (size_t i = 0; i < nstr; i++)
        r.str[i] = strs[i];
    an_history_evtx_record(hist, &r);
}
#define REC(path, n, prov, id, t, ...)                                                             \
    rec(path, n, prov, id, t, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),              \
        (const char *[]){__VA_ARGS__})

#define CU "2024-01 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5034123)"

/* A cumulative update that fails twice in two days is one failed attempt with its four
 * records; the install a day later succeeds and resolves it: no unresolved failure. */
Test(evtx, map_retry_then_success)
{
    REC(SYS, 10, WUC, 43, T0, CU, "{GUID}", "1");
    REC(SYS, 11, WUC, 20, T0 + 60, "0x800f0922", CU, "{GUID}", "1", "{SVC}");
    REC(SYS, 20, WUC, 43, T0 + DAY, CU, "{GUID}", "1");
    REC(SYS, 21, WUC, 20, T0 + DAY + 60, "0x800f0922", CU, "{GUID}", "1", "{SVC}");
    REC(SYS, 30, WUC, 43, T0 + 2 * DAY, CU, "{GUID}", "1");
    REC(SYS, 31, WUC, 19, T0 + 2 * DAY + 60, CU, "{GUID}", "1", "{SVC}");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    const an_attempt *f = an_history_at(hist, 0), *s = an_history_at(hist, 1);
    cr_assert_eq(f->status, AN_ATT_FAILED);
    cr_assert_eq(f->result, 0x800f0922u);
    cr_assert_str_eq(f->kb, "KB5034123");
    cr_assert_eq(f->nev, 4);
    cr_assert_eq(f->ev[3].line, 21);
    cr_assert(f->resolved);
    cr_assert_eq(f->resolved_by, 1);
    cr_assert_eq(s->status, AN_ATT_SUCCEEDED);
    cr_assert_eq(s->nev, 2);
    cr_assert_eq(num("history.unresolved"), 0);
    cr_assert_null(fact("history.update.failure.result"));
}

/* An event-20 failure with no later success: UPDATE-FAILED's facts, cited by file and record. */
Test(evtx, map_failure_unresolved)
{
    REC(SYS, 7, WUC, 20, T0, "0x80070643", CU, "{GUID}", "1", "{SVC}");
    REC(SYS, 8, WUC, 19, T0 + 60, "Security Intelligence Update (KB2267602)", "{G}", "1", "{S}");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(num("history.unresolved"), 1);
    cr_assert_str_eq(fact("history.update.failure.result"), "0x80070643");
    cr_assert_str_eq(fact("history.update.failure.kb"), "KB5034123");
    cr_assert_str_eq(fact("history.update.failure.package"), CU);
    cr_assert_str_eq(fact("history.update.failure.client"), "Windows Update");
    cr_assert_str_eq(fact("history.update.failure.start"), "2024-01-09T10:00:00Z");
    const an_fact *l = an_facts_get(facts, "history.update.failure.line");
    cr_assert_str_eq(l->value, "Microsoft-Windows-WindowsUpdateClient 20: 0x80070643 | " CU " | 1");
    cr_assert_str_eq(l->source, SYS);
    cr_assert_eq(l->line, 7);
    cr_assert_eq(l->offset, -1);
}

/* Setup.evtx's Servicing events: 1 opens, 3 fails with its ErrorCode, 4 is pending a reboot;
 * the package and client come from the event data. */
Test(evtx, map_servicing)
{
    REC(SETUP, 1, SRV, 1, T0, "KB5034441", "Absent", "5", "Installed", "112", "WindowsUpdateAgent");
    REC(SETUP, 2, SRV, 3, T0 + 300, "KB5034441", "Installed", "112", "0x80070643",
        "WindowsUpdateAgent");
    REC(SETUP, 3, SRV, 1, T0 + DAY, "KB5034123", "Absent", "5", "Installed", "112",
        "WindowsUpdateAgent");
    REC(SETUP, 4, SRV, 7, T0 + DAY + 10, "Microsoft-Windows-Foo", "KB5034123",
        "WindowsUpdateAgent");
    REC(SETUP, 5, SRV, 4, T0 + DAY + 600, "KB5034123", "Installed", "112", "0x0",
        "WindowsUpdateAgent");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    const an_attempt *a = an_history_at(hist, 0), *b = an_history_at(hist, 1);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->result, 0x80070643u);
    cr_assert_str_eq(a->kb, "KB5034441");
    cr_assert_str_eq(a->client, "WindowsUpdateAgent");
    cr_assert_eq(a->nev, 2);
    cr_assert_eq(b->status, AN_ATT_PENDING);
    cr_assert_eq(b->nev, 3); /* 1, 7 and 4 */
    cr_assert_eq(num("history.unresolved"), 1);
    cr_assert_str_eq(fact("history.update.failure.kb"), "KB5034441");
}

/* One install in two logs (WindowsUpdateClient 20 in System.evtx, Servicing 3 in Setup.evtx,
 * minutes apart): one attempt with both records, not two rows. */
Test(evtx, map_merge_across_logs)
{
    REC(SETUP, 50, SRV, 1, T0, "KB5034123", "Absent", "5", "Installed", "112",
        "WindowsUpdateAgent");
    REC(SETUP, 51, SRV, 3, T0 + 200, "KB5034123", "Installed", "112", "0x800f0922",
        "WindowsUpdateAgent");
    REC(SYS, 900, WUC, 20, T0 + 260, "0x800f0922", CU, "{GUID}", "1", "{SVC}");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 1);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->nev, 3);
    cr_assert_str_eq(a->ev[0].source, SETUP);
    cr_assert_str_eq(a->ev[2].source, SYS);
    cr_assert_eq(a->ev[2].line, 900);
    cr_assert_eq(num("history.unresolved"), 1);
}

/* System.evtx notes: SCM failures of the servicing services only, restarts, bug checks; scan
 * and download failures are notes, not install attempts. */
Test(evtx, map_system_notes)
{
    REC(SYS, 1, "Service Control Manager", 7031, T0, "Windows Update", "1", "0", "1", "Restart");
    REC(SYS, 2, "Service Control Manager", 7023, T0, "Spooler", "%%2147942414");
    REC(SYS, 3, "Service Control Manager", 7000, T0, "TrustedInstaller", "%%1053");
    REC(SYS, 4, "EventLog", 6008, T0, "10:00:00", "09/01/2024");
    REC(SYS, 5, "Microsoft-Windows-Kernel-Power", 41, T0, "0x0", "0");
    REC(SYS, 6, "Microsoft-Windows-WER-SystemErrorReporting", 1001, T0, "0x0000007e (0xc0000005)",
        "C:\\Windows\\MEMORY.DMP", "id");
    REC(SYS, 7, WUC, 25, T0, "0x8024402c");
    REC(SYS, 8, WUC, 31, T0, "0x80246008", CU, "{GUID}");
    REC(SYS, 9, "Service Control Manager", 7026, T0, "\nwimmount\n");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 0);
    cr_assert_eq(count_facts("history.evtx.service_failure"), 2);
    cr_assert_str_eq(fact("history.evtx.service_failure"), "2024-01-09T10:00:00Z Service "
                                                           "Control Manager 7031: Windows Update "
                                                           "| 1 | 0 | 1 | Restart");
    cr_assert_eq(an_facts_get(facts, "history.evtx.service_failure")->line, 1);
    /* the service name, display names mapped: what a plan command may use */
    cr_assert_eq(count_facts("history.evtx.service_failure.service"), 2);
    cr_assert_str_eq(fact("history.evtx.service_failure.service"), "wuauserv");
    cr_assert_eq(an_facts_get(facts, "history.evtx.service_failure.service")->line, 1);
    cr_assert_eq(count_facts("history.evtx.unexpected_restart"), 2);
    cr_assert_str_eq(fact("history.evtx.bugcheck"),
                     "2024-01-09T10:00:00Z Microsoft-Windows-WER-SystemErrorReporting 1001: "
                     "0x0000007e (0xc0000005) | C:\\Windows\\MEMORY.DMP | id");
    cr_assert_str_eq(fact("history.evtx.bugcheck.code"), "0x0000007e");
    cr_assert_str_eq(fact("history.evtx.wu.detect_failure"),
                     "2024-01-09T10:00:00Z Microsoft-Windows-WindowsUpdateClient 25: 0x8024402c");
    cr_assert_not_null(fact("history.evtx.wu.download_failure"));
    cr_assert_str_eq(fact("history.evtx.driver_not_loaded"),
                     "2024-01-09T10:00:00Z Service Control Manager 7026:  wimmount");
    cr_assert_eq(num("history.unresolved"), 0);
}

/* ---- end to end: sxsdoctor over a healthy tree with a real System.evtx added ---- */

static char *tree_plus_log(const char *tag, const char *data_gz)
{
    char *tree = sxs_sample("healthy.tree");
    char *dir = sxs_test_tmpdir(tag), cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "cp -r '%s/.' '%s/' && mkdir -p '%s/Windows/System32/winevt/Logs' && "
             "gzip -dc '%s/tests/data/evtx/%s' > '%s/Windows/System32/winevt/Logs/System.evtx'",
             tree, dir, dir, SXS_SOURCE_DIR, data_gz, dir);
    cr_assert_eq(sh(cmd, NULL), 0, "%s", cmd);
    free(tree);
    return dir;
}

static char *run_json(const char *dir, int want_exit)
{
    char *argv[] = {(char *)sxs_binary(), "--json", (char *)dir, NULL};
    char *out = NULL, *err = NULL;
    int rc = sxs_run(argv, &out, &err, NULL);
    cr_assert_eq(rc, want_exit, "exit %d: %s", rc, err);
    free(err);
    return out;
}

/* The healthy sample is HEALTHY (exit 0); with the 2017 machine's System.evtx it is
 * UPDATE-FAILED (exit 1) for the newest unresolved failure, cited by record, and the history
 * lists the retried cumulative update once. */
Test(evtx_cli, real_system_log_makes_update_failed)
{
    char *dir = tree_plus_log("evtxcli", "system.evtx.gz");
    char *out = run_json(dir, 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['UPDATE-FAILED']");
    ASSERT_JSON(out, "'KB890830' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out,
                "sorted(set((e['source'], e['line']) for e in d['findings'][0]['evidence'] if "
                "e['source'].endswith('System.evtx')))",
                "[('Windows/System32/winevt/Logs/System.evtx', 1822), "
                "('Windows/System32/winevt/Logs/System.evtx', 1823)]");
    ASSERT_JSON(out,
                "[(h['status'], h['result'], len(h['evidence'])) for h in d['history'] if "
                "h['kb'] == 'KB4025342']",
                "[('failed', '0x80248007', 8)]");
    /* the 121 attempts of the log, and the healthy sample's own DISM run from CBS.log */
    ASSERT_JSON(out, "len(d['history'])", "122");
    ASSERT_JSON(out, "d['verdict']['primary']", "UPDATE-FAILED");
    free(out);
    free(dir);
}

/* A System.evtx that is not an event log: never HEALTHY, the file named. */
Test(evtx_cli, unreadable_log_is_not_healthy)
{
    char *dir = tree_plus_log("evtxbad", "system.evtx.gz"), path[2048];
    snprintf(path, sizeof(path), "%s/Windows/System32/winevt/Logs/System.evtx", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("ElfFile but nothing else\n", f);
    fclose(f);
    char *out = run_json(dir, 3);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[e['source'] for e in d['errors'] if 'event log not read' in e['message']]",
                "['Windows/System32/winevt/Logs/System.evtx']");
    free(out);
    free(dir);
}

/* One cumulative update in CBS.log and in System.evtx (WindowsUpdateClient 20, minutes later):
 * one attempt with the CBS lines and the record. */
#define CBSL(t, m) t ", Info                  CBS    " m "\n"
Test(evtx, map_merge_with_cbs)
{
    static const char cbs[] =
        CBSL("2025-07-09 03:10:04", "Session: 31190112_2011552301 initialized by client "
                                    "UpdateAgentLCU, external staging directory: (null)")
            CBSL("2025-07-09 03:41:18",
                 "Exec: Processing complete.  Session: 31190112_2011552301, "
                 "Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.9, "
                 "Identifier: KB5062553 [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
                CBSL("2025-07-09 03:41:19", "Session: 31190112_2011552301 finalized. Reboot "
                                            "required: no [HRESULT = 0x800f0922 - "
                                            "CBS_E_INSTALLERS_FAILED]");
    const char *path = "Windows/Logs/CBS/CBS.log";
    cr_assert_eq(an_history_file_begin(hist, AN_LOG_CBS, path), 0);
    an_log_stats st;
    cr_assert_geq(an_log_stream_mem((const uint8_t *)cbs, strlen(cbs), path, AN_LOG_CBS, NULL,
                                    an_history_line_cb, hist, &st, NULL),
                  0);
    an_history_file_end(hist);
    REC(SYS, 4242, WUC, 20, 1752032700 /* 2025-07-09T03:45:00Z */, "0x800f0922",
        "2025-07 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5062553)",
        "{GUID}", "1", "{SVC}");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), 1);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_str_eq(a->kb, "KB5062553");
    cr_assert_str_eq(a->client, "UpdateAgentLCU");
    cr_assert_eq(a->result, 0x800f0922u);
    cr_assert_str_eq(a->ev[a->nev - 1].source, SYS);
    cr_assert_eq(a->ev[a->nev - 1].line, 4242);
    cr_assert_str_eq(a->ev[0].source, path);
}

/* Application.evtx: WER's WindowsUpdateFailure3 bucket is a note; other WER reports are not. */
Test(evtx, map_wer_notes)
{
    const char *app = "Windows/System32/winevt/Logs/Application.evtx";
    REC(app, 3, "Windows Error Reporting", 1001, T0, "1234", "5", "WindowsUpdateFailure3",
        "Not available", "0", "10.0.19041.3570", "80070643", "00000000-0000-0000-0000-000000000000",
        "Install", "200");
    REC(app, 4, "Windows Error Reporting", 1001, T0, "99", "5", "APPCRASH", "Not available", "0",
        "app.exe");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(count_facts("history.evtx.wer.wu_failure"), 1);
    cr_assert_str_eq(
        fact("history.evtx.wer.wu_failure"),
        "2024-01-09T10:00:00Z Windows Error Reporting 1001: 1234 | 5 | WindowsUpdateFailure3 | Not "
        "available | 0 | 10.0.19041.3570 | 80070643 | "
        "00000000-0000-0000-0000-000000000000 | Install | 200");
    cr_assert_eq(an_facts_get(facts, "history.evtx.wer.wu_failure")->line, 3);
    cr_assert_eq(an_history_count(hist), 0);
}

/* Setup.evtx ending on a Servicing 7 ("Initiating changes to turn on update X of package Y")
 * whose package never got its 2/3/4: the unfinished change, cited by the 7's record, with the
 * package a plan may name. */
#define RFX "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.11"
Test(evtx, map_servicing_unfinished)
{
    REC(SETUP, 40, SRV, 1, T0, RFX, "Absent", "5", "Installed", "112", "WindowsUpdateAgent");
    REC(SETUP, 41, SRV, 7, T0 + 30, "Microsoft-Windows-Client-Features-Package", RFX,
        "WindowsUpdateAgent");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    const an_fact *f = an_facts_get(facts, "history.evtx.servicing_unfinished");
    cr_assert_not_null(f);
    cr_assert_str_eq(f->value,
                     "2024-01-09T10:00:30Z Microsoft-Windows-Servicing 7: "
                     "Microsoft-Windows-Client-Features-Package | " RFX " | WindowsUpdateAgent");
    cr_assert_str_eq(f->source, SETUP);
    cr_assert_eq(f->line, 41);
    cr_assert_str_eq(fact("history.evtx.servicing_unfinished.package"), RFX);
}

/* The same change with its result (2) after the 7: nothing is unfinished. */
Test(evtx, map_servicing_finished)
{
    REC(SETUP, 40, SRV, 1, T0, RFX, "Absent", "5", "Installed", "112", "WindowsUpdateAgent");
    REC(SETUP, 41, SRV, 7, T0 + 30, "Microsoft-Windows-Client-Features-Package", RFX,
        "WindowsUpdateAgent");
    REC(SETUP, 42, SRV, 2, T0 + 600, RFX, "Installed", "112", "0x0", "WindowsUpdateAgent");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_null(fact("history.evtx.servicing_unfinished"));
    cr_assert_eq(num("history.unresolved"), 0);
}

/* More notes than kept: the newest 64 stay (a busy System.evtx's latest failures matter), the
 * count of the others is reported. */
Test(evtx, map_notes_keep_newest)
{
    for (uint64_t i = 1; i <= 70; i++)
        REC(SYS, i, "Service Control Manager", 7000, T0 + (int64_t)i, "BITS", "%%1053");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(count_facts("history.evtx.service_failure"), 64);
    cr_assert_eq(num("history.evtx.notes_dropped"), 6);
    int64_t lo = INT64_MAX, hi = 0;
    size_t pos = 0;
    const an_fact *f;
    while ((f = an_facts_next(facts, "history.evtx.service_failure", &pos))) {
        lo = f->line < lo ? f->line : lo;
        hi = f->line > hi ? f->line : hi;
    }
    cr_assert_eq(lo, 7);
    cr_assert_eq(hi, 70);
}

/* ---- end to end over sample images whose event logs sample-images/mkevtx.c wrote ---- */

static char *run_sample(const char *image, int want_exit)
{
    char *out = NULL, *err = NULL;
    int rc = sxs_run_sample_json(image, &out, &err);
    cr_assert_eq(rc, want_exit, "%s: exit %d: %s", image, rc, err);
    free(err);
    return out;
}

#define OPLOG "Windows/System32/winevt/Logs/Microsoft-Windows-WindowsUpdateClient%4Operational.evtx"

/* WindowsUpdateClient 43 + 20 of KB5065426 and no text log line: UPDATE-FAILED, cited by log,
 * record, event id, provider, UTC time and fields; the restarts of System.evtx cited with it. */
Test(evtx_cli, event_20_alone_is_update_failed)
{
    char *out = run_sample("evtx-update-failed.raw", 1);
    ASSERT_JSON(out, "d['verdict']['primary']", "UPDATE-FAILED");
    ASSERT_JSON(out, "'KB5065426' in d['findings'][0]['title']", "True");
    ASSERT_JSON(
        out,
        "[(e['line'], e['text']) for e in d['findings'][0]['evidence'] if e['source'] == '" OPLOG
        "' and e['text'].startswith('history.update.failure.line')]",
        "[(1202, 'history.update.failure.line = Microsoft-Windows-WindowsUpdateClient 43: "
        "2025-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems "
        "(KB5065426) (26100.6584) | 1'), (1203, 'history.update.failure.line = "
        "Microsoft-Windows-WindowsUpdateClient 20: 0x80070643 | 2025-09 Cumulative Update "
        "for Windows 11 Version 24H2 for x64-based Systems (KB5065426) (26100.6584) | 1')]");
    ASSERT_JSON(out,
                "[e['text'] for e in d['findings'][0]['evidence'] if "
                "e['text'].startswith('history.update.failure.start')]",
                "['history.update.failure.start = 2025-09-09T19:14:05Z']");
    ASSERT_JSON(out,
                "[(e['source'].split('/')[-1], e['line'], e['text']) for e in "
                "d['findings'][0]['evidence'] if 'unexpected_restart' in e['text']]",
                "[('System.evtx', 8121, 'history.evtx.unexpected_restart = 2025-09-09T19:33:40Z "
                "Microsoft-Windows-Kernel-Power 41: 0 | 0x0 | 0x0 | 0x0 | 0x0 | 0 | 0'), "
                "('System.evtx', 8122, 'history.evtx.unexpected_restart = 2025-09-09T19:33:41Z "
                "EventLog 6008: 21:31:12 | 09.09.2025 | 31 | E907090002000900150... | 1')]");
    ASSERT_JSON(out,
                "[(h['status'], h['result'], h['resolved']) for h in d['history'] if h['kb'] == "
                "'KB5065426']",
                "[('failed', '0x80070643', False)]");
    free(out);
}

/* The same failure, then 43 + 19 of the same KB the next day: resolved, HEALTHY. */
Test(evtx_cli, later_event_19_resolves_it)
{
    char *out = run_sample("evtx-update-resolved.raw", 0);
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    ASSERT_JSON(out,
                "[(h['status'], h['result'], h['resolved']) for h in d['history'] if h['kb'] == "
                "'KB5065426']",
                "[('failed', '0x80070643', True), ('succeeded', '0x00000000', False)]");
    free(out);
}

/* SCM 7000/7023/7009/7034 of the four servicing services (display names; 7009 names the
 * service second) and a 7000 of Print Spooler: WU-SERVICES for the four, not Spooler, one
 * plan command per service name, each record cited with its time. */
Test(evtx_cli, scm_failures_are_wu_services)
{
    char *out = run_sample("evtx-scm.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['WU-SERVICES']");
    ASSERT_JSON(out,
                "[c for s in d['findings'][0]['plan'] for c in [s.get('command', '')] if "
                "c.startswith('sc ')]",
                "['sc qc wuauserv && sc start wuauserv', 'sc qc BITS && sc start BITS', "
                "'sc qc CryptSvc && sc start CryptSvc', 'sc qc TrustedInstaller && sc start "
                "TrustedInstaller']");
    ASSERT_JSON(
        out,
        "[(e['line'], e['text'].split(' = ', 1)[1]) for e in "
        "d['findings'][0]['evidence'] if e['text'].startswith('history.evtx.service_failure =')]",
        "[(4410, '2025-09-02T08:01:12Z Service Control Manager 7000: Windows Update | "
        "%%1058'), (4411, '2025-09-02T08:03:30Z Service Control Manager 7023: Background "
        "Intelligent Transfer Service | %%2147942402'), (4412, '2025-09-02T08:05:00Z "
        "Service Control Manager 7009: 30000 | Cryptographic Services'), (4413, "
        "'2025-09-02T08:07:44Z Service Control Manager 7034: Windows Modules Installer | "
        "1')]");
    ASSERT_JSON(out, "'Spooler' in str(d['findings'])", "False");
    free(out);
}

/* Kernel-Power 41, EventLog 6008 and WER-SystemErrorReporting 1001 with no dump on the disk:
 * BUGCHECK from the event log, the code and the three records cited. */
Test(evtx_cli, bugcheck_event_without_dump)
{
    char *out = run_sample("evtx-bugcheck.raw", 1);
    ASSERT_JSON(out, "[(f['id'], f['severity']) for f in d['findings']]",
                "[('BUGCHECK', 'medium')]");
    ASSERT_JSON(out, "'0x0000007b' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out,
                "sorted(e['line'] for e in d['findings'][0]['evidence'] if "
                "e['source'].endswith('System.evtx') and ' = 2025-09-03T' in e['text'])",
                "[5120, 5121, 5122]");
    free(out);
}

/* Setup.evtx ends on Servicing 1 + 7 of KB5065426 without a result: PENDING-STUCK, the 7
 * cited, the plan reverting the pending actions. */
Test(evtx_cli, servicing_7_without_result_is_pending_stuck)
{
    char *out = run_sample("evtx-working-on-features.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['PENDING-STUCK']");
    ASSERT_JSON(out, "'KB5065426' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out,
                "[(e['source'].split('/')[-1], e['line']) for e in d['findings'][0]['evidence']]",
                "[('Setup.evtx', 313), ('Setup.evtx', 313)]");
    ASSERT_JSON(
        out,
        "[s['command'] for s in d['findings'][0]['plan'] if 'RevertPendingActions' in "
        "s.get('command', '')]",
        "['DISM /Image:F:\\\\ /Cleanup-Image /RevertPendingActions /ScratchDir:C:\\\\Scratch']");
    free(out);
}

/* A crash-damaged System.evtx (dirty header failing its CRC32, a zeroed chunk signature, a
 * chunk failing its records' CRC32, cut inside the fifth slot): the 16 readable records are
 * read, exactly those evtxexport lists; the damage is counted and named; never HEALTHY. */
Test(evtx, damaged_generated_log)
{
    char *dir = sxs_sample("evtx-damaged.tree"), log[2048];
    snprintf(log, sizeof(log), "%s/Windows/System32/winevt/Logs/System.evtx", dir);
    static const uint64_t slot3[1][3] = {{3, 13, 16}}; /* the scenario's records 13-16 */
    seen s = {.ranges = slot3, .nranges = 1};
    an_evtx_stats st;
    read_host_log(dir, "System.evtx", &s, &st, 0);
    cr_assert_eq(st.records, 16);
    cr_assert_eq(s.misplaced, 0);
    cr_assert_eq(s.marked, 4); /* exactly the records of the chunk failing its CRC32 */
    cr_assert_eq(st.crc_bad_records, 4);
    cr_assert_eq(st.recovered, 4); /* the chunk without its signature */
    cr_assert_eq(st.chunks, 4);
    cr_assert_eq(st.header_chunks, 5);
    cr_assert_eq(st.bad_chunks, 1);
    cr_assert_eq(st.crc_bad_chunks, 1);
    cr_assert(st.header_crc_bad);
    cr_assert(st.dirty);
    cr_assert(st.truncated);
    assert_matches_evtxexport(log, &s);
    free(s.list);
    collect_tree(dir);
    const char *p = "Windows/System32/winevt/Logs/System.evtx";
    cr_assert_str_eq(fact("unread.evtx"),
                     "damaged event log: 2 of 4 chunks damaged, 1 of them failing its checksum "
                     "(truncated: the header counts 5), the file header failing its checksum, 0 "
                     "records unreadable, 16 read (4 recovered)");
    cr_assert(diag_has(p, "2 of 4 chunks damaged"));
    cr_assert_eq(num("evtx.crc_bad_chunks"), 1);
    cr_assert_eq(num("evtx.crc_bad_records"), 4);
    /* the note cites its record, and says the record sits in the chunk failing its CRC32 */
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    size_t pos = 0, notes = 0, marked_notes = 0;
    for (const an_fact *f; (f = an_facts_next(facts, "history.evtx.service_failure", &pos));) {
        notes++;
        marked_notes += strstr(f->value, "[record in chunk 3, which fails its CRC32]") != NULL;
    }
    cr_assert_eq(notes, 16);
    cr_assert_eq(marked_notes, 4);
    free(dir);
    char *out = run_sample("evtx-damaged.raw", 1);
    ASSERT_JSON(out, "d['verdict']['status'] != 'healthy'", "True");
    ASSERT_JSON(out,
                "[e['level'] for e in d['errors'] if e['source'] == '"
                "Windows/System32/winevt/Logs/System.evtx"
                "' and '2 of 4 chunks damaged' in e['message']]",
                "['warning']");
    free(out);
}
