/* Servicing history (analyzer/history/an_history.h, analyzer/history/): the real failed upgrades and
 * real healthy logs of the corpus, and small logs written here for each parser rule
 * (resolution, WER reports, DISM results, setupapi sections, benign noise, the attempt cap). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/history/an_history.h"
#include "support/corpus.h"

static an_history *hist;
static an_facts *facts;

static void setup(void)
{
    hist = an_history_new();
    facts = an_facts_new();
    cr_assert(hist && facts);
}

static void teardown(void)
{
    an_history_free(hist);
    an_facts_free(facts);
}

TestSuite(history, .init = setup, .fini = teardown);

/* Streams one host file as the log path the collector would see on the disk. */
static void feed_file(const char *host, an_log_family fam, const char *as_path)
{
    cr_assert_eq(an_history_file_begin(hist, fam, as_path), 0);
    an_log_stats st;
    cr_assert_geq(an_log_stream_host(host, fam, NULL, an_history_line_cb, hist, &st, NULL), 0,
                  "cannot stream %s", host);
    an_history_file_end(hist);
}

static void feed_text(const char *text, an_log_family fam, const char *as_path)
{
    cr_assert_eq(an_history_file_begin(hist, fam, as_path), 0);
    an_log_stats st;
    cr_assert_geq(an_log_stream_mem((const uint8_t *)text, strlen(text), as_path, fam, NULL,
                                    an_history_line_cb, hist, &st, NULL),
                  0);
    an_history_file_end(hist);
}

static const char *fact(const char *name)
{
    const an_fact *f = an_facts_get(facts, name);
    return f ? f->value : NULL;
}

static size_t count_kind(an_attempt_kind k, an_attempt_status s)
{
    size_t n = 0;
    for (size_t i = 0; i < an_history_count(hist); i++)
        n += an_history_at(hist, i)->kind == k && an_history_at(hist, i)->status == s;
    return n;
}

static const an_attempt *only_upgrade(void)
{
    const an_attempt *u = NULL;
    for (size_t i = 0; i < an_history_count(hist); i++)
        if (an_history_at(hist, i)->kind == AN_ATT_UPGRADE) {
            cr_assert_null(u, "more than one upgrade attempt");
            u = an_history_at(hist, i);
        }
    cr_assert_not_null(u, "no upgrade attempt");
    return u;
}

static bool ev_contains(const an_attempt *a, const char *needle)
{
    for (size_t i = 0; i < a->nev; i++)
        if (strstr(a->ev[i].text, needle))
            return true;
    return false;
}

/* appostarsi: Win10 19045 -> Win11 22621 rolled back in Safe OS; SetupDiag, on that machine,
 * said 0x8007000D-0x2000C, Safe OS, "Apply WIM file ...". The rollback log is a piece of the
 * same attempt. */
Test(history, corpus_appostarsi_upgrade_rolled_back_in_safe_os)
{
    SXS_CORPUS_OR_SKIP(act, "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz");
    SXS_CORPUS_OR_SKIP(rb, "logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log");
    feed_file(act, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    feed_file(rb, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Rollback/setupact.log");
    cr_assert_eq(an_history_finish(hist, "19045", facts), 0);
    const an_attempt *u = only_upgrade();
    cr_assert_eq(u->status, AN_ATT_FAILED);
    cr_assert(u->has_result);
    cr_assert_eq(u->result, 0x8007000D, "result 0x%08X", u->result);
    cr_assert(u->has_extend);
    cr_assert_eq(u->extend_code, 0x2000C, "extend 0x%X", u->extend_code);
    cr_assert_str_eq(u->phase, "Safe OS");
    cr_assert_str_eq(u->operation,
                     "Apply WIM file PathForNewOSFile, index 6 to D:\\$WINDOWS.~BT\\NewOS");
    cr_assert(u->rolled_back);
    cr_assert_str_eq(u->source_build, "10.0.19045.0");
    cr_assert_str_eq(u->target_build, "10.0.22621.1");
    cr_assert_not(u->resolved);
    /* 0x80070570 under it, on the failing operation's line */
    cr_assert(ev_contains(u, "Error: 0x80070570"));
    cr_assert_str_eq(fact("history.unresolved"), "1");
    cr_assert_str_eq(fact("history.upgrade.failure.result"), "0x8007000D");
    cr_assert_str_eq(fact("history.upgrade.failure.extend_code"), "0x2000C");
    cr_assert_str_eq(fact("history.upgrade.failure.extend_phase"), "Safe OS");
    cr_assert_str_eq(fact("history.upgrade.failure.rolled_back"), "true");
    /* the result fact points at the line that gave it */
    const an_fact *rf = an_facts_get(facts, "history.upgrade.failure.result");
    cr_assert_str_eq(rf->source, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    cr_assert_eq(rf->line, 103269);
    free(act);
    free(rb);
}

/* rickak77: 17134 -> 19041 media; the last fatal result is 0x80070032 (after five non-fatal
 * "Operation failed: Set boot command" errors with other codes). */
Test(history, corpus_rickak77_upgrade_last_fatal_error_wins)
{
    SXS_CORPUS_OR_SKIP(act, "logs/panther/rickak77_upgrade_error/setupact.log");
    feed_file(act, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    cr_assert_eq(an_history_finish(hist, "17134", facts), 0);
    const an_attempt *u = only_upgrade();
    cr_assert_eq(u->status, AN_ATT_FAILED);
    cr_assert_eq(u->result, 0x80070032, "result 0x%08X", u->result);
    cr_assert_str_eq(u->operation, "DataMigrate");
    cr_assert_str_eq(u->phase, "SetupPhaseInstall");
    cr_assert_str_eq(u->source_build, "10.0.17134.0");
    cr_assert_str_eq(fact("history.upgrade.failure.result_name"), "ERROR_NOT_SUPPORTED");
    free(act);
}

/* The same failed upgrade, once its target build is what is installed, is history only. */
Test(history, upgrade_resolved_by_the_installed_build)
{
    SXS_CORPUS_OR_SKIP(act, "logs/panther/rickak77_upgrade_error/setupact.log");
    feed_file(act, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    cr_assert_eq(an_history_finish(hist, "19041", facts), 0);
    cr_assert(only_upgrade()->resolved);
    cr_assert_str_eq(fact("history.unresolved"), "0");
    cr_assert_null(fact("history.upgrade.failure.result"));
    free(act);
}

/* Real logs of machines whose servicing went well: no unresolved failure. */
Test(history, corpus_healthy_logs_have_no_unresolved_failure)
{
    static const struct {
        const char *rel;
        an_log_family fam;
        const char *as;
    } logs[] = {
        {"logs/cbs/eyeofparadox_win11-26100_CBS.log.xz", AN_LOG_CBS, "Windows/Logs/CBS/CBS.log"},
        {"logs/cbs/hofcake_win81-9600_CBS.log", AN_LOG_CBS, "Windows/Logs/CBS/CBS.log"},
        {"logs/cbs/appostarsi_win10-19041_CBS_Win_10.log.xz", AN_LOG_CBS,
         "Windows/Logs/CBS/CBS.log"},
        {"logs/dism/eyeofparadox_win11-26100_dism.log", AN_LOG_DISM, "Windows/Logs/DISM/dism.log"},
        {"logs/panther/azure_vm_specialize/setupact.log", AN_LOG_PANTHER,
         "Windows/Panther/setupact.log"},
        {"logs/panther/azure_vm_specialize/UnattendGC_setupact.log", AN_LOG_PANTHER,
         "Windows/Panther/UnattendGC/setupact.log"},
        {"logs/panther/bitbtrust_winpe_install/setupact.log", AN_LOG_PANTHER,
         "Windows/Panther/setupact.log"},
        {"logs/panther/eyeofparadox_mosetup/BlueBox.log", AN_LOG_MOSETUP,
         "Windows/Logs/MoSetup/BlueBox.log"},
        {"logs/setupapi/plaso_setupapi.dev.log", AN_LOG_SETUPAPI, "Windows/INF/setupapi.dev.log"},
    };
    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        char *p = sxs_corpus_path(logs[i].rel);
        if (!p) {
            cr_log_warn("corpus file %s absent: skipped", logs[i].rel);
            continue;
        }
        an_history_free(hist);
        an_facts_free(facts);
        hist = an_history_new();
        facts = an_facts_new();
        feed_file(p, logs[i].fam, logs[i].as);
        cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
        cr_assert_eq(an_history_unresolved(hist), 0, "%s: %zu unresolved failure(s)", logs[i].rel,
                     an_history_unresolved(hist));
        cr_assert_eq(count_kind(AN_ATT_UPGRADE, AN_ATT_FAILED), 0, "%s", logs[i].rel);
        free(p);
    }
}

/* A real CBS log with failed store repairs (source missing) that nothing later fixed. */
Test(history, corpus_cbs_failed_repair_sessions)
{
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/alborz25_ws2012-9200_CBS.log");
    feed_file(p, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, "9200", facts), 0);
    cr_assert_geq(count_kind(AN_ATT_DISM, AN_ATT_FAILED), 2);
    bool source_missing = false;
    for (size_t i = 0; i < an_history_count(hist); i++) {
        const an_attempt *a = an_history_at(hist, i);
        if (a->status == AN_ATT_FAILED && a->result == 0x800F081F) {
            source_missing = true;
            cr_assert_str_eq(a->package, "Corruption Repairing");
            cr_assert_neq(a->session[0], '\0');
        }
    }
    cr_assert(source_missing);
    free(p);
}

#define CBS(t, m) t ", Info                  CBS    " m "\n"

static const char failed_cu[] =
    CBS("2025-07-09 03:10:04", "Session: 31190112_2011552301 initialized by client "
                               "UpdateAgentLCU, external staging directory: (null)")
        CBS("2025-07-09 03:10:05",
            "Exec: Processing started.  Session: 31190112_2011552301, "
            "Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.9")
            CBS("2025-07-09 03:41:17",
                "Generating failure report for package: "
                "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.9, status: 0x800f0922, "
                "failure source: Execute, start state: Staged, target state: Installed, client id: "
                "UpdateAgentLCU")
                CBS("2025-07-09 03:41:18",
                    "Exec: Processing complete.  Session: 31190112_2011552301, "
                    "Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.9, "
                    "Identifier: KB5062553 [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
                    CBS("2025-07-09 03:41:19",
                        "Session: 31190112_2011552301 finalized. Reboot required: no "
                        "[HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]");

static const char later_cu[] = CBS("2025-08-13 03:05:04",
                                   "Session: 31201233_1901223344 initialized by client "
                                   "UpdateAgentLCU, external staging directory: (null)")
    CBS("2025-08-13 03:29:40",
        "Exec: Processing complete.  Session: 31201233_1901223344, "
        "Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4946.1.10, "
        "Identifier: KB5063878 [HRESULT = 0x00000000 - S_OK]")
        CBS("2025-08-13 03:29:41", "Session: 31201233_1901223344 finalized. Reboot required: yes "
                                   "[HRESULT = 0x00000000 - S_OK]");

Test(history, cbs_failed_cumulative_update_one_attempt_with_wer_report)
{
    feed_text(failed_cu, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), 1);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_eq(a->kind, AN_ATT_UPDATE);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->result, 0x800F0922);
    cr_assert_str_eq(a->kb, "KB5062553");
    cr_assert_str_eq(a->client, "UpdateAgentLCU");
    cr_assert_str_eq(a->session, "31190112_2011552301");
    cr_assert_str_eq(a->operation, "Execute");
    cr_assert_str_eq(fact("history.update.failure.kb"), "KB5062553");
    cr_assert_str_eq(fact("history.update.failure.result"), "0x800F0922");
}

Test(history, later_cumulative_update_resolves_the_failed_one)
{
    feed_text(failed_cu, AN_LOG_CBS, "Windows/Logs/CBS/CbsPersist_20250710000000.log");
    feed_text(later_cu, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    const an_attempt *f = an_history_at(hist, 0), *s = an_history_at(hist, 1);
    cr_assert_eq(f->status, AN_ATT_FAILED);
    cr_assert(f->resolved);
    cr_assert_eq(f->resolved_by, 1);
    cr_assert_eq(s->status, AN_ATT_PENDING); /* succeeded, reboot required */
    cr_assert_str_eq(fact("history.unresolved"), "0");
    cr_assert_str_eq(fact("history.failed"), "1");
}

Test(history, a_different_package_does_not_resolve)
{
    static const char lp_ok[] =
        CBS("2025-08-13 03:05:04", "Session: 31201233_1 initialized by client "
                                   "LanguageFeaturesOnDemand, external staging directory: (null)")
            CBS("2025-08-13 03:29:40", "Exec: Processing complete.  Session: 31201233_1, Package: "
                                       "Microsoft-Windows-LanguageFeatures-Basic-de-de-Package~"
                                       "31bf3856ad364e35~amd64~~26100.1, "
                                       "Identifier:  [HRESULT = 0x00000000 - S_OK]");
    feed_text(failed_cu, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    feed_text(lp_ok, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_unresolved(hist), 1);
    cr_assert_eq(count_kind(AN_ATT_FOD, AN_ATT_SUCCEEDED), 1);
}

Test(history, dism_command_results_and_benign_noise)
{
    static const char log[] =
        "2025-08-14 09:01:02, Info                  DISM   DISM.EXE: Executing command line: "
        "dism.exe /online /cleanup-image /startcomponentcleanup\n"
        "2025-08-14 09:01:04, Warning               DISM   DISM Package Manager: PID=6112 "
        "TID=6120 EnumeratePathEx: FindFirstFile failed for C:\\Windows\\WinSxS\\Temp\\* (GLE "
        "0x3) - CCbsFileHelper::EnumeratePathEx(hr:0x80070003)\n"
        "2025-08-14 09:02:40, Info                  DISM   DISM.EXE: Image session has been "
        "closed. Reboot required=no.\n"
        "2025-08-14 09:03:01, Info                  DISM   DISM.EXE: Executing command line: "
        "dism.exe /online /get-provisionedappxpackages\n"
        "2025-08-14 09:03:02, Error                 DISM   DISM Appx Provider: PID=6200 "
        "TID=6204 Failed to initialize package set - "
        "CAppxManager::AddAllUserAppxPackage(hr:0x80070003)\n"
        "2025-08-14 09:04:10, Info                  DISM   DISM.EXE: Image session has been "
        "closed. Reboot required=no.\n"
        "2025-08-14 12:47:33, Info                  DISM   DISM.EXE: Executing command line: "
        "dism  /online /cleanup-image /restorehealth /source:F:\\sources\\install.esd\n"
        "2025-08-14 12:48:44, Error                 DISM   DISM Package Manager: PID=6844 "
        "TID=7344 Failed while processing command cleanup-image. - "
        "CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)\n"
        "2025-08-14 12:48:45, Info                  DISM   DISM.EXE: Image session has been "
        "closed. Reboot required=no.\n";
    feed_text(log, AN_LOG_DISM, "Windows/Logs/DISM/dism.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), 3);
    cr_assert_eq(an_history_at(hist, 0)->status, AN_ATT_SUCCEEDED);
    cr_assert_eq(an_history_at(hist, 1)->status, AN_ATT_SUCCEEDED);
    const an_attempt *r = an_history_at(hist, 2);
    cr_assert_eq(r->status, AN_ATT_FAILED);
    cr_assert_eq(r->result, 0x800F081F);
    cr_assert_str_eq(r->package, "/online /cleanup-image /restorehealth");
    cr_assert_eq(an_history_unresolved(hist), 1);
}

Test(history, setupapi_failed_section_names_the_package_folder)
{
    static const char log[] =
        ">>>  [Device Install (Hardware initiated) - PCI\\VEN_10EC&DEV_8168]\n"
        ">>>  Section start 2025/06/11 03:10:00.000\n"
        "<<<  Section end 2025/06/11 03:10:02.000\n"
        "<<<  [Exit status: SUCCESS]\n"
        ">>>  [Install Driver Updates]\n"
        ">>>  Section start 2025/06/11 03:12:41.118\n"
        "!!!  inf:      Failed to open INF file "
        "'C:\\Windows\\System32\\DriverStore\\FileRepository\\rtux64w10.inf_amd64_6d1fcbd5c3e9a0b2"
        "\\rtux64w10.inf'. Error = 0x00000003\n"
        "<<<  Section end 2025/06/11 03:12:47.209\n"
        "<<<  [Exit status: FAILURE(0x80070003)]\n";
    feed_text(log, AN_LOG_SETUPAPI, "Windows/INF/setupapi.dev.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), 1, "the successful device install is not kept");
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_eq(a->kind, AN_ATT_DRIVER_UPDATE);
    cr_assert_eq(a->result, 0x80070003);
    cr_assert_str_eq(a->package, "rtux64w10.inf_amd64_6d1fcbd5c3e9a0b2");
    cr_assert_str_eq(a->operation, "Install Driver Updates");
    cr_assert(ev_contains(a, "Failed to open INF file"));
}

Test(history, disk_space_block_marks_the_upgrade)
{
    static const char log[] =
        "2025-09-03 19:40:11, Info                  MOUPG  SetupHost: Setup build version is: "
        "10.0.26200.5074 (br_release.250801-1800)\n"
        "2025-09-03 19:50:58, Info                  CONX   Found Disk Space Hard Block, "
        "required space: 20480 MB, available space: 3120 MB\n"
        "2025-09-03 19:51:02, Error                 MOUPG  CSetupHost::Execute(433): Result = "
        "0xC190020E\n";
    feed_text(log, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    const an_attempt *u = only_upgrade();
    cr_assert(u->disk_space);
    cr_assert_eq(u->result, 0xC190020E);
    cr_assert_str_eq(fact("history.disk_space"), "true");
}

/* Memory stays bounded: 6000 successful sessions keep at most AN_HISTORY_MAX_ATTEMPTS, and the
 * one failure among them is never the one dropped. */
Test(history, attempt_cap_keeps_failures)
{
    size_t cap = 7000 * 400;
    char *log = malloc(cap);
    cr_assert_not_null(log);
    size_t n = 0;
    for (int i = 0; i < 6000; i++) {
        int h = 1 + i / 3600, m = (i / 60) % 60, s = i % 60;
        n += (size_t)snprintf(log + n, cap - n,
                              "2025-01-01 %02d:%02d:%02d, Info                  CBS    Session: "
                              "1_%d initialized by client WindowsUpdateAgent\n"
                              "2025-01-01 %02d:%02d:%02d, Info                  CBS    Exec: "
                              "Processing complete.  Session: 1_%d, Package: Pkg%d~x~amd64~~1.0, "
                              "Identifier:  [HRESULT = 0x%08x - X]\n",
                              h, m, s, i, h, m, s, i, i, i == 10 ? 0x800f0988u : 0u);
    }
    feed_text(log, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    free(log);
    cr_assert_eq(an_history_finish(hist, "26100", facts), 0);
    cr_assert_eq(an_history_count(hist), AN_HISTORY_MAX_ATTEMPTS);
    cr_assert_eq(an_history_dropped(hist), 6000 - AN_HISTORY_MAX_ATTEMPTS);
    cr_assert_eq(an_history_unresolved(hist), 1);
    cr_assert_str_eq(fact("history.update.failure.package"), "Pkg10~x~amd64~~1.0");
}

/* Hostile text never breaks a parser: truncated and binary lines, huge fields. */
Test(history, hostile_lines_are_data)
{
    char big[20000];
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *log = NULL;
    cr_assert(asprintf(&log,
                       "2025-01-01 00:00:00, Info                  CBS    Session: \n"
                       "2025-01-01 00:00:00, Info                  CBS    Session: 1_1 "
                       "initialized by client %s\n"
                       "2025-01-01 00:00:01, Info                  CBS    Exec: Processing "
                       "complete.  Session: 1_1, Package: %s [HRESULT = 0x\n"
                       "2025-01-01 00:00:02, Info                  CBS    Generating failure "
                       "report for package: %s, status: 0x800f0922\n"
                       "2025-01-01 00:00:03, Info                  MOUPG  Setup phase change: [\n"
                       "2025-01-01 00:00:03, Info                  SP     Execution phase [\n",
                       big, big, big) > 0);
    feed_text(log, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    feed_text(log, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log");
    free(log);
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    for (size_t i = 0; i < an_history_count(hist); i++) {
        const an_attempt *a = an_history_at(hist, i);
        cr_assert_lt(strlen(a->package), sizeof(a->package));
        cr_assert_lt(strlen(a->client), sizeof(a->client));
    }
}

/* Windows 7/8.1 WindowsUpdate.log / ReportingEvents.log install results; a later successful
 * install of the same KB resolves the failure. */
Test(history, windows_update_text_log_install_results)
{
    static const char log[] =
        "2015-02-23\t21:47:27:123\t 912\t1234\tAgent\tInstallation Failure: Windows failed to "
        "install the following update with error 0x80070643: Security Update for Windows 7 for "
        "x64-based Systems (KB2918614).\n"
        "2015-02-23\t21:50:00:000\t 912\t1234\tAgent\tInstallation Successful: Windows "
        "successfully installed the following update: Definition Update for Windows Defender - "
        "KB915597 (Definition 1.191.2.0)\n";
    feed_text(log, AN_LOG_WINDOWSUPDATE, "Windows/WindowsUpdate.log");
    cr_assert_eq(an_history_finish(hist, "7601", facts), 0);
    cr_assert_eq(an_history_count(hist), 2);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_eq(a->status, AN_ATT_FAILED);
    cr_assert_eq(a->result, 0x80070643);
    cr_assert_str_eq(a->kb, "KB2918614");
    cr_assert_str_eq(a->package, "Security Update for Windows 7 for x64-based Systems (KB2918614)");
    cr_assert_eq(an_history_at(hist, 1)->status, AN_ATT_SUCCEEDED);
    cr_assert_eq(an_history_unresolved(hist), 1, "a different KB does not resolve it");
}

/* The real decoded Windows 10 / Server 2019 WindowsUpdate.logs carry no install-result lines
 * of that form: no attempt, no failure from scan noise ("*FAILED* [8024000B] Sync of Drivers"). */
Test(history, corpus_decoded_windowsupdate_logs_no_false_failure)
{
    static const char *const rel[] = {
        "logs/windowsupdate/appostarsi_win10-19041_WindowsUpdate.log.xz",
        "logs/windowsupdate/findingsanity_ws2019-17763_WindowsUpdate.log"};
    for (size_t i = 0; i < 2; i++) {
        char *p = sxs_corpus_path(rel[i]);
        if (!p) {
            cr_log_warn("corpus file %s absent: skipped", rel[i]);
            continue;
        }
        feed_file(p, AN_LOG_WINDOWSUPDATE, "Windows/WindowsUpdate.log");
        free(p);
    }
    cr_assert_eq(an_history_finish(hist, "19041", facts), 0);
    cr_assert_eq(an_history_unresolved(hist), 0);
}

/* The WER line as Microsoft's 0x800f0831 article quotes it ("WER: " prefix, no blank after
 * "package:", no comma before "status:"), from a DISM session. */
Test(history, wer_report_variant_from_dism_session)
{
    static const char log[] =
        CBS("2020-05-25 10:00:00", "Session: 30800000_1 initialized by client DISM Package "
                                   "Manager Provider")
            CBS("2020-05-25 10:05:00",
                "WER: Generating failure report for package:Package_for_RollupFix~31bf3856ad364e35~"
                "amd64~~17763.1217.1.7 status: 0x800f0831, failure source: Execute, start state: "
                "Staged, target state: Installed, client id: DISM Package Manager Provider")
                CBS("2020-05-25 10:05:01", "Session: 30800000_1 finalized. Reboot required: no "
                                           "[HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]");
    feed_text(log, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, "17763", facts), 0);
    cr_assert_eq(an_history_count(hist), 1);
    const an_attempt *a = an_history_at(hist, 0);
    cr_assert_str_eq(a->package, "Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1217.1.7");
    cr_assert_eq(a->result, 0x800F0831);
    cr_assert_eq(a->kind, AN_ATT_DISM);
    cr_assert_str_eq(a->client, "DISM Package Manager Provider");
}

/* Microsoft's excerpt: the component column is padded differently from line to line ("CBS
 * INSTALL" vs "CBS   Doqe:"); the layout of one line must not be assumed for the next. */
Test(history, corpus_msdocs_driver_excerpt_mixed_columns)
{
    SXS_CORPUS_OR_SKIP(p, "logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log");
    feed_file(p, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log");
    cr_assert_eq(an_history_finish(hist, NULL, facts), 0);
    cr_assert_eq(count_kind(AN_ATT_DRIVER_UPDATE, AN_ATT_FAILED), 1);
    const an_attempt *a = NULL;
    for (size_t i = 0; i < an_history_count(hist); i++)
        if (an_history_at(hist, i)->kind == AN_ATT_DRIVER_UPDATE)
            a = an_history_at(hist, i);
    cr_assert_str_eq(a->package, "ntprint4.inf");
    cr_assert_eq(a->result, 0x80070003);
    cr_assert(a->rolled_back);
    free(p);
}
