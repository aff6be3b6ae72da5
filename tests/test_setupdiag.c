/* Tests for the SetupDiag results collector (analyzer/setupdiag/an_setupdiag*.c): the real corpus
 * SetupDiagResults.log, SetupDiagResults.xml written here in UTF-16LE (BOM and none) and UTF-8
 * from a realistic SetupDiag 1.6/1.7 document, hostile and damaged XML (truncated, billion
 * laughs, 2 MB of garbage, over the size cap), FailureDetails and time formats, registry
 * values from a generated hive, a directory tree through the collector, and the sample image
 * setupdiag-xml.raw through the image backend. Exact values throughout. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/registry/an_registry.h"
#include "analyzer/setupdiag/an_setupdiag.h"
#include "analyzer/setupdiag/an_setupdiag_int.h"
#include "sample-images/mkhive.h"
#include "tests/support/corpus.h"

#define CORPUS_LOG "logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log"

/* W. Europe Standard Time as the sample images' SYSTEM hive stores it. */
static const an_tz W_EUROPE = {
    .known = true,
    .bias = -60,
    .daylight_bias = -60,
    .has_dst = true,
    .standard_start = {.month = 10, .day = 5, .hour = 3},
    .daylight_start = {.month = 3, .day = 5, .hour = 2},
};

/* A SetupDiag 1.6-style document (layout of Microsoft's published sample, with the
 * Setup360/phase/operation elements later versions add); line numbers below refer to it. */
static const char XML_DOC[] =
    "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n" /* 1 */
    "<SetupDiag xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xmlns=\"https://docs.microsoft.com/windows/deployment/upgrade/setupdiag\">\r\n" /* 2 */
    "  <Version>1.6.0.0</Version>\r\n"                                               /* 3 */
    "  <ProfileName>FindSPFatalError</ProfileName>\r\n"                              /* 4 */
    "  <ProfileGuid>A4028172-1B09-48F8-AD3B-86CDD7D55852</ProfileGuid>\r\n"          /* 5 */
    "  <SystemInfo>\r\n"                                                             /* 6 */
    "    <MachineName>Offline</MachineName>\r\n"                                     /* 7 */
    "    <HostOSVersion>10.0.18908</HostOSVersion>\r\n"                              /* 8 */
    "    <HostOSBuildString>18908.1000.amd64fre.rs_prerelease.190524-1658"
    "</HostOSBuildString>\r\n" /* 9 */
    "    <TargetOSBuildString>10.0.18912.1001 (rs_prerelease.190601-1739)"
    "</TargetOSBuildString>\r\n"                                         /* 10 */
    "    <HostOSLanguageId />\r\n"                                       /* 11 */
    "    <UpgradeStartTime>2019-06-06T21:19:10</UpgradeStartTime>\r\n"   /* 12 */
    "    <UpgradeElapsedTime />\r\n"                                     /* 13 */
    "    <UpgradeEndTime>2019-06-06T22:21:49</UpgradeEndTime>\r\n"       /* 14 */
    "    <RollbackStartTime>0001-01-01T00:00:00</RollbackStartTime>\r\n" /* 15 */
    "  </SystemInfo>\r\n"                                                /* 16 */
    "  <LogErrorLine>2019-06-06 21:47:11, Error                 SP     Error converting "
    "install time 5/2/2019 to structure[gle=0x00000057]</LogErrorLine>\r\n" /* 17 */
    "  <FailureData>\r\n"                                                   /* 18 */
    "Error: SetupDiag reports Fatal Error.\r\n"                             /* 19 */
    "Last Setup Phase = Downlevel\r\n"                                      /* 20 */
    "Last Setup Operation: Gather data, scope: EVERYTHING\r\n"              /* 21 */
    "Error: 0x00000057</FailureData>\r\n"                                   /* 22 */
    "  <FailureData>LogEntry: 2019-06-06 21:47:11, Error                 SP     Error "
    "converting install time 5/2/2019 to structure[gle=0x00000057]</FailureData>\r\n" /* 23 */
    "  <FailureData>\r\n"                                                             /* 24 */
    "Refer to \"https://docs.microsoft.com/windows/desktop/Debug/system-error-codes\" "
    "for error information.</FailureData>\r\n" /* 25 */
    "  <FailureDetails>Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, "
    "LastPhase = Downlevel</FailureDetails>\r\n"                            /* 26 */
    "  <Remediation>\r\n"                                                   /* 27 */
    "    <string>Reboot and try the update again.</string>\r\n"             /* 28 */
    "    <string>Check the system time &amp; date settings.</string>\r\n"   /* 29 */
    "  </Remediation>\r\n"                                                  /* 30 */
    "  <Setup360Result>0x80070057</Setup360Result>\r\n"                     /* 31 */
    "  <Setup360Extended>0x10012</Setup360Extended>\r\n"                    /* 32 */
    "  <SetupPhaseInfo>\r\n"                                                /* 33 */
    "    <PhaseName>Downlevel</PhaseName>\r\n"                              /* 34 */
    "    <PhaseStartTime>06/06/2019 21:19:10</PhaseStartTime>\r\n"          /* 35 */
    "  </SetupPhaseInfo>\r\n"                                               /* 36 */
    "  <SetupOperationInfo>\r\n"                                            /* 37 */
    "    <OperationName>Gather data, scope: EVERYTHING</OperationName>\r\n" /* 38 */
    "  </SetupOperationInfo>\r\n"                                           /* 39 */
    "</SetupDiag>\r\n";                                                     /* 40 */

static uint8_t *utf16le(const char *utf8, bool bom, size_t *ret_len)
{
    size_t n = strlen(utf8); /* ASCII only in these documents */
    size_t off = bom ? 2 : 0;
    uint8_t *b = malloc(off + 2 * n);
    cr_assert_not_null(b);
    if (bom) {
        b[0] = 0xFF;
        b[1] = 0xFE;
    }
    for (size_t i = 0; i < n; i++) {
        b[off + 2 * i] = (uint8_t)utf8[i];
        b[off + 2 * i + 1] = 0;
    }
    *ret_len = off + 2 * n;
    return b;
}

static void assert_xml_doc(const an_setupdiag_result *r)
{
    cr_assert_eq(r->kind, AN_SETUPDIAG_XML);
    cr_assert_str_eq(r->version.text, "1.6.0.0");
    cr_assert_str_eq(r->profile.text, "FindSPFatalError");
    cr_assert_eq(r->profile.line, 4);
    cr_assert_str_eq(r->profile_guid.text, "A4028172-1B09-48F8-AD3B-86CDD7D55852");
    cr_assert_str_eq(r->host_os.text, "18908.1000.amd64fre.rs_prerelease.190524-1658");
    cr_assert_str_eq(r->target_os.text, "10.0.18912.1001 (rs_prerelease.190601-1739)");
    cr_assert_str_eq(r->log_error_line.text,
                     "2019-06-06 21:47:11, Error                 SP     Error converting install "
                     "time 5/2/2019 to structure[gle=0x00000057]");
    cr_assert_eq(r->log_error_line.line, 17);
    /* Setup360Result (line 31) beats FailureDetails' "Err = 0x00000057" and FailureData. */
    cr_assert(r->result.known);
    cr_assert_eq(r->result.value, 0x80070057u);
    cr_assert_eq(r->result.line, 31);
    cr_assert(r->extend_code.known);
    cr_assert_eq(r->extend_code.value, 0x10012u);
    cr_assert_eq(r->extend_code.line, 32);
    cr_assert_str_eq(r->phase.text, "Downlevel");
    cr_assert_eq(r->phase.line, 34);
    cr_assert_str_eq(r->operation.text, "Gather data, scope: EVERYTHING");
    cr_assert_eq(r->operation.line, 38);
    cr_assert_eq(r->n_failure_data, 3);
    cr_assert_str_eq(r->failure_data[0].text,
                     "Error: SetupDiag reports Fatal Error.; Last Setup Phase = Downlevel; Last "
                     "Setup Operation: Gather data, scope: EVERYTHING; Error: 0x00000057");
    cr_assert_eq(r->failure_data[0].line, 18);
    cr_assert_str_eq(r->failure_data[1].text,
                     "LogEntry: 2019-06-06 21:47:11, Error                 SP     Error "
                     "converting install time 5/2/2019 to structure[gle=0x00000057]");
    cr_assert_str_eq(r->failure_data[2].text,
                     "Refer to \"https://docs.microsoft.com/windows/desktop/Debug/"
                     "system-error-codes\" for error information.");
    cr_assert_str_eq(r->failure_details.text,
                     "Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, "
                     "LastPhase = Downlevel");
    cr_assert_eq(r->n_remediation, 2);
    cr_assert_str_eq(r->remediation[0].text, "Reboot and try the update again.");
    cr_assert_eq(r->remediation[0].line, 28);
    cr_assert_str_eq(r->remediation[1].text, "Check the system time & date settings.");
    cr_assert(r->upgrade_start.known);
    cr_assert_eq(r->upgrade_start.secs, 1559855950); /* 2019-06-06 21:19:10 as if UTC */
    cr_assert_not(r->upgrade_start.is_utc);
    cr_assert(r->upgrade_end.known);
    cr_assert_eq(r->upgrade_end.secs, 1559859709);
    cr_assert_eq(r->upgrade_end.line, 14);
    cr_assert_not(r->run_time.known);
    cr_assert_not(r->has_disk_space);
}

static size_t count_facts(const an_facts *f, const char *name)
{
    size_t n = 0, pos = 0;
    while (an_facts_next(f, name, &pos))
        n++;
    return n;
}

static const char *fact_str(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    return x ? x->value : NULL;
}

static bool diag_has(const sxs_diag *d, const char *source, const char *needle, int64_t line)
{
    for (size_t i = 0; i < sxs_diag_count(d); i++) {
        const sxs_diag_entry *e = sxs_diag_get(d, i);
        if (e->source && strcmp(e->source, source) == 0 && strstr(e->message, needle) &&
            (line < 0 || e->line == line))
            return true;
    }
    return false;
}

/* ---- text report (real corpus) -------------------------------------------------------- */

Test(log, corpus_appostarsi_rollback)
{
    SXS_CORPUS_OR_SKIP(path, CORPUS_LOG);
    size_t len;
    char *data = sxs_slurp(path, &len);
    cr_assert_not_null(data);
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_log((const uint8_t *)data, len, "SetupDiagResults.log", &r, d),
                 0);
    cr_assert_eq(r.kind, AN_SETUPDIAG_LOG);
    cr_assert_str_eq(r.profile.text, "FindRollbackFailure");
    cr_assert_eq(r.profile.line, 2);
    cr_assert_str_eq(r.profile_guid.text, "3A43C9B5-05B3-4F7C-A955-88F991BB5A48");
    cr_assert_str_eq(r.version.text, "1.6.2107.27002");
    cr_assert(r.result.known);
    cr_assert_eq(r.result.value, 0x8007000Du);
    cr_assert_eq(r.result.line, 30);
    cr_assert(r.extend_code.known);
    cr_assert_eq(r.extend_code.value, 0x2000Cu);
    cr_assert_str_eq(r.phase.text, "Safe OS");
    cr_assert_eq(r.phase.line, 28);
    cr_assert_str_eq(r.operation.text,
                     "Apply WIM file PathForNewOSFile, index 6 to D:\\$WINDOWS.~BT\\NewOS");
    cr_assert_eq(r.operation.line, 29);
    cr_assert_eq(r.n_failure_data, 1);
    cr_assert_str_eq(r.failure_data[0].text, "Error: SetupDiag reports rollback failure found.");
    cr_assert_eq(r.failure_data[0].line, 27);
    cr_assert_str_eq(r.log_error_line.text,
                     "2023-05-23 00:32:46, Error                 SP     ExecuteOperations: Main "
                     "operation execution failed. Error: 0x8007000D");
    cr_assert_eq(r.log_error_line.line, 31);
    cr_assert_str_eq(r.host_os.text, "19041.1.amd64fre.vb_release.191206-1406");
    cr_assert_eq(r.host_os.line, 14);
    cr_assert_null(r.target_os.text, "TargetOSBuildString is empty in this report");
    cr_assert_eq(r.n_remediation, 0);
    cr_assert(r.upgrade_end.known);
    cr_assert_eq(r.upgrade_end.line, 21);

    an_facts *f = an_facts_new();
    cr_assert_eq(an_setupdiag_add_facts(&r, "Windows/Logs/SetupDiag/SetupDiagResults.log", NULL, f),
                 0);
    cr_assert_str_eq(fact_str(f, "setupdiag.source"), "log");
    cr_assert_str_eq(fact_str(f, "setupdiag.profile"), "FindRollbackFailure");
    cr_assert_str_eq(fact_str(f, "setupdiag.result"), "0x8007000D");
    cr_assert_eq(an_facts_get(f, "setupdiag.result")->line, 30);
    cr_assert_str_eq(an_facts_get(f, "setupdiag.result")->source,
                     "Windows/Logs/SetupDiag/SetupDiagResults.log");
    cr_assert_str_eq(fact_str(f, "setupdiag.extend_code"), "0x2000C");
    cr_assert_str_eq(fact_str(f, "setupdiag.phase"), "Safe OS");
    cr_assert_str_eq(fact_str(f, "setupdiag.operation"),
                     "Apply WIM file PathForNewOSFile, index 6 to D:\\$WINDOWS.~BT\\NewOS");
    cr_assert_str_eq(fact_str(f, "setupdiag.host_os_build"),
                     "19041.1.amd64fre.vb_release.191206-1406");
    /* No time zone: local time, no Z. */
    cr_assert_str_eq(fact_str(f, "setupdiag.time"), "2023-05-23T00:32:46");
    cr_assert_str_eq(fact_str(f, "setupdiag.time_kind"), "upgrade_end");
    cr_assert_str_eq(fact_str(f, "setupdiag.upgrade_start"), "2023-05-23T00:21:30");
    cr_assert_null(an_facts_get(f, "setupdiag.target_os_build"));
    cr_assert_null(an_facts_get(f, "setupdiag.disk_space_mb"));
    an_facts_free(f);

    /* With the W. Europe zone (CEST in May, UTC+2). */
    f = an_facts_new();
    cr_assert_eq(an_setupdiag_add_facts(&r, "x.log", &W_EUROPE, f), 0);
    cr_assert_str_eq(fact_str(f, "setupdiag.time"), "2023-05-22T22:32:46Z");
    an_facts_free(f);
    an_setupdiag_result_clear(&r);
    cr_assert_eq(sxs_diag_count(d), 0);
    sxs_diag_free(d);
    free(data);
    free(path);
}

Test(log, microsoft_sample_last_failure_wins)
{
    static const char report[] =
        "Matching Profile found: OptionalComponentOpenPackageFailed - "
        "22952520-EC89-4FBD-94E0-B67DF88347F6\n"
        "System Information:\n"
        "\tHostOSVersion = 10.0.15063\n"
        "\tHostOSBuildString = 15063.0.amd64fre.rs2_release.170317-1834\n"
        "\tTargetOSBuildString = 10.0.16299.15 (rs3_release.170928-1534)\n"
        "\tUpgradeStartTime = 3/21/2018 9:47:16 PM\n"
        "\tUpgradeEndTime = 3/21/2018 10:02:40 PM\n"
        "\n"
        "Error: SetupDiag reports Optional Component installation failed to open OC Package. "
        "Package Name: Foundation, Error: 0x8007001F\n"
        "Recommend you check the \"Windows Modules Installer\" service (Trusted Installer) is "
        "started on the system and set to automatic start, reboot and try the update again.\n"
        "Error: SetupDiag reports down-level failure, Operation: Finalize, Error: 0x8007001F - "
        "0x50015\n"
        "Refer to https://docs.microsoft.com/windows/deployment/upgrade/upgrade-error-codes for "
        "error information.\n";
    an_setupdiag_result r;
    cr_assert_eq(an_setupdiag_parse_log((const uint8_t *)report, strlen(report), "r.log", &r, NULL),
                 0);
    cr_assert_str_eq(r.profile.text, "OptionalComponentOpenPackageFailed");
    cr_assert_eq(r.result.value, 0x8007001Fu);
    cr_assert_eq(r.result.line, 11);
    cr_assert(r.extend_code.known);
    cr_assert_eq(r.extend_code.value, 0x50015u);
    cr_assert_eq(r.n_failure_data, 2);
    cr_assert_eq(r.n_remediation, 1);
    cr_assert_eq(strncmp(r.remediation[0].text, "Recommend you check the", 23), 0);
    cr_assert_str_eq(r.host_os.text, "15063.0.amd64fre.rs2_release.170317-1834");
    cr_assert_str_eq(r.target_os.text, "10.0.16299.15 (rs3_release.170928-1534)");
    cr_assert_eq(r.upgrade_start.secs, 1521668836); /* 2018-03-21 21:47:16 */
    cr_assert_eq(r.upgrade_end.secs, 1521669760);   /* 2018-03-21 22:02:40 */
    an_setupdiag_result_clear(&r);
}

Test(log, not_a_report)
{
    static const char text[] =
        "2025-08-14 09:02:11, Info   CBS    not SetupDiag\nError: 0x80070002\n";
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_log((const uint8_t *)text, strlen(text), "x.log", &r, d),
                 -EBADMSG);
    cr_assert_null(r.profile.text);
    cr_assert_not(r.result.known, "nothing kept from a file that is not SetupDiag's");
    cr_assert(diag_has(d, "x.log", "not a SetupDiag report", -1));
    sxs_diag_free(d);
}

/* ---- XML ------------------------------------------------------------------------------- */

Test(xml, utf16le_with_bom)
{
    size_t len;
    uint8_t *b = utf16le(XML_DOC, true, &len);
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_xml(b, len, "SetupDiagResults.xml", &r, d), 0);
    assert_xml_doc(&r);
    cr_assert_eq(sxs_diag_count(d), 0);
    an_setupdiag_result_clear(&r);
    sxs_diag_free(d);
    free(b);
}

Test(xml, utf16le_without_bom)
{
    size_t len;
    uint8_t *b = utf16le(XML_DOC, false, &len);
    an_setupdiag_result r;
    cr_assert_eq(an_setupdiag_parse_xml(b, len, "SetupDiagResults.xml", &r, NULL), 0);
    assert_xml_doc(&r);
    an_setupdiag_result_clear(&r);
    free(b);
}

/* Re-saved as UTF-8, still declaring utf-16 (what copying through an editor does). */
Test(xml, utf8_declared_utf16_and_utf8_bom)
{
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_xml((const uint8_t *)XML_DOC, strlen(XML_DOC), "a.xml", &r, d),
                 0);
    assert_xml_doc(&r);
    an_setupdiag_result_clear(&r);
    size_t n = strlen(XML_DOC);
    uint8_t *b = malloc(n + 3);
    memcpy(b, "\xEF\xBB\xBF", 3);
    memcpy(b + 3, XML_DOC, n);
    cr_assert_eq(an_setupdiag_parse_xml(b, n + 3, "b.xml", &r, d), 0);
    assert_xml_doc(&r);
    an_setupdiag_result_clear(&r);
    cr_assert_eq(sxs_diag_count(d), 0);
    sxs_diag_free(d);
    free(b);
}

Test(xml, facts_from_document)
{
    an_setupdiag_result r;
    cr_assert_eq(
        an_setupdiag_parse_xml((const uint8_t *)XML_DOC, strlen(XML_DOC), "a.xml", &r, NULL), 0);
    an_facts *f = an_facts_new();
    cr_assert_eq(
        an_setupdiag_add_facts(&r, "Windows/Logs/SetupDiag/SetupDiagResults.xml", &W_EUROPE, f), 0);
    cr_assert_str_eq(fact_str(f, "setupdiag.source"), "xml");
    cr_assert_str_eq(fact_str(f, "setupdiag.version"), "1.6.0.0");
    cr_assert_str_eq(fact_str(f, "setupdiag.profile_guid"), "A4028172-1B09-48F8-AD3B-86CDD7D55852");
    cr_assert_str_eq(fact_str(f, "setupdiag.result"), "0x80070057");
    cr_assert_str_eq(fact_str(f, "setupdiag.extend_code"), "0x10012");
    cr_assert_eq(count_facts(f, "setupdiag.failure_data"), 3);
    cr_assert_eq(count_facts(f, "setupdiag.remediation"), 2);
    cr_assert_eq(an_facts_get(f, "setupdiag.failure_data")->line, 18);
    /* June: CEST, UTC+2. */
    cr_assert_str_eq(fact_str(f, "setupdiag.time"), "2019-06-06T20:21:49Z");
    cr_assert_str_eq(fact_str(f, "setupdiag.time_kind"), "upgrade_end");
    cr_assert_str_eq(fact_str(f, "setupdiag.upgrade_start"), "2019-06-06T19:19:10Z");
    cr_assert_str_eq(fact_str(f, "setupdiag.target_os_build"),
                     "10.0.18912.1001 (rs_prerelease.190601-1739)");
    an_facts_free(f);
    an_setupdiag_result_clear(&r);
}

/* Disk-space failure: the codes come only from FailureData, DiskSpace = N from it too. */
Test(xml, disk_space_block)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<SetupDiag xmlns=\"https://docs.microsoft.com/windows/deployment/upgrade/setupdiag\">\n"
        "  <Version>1.6.2107.27002</Version>\n"
        "  <ProfileName>DiskSpaceBlockInDownLevel</ProfileName>\n"
        "  <ProfileGuid>6080AFAC-892E-4903-94EA-7A17E69E549E</ProfileGuid>\n"
        "  <DateTime>2024-11-02T14:05:09Z</DateTime>\n"
        "  <FailureData>\n"
        "Error: SetupDiag reports down-level failure, Operation: Finalize, Error: 0xC1900200 - "
        "0x20006\n"
        "DiskSpace = 6603</FailureData>\n"
        "</SetupDiag>\n";
    an_setupdiag_result r;
    cr_assert_eq(an_setupdiag_parse_xml((const uint8_t *)doc, strlen(doc), "d.xml", &r, NULL), 0);
    cr_assert_eq(r.result.value, 0xC1900200u);
    cr_assert_eq(r.result.line, 8);
    cr_assert_eq(r.extend_code.value, 0x20006u);
    cr_assert(r.has_disk_space);
    cr_assert_eq(r.disk_space_mb, 6603);
    cr_assert_eq(r.disk_space_line, 9);
    cr_assert(r.run_time.known && r.run_time.is_utc);
    an_facts *f = an_facts_new();
    cr_assert_eq(an_setupdiag_add_facts(&r, "d.xml", NULL, f), 0);
    const an_fact *ds = an_facts_get(f, "setupdiag.disk_space_mb");
    cr_assert_not_null(ds);
    cr_assert(ds->has_num);
    cr_assert_eq(ds->num, 6603);
    cr_assert_eq(ds->line, 9);
    cr_assert_str_eq(fact_str(f, "setupdiag.time"), "2024-11-02T14:05:09Z");
    cr_assert_str_eq(fact_str(f, "setupdiag.time_kind"), "run");
    cr_assert_null(an_facts_get(f, "setupdiag.phase"));
    an_facts_free(f);
    an_setupdiag_result_clear(&r);
}

Test(xml, truncated_names_file_and_line)
{
    size_t len;
    uint8_t *b = utf16le(XML_DOC, true, &len);
    /* Cut in the middle of line 26 (FailureDetails): an even byte count keeps UTF-16 whole. */
    const char *cut = strstr(XML_DOC, "scope: EVERYTHING, LastPhase");
    size_t keep = 2 + 2 * (size_t)(cut - XML_DOC);
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(
        an_setupdiag_parse_xml(b, keep, "Windows/Logs/SetupDiag/SetupDiagResults.xml", &r, d),
        -EBADMSG);
    cr_assert_null(r.profile.text, "no facts from a damaged file");
    cr_assert_eq(r.n_failure_data, 0);
    cr_assert_eq(sxs_diag_count(d), 1);
    const sxs_diag_entry *e = sxs_diag_get(d, 0);
    cr_assert_str_eq(e->source, "Windows/Logs/SetupDiag/SetupDiagResults.xml");
    cr_assert_eq(e->line, 26, "error reported at line %lld", (long long)e->line);
    cr_assert(strstr(e->message, "not well-formed XML"), "%s", e->message);
    sxs_diag_free(d);
    free(b);
}

Test(xml, billion_laughs_refused)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE SetupDiag [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        " <!ENTITY ext SYSTEM \"http://127.0.0.1:9/x\">\n"
        "]>\n"
        "<SetupDiag><ProfileName>&lol9;&ext;</ProfileName></SetupDiag>\n";
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    size_t len;
    uint8_t *b = utf16le(doc, true, &len);
    cr_assert_eq(an_setupdiag_parse_xml(b, len, "evil.xml", &r, d), -EBADMSG);
    cr_assert_null(r.profile.text);
    cr_assert(diag_has(d, "evil.xml", "declare a DTD", 2));
    sxs_diag_free(d);
    free(b);
}

Test(xml, garbage_2mb_and_oversize)
{
    size_t n = 2 * 1024 * 1024;
    uint8_t *g = malloc(n);
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        g[i] = (uint8_t)(x >> 16);
    }
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_xml(g, n, "g.xml", &r, d), -EBADMSG);
    cr_assert_null(r.profile.text);
    cr_assert(diag_has(d, "g.xml", "", -1));
    /* The same garbage behind a valid start. */
    memcpy(g, "<SetupDiag><ProfileName>", 24);
    cr_assert_eq(an_setupdiag_parse_xml(g, n, "g2.xml", &r, d), -EBADMSG);
    cr_assert(diag_has(d, "g2.xml", "not well-formed XML", -1));
    free(g);
    /* Over the cap: refused before decoding. */
    size_t big = SXS_MAX_SETUPDIAG_FILE + 1;
    uint8_t *h = calloc(1, big);
    cr_assert_eq(an_setupdiag_parse_xml(h, big, "big.xml", &r, d), -EFBIG);
    cr_assert_eq(an_setupdiag_parse_log(h, big, "big.log", &r, d), -EFBIG);
    cr_assert(diag_has(d, "big.xml", "larger than any SetupDiag", -1));
    free(h);
    sxs_diag_free(d);
}

Test(xml, wrong_root_and_empty)
{
    static const char doc[] = "<?xml version=\"1.0\"?>\n<CompatReport><ProfileName>x</ProfileName>"
                              "</CompatReport>\n";
    an_setupdiag_result r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_setupdiag_parse_xml((const uint8_t *)doc, strlen(doc), "c.xml", &r, d),
                 -EBADMSG);
    cr_assert(diag_has(d, "c.xml", "root element is <CompatReport>", 2));
    cr_assert_eq(an_setupdiag_parse_xml((const uint8_t *)"", 0, "e.xml", &r, d), -EBADMSG);
    cr_assert(diag_has(d, "e.xml", "not well-formed XML", -1));
    sxs_diag_free(d);
}

Test(xml, long_value_is_cut)
{
    size_t n = 20000;
    char *doc = malloc(n + 200);
    int k = snprintf(doc, 200, "<SetupDiag><FailureData>");
    memset(doc + k, 'A', n);
    strcpy(doc + k + n, "</FailureData></SetupDiag>");
    an_setupdiag_result r;
    cr_assert_eq(an_setupdiag_parse_xml((const uint8_t *)doc, strlen(doc), "l.xml", &r, NULL), 0);
    cr_assert_eq(r.n_failure_data, 1);
    size_t len = strlen(r.failure_data[0].text);
    cr_assert_eq(len, SXS_MAX_SETUPDIAG_TEXT);
    cr_assert_str_eq(r.failure_data[0].text + len - 3, "...");
    an_setupdiag_result_clear(&r);
    free(doc);
}

/* ---- prose, details, times ------------------------------------------------------------- */

Test(scan, failure_details_keys_with_commas)
{
    an_setupdiag_result r;
    memset(&r, 0, sizeof(r));
    static const char d1[] = "RollbackErrorCode = 0x800736CC, ExtendedCode = 0x20003, "
                             "LastOperation = Add [6] package C:\\a, b.cab to C:\\NewOS, "
                             "LastPhase = Safe OS";
    cr_assert_eq(sd_scan_details(&r, d1, strlen(d1), 7), 0);
    cr_assert_eq(r.result.value, 0x800736CCu);
    cr_assert_eq(r.extend_code.value, 0x20003u);
    cr_assert_str_eq(r.operation.text, "Add [6] package C:\\a, b.cab to C:\\NewOS");
    cr_assert_str_eq(r.phase.text, "Safe OS");
    cr_assert_eq(r.phase.line, 7);
    an_setupdiag_result_clear(&r);
    static const char d2[] = "Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, "
                             "LastPhase = Downlevel, DiskSpace = 12";
    cr_assert_eq(sd_scan_details(&r, d2, strlen(d2), -1), 0);
    cr_assert_eq(r.result.value, 0x57u);
    cr_assert_not(r.extend_code.known);
    cr_assert_str_eq(r.operation.text, "Gather data, scope: EVERYTHING");
    cr_assert_str_eq(r.phase.text, "Downlevel");
    cr_assert_eq(r.disk_space_mb, 12);
    an_setupdiag_result_clear(&r);
}

Test(scan, pair_beats_single_code)
{
    an_setupdiag_result r;
    memset(&r, 0, sizeof(r));
    static const char t[] = "Error = 0x800736CC-0x20003\nError: 0x80070005\n";
    cr_assert_eq(sd_scan_text(&r, t, strlen(t), 1, SD_PRIO_SENTENCE), 0);
    cr_assert_eq(r.result.value, 0x800736CCu, "a lone code does not split the pair");
    cr_assert_eq(r.extend_code.value, 0x20003u);
    cr_assert_eq(r.result.line, 1);
    static const char u[] = "0x800736cc-0x20003 Error: SetupDiag reports rollback failure found.";
    an_setupdiag_result_clear(&r);
    cr_assert_eq(sd_scan_line(&r, u, strlen(u), 3, SD_PRIO_SENTENCE), 0);
    cr_assert_eq(r.result.value, 0x800736CCu);
    cr_assert_eq(r.extend_code.value, 0x20003u);
    static const char v[] = "Error: 0x8007000D1 too long\n";
    an_setupdiag_result_clear(&r);
    cr_assert_eq(sd_scan_line(&r, v, strlen(v), 3, SD_PRIO_SENTENCE), 0);
    cr_assert_not(r.result.known, "nine hex digits are not a 32-bit code");
}

Test(scan, time_formats)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t secs;
        bool utc;
    } cases[] = {
        {"2019-06-06T21:19:10", true, 1559855950, false},
        {"2019-06-06T21:19:10.1234567", true, 1559855950, false},
        {"2019-06-06T21:19:10Z", true, 1559855950, true},
        {"2019-06-06T21:19:10-07:00", true, 1559881150, true},
        {"2019-06-06 21:19:10+0200", true, 1559848750, true},
        {"5/23/2023 12:21:30 AM", true, 1684801290, false},
        {"5/23/2023 12:21:30 PM", true, 1684844490, false},
        {"01/18/2025 13:55:27", true, 1737208527, false},
        {"23/05/2023 00:32:46", true, 1684801966, false},
        {"23.05.2023 00:32:46", true, 1684801966, false},
        {"2023-05-23", true, 1684800000, false},
        {"0001-01-01T00:00:00", false, 0, false},
        {"1/1/0001 12:00:00 AM", false, 0, false},
        {"13/13/2023 10:00:00", false, 0, false},
        {"2023-05-23T25:00:00", false, 0, false},
        {"5/23/2023 13:00:00 PM", false, 0, false},
        {"PT40M39S", false, 0, false},
        {"", false, 0, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        an_setupdiag_time t;
        memset(&t, 0, sizeof(t));
        bool ok = sd_parse_time(cases[i].text, strlen(cases[i].text), &t);
        cr_assert_eq(ok, cases[i].ok, "'%s'", cases[i].text);
        if (!ok)
            continue;
        cr_assert_eq(t.secs, cases[i].secs, "'%s': %lld", cases[i].text, (long long)t.secs);
        cr_assert_eq(t.is_utc, cases[i].utc, "'%s'", cases[i].text);
    }
}

Test(scan, text_is_cleaned)
{
    an_setupdiag_text t = {0};
    static const char s[] = "  first line \r\n\r\n\tsecond\x01 line\xff\n  ";
    cr_assert_eq(sd_text_set(&t, s, sizeof(s) - 1, 5, SD_PRIO_FIELD), 0);
    cr_assert_str_eq(t.text, "first line; second? line?");
    cr_assert_eq(sd_text_set(&t, "other", 5, 6, SD_PRIO_SENTENCE), 0);
    cr_assert_str_eq(t.text, "first line; second? line?", "a weaker statement does not replace");
    cr_assert_eq(sd_text_set(&t, " \n ", 3, 7, SD_PRIO_FIELD), 0);
    cr_assert_str_eq(t.text, "first line; second? line?", "an empty value does not replace");
    free(t.text);
}

/* ---- registry (generated hive) --------------------------------------------------------- */

Test(registry, values_from_hive)
{
    char *dir = sxs_test_tmpdir("setupdiag-reg");
    char path[1024];
    snprintf(path, sizeof(path), "%s/SYSTEM", dir);
    mkhive *h;
    cr_assert_eq(mkhive_open(path, &h), 0);
    const char *key = "Setup\\SetupDiag\\Results";
    static const char *const fd[] = {"Error: SetupDiag reports rollback failure found.",
                                     "Last Phase = Safe OS",
                                     "Last Operation = Apply WIM file PathForNewOSFile, index 6",
                                     "Error = 0x8007000D-0x2000C", "DiskSpace = 6603"};
    cr_assert_eq(mkhive_put_sz(h, key, "ProfileName", 1, "FindRollbackFailure"), 0);
    cr_assert_eq(mkhive_put_sz(h, key, "ProfileGuid", 1, "3A43C9B5-05B3-4F7C-A955-88F991BB5A48"),
                 0);
    cr_assert_eq(mkhive_put_multi_sz(h, key, "FailureData", fd, 5), 0);
    cr_assert_eq(mkhive_put_sz(h, key, "DateTime", 1, "5/23/2023 12:40:02 AM"), 0);
    cr_assert_eq(mkhive_put_sz(h, key, "HostOSVersion", 1, "10.0.19041"), 0);
    cr_assert_eq(mkhive_put_dword(h, key, "Setup360Result", 0x8007000D), 0);
    cr_assert_eq(mkhive_put_sz(h, key, "Remediation", 1, "Free up space and retry."), 0);
    cr_assert_eq(mkhive_put_dword(h, key, "Unrelated", 7), 0);
    cr_assert_eq(mkhive_commit(h), 0);

    sxs_diag *d = sxs_diag_new();
    an_hive_status st;
    an_hive *hv;
    cr_assert_eq(an_hive_open_host(path, d, &st, &hv), 0);
    an_setupdiag_result r;
    cr_assert_eq(an_setupdiag_read_registry(hv, key, "SYSTEM", &r, d), 1);
    cr_assert_eq(r.kind, AN_SETUPDIAG_REGISTRY);
    cr_assert_str_eq(r.profile.text, "FindRollbackFailure");
    cr_assert_eq(r.profile.line, -1);
    cr_assert_eq(r.n_failure_data, 5);
    cr_assert_str_eq(r.failure_data[3].text, "Error = 0x8007000D-0x2000C");
    cr_assert_eq(r.result.value, 0x8007000Du);
    cr_assert_eq(r.extend_code.value, 0x2000Cu);
    cr_assert_str_eq(r.phase.text, "Safe OS");
    cr_assert_str_eq(r.operation.text, "Apply WIM file PathForNewOSFile, index 6");
    cr_assert_eq(r.disk_space_mb, 6603);
    cr_assert_str_eq(r.host_os.text, "10.0.19041");
    cr_assert(r.run_time.known);
    cr_assert_eq(r.n_remediation, 1);
    an_setupdiag_result_clear(&r);
    cr_assert_eq(
        an_setupdiag_read_registry(hv, "Setup\\MoSetup\\Volatile\\SetupDiag", "SYSTEM", &r, d), 0);

    an_facts *f = an_facts_new();
    cr_assert_eq(
        an_setupdiag_collect_registry(hv, "Windows/System32/config/SYSTEM", &W_EUROPE, f, d), 0);
    cr_assert_eq(count_facts(f, "setupdiag.source"), 1);
    cr_assert_str_eq(fact_str(f, "setupdiag.source"), "registry");
    cr_assert_str_eq(fact_str(f, "setupdiag.result"), "0x8007000D");
    cr_assert_str_eq(fact_str(f, "setupdiag.time"), "2023-05-22T22:40:02Z");
    cr_assert_str_eq(fact_str(f, "setupdiag.time_kind"), "run");
    cr_assert_str_eq(an_facts_get(f, "setupdiag.profile")->source,
                     "Windows/System32/config/SYSTEM");
    an_facts_free(f);
    an_hive_free(hv);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_WARN), 0);
    sxs_diag_free(d);
    free(dir);
}

/* ---- collector over a directory tree --------------------------------------------------- */

static void write_file(const char *root, const char *rel, const void *data, size_t len)
{
    char p[2048];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

Test(collect, tree_damaged_xml_gives_no_facts)
{
    SXS_CORPUS_OR_SKIP(logpath, CORPUS_LOG);
    size_t loglen;
    char *log = sxs_slurp(logpath, &loglen);
    char *root = sxs_test_tmpdir("setupdiag-tree");
    write_file(root, "Windows/System32/config/SOFTWARE", "x", 1);
    size_t len;
    uint8_t *b = utf16le(XML_DOC, true, &len);
    write_file(root, "Windows/Logs/SetupDiag/SetupDiagResults.xml", b, len / 2);
    write_file(root, "Windows/Logs/SetupDiag/Logs_3.zip", "PK\x03\x04", 4);
    write_file(root, "$WINDOWS.~BT/Sources/Panther/SetupDiagResults.log", log, loglen);
    free(b);

    fsa_evidence *ev;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *in = fsa_install(ev, 0);
    an_facts *f = an_facts_new();
    cr_assert_eq(an_setupdiag_collect(in->fs, in->windows_dir, NULL, 0, NULL, f, d), 0);
    cr_assert_eq(count_facts(f, "setupdiag.source"), 1, "only the intact report gives facts");
    cr_assert_str_eq(fact_str(f, "setupdiag.source"), "log");
    cr_assert_str_eq(an_facts_get(f, "setupdiag.source")->source,
                     "$WINDOWS.~BT/Sources/Panther/SetupDiagResults.log");
    cr_assert_str_eq(fact_str(f, "setupdiag.result"), "0x8007000D");
    cr_assert_str_eq(fact_str(f, "setupdiag.extend_code"), "0x2000C");
    cr_assert(
        diag_has(d, "Windows/Logs/SetupDiag/SetupDiagResults.xml", "not well-formed XML", -1));
    an_facts_free(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(root);
    free(log);
    free(logpath);
}

/* ---- sample image through the image backend -------------------------------------------- */

Test(scenario, setupdiag_xml_image)
{
    char *img = NULL;
    cr_assert(asprintf(&img, "%s/sample-images/out/setupdiag-xml.raw", SXS_BINARY_DIR) > 0);
    struct stat sb;
    if (stat(img, &sb) != 0)
        cr_skip_test("sample image %s not built (target sample_images)", img);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *in = fsa_install(ev, 0);
    an_facts *f = an_facts_new();
    an_tz tz;
    an_hive_report reports[3];
    cr_assert_eq(an_registry_collect(in->fs, in->windows_dir, f, &tz, reports, d), 0);
    cr_assert(tz.known);
    cr_assert_eq(an_setupdiag_collect(in->fs, in->windows_dir, NULL, 0, &tz, f, d), 0);

    /* Registry first (written by the SYSTEM collector), then the XML. */
    size_t pos = 0;
    const an_fact *src = an_facts_next(f, "setupdiag.source", &pos);
    cr_assert_not_null(src);
    cr_assert_str_eq(src->value, "registry");
    cr_assert_str_eq(src->source, "Windows/System32/config/SYSTEM");
    src = an_facts_next(f, "setupdiag.source", &pos);
    cr_assert_not_null(src);
    cr_assert_str_eq(src->value, "xml");
    cr_assert_str_eq(src->source, "Windows/Logs/SetupDiag/SetupDiagResults.xml");
    cr_assert_null(an_facts_next(f, "setupdiag.source", &pos));

    /* Every setupdiag fact, in order, with its provenance. */
    static const struct {
        const char *name, *value;
        bool from_xml;
        int64_t line;
    } want[] = {
        {"setupdiag.version", "1.7.0.0", false, -1},
        {"setupdiag.profile", "FindRollbackFailure", false, -1},
        {"setupdiag.profile_guid", "3A43C9B5-05B3-4F7C-A955-88F991BB5A48", false, -1},
        {"setupdiag.result", "0x800736CC", false, -1},
        {"setupdiag.extend_code", "0x20003", false, -1},
        {"setupdiag.phase", "Safe OS", false, -1},
        {"setupdiag.operation",
         "Add [6] package C:\\$WINDOWS.~BT\\DUImageSandbox\\Microsoft-Windows-FailoverCluster-"
         "Management-Tools-FOD-Package~31bf3856ad364e35~amd64~~.cab to C:\\$WINDOWS.~BT\\NewOS",
         false, -1},
        {"setupdiag.time", "2025-08-15T08:41:07Z", false, -1},
        {"setupdiag.version", "1.7.0.0", true, 3},
        {"setupdiag.profile", "FindRollbackFailure", true, 4},
        {"setupdiag.result", "0x800736CC", true, 49},
        {"setupdiag.extend_code", "0x20003", true, 50},
        {"setupdiag.phase", "Safe OS", true, 52},
        {"setupdiag.log_error_line",
         "2025-08-15 10:29:41, Error                 CBS    Failed to process single phase "
         "execution. [HRESULT = 0x800736cc - ERROR_SXS_FILE_HASH_MISMATCH]",
         true, 36},
        {"setupdiag.host_os_build", "26100.1.amd64fre.ge_release.240331-1435", true, 16},
        {"setupdiag.target_os_build", "10.0.26200.5074 (br_release.250815-1200)", true, 17},
        {"setupdiag.time", "2025-08-15T08:38:52Z", true, 24},
        {"setupdiag.upgrade_start", "2025-08-15T07:58:13Z", true, 22},
    };
    const char *xml_src = "Windows/Logs/SetupDiag/SetupDiagResults.xml";
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        bool found = false;
        size_t p = 0;
        const an_fact *x;
        while ((x = an_facts_next(f, want[i].name, &p))) {
            bool is_xml = x->source && strcmp(x->source, xml_src) == 0;
            if (is_xml != want[i].from_xml)
                continue;
            cr_assert_str_eq(x->value, want[i].value, "%s (%s): %s", want[i].name,
                             want[i].from_xml ? "xml" : "registry", x->value);
            cr_assert_eq(x->line, want[i].line, "%s line %lld", want[i].name, (long long)x->line);
            found = true;
            break;
        }
        cr_assert(found, "%s from %s missing", want[i].name, want[i].from_xml ? "xml" : "registry");
    }
    cr_assert_eq(count_facts(f, "setupdiag.failure_data"), 3 + 3,
                 "3 registry strings, 3 XML elements");
    cr_assert_eq(count_facts(f, "setupdiag.remediation"), 2);
    cr_assert_eq(count_facts(f, "setupdiag.failure_details"), 2);
    cr_assert_null(an_facts_get(f, "setupdiag.disk_space_mb"));
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_WARN), 0, "no warning on an intact image");
    an_facts_free(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(img);
}
