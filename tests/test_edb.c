/* Windows Update's history database into the servicing history (analyzer/edb/an_edb.h,
 * an_wudb.h, history/hist_edb.c): a real ESE database Windows wrote (tests/data/edb, SOURCE.md;
 * no public DataStore.edb could be had), cut and overwritten copies of it, and in-memory
 * tbHistory rows for each mapping rule, alone and against the event logs' attempts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/edb/an_edb.h"
#include "analyzer/history/an_history.h"
#include "analyzer/edb/an_wudb.h"
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

TestSuite(edb, .init = setup, .fini = teardown);

static const char *const DB = "Windows/SoftwareDistribution/DataStore/DataStore.edb";

static int sh(const char *cmd)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    return sxs_run(argv, NULL, NULL, NULL);
}

/* A tree (a copy of base, or empty) holding the real ESE sample as DataStore.edb, cut to cut
 * bytes when cut > 0. Returns the tree; *ret_db the host path of the database. */
static char *tree_with_db(const char *tag, const char *base, long cut, char **ret_db)
{
    char *dir = sxs_test_tmpdir(tag), cmd[4096];
    char *db = malloc(2048);
    cr_assert(db);
    snprintf(db, 2048, "%s/%s", dir, DB);
    snprintf(cmd, sizeof(cmd),
             "%s%s%s%s%s mkdir -p '%s/Windows/SoftwareDistribution/DataStore' && "
             "gzip -dc '%s/tests/data/edb/ntds_temp.edb.gz' > '%s'",
             base ? "cp -r '" : "", base ? base : "", base ? "/.' '" : "", base ? dir : "",
             base ? "/' &&" : "", dir, SXS_SOURCE_DIR, db);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);
    if (cut > 0)
        cr_assert_eq(truncate(db, cut), 0);
    if (ret_db)
        *ret_db = db;
    else
        free(db);
    return dir;
}

/* Overwrites len bytes at off of the host file with b. */
static void overwrite(const char *path, long off, int b, size_t len)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, off, SEEK_SET), 0);
    for (size_t i = 0; i < len; i++)
        fputc(b, f);
    fclose(f);
}

static void collect_tree(const char *dir)
{
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(dir, diag, &ev), 0);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    cr_assert_not_null(fs);
    cr_assert_eq(an_wudb_collect(fs, "Windows", hist, facts, diag), 0);
    fsa_close(ev);
}

static const char *fact(const char *name)
{
    const an_fact *f = an_facts_get(facts, name);
    return f ? f->value : NULL;
}

static bool diag_has(const char *source, const char *needle)
{
    for (size_t i = 0; i < sxs_diag_count(diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(diag, i);
        if (e->source && strcmp(e->source, source) == 0 && strstr(e->message, needle))
            return true;
    }
    return false;
}

/* ---- the reader over a real ESE database ---- */

/* The sample opens through fsaccess: its header state, one table as esedbinfo lists it, no
 * tbHistory (so no rows and nothing unread), said in an info diagnostic. */
Test(edb, real_database_without_history)
{
    char *dir = tree_with_db("edbreal", NULL, 0, NULL);
    collect_tree(dir);
    cr_assert_str_eq(fact("edb.file"), DB);
    cr_assert_str_eq(fact("edb.state"), "just created");
    cr_assert_str_eq(fact("edb.history_table"), "false");
    cr_assert_str_eq(fact("edb.history_rows"), "0");
    cr_assert_null(fact("unread.edb"));
    cr_assert(diag_has(DB, "no tbHistory table among its 1 tables"));
    cr_assert(diag_has(DB, "not shut down cleanly (state: just created)"));
    cr_assert_eq(an_history_count(hist), 0);
    free(dir);
}

/* Cut inside its pages: unread.edb, named, saying it is cut short; no crash, no attempt. */
Test(edb, truncated)
{
    char *dir = tree_with_db("edbcut", NULL, 40000, NULL);
    collect_tree(dir);
    const an_fact *u = an_facts_get(facts, "unread.edb");
    cr_assert_not_null(u);
    cr_assert_str_eq(u->source, DB);
    cr_assert(strstr(u->value, "cut short (40000 bytes: not a whole number of 8192-byte pages)"),
              "%s", u->value);
    cr_assert(diag_has(DB, "Windows Update database not read: cut short"));
    cr_assert_null(fact("edb.file"));
    free(dir);
}

/* Cut to whole pages, fewer than the database has: still named as cut short. */
Test(edb, truncated_on_a_page_boundary)
{
    char *dir = tree_with_db("edbcutp", NULL, 2 * 8192, NULL);
    collect_tree(dir);
    const an_fact *u = an_facts_get(facts, "unread.edb");
    cr_assert_not_null(u);
    cr_assert(strstr(u->value, "fewer than four of 8192-byte pages"), "%s", u->value);
    free(dir);
}

/* The catalog's page overwritten with 0xff: libesedb's reason, the file named. */
Test(edb, corrupted_catalog_page)
{
    char *db = NULL, *dir = tree_with_db("edbbad", NULL, 0, &db);
    overwrite(db, 5 * 8192, 0xff, 8192); /* page 4 (MSysObjects) follows the two headers */
    collect_tree(dir);
    const an_fact *u = an_facts_get(facts, "unread.edb");
    cr_assert_not_null(u);
    cr_assert_str_eq(u->source, DB);
    cr_assert(strstr(u->value, "not an ESE database libesedb can open: libesedb_page_read_tags"),
              "%s", u->value);
    free(db);
    free(dir);
}

/* Not an ESE file at all, and an empty one: named, no crash. */
Test(edb, garbage_and_empty)
{
    char *db = NULL, *dir = tree_with_db("edbgarb", NULL, 0, &db);
    overwrite(db, 0, 'x', 8192);
    collect_tree(dir);
    const an_fact *u = an_facts_get(facts, "unread.edb");
    cr_assert_not_null(u);
    cr_assert(strstr(u->value, "not an ESE database libesedb can open"), "%s", u->value);
    cr_assert_eq(truncate(db, 0), 0);
    an_facts_free(facts);
    facts = an_facts_new();
    collect_tree(dir);
    cr_assert_not_null(fact("unread.edb"));
    free(db);
    free(dir);
}

/* A zero-filled file (never written, the sample images' placeholder) holds no database: a
 * warning and edb.state zeroed, nothing unread; a zero file with one byte set is unread. */
Test(edb, zero_filled)
{
    char *db = NULL, *dir = tree_with_db("edbzero", NULL, 0, &db);
    cr_assert_eq(truncate(db, 0), 0);
    cr_assert_eq(truncate(db, 128 * 1024), 0);
    collect_tree(dir);
    cr_assert_str_eq(fact("edb.state"), "zeroed");
    cr_assert_null(fact("unread.edb"));
    cr_assert(diag_has(DB, "holds only zeros"));
    overwrite(db, 70000, 1, 1); /* beyond the probe: still zeroed */
    an_facts_free(facts);
    facts = an_facts_new();
    collect_tree(dir);
    cr_assert_str_eq(fact("edb.state"), "zeroed");
    overwrite(db, 4, 1, 1);
    an_facts_free(facts);
    facts = an_facts_new();
    collect_tree(dir);
    cr_assert_not_null(fact("unread.edb"));
    free(db);
    free(dir);
}

/* Every byte of the header pages flipped one at a time in a stride: never a crash, and either
 * the sample as before or a named failure. */
Test(edb, header_byte_corruption)
{
    char *db = NULL, *dir = tree_with_db("edbflip", NULL, 0, &db);
    for (long off = 0; off < 2 * 8192; off += 509) {
        overwrite(db, off, 0xa5, 3);
        an_facts_free(facts);
        facts = an_facts_new();
        collect_tree(dir);
        cr_assert(fact("unread.edb") || fact("edb.file"), "offset %ld", off);
        char cmd[4096];
        snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/data/edb/ntds_temp.edb.gz' > '%s'",
                 SXS_SOURCE_DIR, db);
        cr_assert_eq(sh(cmd), 0);
    }
    free(db);
    free(dir);
}

/* ---- dates ---- */

Test(edb, dates)
{
    int64_t t = 0;
    /* 2024-01-09T10:00:00Z as a FILETIME and as an OLE date (45300.416666...) */
    cr_assert(an_edb_date(133492680000000000ull, &t));
    cr_assert_eq(t, 1704794400);
    double ole = 45300.0 + 10.0 / 24.0;
    uint64_t bits;
    memcpy(&bits, &ole, sizeof(bits));
    cr_assert(an_edb_date(bits, &t));
    cr_assert_eq(t, 1704794400);
    cr_assert_not(an_edb_date(0, &t));
    cr_assert_not(an_edb_date(1, &t));
    cr_assert_not(an_edb_date(0x7ff8000000000000ull, &t)); /* NaN */
}

/* ---- the row-to-attempt mapping over in-memory rows ---- */

/* 2024-01-09T10:00:00Z */
#define T0 1704794400
#define DAY 86400
#define CU "2024-01 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5034123)"

static void row(uint64_t n, int32_t status, uint32_t result, int64_t t, const char *title,
                const char *client)
{
    an_edb_row r = {.path = DB,
                    .row = n,
                    .has_status = true,
                    .status = status,
                    .has_result = true,
                    .result = result,
                    .has_time = true,
                    .time = t,
                    .title = title,
                    .client = client};
    snprintf(r.update_id, sizeof(r.update_id), "%s", "2e2a8d6a-0000-4000-8000-000000000001.201");
    an_history_edb_row(hist, &r);
}

static int64_t num(const char *name)
{
    const an_fact *f = an_facts_get(facts, name);
    cr_assert(f && f->has_num, "no number %s", name);
    return f->num;
}

/* A cumulative update failing on two days is one failed attempt with both rows; the success
 * on the third day resolves it. */
Test(edb, map_retry_then_success)
{
    row(1, 1, 0x800f0922u, T0, CU, "UpdateOrchestrator");
    row(2, 1, 0x800f0922u, T0 + DAY, CU, "UpdateOrchestrator");
    row(3, 1, 0, T0 + 2 * DAY, CU, "UpdateOrchestrator");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    const an_attempt *f = an_history_at(hist, 0), *s = an_history_at(hist, 1);
    cr_assert_eq(f->status, AN_ATT_FAILED);
    cr_assert_eq(f->result, 0x800f0922u);
    cr_assert_str_eq(f->kb, "KB5034123");
    cr_assert_str_eq(f->client, "UpdateOrchestrator");
    cr_assert_str_eq(f->operation, "installation");
    cr_assert(f->from_edb);
    cr_assert_eq(f->nev, 2);
    cr_assert_eq(f->ev[1].line, 2);
    cr_assert(f->resolved);
    cr_assert_eq(f->resolved_by, 1);
    cr_assert_eq(s->status, AN_ATT_SUCCEEDED);
    cr_assert_eq(num("history.unresolved"), 0);
}

/* A failure row with no later success: UPDATE-FAILED's facts, cited by file, table and row. */
Test(edb, map_failure_unresolved)
{
    row(7, 1, 0x80070643u, T0, CU, "");
    row(8, 1, 0, T0 + 60, "Security Intelligence Update for Microsoft Defender (KB2267602)",
        "Windows Defender");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(num("history.unresolved"), 1);
    cr_assert_str_eq(fact("history.update.failure.result"), "0x80070643");
    cr_assert_str_eq(fact("history.update.failure.kb"), "KB5034123");
    cr_assert_str_eq(fact("history.update.failure.client"), "Windows Update");
    cr_assert_str_eq(fact("history.update.failure.start"), "2024-01-09T10:00:00Z");
    const an_fact *l = an_facts_get(facts, "history.update.failure.line");
    cr_assert_str_eq(l->value, "tbHistory row 7: " CU " | result 0x80070643 | installation | "
                               "update 2e2a8d6a-0000-4000-8000-000000000001.201");
    cr_assert_str_eq(l->source, DB);
    cr_assert_eq(l->line, 7);
}

/* A failure more than a week after the last one is a new attempt; a success between two
 * failures ends the first: the second failure is a new, unresolved attempt. */
Test(edb, map_repeat_window_and_success_between)
{
    row(1, 1, 0x80070643u, T0, CU, "");
    row(2, 1, 0x80070643u, T0 + 9 * DAY, CU, "");
    row(3, 1, 0, T0 + 10 * DAY, CU, "");
    row(4, 1, 0x800f0922u, T0 + 11 * DAY, CU, "");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 4);
    cr_assert(an_history_at(hist, 0)->resolved);
    cr_assert(an_history_at(hist, 1)->resolved);
    cr_assert_eq(an_history_at(hist, 3)->status, AN_ATT_FAILED);
    cr_assert_not(an_history_at(hist, 3)->resolved);
    cr_assert_eq(num("history.unresolved"), 1);
    cr_assert_str_eq(fact("history.update.failure.result"), "0x800F0922");
}

/* Status 2 is an uninstallation; a reboot-required code is pending; a row without
 * MappedResult is unknown, not a failure. */
Test(edb, map_uninstall_pending_unknown)
{
    row(1, 2, 0, T0, CU, "");
    row(2, 1, 0x80070bc2u, T0 + 60, "2024-01 Update (KB5034999)", "");
    an_edb_row r = {.path = DB, .row = 3, .has_time = true, .time = T0 + 120, .title = "X"};
    an_history_edb_row(hist, &r);
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 3);
    cr_assert_str_eq(an_history_at(hist, 0)->operation, "uninstallation");
    cr_assert_eq(an_history_at(hist, 0)->status, AN_ATT_SUCCEEDED);
    cr_assert_eq(an_history_at(hist, 1)->status, AN_ATT_PENDING);
    cr_assert_eq(an_history_at(hist, 2)->status, AN_ATT_UNKNOWN);
    cr_assert_eq(num("history.unresolved"), 0);
}

/* Titles are evidence text: control characters never reach the package or the line. */
Test(edb, map_control_characters)
{
    row(1, 1, 0x80070643u, T0, "Evil\nTitle\r (KB5034123)\x1b[31m", "cli\tent");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_str_eq(a->package, "Evil");
    cr_assert_str_eq(a->kb, "KB5034123");
    cr_assert_str_eq(a->client, "cli");
    for (const char *p = a->ev[0].text; *p; p++)
        cr_assert_geq((unsigned char)*p, 0x20);
}

/* The WindowsUpdateClient event 20 and the EDB row of the same failed install, minutes
 * apart: one attempt holding the record and the row. */
Test(edb, map_merge_with_event_log)
{
    an_evtx_record e = {.path = "Windows/System32/winevt/Logs/System.evtx",
                        .record = 42,
                        .event_id = 20,
                        .provider = "Microsoft-Windows-WindowsUpdateClient",
                        .has_time = true,
                        .time = T0,
                        .nstr = 2,
                        .str = {"0x80070643", CU}};
    an_history_evtx_record(hist, &e);
    row(5, 1, 0x80070643u, T0 + 30, CU, "UpdateOrchestrator");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 1);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->nev, 2);
    cr_assert_str_eq(a->ev[0].source, "Windows/System32/winevt/Logs/System.evtx");
    cr_assert_str_eq(a->ev[1].source, DB);
    cr_assert_eq(a->ev[1].line, 5);
    cr_assert_eq(num("history.unresolved"), 1);
}

/* An EDB success of the KB after an event-log failure resolves it. */
Test(edb, map_success_resolves_event_log_failure)
{
    an_evtx_record e = {.path = "Windows/System32/winevt/Logs/System.evtx",
                        .record = 42,
                        .event_id = 20,
                        .provider = "Microsoft-Windows-WindowsUpdateClient",
                        .has_time = true,
                        .time = T0,
                        .nstr = 2,
                        .str = {"0x80070643", CU}};
    an_history_evtx_record(hist, &e);
    row(9, 1, 0, T0 + 3 * DAY, CU, "");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    cr_assert(an_history_at(hist, 0)->resolved);
    cr_assert_eq(num("history.unresolved"), 0);
}

/* ---- end to end: sxsdoctor over the healthy tree with the database added ---- */

static char *run_json(const char *dir, int want_exit)
{
    char *argv[] = {(char *)sxs_binary(), "--json", (char *)dir, NULL};
    char *out = NULL, *err = NULL;
    int rc = sxs_run(argv, &out, &err, NULL);
    cr_assert_eq(rc, want_exit, "exit %d: %s", rc, err);
    free(err);
    return out;
}

#define FACT_OF(name)                                                                              \
    "[f['value'] for i in d['installs'] for f in i['facts'] if f['name'] == '" name "']"

/* A readable ESE database without tbHistory leaves the healthy sample HEALTHY, its facts
 * in the report. */
Test(edb_cli, readable_database_stays_healthy)
{
    char *tree = sxs_sample("healthy.tree");
    char *dir = tree_with_db("edbcli", tree, 0, NULL);
    char *out = run_json(dir, 0);
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    ASSERT_JSON(out, FACT_OF("edb.file"),
                "['Windows/SoftwareDistribution/DataStore/DataStore.edb']");
    ASSERT_JSON(out, FACT_OF("edb.history_table"), "['false']");
    free(out);
    free(dir);
    free(tree);
}

/* A cut database: never HEALTHY, the file named in the errors. */
Test(edb_cli, cut_database_is_not_healthy)
{
    char *tree = sxs_sample("healthy.tree");
    char *dir = tree_with_db("edbclicut", tree, 40000, NULL);
    char *out = run_json(dir, 3);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out,
                "[e['source'] for e in d['errors'] if 'Windows Update database not read' in "
                "e['message']]",
                "['Windows/SoftwareDistribution/DataStore/DataStore.edb']");
    free(out);
    free(dir);
    free(tree);
}
