/* Tests of the pending-operation and Startup Repair evidence (analyzer/boot/boot_pending_*.c,
 * boot_srt.c): PendingFileRenameOperations pairs, pending.xml action counts and damage, the
 * SrtTrail.txt parser over real-format text; end to end on the pending-poqexec,
 * srttrail-patch and disk-full-c01a001d sample images (exit code, finding ids, evidence, the
 * plan in Microsoft's order, a hostile package name withheld). */
#include "analyzer/boot/boot_pending_reg.h"
#include "analyzer/boot/boot_pending_xml.h"
#include "analyzer/boot/boot_srt.h"
#include "tests/support/corpus.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PendingFileRenameOperations ---- */

static size_t utf16(const char *const *parts, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = parts[i]; *p; p++) {
            out[o++] = (uint8_t)*p;
            out[o++] = 0;
        }
        out[o++] = 0;
        out[o++] = 0;
    }
    out[o++] = 0; /* the list's terminator */
    out[o++] = 0;
    return o;
}

typedef struct {
    char seen[8][160];
    size_t n;
} pairs_seen;

static int on_pair(const char *from, const char *to, void *vctx)
{
    pairs_seen *p = vctx;
    if (p->n < 8)
        snprintf(p->seen[p->n++], sizeof(p->seen[0]), "%s|%s", from, to);
    return 0;
}

Test(pending_reg, rename_pairs_with_delete_and_terminator)
{
    static const char *const parts[] = {"\\??\\C:\\a.new", "!\\??\\C:\\a.dll",
                                        "\\??\\C:\\t.tmp", "",
                                        "\\??\\C:\\b.new", "\\??\\C:\\b.dll"};
    uint8_t buf[512];
    size_t len = utf16(parts, 6, buf);
    pairs_seen p = {0};
    cr_assert_eq(an_boot_rename_pairs(buf, len, on_pair, &p), 3);
    cr_assert_str_eq(p.seen[0], "\\??\\C:\\a.new|!\\??\\C:\\a.dll");
    cr_assert_str_eq(p.seen[1], "\\??\\C:\\t.tmp|");
    cr_assert_str_eq(p.seen[2], "\\??\\C:\\b.new|\\??\\C:\\b.dll");
    /* a delete as the last operation: its empty destination, then the terminator */
    static const char *const last_delete[] = {"\\??\\C:\\x", ""};
    len = utf16(last_delete, 2, buf);
    memset(&p, 0, sizeof(p));
    cr_assert_eq(an_boot_rename_pairs(buf, len, on_pair, &p), 1);
    cr_assert_str_eq(p.seen[0], "\\??\\C:\\x|");
    /* cut data: an odd byte count and a source without its destination */
    static const char *const cut[] = {"\\??\\C:\\y"};
    len = utf16(cut, 1, buf);
    memset(&p, 0, sizeof(p));
    cr_assert_eq(an_boot_rename_pairs(buf, len - 3, on_pair, &p), 1);
    cr_assert_str_eq(p.seen[0], "\\??\\C:\\y|");
    cr_assert_eq(an_boot_rename_pairs(buf, 0, on_pair, &p), 0);
}

/* ---- pending.xml ---- */

static int count_xml(const char *xml, int64_t *n, char *why)
{
    return an_boot_pending_xml_count((const uint8_t *)xml, strlen(xml), n, why, 256);
}

Test(pending_xml, counts_transaction_poq_and_installer_actions)
{
    const char *xml =
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<PendingTransaction Version=\"3.1\">\n"
        " <Transactions>\n"
        "  <Transaction Identifier=\"a\"><Install path=\"x\"/><HardlinkFile source=\"s\" "
        "destination=\"d\"/></Transaction>\n"
        "  <Transaction Identifier=\"b\"><CreateKey "
        "path=\"k\"><Nested/></CreateKey></Transaction>\n"
        " </Transactions>\n"
        " <POQ postAction=\"reboot\"><DeleteFile path=\"p\"/><MoveFile source=\"s\" "
        "destination=\"d\"/></POQ>\n"
        " <InstallerQueue Length=\"1\"><Action Name=\"a\"/></InstallerQueue>\n"
        "</PendingTransaction>\n";
    int64_t n = -1;
    char why[256] = "";
    cr_assert_eq(count_xml(xml, &n, why), 0, "%s", why);
    cr_assert_eq(
        n, 6); /* Install, HardlinkFile, CreateKey (not Nested), DeleteFile, MoveFile, Action */
}

Test(pending_xml, damage_and_dtd_are_refused_with_a_reason)
{
    int64_t n = -1;
    char why[256] = "";
    cr_assert_eq(count_xml("<PendingTransaction><Transactions><Transaction><Install/>", &n, why),
                 -EBADMSG);
    cr_assert_not_null(strstr(why, "(line 1)"), "%s", why);
    cr_assert_eq(n, -1);
    cr_assert_eq(count_xml("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
                           "<PendingTransaction>&a;</PendingTransaction>",
                           &n, why),
                 -EBADMSG);
    cr_assert_str_eq(why, "declares a DTD (pending.xml carries none); not read");
    cr_assert_eq(count_xml("", &n, why), -EBADMSG);
}

/* ---- SrtTrail.txt ---- */

static const char SRT[] = "Startup Repair diagnosis and repair log\r\n"
                          "---------------------------\r\n"
                          "Last successful boot time: 8/14/2025 7:02:12 AM (GMT)\r\n"
                          "Number of repair attempts: 2\r\n"
                          "\r\n"
                          "Session details\r\n"
                          "---------------------------\r\n"
                          "Root cause found: \r\n"
                          "---------------------------\r\n"
                          "Boot critical file c:\\windows\\system32\\drivers\\volmgrx.sys is "
                          "corrupt.\r\n"
                          "\r\n"
                          "Repair action: File repair\r\n"
                          "Result: Completed successfully. Error code =  0x0\r\n"
                          "Session details\r\n"
                          "---------------------------\r\n"
                          "Root cause found: \r\n"
                          "---------------------------\r\n"
                          "A patch is preventing the system from starting.\r\n"
                          "\r\n"
                          "Repair action: Rollback of installed updates\r\n"
                          "Result: Failed. Error code =  0x2\r\n"
                          "Time taken = 9734 ms\r\n";

Test(srt, parses_sessions_causes_and_repairs)
{
    static boot_srt_result r;
    cr_assert_eq(boot_srt_parse(SRT, sizeof(SRT) - 1, &r), 0);
    cr_assert_eq(r.sessions, 2);
    cr_assert_eq(r.attempts, 2);
    cr_assert_eq(r.n_causes, 2);
    cr_assert_str_eq(r.causes[0].text,
                     "Boot critical file c:\\windows\\system32\\drivers\\volmgrx.sys is corrupt.");
    cr_assert_eq(r.causes[0].line, 8);
    cr_assert_eq(r.causes[0].session, 1);
    cr_assert_str_eq(r.causes[1].text, "A patch is preventing the system from starting.");
    cr_assert_eq(r.causes[1].line, 16);
    cr_assert_eq(r.causes[1].session, 2);
    cr_assert_eq(r.n_repairs, 2);
    cr_assert_str_eq(r.repairs[0].text, "File repair: Completed successfully. Error code =  0x0");
    cr_assert(r.repairs[0].success);
    cr_assert_str_eq(r.repairs[1].text, "Rollback of installed updates: Failed. Error code =  0x2");
    cr_assert_not(r.repairs[1].success);
    cr_assert_eq(r.repairs[1].line, 20);
    cr_assert_str_eq(boot_srt_cause_kind(r.causes[0].text), "boot-file");
    cr_assert_str_eq(boot_srt_cause_kind(r.causes[1].text), "patch");
    cr_assert_str_eq(boot_srt_cause_kind("Boot configuration data store is corrupted."),
                     "boot-config");
    cr_assert_str_eq(boot_srt_cause_kind("Registry is corrupted."), "registry");
    cr_assert_str_eq(boot_srt_cause_kind("Unknown Bugcheck: Bugcheck 7b. Parameters = 0x0"),
                     "bugcheck");
    cr_assert_str_eq(boot_srt_cause_kind("No problem found."), "other");
    cr_assert_eq(boot_srt_parse("hello\nworld\n", 12, &r), -EBADMSG);
}

Test(srt, text_is_not_nul_terminated)
{
    /* fuzz_srt found strtoll reading past a "Number of repair attempts:" at the very end */
    static const char tail[] = "\nNumber of repair attempts:";
    char *b = malloc(sizeof(tail) - 1);
    memcpy(b, tail, sizeof(tail) - 1);
    static boot_srt_result r;
    cr_assert_eq(boot_srt_parse(b, sizeof(tail) - 1, &r), -EBADMSG);
    cr_assert_eq(r.attempts, -1);
    memcpy(b + sizeof(tail) - 3, "17", 2);
    cr_assert_eq(boot_srt_parse(b, sizeof(tail) - 1, &r), -EBADMSG);
    free(b);
    static const char hdr[] =
        "Startup Repair diagnosis and repair log\nNumber of repair attempts: 3";
    b = malloc(sizeof(hdr) - 1);
    memcpy(b, hdr, sizeof(hdr) - 1);
    cr_assert_eq(boot_srt_parse(b, sizeof(hdr) - 1, &r), 0);
    cr_assert_eq(r.attempts, 3);
    free(b);
}

/* ---- end to end ---- */

#define F(id, expr) "[f for f in d['findings'] if f['id'] == '" id "'][0]" expr
#define EV_TEXTS(id) "[e['text'] for e in " F(id, "['evidence']") "]"

Test(e2e, pending_poqexec)
{
    char *out, *err;
    int rc = sxs_run_sample_json("pending-poqexec.raw", &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['PENDING-STUCK']");
    ASSERT_JSON(out,
                F("PENDING-STUCK", "['severity'] + '/' + ") F("PENDING-STUCK", "['confidence']"),
                "high/high");
    ASSERT_JSON(
        out, F("PENDING-STUCK", "['title']"),
        "Boot-time servicing failed (0x80070002, 0xc0000034) with pending.xml still queued");
    ASSERT_JSON(out,
                "[t for t in " EV_TEXTS(
                    "PENDING-STUCK") " if t.startswith(('components.', "
                                     "'system.pending_file_renames', 'winsxs.pending_xml.actions', "
                                     "'cbs.package.'))]",
                "['components.poqexec_failure = 0x80070002', 'winsxs.pending_xml.actions = 5', "
                "'cbs.package.install_pending = "
                "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.17', "
                "'cbs.package.uninstall_pending = "
                "Package_for_KB5062660~31bf3856ad364e35~amd64~~26100.4652.1.1&calc', "
                "'components.execution_state = 1', 'components.pending_xml_identifier = 916cd4a3', "
                "'components.advanced_installers_need_resolving = 0x00000001', "
                "'system.pending_file_renames = 3']");
    ASSERT_JSON(out,
                "[e['source'] + ':' + str(e['line']) for e in " F(
                    "PENDING-STUCK", "['evidence']") " if 'poqexec.log' in e['source']]",
                "['Windows/WinSxS/poqexec.log:2', 'Windows/WinSxS/poqexec.log:3']");
    /* Microsoft's order: revert first, then (only if it fails) the Azure Remove-Package */
    ASSERT_JSON(out, "[p['command'] for p in " F("PENDING-STUCK", "['plan']") "]",
                "['', 'DISM /Image:F:\\\\ /Cleanup-Image /RevertPendingActions "
                "/ScratchDir:C:\\\\Scratch', 'dism /Image:F:\\\\ /Get-Packages > "
                "C:\\\\temp\\\\Patch_level.txt', 'dism /Image:F:\\\\ /Remove-Package "
                "/PackageName:Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.17', "
                "'', '']");
    ASSERT_JSON(out,
                "'Command withheld: the value of {pending_package} was rejected as a package "
                "identity' in " F("PENDING-STUCK", "['plan'][4]['note']"),
                "True");
    free(out);
    free(err);
}

Test(e2e, srttrail_patch)
{
    char *out, *err;
    int rc = sxs_run_sample_json("srttrail-patch.raw", &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['PENDING-STUCK']");
    ASSERT_JSON(out,
                F("PENDING-STUCK", "['severity'] + '/' + ") F("PENDING-STUCK", "['confidence']"),
                "high/medium");
    ASSERT_JSON(out, F("PENDING-STUCK", "['title']"),
                "Startup Repair found that a patch prevents Windows from starting");
    ASSERT_JSON(
        out,
        "[(e['source'], e['line'], e['text']) for e in " F("PENDING-STUCK", "['evidence']") "][:3]",
        "[('Windows/System32/LogFiles/Srt/SrtTrail.txt', 42, 'srt.last.root_cause = A "
        "patch is preventing the system from starting.'), "
        "('Windows/System32/LogFiles/Srt/SrtTrail.txt', 46, 'srt.last.repair = System "
        "files integrity check and repair: Failed. Error code =  0x80073712'), "
        "('Windows/System32/LogFiles/Srt/SrtTrail.txt', 50, 'srt.last.repair = Rollback "
        "of installed updates: Failed. Error code =  0x2')]");
    ASSERT_JSON(out, F("PENDING-STUCK", "['plan'][3]['command']"),
                "dism /Image:F:\\ /Remove-Package "
                "/PackageName:Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.4652.1.17");
    /* the older, repaired session's boot-file cause gives no BOOT-DRIVER finding */
    ASSERT_JSON(out, "[f['id'] for f in d['findings'] if f['id'] == 'BOOT-DRIVER']", "[]");
    free(out);
    free(err);
}

Test(e2e, disk_full_c01a001d)
{
    char *out, *err;
    int rc = sxs_run_sample_json("disk-full-c01a001d.raw", &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['primary']", "DISK-SPACE");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['DISK-SPACE', 'PENDING-STUCK']");
    ASSERT_JSON(
        out,
        "sorted(e['source'] + ':' + str(e['line']) for e in " F(
            "DISK-SPACE", "['evidence']") " if e['text'].lower().find('c01a001d') >= 0 and not "
                                          "e['text'].startswith('history.'))",
        "['Windows/Logs/CBS/CBS.log:14', 'Windows/WinSxS/poqexec.log:2']");
    ASSERT_JSON(out, "[t for t in " EV_TEXTS("DISK-SPACE") " if t.startswith('volume.windows.')]",
                "['volume.windows.free_bytes = 786432', 'volume.windows.free_percent = 1']");
    free(out);
    free(err);
}
