/* End-to-end tests of the sxsdoctor command: options, exit codes, the JSON contract, error
 * messages naming the file, and the read-only guarantee (evidence hash unchanged). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/cli_codes.h"
#include "tests/support/corpus.h"
#include "tests/support/hive_mutate.h"

/* Runs sxsdoctor with up to 6 arguments; returns the exit code. */
static int run_tool(char **out, char **err, const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
    char *argv[] = {(char *)sxs_binary(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int sig = 0;
    int rc = sxs_run(argv, out, err, &sig);
    cr_assert_eq(sig, 0, "sxsdoctor died with signal %d", sig);
    cr_assert_geq(rc, 0);
    return rc;
}

Test(cli, help_and_version)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--help", NULL, NULL, NULL), 0);
    cr_assert_not_null(strstr(out, "Usage: sxsdoctor"));
    cr_assert_not_null(strstr(out, "Exit status:"));
    cr_assert_not_null(strstr(out, "--target-drive"));
    cr_assert_str_eq(err, "");
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--version", NULL, NULL, NULL), 0);
    cr_assert(strncmp(out, "sxsdoctor ", 10) == 0);
    free(out);
    free(err);
}

Test(cli, usage_errors_exit_2)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, NULL, NULL, NULL, NULL), 2);
    cr_assert_not_null(strstr(err, "no EVIDENCE"));
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--bogus", "x", NULL, NULL), 2);
    cr_assert_not_null(strstr(err, "--bogus"));
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--target-drive", "FF", "x", NULL), 2);
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--json", "--markdown", "x", NULL), 2);
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--install", "0", "x", NULL), 2);
    free(out);
    free(err);
}

Test(cli, missing_file_exit_3_names_it)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", "/nonexistent/disk.E01", NULL, NULL), 3);
    cr_assert_not_null(strstr(err, "/nonexistent/disk.E01"), "stderr: %s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "len(d['errors']) > 0", "True");
    ASSERT_JSON(out, "d['errors'][0]['source']", "/nonexistent/disk.E01");
    ASSERT_JSON(out, "d['installs']", "[]");
    free(out);
    free(err);
}

Test(cli, random_bytes_exit_3_no_crash)
{
    char *dir = sxs_test_tmpdir("rand");
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/garbage.img", dir) > 0);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    unsigned x = 12345;
    for (int i = 0; i < 1 << 20; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16) & 0xFF, f);
    }
    fclose(f);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(p, before), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, p, NULL, NULL, NULL), 3);
    cr_assert_not_null(strstr(err, "garbage.img"), "stderr: %s", err);
    cr_assert_not_null(strstr(out, "UNREADABLE"));
    cr_assert_eq(sxs_sha256_file(p, after), 0);
    cr_assert_str_eq(before, after);
    free(out);
    free(err);
    free(p);
    free(dir);
}

/* Real FTK Imager E01 with two NTFS partitions and no Windows: exit 3, volumes reported. */
Test(cli, ftk_e01_no_windows)
{
    SXS_CORPUS_OR_SKIP(img, "images/tsk_imageformat_mmls_1.E01");
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(img, before), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 3);
    ASSERT_JSON(out, "d['evidence']['format']", "ewf");
    ASSERT_JSON(out, "d['evidence']['size']", "62915072");
    ASSERT_JSON(out, "d['evidence']['ewf']['examiner']", "Rishwanth");
    ASSERT_JSON(out, "d['evidence']['ewf']['md5']", "8ec671e301095c258224aad701740503");
    ASSERT_JSON(out, "[(v['offset'], v['size'], v['fs']) for v in d['volumes']]",
                "[(65536, 28311552, 'ntfs'), (28377088, 31457280, 'ntfs')]");
    ASSERT_JSON(out, "d['installs']", "[]");
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    cr_assert_not_null(strstr(err, "no Windows installation"), "stderr: %s", err);
    cr_assert_eq(sxs_sha256_file(img, after), 0);
    cr_assert_str_eq(before, after);
    free(out);
    free(err);
    free(img);
}

/* btrfs, ext4, exFAT and NTFS partitions sharing type bytes: NTFS found, no Windows. */
Test(cli, multiple_filesystems_no_windows)
{
    SXS_CORPUS_OR_SKIP(img, "images/forensics-samples_fs.multiple.raw.xz");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 3);
    ASSERT_JSON(out, "[v['offset'] for v in d['volumes'] if v['fs'] == 'ntfs']", "[200278016]");
    ASSERT_JSON(out, "d['evidence']['format']", "raw");
    free(out);
    free(err);
    free(img);
}

/* ---- scenarios: every sample image end to end ---------------------------------------- */

/* Contract checks every report must pass, whatever the scenario. */
static void assert_contract(const char *json)
{
    ASSERT_JSON(json, "sorted(d.keys())",
                "['errors', 'evidence', 'findings', 'history', 'installs', 'tool', 'verdict', "
                "'volumes']");
    ASSERT_JSON(json, "d['tool']['name']", "sxsdoctor");
    ASSERT_JSON(json,
                "all(f['id'] in ('SSU-EMPTY','DRIVER-MISSING','BACKUP-REPARSE','WU-SERVICES',"
                "'COMPONENT-CORRUPT','WU-CACHE','PENDING-STUCK','UPGRADE-POLICY',"
                "'WIMMOUNT-DRIVER','SPUPDSVC-RUNONCE','IIS-PATH','AV-THIRD-PARTY',"
                "'IPU-REQUIRED','UPGRADE-FAILED','UPDATE-FAILED','DISK-SPACE','BOOT-CONFIG',"
                "'BOOT-DRIVER','HIVE-DAMAGED','BUGCHECK') for f in d['findings'])",
                "True");
    ASSERT_JSON(json,
                "all(s['where'] in ('offline','rescue-vm','booted') for f in d['findings'] "
                "for s in f['plan'])",
                "True");
    /* Never a harmful step: no ownership or permission changes, never touch sppsvc.exe. */
    ASSERT_JSON(json,
                "any(w in s['command'].lower() for f in d['findings'] for s in f['plan'] "
                "for w in ('takeown', 'icacls', 'sppsvc'))",
                "False");
    ASSERT_JSON(json,
                "all(set(f) >= {'id','install','severity','confidence','title','evidence',"
                "'plan'} for f in d['findings'])",
                "True");
    ASSERT_JSON(json,
                "all(set(e) >= {'source','line','offset','timestamp','text'} for f in "
                "d['findings'] for e in f['evidence'])",
                "True");
    ASSERT_JSON(json,
                "all(set(h) >= {'install','kind','start','end','client','package','kb',"
                "'source_build','target_build','phase','operation','result','result_name',"
                "'extend_code','rolled_back','status','resolved_by','evidence'} and h['status'] "
                "in ('succeeded','failed','pending','unknown') and h['kind'] in ('upgrade',"
                "'update','fod','feature','driver-update','dism') for h in d['history'])",
                "True");
    /* HEALTHY never with an unresolved failure in the history */
    ASSERT_JSON(json,
                "d['verdict']['status'] != 'healthy' or not any(h['status'] == 'failed' and "
                "not h['resolved'] for h in d['history'])",
                "True");
    ASSERT_JSON(json,
                "(d['verdict']['status'] == 'findings') == (len(d['findings']) > 0) and "
                "(d['verdict']['primary'] == (d['findings'][0]['id'] if d['findings'] else "
                "None) or d['verdict']['status'] != 'findings')",
                "True");
}

/* Runs --json on an image; asserts exit code, primary id, the set of finding ids, the
 * contract, and that the image's bytes did not change. Returns the JSON (caller frees). */
static char *check_scenario(const char *file, int want_rc, const char *want_primary,
                            const char *want_ids)
{
    char *img = sxs_sample(file);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(img, before), 0);
    char *out, *err;
    int rc = run_tool(&out, &err, "--json", img, NULL, NULL);
    cr_assert_eq(rc, want_rc, "%s: exit %d, want %d; stderr: %s", file, rc, want_rc, err);
    assert_contract(out);
    ASSERT_JSON(out, "d['verdict']['primary']", want_primary);
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", want_ids);
    cr_assert_eq(sxs_sha256_file(img, after), 0);
    cr_assert_str_eq(before, after, "%s changed during analysis", file);
    free(err);
    free(img);
    return out;
}

#define SCENARIO(name, file, rc, primary, ids)                                                     \
    Test(scenario, name)                                                                           \
    {                                                                                              \
        free(check_scenario(file, rc, primary, ids));                                              \
    }

SCENARIO(healthy, "healthy.raw", 0, "None", "[]")
SCENARIO(select_current_2_uses_current_set, "select-current-2.raw", 0, "None", "[]")
SCENARIO(driver_missing, "driver-missing.raw", 1, "DRIVER-MISSING", "['DRIVER-MISSING']")
SCENARIO(wu_services, "wu-services.raw", 1, "WU-SERVICES", "['WU-SERVICES']")
SCENARIO(pending_stuck, "pending-stuck.raw", 1, "PENDING-STUCK", "['PENDING-STUCK']")
SCENARIO(backup_reparse, "backup-reparse.raw", 1, "BACKUP-REPARSE", "['BACKUP-REPARSE']")
SCENARIO(component_corrupt, "component-corrupt.raw", 1, "COMPONENT-CORRUPT",
         "['COMPONENT-CORRUPT', 'IPU-REQUIRED']")
SCENARIO(ipu_required, "ipu-required.raw", 1, "IPU-REQUIRED", "['IPU-REQUIRED']")
SCENARIO(upgrade_policy, "upgrade-policy.raw", 1, "UPGRADE-POLICY", "['UPGRADE-POLICY']")
SCENARIO(wimmount_driver, "wimmount-driver.raw", 1, "WIMMOUNT-DRIVER", "['WIMMOUNT-DRIVER']")
SCENARIO(spupdsvc_runonce, "spupdsvc-runonce.raw", 1, "SPUPDSVC-RUNONCE", "['SPUPDSVC-RUNONCE']")
SCENARIO(iis_path, "iis-path.raw", 1, "IIS-PATH", "['IIS-PATH']")
SCENARIO(av_third_party, "av-third-party.raw", 1, "AV-THIRD-PARTY", "['AV-THIRD-PARTY']")
SCENARIO(wu_cache, "wu-cache.raw", 1, "WU-CACHE", "['WU-CACHE']")
SCENARIO(cu_failed, "cu-failed.raw", 1, "UPDATE-FAILED", "['UPDATE-FAILED']")
SCENARIO(cu_failed_esp_full, "cu-failed-esp-full.raw", 1, "DISK-SPACE", "['DISK-SPACE']")
SCENARIO(upgrade_disk_space, "upgrade-disk-space.raw", 1, "DISK-SPACE", "['DISK-SPACE']")
SCENARIO(driver_missing_named_by_setupapi, "driver-missing-setupapi.raw", 1, "DRIVER-MISSING",
         "['DRIVER-MISSING']")
SCENARIO(benign_noise, "benign-noise.raw", 0, "None", "[]")

/* The headline case, in every container: the same diagnosis with the exact folder, version
 * and evidence lines, and the plan written for the drive the disk has on the rescue VM. */
static void assert_ssu_empty(const char *json)
{
    ASSERT_JSON(json, "d['installs'][0]['ssu_version']", "10.0.26100.5074");
    ASSERT_JSON(json, "d['installs'][0]['build']", "26100");
    ASSERT_JSON(json, "d['installs'][0]['ubr']", "5074");
    ASSERT_JSON(json, "d['findings'][0]['confidence']", "high");
    ASSERT_JSON(json,
                "any('amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_"
                "none_' in s['command'] and '\\\\Windows\\\\WinSxS\\\\' in s['command'] and "
                "'/COPYALL /B' in s['command'] for s in d['findings'][0]['plan'])",
                "True");
    ASSERT_JSON(json, "sorted(set(e['source'] for e in d['findings'][0]['evidence'] if e['line']))",
                "['$WINDOWS.~BT/Sources/Panther/setupact.log', "
                "'$WINDOWS.~BT/Sources/Panther/setuperr.log', 'Windows/Logs/CBS/CBS.log', "
                "'Windows/Logs/DISM/dism.log', 'Windows/Logs/MoSetup/BlueBox.log']");
    ASSERT_JSON(json,
                "[e['timestamp'] for e in d['findings'][0]['evidence'] if "
                "'Process Drivers for Migration' in e['text']][0]",
                "2025-09-03T19:36:14Z");
}

Test(scenario, ssu_empty_raw)
{
    char *out = check_scenario("ssu-empty.raw", 1, "SSU-EMPTY", "['SSU-EMPTY']");
    assert_ssu_empty(out);
    ASSERT_JSON(out, "d['evidence']['format']", "raw");
    free(out);
}

Test(scenario, ssu_empty_e01)
{
    char *out = check_scenario("ssu-empty.E01", 1, "SSU-EMPTY", "['SSU-EMPTY']");
    assert_ssu_empty(out);
    ASSERT_JSON(out, "d['evidence']['format']", "ewf");
    free(out);
}

Test(scenario, ssu_empty_split_e01)
{
    char *out = check_scenario("ssu-empty-split.E01", 1, "SSU-EMPTY", "['SSU-EMPTY']");
    assert_ssu_empty(out);
    ASSERT_JSON(out, "len(d['evidence']['segments']) >= 3", "True");
    free(out);
}

Test(scenario, ssu_empty_vhdx)
{
    char *out = check_scenario("ssu-empty.vhdx", 1, "SSU-EMPTY", "['SSU-EMPTY']");
    assert_ssu_empty(out);
    ASSERT_JSON(out, "d['evidence']['format']", "vhdx");
    free(out);
}

Test(scenario, healthy_e01_and_vhd_agree_with_raw)
{
    free(check_scenario("healthy.E01", 0, "None", "[]"));
    free(check_scenario("healthy.vhd", 0, "None", "[]"));
}

/* An E01 whose libewf handle is closed and reopened on nearly every read (one-chunk table
 * windows, SXS_TEST_EWF_WINDOW, test builds only) gives the report of the run that never
 * reopens, byte for byte, one segment or several. */
Test(scenario, e01_report_unchanged_when_handle_reopens)
{
    static const char *const imgs[] = {"healthy.E01", "ssu-empty-split.E01"};
    for (size_t i = 0; i < 2; i++) {
        char *plain = NULL, *forced = NULL;
        int rc = sxs_run_sample_json(imgs[i], &plain, NULL);
        cr_assert(rc == 0 || rc == 1, "%s: exit %d", imgs[i], rc);
        cr_assert_eq(setenv("SXS_TEST_EWF_WINDOW", "1", 1), 0);
        int rc2 = sxs_run_sample_json(imgs[i], &forced, NULL);
        unsetenv("SXS_TEST_EWF_WINDOW");
        cr_assert_eq(rc2, rc, "%s", imgs[i]);
        ASSERT_JSON(forced, "d['evidence']['format']", "ewf");
        cr_assert_str_eq(forced, plain, "%s: the report changed when the handle reopened", imgs[i]);
        free(plain);
        free(forced);
    }
}

Test(scenario, target_drive_and_markdown)
{
    char *img = sxs_sample("ssu-empty.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--target-drive", "G:", img, NULL), 1);
    cr_assert_not_null(strstr(out, "\"G:\\Windows\\WinSxS\\amd64_microsoft-windows-"
                                   "servicingstack_31bf3856ad364e35_10.0.26100.5074"));
    cr_assert_null(strstr(out, "F:\\Windows"));
    cr_assert_not_null(strstr(out, "Verdict: FINDINGS"));
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--markdown", img, NULL, NULL), 1);
    cr_assert(strncmp(out, "# sxsdoctor report\n", 19) == 0);
    cr_assert_not_null(strstr(out, "`SSU-EMPTY`"));
    free(out);
    free(err);
    free(img);
}

Test(scenario, multi_install_both_found_and_selectable)
{
    char *out = check_scenario("multi-install.raw", 0, "None", "[]");
    ASSERT_JSON(out, "[(i['volume'], i['build']) for i in d['installs']]",
                "[(2, 26100), (3, 19045)]");
    free(out);
    char *img = sxs_sample("multi-install.raw");
    char *err;
    cr_assert_eq(run_tool(&out, &err, "--json", "--install", "2", img), 0);
    ASSERT_JSON(out, "[i['analysed'] for i in d['installs']]", "[False, True]");
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--install", "3", img, NULL), 3);
    cr_assert_not_null(strstr(err, "holds 2 Windows installation"), "%s", err);
    free(out);
    free(err);
    free(img);
}

Test(scenario, bitlocker_named_not_unknown)
{
    char *img = sxs_sample("bitlocker.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 3);
    ASSERT_JSON(out, "[v['fs'] for v in d['volumes'] if 'BitLocker' in v['note']]",
                "['bitlocker']");
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    cr_assert_not_null(strstr(err, "BitLocker"), "%s", err);
    free(out);
    free(err);
    free(img);
}

Test(rules_cli, list_rules_and_bad_rule_dir)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--list-rules", NULL, NULL, NULL), 0);
    cr_assert_not_null(strstr(out, "SSU-EMPTY"));
    cr_assert_not_null(strstr(out, "DRIVER-MISSING"));
    free(out);
    free(err);
    char *dir = sxs_test_tmpdir("badrules");
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/bad.yml", dir) > 0);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("id: NOT-A-SCENARIO\ntitle: x\n", f);
    fclose(f);
    cr_assert_eq(run_tool(&out, &err, "--list-rules", "--rules", dir, NULL), 2);
    cr_assert_not_null(strstr(err, "bad.yml:1:"), "%s", err);
    free(out);
    free(err);
    free(p);
    free(dir);
}

/* Runs sxsdoctor under timeout(1) so a hang fails the test (exit 124) instead of stalling CI. */
static int run_tool_timeout(char **out, char **err, const char *a1, const char *a2, const char *a3,
                            const char *a4)
{
    char *argv[] = {"/usr/bin/timeout", "10",       (char *)sxs_binary(), (char *)a1,
                    (char *)a2,         (char *)a3, (char *)a4,           NULL};
    int sig = 0;
    int rc = sxs_run(argv, out, err, &sig);
    cr_assert_eq(sig, 0, "timeout died with signal %d", sig);
    cr_assert_neq(rc, 124, "sxsdoctor hung (killed after 10 s); stderr: %s", *err);
    return rc;
}

/* Issue 17 item 6: a FIFO named x.yml in --rules DIR is refused, not waited on for ever. */
Test(rules_cli, fifo_rule_file_exit_2_no_hang)
{
    char *dir = sxs_test_tmpdir("fiforules");
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/x.yml", dir) > 0);
    cr_assert_eq(mkfifo(p, 0600), 0);
    char *out, *err, *expected = NULL;
    cr_assert_eq(run_tool_timeout(&out, &err, "--list-rules", "--rules", dir, NULL), 2, "%s", err);
    cr_assert(asprintf(&expected, "%s: not a regular file (fifo)\n", p) > 0);
    cr_assert_str_eq(err, expected);
    cr_assert_str_eq(out, "");
    free(expected);
    free(out);
    free(err);
    free(p);
    free(dir);
}

/* Issue 17 item 6: 200,000 nested '[' (400 KB) are refused within the 10 s timeout (libyaml
 * alone took > 120 s on it). */
Test(rules_cli, deep_nesting_rule_file_exit_2_fast)
{
    char *dir = sxs_test_tmpdir("deeprules");
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/deep.yml", dir) > 0);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 200000; i++)
        fputc('[', f);
    for (int i = 0; i < 200000; i++)
        fputc(']', f);
    fclose(f);
    char *out, *err, *expected = NULL;
    cr_assert_eq(run_tool_timeout(&out, &err, "--list-rules", "--rules", dir, NULL), 2, "%s", err);
    cr_assert(asprintf(&expected, "%s:1: nesting deeper than 128\n", p) > 0);
    cr_assert_str_eq(err, expected);
    free(expected);
    free(out);
    free(err);
    free(p);
    free(dir);
}

/* CRC-32 (IEEE, zlib's) for patching GPT headers. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Issue 17 item 6: a GPT header claiming 0xFFFFFFFF partition entries, with its header CRC
 * fixed, kept libtsk busy 25-55 s. Now it is refused before libtsk reads it, named exactly,
 * and the run ends UNREADABLE (exit 3) within the 10 s timeout. */
Test(scenario, gpt_huge_entry_count_refused_fast)
{
    char *dir = sxs_test_tmpdir("gpthuge");
    char *img = NULL, *cmd = NULL;
    cr_assert(asprintf(&img, "%s/gpt.raw", dir) > 0);
    cr_assert(asprintf(&cmd, "cp '%s/healthy.raw' '%s'", SXS_SAMPLE_OUT, img) > 0);
    cr_assert_eq(system(cmd), 0);
    FILE *f = fopen(img, "r+b");
    cr_assert_not_null(f);
    uint8_t h[512];
    cr_assert_eq(fseek(f, 512, SEEK_SET), 0);
    cr_assert_eq(fread(h, 1, sizeof(h), f), sizeof(h));
    cr_assert_eq(memcmp(h, "EFI PART", 8), 0);
    uint32_t hsize = (uint32_t)h[12] | (uint32_t)h[13] << 8;
    cr_assert_eq(hsize, 92);
    memset(h + 80, 0xFF, 4); /* partition entry count */
    memset(h + 16, 0, 4);
    uint32_t crc = crc32_ieee(h, hsize);
    for (int i = 0; i < 4; i++)
        h[16 + i] = (uint8_t)(crc >> (8 * i));
    cr_assert_eq(fseek(f, 512, SEEK_SET), 0);
    cr_assert_eq(fwrite(h, 1, sizeof(h), f), sizeof(h));
    fclose(f);
    char *out, *err, *expected = NULL;
    cr_assert_eq(run_tool_timeout(&out, &err, img, NULL, NULL, NULL), 3, "%s", err);
    cr_assert(asprintf(&expected,
                       "sxsdoctor: %s: error: GPT header at LBA 1: 4294967295 partition entries "
                       "of 128 bytes (512.0 GiB) exceed the 128 KiB limit; the partition table "
                       "was not read\n",
                       img) > 0);
    cr_assert(strncmp(err, expected, strlen(expected)) == 0, "stderr: %s", err);
    cr_assert_not_null(strstr(out, "UNREADABLE"), "%s", out);
    free(expected);
    free(out);
    free(err);
    free(cmd);
    free(img);
    free(dir);
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Overwrites len bytes at off of the file with deterministic garbage. */
static void garble(FILE *f, uint64_t off, size_t len, unsigned seed)
{
    cr_assert_eq(fseeko(f, (off_t)off, SEEK_SET), 0);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        fputc((int)(seed >> 16) & 0xFF, f);
    }
}

/* Copies a sample image into a fresh directory; returns the copy's path. */
static char *copy_sample(const char *tag, const char *name)
{
    char *dir = sxs_test_tmpdir(tag);
    char *img = NULL, *cmd = NULL;
    cr_assert(asprintf(&img, "%s/%s", dir, name) > 0);
    cr_assert(asprintf(&cmd, "cp '%s/%s' '%s'", SXS_SAMPLE_OUT, name, img) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    free(dir);
    return img;
}

/* Runs sxsdoctor on a corrupt image and asserts exit 3 (UNREADABLE) and stderr exactly: the
 * container's "no partition table" warning and "no Windows installation found", nothing from
 * LeakSanitizer. Full unwinding lets tests/lsan.supp match libtsk/libvhdi/libewf frames
 * (those libraries have no frame pointers). */
static void assert_corrupt_unreadable(const char *img, const char *container)
{
    char *lsan = NULL;
    cr_assert(asprintf(&lsan,
                       "LSAN_OPTIONS=suppressions=%s/tests/lsan.supp:fast_unwind_on_malloc=0:"
                       "print_suppressions=0",
                       SXS_SOURCE_DIR) > 0);
    char *argv[] = {"/usr/bin/timeout", "10", "/usr/bin/env", lsan, (char *)sxs_binary(),
                    (char *)img,        NULL};
    char *out, *err, *expected = NULL;
    int sig = 0;
    int rc = sxs_run(argv, &out, &err, &sig);
    cr_assert_eq(sig, 0);
    cr_assert_eq(rc, 3, "%s", err);
    cr_assert(asprintf(&expected,
                       "sxsdoctor: %s: warning: %s: no partition table or filesystem recognised "
                       "on the %s disk (offset 0)\n"
                       "sxsdoctor: %s: error: no Windows installation found\n",
                       img, img, container, img) > 0);
    cr_assert_str_eq(err, expected);
    cr_assert_not_null(strstr(out, "UNREADABLE"), "%s", out);
    free(expected);
    free(out);
    free(err);
    free(lsan);
}

/* Issue 17 item 7: a dynamic VHD whose block allocation table is garbage: exit 3 and no leak
 * report (libtsk's own VHD reader leaked libvhdi's error on every failed read; the libvhdi
 * island's reader frees it, so tests/lsan.supp no longer carries a suppression for it). */
Test(scenario, vhd_garbage_bat_exit_3_no_leak_report)
{
    char *img = copy_sample("vhdbat", "healthy.vhd");
    FILE *f = fopen(img, "r+b");
    cr_assert_not_null(f);
    uint8_t foot[512], dyn[512];
    cr_assert_eq(fread(foot, 1, sizeof(foot), f), sizeof(foot)); /* footer copy at 0 */
    cr_assert_eq(memcmp(foot, "conectix", 8), 0);
    uint64_t dyn_off = get_be(foot + 16, 8);
    cr_assert_eq(fseeko(f, (off_t)dyn_off, SEEK_SET), 0);
    cr_assert_eq(fread(dyn, 1, sizeof(dyn), f), sizeof(dyn));
    cr_assert_eq(memcmp(dyn, "cxsparse", 8), 0);
    uint64_t bat = get_be(dyn + 16, 8);
    uint32_t entries = (uint32_t)get_be(dyn + 28, 4);
    cr_assert_gt(entries, 0);
    garble(f, bat, (size_t)entries * 4, 7);
    fclose(f);
    assert_corrupt_unreadable(img, "vhd");
    free(img);
}

/* Issue 17 item 7: an E01 whose table and table2 sections (the chunk offsets) are garbage.
 * libewf leaks the chunk data of each chunk it fails to read; suppressed in tests/lsan.supp. */
Test(scenario, e01_garbage_table_exit_3_no_leak_report)
{
    char *img = copy_sample("e01table", "healthy.E01");
    FILE *f = fopen(img, "r+b");
    cr_assert_not_null(f);
    uint64_t off = 13;
    int tables = 0;
    for (int n = 0; n < 64; n++) {
        uint8_t sh[100] = {0}; /* section header (76 bytes), then a table's header */
        cr_assert_eq(fseeko(f, (off_t)off, SEEK_SET), 0);
        cr_assert_geq(fread(sh, 1, sizeof(sh), f), 76);
        uint64_t next = get_le(sh + 16, 8);
        if (strcmp((const char *)sh, "table") == 0 || strcmp((const char *)sh, "table2") == 0) {
            uint32_t count = (uint32_t)get_le(sh + 76, 4);
            cr_assert_gt(count, 0);
            garble(f, off + 76 + 24, (size_t)count * 4, 11);
            tables++;
        }
        if (strcmp((const char *)sh, "done") == 0 || next <= off)
            break;
        off = next;
    }
    fclose(f);
    cr_assert_eq(tables, 2, "table and table2 sections found");
    assert_corrupt_unreadable(img, "ewf");
    free(img);
}

/* The builder's GPT layout as the report shows it: ESP, MSR (named, not "unknown"), NTFS. */
Test(scenario, healthy_volume_table)
{
    char *out = check_scenario("healthy.raw", 0, "None", "[]");
    ASSERT_JSON(out,
                "[(v['index'], v['offset'], v['size'], v['fs'], v['label']) for v in "
                "d['volumes']]",
                "[(0, 1048576, 8388608, 'fat12', 'SYSTEM'), (1, 9437184, 16777216, 'unknown', "
                "''), (2, 26214400, 39845888, 'ntfs', 'Windows')]");
    ASSERT_JSON(out, "d['volumes'][1]['note']",
                "Microsoft reserved partition (holds no filesystem)");
    ASSERT_JSON(out, "[(i['volume'], i['path'], i['edition']) for i in d['installs']]",
                "[(2, 'Windows', 'Professional')]");
    free(out);
}

/* A crash left SYSTEM dirty: the disabled service is only in .LOG1, so the finding proves the
 * replay ran before the facts were read. */
Test(scenario, wu_services_only_in_dirty_hive_log)
{
    char *out = check_scenario("wu-services-dirty.raw", 1, "WU-SERVICES", "['WU-SERVICES']");
    ASSERT_JSON(out, "[(h['name'], h['state']) for h in d['installs'][0]['hives']]",
                "[('software', 'clean'), ('system', 'replayed'), ('components', 'clean')]");
    ASSERT_JSON(out, "d['installs'][0]['hives'][1]['detail']",
                "dirty (3/2), replayed 1 entries, 2 pages from LOG1");
    ASSERT_JSON(out, "[e['text'] for e in d['findings'][0]['evidence']]",
                "['service.wuauserv.start = 4']");
    free(out);
}

/* The failure lines sit only in a CbsPersist .cab: expanded in memory, cited by cab path. */
Test(scenario, driver_missing_in_cbspersist_cab)
{
    char *out =
        check_scenario("driver-missing-persist.raw", 1, "DRIVER-MISSING", "['DRIVER-MISSING']");
    ASSERT_JSON(out, "sorted(set(e['source'] for e in d['findings'][0]['evidence'] if e['line']))",
                "['Windows/Logs/CBS/CbsPersist_20250611031306.cab']");
    ASSERT_JSON(out, "any('ntprint4.inf_*' in s['command'] for s in d['findings'][0]['plan'])",
                "True");
    free(out);
}

SCENARIO(backup_reparse_kinds, "backup-reparse-kinds.raw", 1, "BACKUP-REPARSE",
         "['BACKUP-REPARSE']")

/* A junction to itself and a symlink to its own folder: each reported as a loop (fact, reason
 * and a warning naming it), and the run ends: nothing follows them. */
Test(scenario, reparse_loops_are_reported_not_followed)
{
    char *img = sxs_sample("backup-reparse-kinds.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", img, NULL, NULL), 1, "%s", err);
    ASSERT_JSON(out,
                "sorted(f['value'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'reparse.library_junction.loop')",
                "['Users/alex/Documents/Self', 'Users/alex/Music/Up']");
    ASSERT_JSON(out,
                "sorted(f['source'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'reparse.library_junction.bad.reason' and f['value'] == 'loop')",
                "['Users/alex/Documents/Self', 'Users/alex/Music/Up']");
    cr_assert_not_null(strstr(err, "Users/alex/Music/Up -> ..\\Music points to itself or to a "
                                   "folder above it: a loop (not followed)"),
                       "%s", err);
    free(out);
    free(err);
    free(img);
}

/* ---- hostile values in the repair plan (issue 17 item 1) ----------------------------- */

/* Characters that end, chain, redirect, expand or escape in cmd.exe or PowerShell. */
#define SHELL_META "&|<>^%!$`\r"

/* Asserts one pasted command line holds no shell metacharacter and balanced quotes. */
static void assert_inert_command(const char *what, const char *cmd, size_t len)
{
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++) {
        cr_assert(!strchr(SHELL_META, cmd[i]) || cmd[i] == '\0', "%s: command has '%c': %.*s", what,
                  cmd[i], (int)len, cmd);
        quotes += cmd[i] == '"';
    }
    cr_assert_eq(quotes % 2, 0, "%s: unbalanced quotes: %.*s", what, (int)len, cmd);
}

#define OEM12_CMD "dir /ad \"F:\\Windows\\System32\\DriverStore\\FileRepository\\oem12.inf_*\""
#define WITHHELD_INF                                                                               \
    "Command withheld: the value of {inf} was rejected as an INF name (character not allowed "     \
    "at byte 1): \"x\\\"\\x26del;F:\\\\Windows\\\\System32\\\\config\\\\SOFTWARE\\x26rem\". "      \
    "Check it by hand before running anything."

Test(scenario, plan_injection_value_withheld_in_every_format)
{
    /* JSON: the hostile INF's step has no command, its note says why; oem12.inf's runs */
    char *out = check_scenario("plan-injection.raw", 1, "DRIVER-MISSING", "['DRIVER-MISSING']");
    ASSERT_JSON(out, "'\\n'.join(s['command'] for s in d['findings'][0]['plan'] if s['command'])",
                OEM12_CMD);
    ASSERT_JSON(out,
                "all(not any(c in s['command'] for c in '&|<>^%!$`\\r\\n') and "
                "s['command'].count('\"') % 2 == 0 for f in d['findings'] for s in f['plan'])",
                "True");
    ASSERT_JSON(out,
                "[s['note'].endswith("
                "r'" WITHHELD_INF "'"
                ") for s in d['findings'][0]['plan']]",
                "[False, True, False, False, False]");
    free(out);

    char *img = sxs_sample("plan-injection.raw");
    char *err;
    /* text: commands are the lines indented 11 spaces that are not "(note)" */
    cr_assert_eq(run_tool(&out, &err, img, NULL, NULL, NULL), 1);
    size_t ncmd = 0;
    for (const char *l = out; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n > 11 && strncmp(l, "           ", 11) == 0 && l[11] != '(' && l[11] != ' ') {
            assert_inert_command("text", l + 11, n - 11);
            ncmd++;
        }
        l += n + (e != NULL);
    }
    cr_expect_eq(ncmd, 1, "%s", out);
    cr_expect_not_null(strstr(out, "\n           " OEM12_CMD "\n"), "%s", out);
    cr_expect_not_null(strstr(out, WITHHELD_INF ")\n"), "%s", out);
    free(out);
    free(err);

    /* Markdown: commands are the fenced blocks of the plan */
    cr_assert_eq(run_tool(&out, &err, "--markdown", img, NULL, NULL), 1);
    ncmd = 0;
    const char *plan = strstr(out, "\n1. Back up");
    cr_assert_not_null(plan, "%s", out);
    for (const char *f = strstr(plan, "   ```\n"); f; f = strstr(f, "   ```\n")) {
        const char *body = f + 7;
        const char *end = strstr(body, "\n   ```");
        cr_assert_not_null(end);
        cr_assert(strncmp(body, "   ", 3) == 0);
        assert_inert_command("markdown", body + 3, (size_t)(end - body - 3));
        ncmd++;
        f = end + 7;
    }
    cr_expect_eq(ncmd, 1, "%s", plan);
    cr_expect_not_null(strstr(plan, "```\n   " OEM12_CMD "\n   ```"), "%s", plan);
    cr_expect_not_null(strstr(plan, WITHHELD_INF "\n"), "%s", plan);
    free(out);
    free(err);
    free(img);
}

Test(scenario, other_layouts_and_containers)
{
    struct {
        const char *file, *format, *installs;
    } cases[] = {
        {"mbr-system-reserved.raw", "raw", "[(1, 19045)]"},
        {"bare-volume.raw", "raw", "[(0, 26100)]"},
        {"healthy.vmdk", "vmdk", "[(2, 26100)]"},
        {"healthy-split.001", "split-raw", "[(2, 26100)]"},
        {"healthy-fixed.vhd", "vhd", "[(2, 26100)]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = check_scenario(cases[i].file, 0, "None", "[]");
        ASSERT_JSON(out, "d['evidence']['format']", cases[i].format);
        ASSERT_JSON(out, "[(i['volume'], i['build']) for i in d['installs']]", cases[i].installs);
        free(out);
    }
}

/* The directory backend (a mounted volume) gives the same diagnosis as the image. */
Test(scenario, mounted_directory_same_as_image)
{
    char *tree = sxs_sample("ssu-empty.tree");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", tree, NULL, NULL), 1, "%s", err);
    assert_contract(out);
    ASSERT_JSON(out, "d['evidence']['format']", "directory");
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    assert_ssu_empty(out);
    free(out);
    free(err);
    free(tree);
    tree = sxs_sample("healthy.tree");
    cr_assert_eq(run_tool(&out, &err, "--json", tree, NULL, NULL), 0, "%s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    free(out);
    free(err);
    free(tree);
}

/* Part of the evidence unreadable and nothing found: not "healthy". Exit 3, the error names
 * the hive, and what could be read is still reported. The damage (the base block's root cell
 * offset beyond the bins) is one the file's size and signature do not show; a truncated or
 * signature-less SYSTEM is HIVE-DAMAGED instead (tests/test_boot_drivers.c). */
Test(scenario, unreadable_hive_is_not_healthy)
{
    char *tree = sxs_sample("healthy.tree");
    char *dir = sxs_test_tmpdir("badhive");
    char *cmd = NULL;
    cr_assert(asprintf(&cmd,
                       "cp -r '%s/.' '%s/' && printf '\\360\\377\\377\\177' | dd "
                       "of='%s/Windows/System32/config/SYSTEM' bs=1 seek=36 conv=notrunc "
                       "2>/dev/null",
                       tree, dir, dir) > 0);
    cr_assert_eq(system(cmd), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", dir, NULL, NULL), 3, "%s", err);
    assert_contract(out);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[(i['build'], i['ubr']) for i in d['installs']]", "[(26100, 5074)]");
    ASSERT_JSON(out, "[h['state'] for h in d['installs'][0]['hives']]",
                "['clean', 'unreadable', 'clean']");
    ASSERT_JSON(out, "[e['source'] for e in d['errors'] if e['level'] == 'error']",
                "['Windows/System32/config/SYSTEM']");
    cr_assert_not_null(strstr(err, "Windows/System32/config/SYSTEM"), "%s", err);
    free(out);
    free(err);
    free(cmd);
    free(dir);
    free(tree);
}

/* ---- hostile hives (issue 17) ------------------------------------------------------------ */

static char *copy_sample_tree(const char *sample_name, const char *tag)
{
    char *tree = sxs_sample(sample_name);
    char *dir = sxs_test_tmpdir(tag);
    char *cmd = NULL;
    cr_assert(asprintf(&cmd, "cp -r '%s/.' '%s/'", tree, dir) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    free(tree);
    return dir;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Loops the SOFTWARE hive's subkey graph at key Microsoft: kind 0 turns its subkey list into
 * an ri index listing itself, kind 1 an ri 2-cycle with the list of Microsoft\Windows NT, kind
 * 2 makes its leaf list name Microsoft itself. Writes the reason the check gives into why and
 * returns the cell it names. */
static uint32_t loop_software(uint8_t *h, size_t len, int kind, char **why)
{
    uint32_t nk = hm_find_key(h, len, "Microsoft");
    uint32_t l = hm_subkey_list(h, len, nk);
    uint32_t l2 = hm_subkey_list(h, len, hm_find_key(h, len, "Microsoft\\Windows NT"));
    cr_assert(nk && l && l2);
    char sig[3] = {(char)h[4096 + l + 4], (char)h[4096 + l + 5], 0};
    if (kind == 0) {
        cr_assert_eq(hm_make_ri(h, len, l, &l, 1), 0);
        cr_assert(asprintf(why, "subkey index (ri) at cell offset 0x%x lists itself", l) > 0);
        return l;
    }
    if (kind == 1) {
        cr_assert_eq(hm_make_ri(h, len, l, &l2, 1), 0);
        cr_assert_eq(hm_make_ri(h, len, l2, &l, 1), 0);
        cr_assert(asprintf(why,
                           "subkey list (ri) at cell offset 0x%x is part of a cycle, reached again "
                           "from the subkey index (ri) at 0x%x",
                           l, l2) > 0);
        return l;
    }
    cr_assert_eq(hm_set_leaf(h, len, l, 0, nk), 0);
    cr_assert(asprintf(why,
                       "key (nk) at cell offset 0x%x lists itself as its own subkey (in its "
                       "subkey list (%s) at 0x%x)",
                       nk, sig, l) > 0);
    return nk;
}

/* Runs --json on evidence whose SOFTWARE hive loops; the binary must not crash (libregf
 * 20201007 recursed until SIGSEGV), must name the hive, the cell and the damage, and must
 * still report what SYSTEM gave. */
static void assert_looping_software_reported(const char *evidence, uint32_t cell, const char *why)
{
    char *out, *err;
    int rc = run_tool(&out, &err, "--json", evidence, NULL, NULL);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    assert_contract(out);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "[('software', 'unreadable', 'corrupt: %s'), ('system', 'clean', ''), "
                       "('components', 'clean', '')]",
                       why) > 0);
    ASSERT_JSON(out, "[(h['name'], h['state'], h['detail']) for h in d['installs'][0]['hives']]",
                want);
    free(want);
    cr_assert(asprintf(&want,
                       "[('Windows/System32/config/SOFTWARE', 'error', %u, 'hive unreadable "
                       "(clean): corrupt: %s')]",
                       4096 + cell, why) > 0);
    ASSERT_JSON(out, "[(e['source'], e['level'], e['offset'], e['message']) for e in d['errors']]",
                want);
    free(want);
    ASSERT_JSON(out, "d['installs'][0]['timezone']['name']", "W. Europe Standard Time");
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] in "
                "('system.computer_name', 'service.wuauserv.start')]",
                "['DESKTOP-SXS01', '3']");
    cr_assert(asprintf(&want,
                       "Windows/System32/config/SOFTWARE: error: hive unreadable (clean): "
                       "corrupt: %s",
                       why) > 0);
    cr_assert_not_null(strstr(err, want), "%s", err);
    free(want);
    free(out);
    free(err);
}

Test(hostile, looping_subkey_graph_in_mounted_volume)
{
    for (int kind = 0; kind < 3; kind++) {
        char *dir = copy_sample_tree("healthy.tree", "loophive");
        char *path = NULL;
        cr_assert(asprintf(&path, "%s/Windows/System32/config/SOFTWARE", dir) > 0);
        size_t len = 0;
        uint8_t *h = (uint8_t *)sxs_slurp(path, &len);
        cr_assert_not_null(h);
        char *why = NULL;
        uint32_t cell = loop_software(h, len, kind, &why);
        write_file(path, h, len);
        assert_looping_software_reported(dir, cell, why);
        free(why);
        free(h);
        free(path);
        free(dir);
    }
}

/* The same damage inside a raw disk image: the hive's clusters are patched in a copy of the
 * sample image, and the copy is still only read. */
Test(hostile, looping_subkey_index_in_raw_image)
{
    char *img = sxs_sample("healthy.raw");
    char *tree = sxs_sample("healthy.tree");
    char *hive_path = NULL;
    cr_assert(asprintf(&hive_path, "%s/Windows/System32/config/SOFTWARE", tree) > 0);
    size_t hive_len = 0, img_len = 0;
    uint8_t *hive = (uint8_t *)sxs_slurp(hive_path, &hive_len);
    uint8_t *disk = (uint8_t *)sxs_slurp(img, &img_len);
    cr_assert(hive && disk);
    long at = hm_find_file(disk, img_len, hive, hive_len);
    cr_assert_geq(at, 0, "SOFTWARE not stored contiguously in %s", img);
    char *why = NULL;
    uint32_t cell = loop_software(disk + at, hive_len, 1, &why);
    char *dir = sxs_test_tmpdir("loopimg");
    char *copy = NULL;
    cr_assert(asprintf(&copy, "%s/healthy-looping.raw", dir) > 0);
    write_file(copy, disk, img_len);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(copy, before), 0);
    assert_looping_software_reported(copy, cell, why);
    cr_assert_eq(sxs_sha256_file(copy, after), 0);
    cr_assert_str_eq(before, after);
    free(why);
    free(copy);
    free(dir);
    free(disk);
    free(hive);
    free(hive_path);
    free(tree);
    free(img);
}

/* Issue 17: three 5 KiB .LOG1 files, each one valid HvLE entry claiming 0x1FFFE000 bytes of
 * hive bins, grew every hive to 512 MiB (peak RSS 1.6 GiB). The entries are refused with the
 * figures and the run stays at its usual size. */
Test(hostile, log_claiming_huge_hive_bins_is_refused_memory_bounded)
{
    char *dir = copy_sample_tree("healthy.tree", "amplog");
    static const char *const names[3] = {"SOFTWARE", "SYSTEM", "COMPONENTS"};
    static const char *const report_names[3] = {"software", "system", "components"};
    char *want_hives = strdup("[");
    for (int i = 0; i < 3; i++) {
        char *path = NULL, *log_path = NULL;
        cr_assert(asprintf(&path, "%s/Windows/System32/config/%s", dir, names[i]) > 0);
        cr_assert(asprintf(&log_path, "%s.LOG1", path) > 0);
        size_t len = 0;
        uint8_t *h = (uint8_t *)sxs_slurp(path, &len);
        cr_assert_not_null(h);
        uint32_t seq = hm_mark_dirty(h);
        write_file(path, h, len);
        const hm_page far = {0x1FFFD000u, 4096, 0x5A};
        size_t log_len = 0;
        uint8_t *log = hm_make_log(seq, 0x1FFFE000u, &far, 1, &log_len);
        cr_assert_not_null(log);
        cr_assert_eq(log_len, 5120);
        write_file(log_path, log, log_len);
        char *next = NULL;
        cr_assert(asprintf(&next,
                           "%s%s('%s', 'dirty-not-replayed', 'dirty (%u/%u): LOG1: entry at 512 "
                           "claims 536862720 bytes of hive bins, %zu more than the hive holds, "
                           "but its dirty pages carry only 4096 of them')",
                           want_hives, i ? ", " : "", report_names[i], seq + 1, seq,
                           (size_t)0x1FFFE000u - (len - 4096)) > 0);
        free(want_hives);
        want_hives = next;
        free(log);
        free(h);
        free(log_path);
        free(path);
    }
    char *closed = NULL;
    cr_assert(asprintf(&closed, "%s]", want_hives) > 0);
    char *out, *err;
    /* dirty hives whose logs were refused: not HEALTHY (HIVE-DAMAGED names both) */
    cr_assert_eq(run_tool(&out, &err, "--json", dir, NULL, NULL), 1, "%s", err);
    struct rusage ru;
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    /* The same run without the logs peaks at ~30 MiB under ASan; 512 MiB per hive is gone. */
    cr_assert_lt(ru.ru_maxrss, 160L * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
    assert_contract(out);
    ASSERT_JSON(out, "[(h['name'], h['state'], h['detail']) for h in d['installs'][0]['hives']]",
                closed);
    ASSERT_JSON(out, "d['installs'][0]['build']", "26100");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['HIVE-DAMAGED']");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "The SYSTEM hive is dirty and its transaction logs could not be replayed");
    free(out);
    free(err);
    free(closed);
    free(want_hives);
    free(dir);
}

/* Crash residue in a log (NUL runs, binary junk) is skipped, never fatal. */
Test(scenario, binary_garbage_in_log_is_read_past)
{
    char *tree = sxs_sample("ssu-empty.tree");
    char *dir = sxs_test_tmpdir("junklog");
    char *cmd = NULL;
    cr_assert(asprintf(&cmd,
                       "cp -r '%s/.' '%s/' && head -c 200000 /dev/zero >> '%s/Windows/Logs/DISM/"
                       "dism.log' && head -c 65536 /dev/urandom >> '%s/Windows/Logs/DISM/dism.log'",
                       tree, dir, dir, dir) > 0);
    cr_assert_eq(system(cmd), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", dir, NULL, NULL), 1, "%s", err);
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    ASSERT_JSON(out,
                "any(e['source'] == 'Windows/Logs/DISM/dism.log' for e in "
                "d['findings'][0]['evidence'])",
                "True");
    free(out);
    free(err);
    free(cmd);
    free(dir);
    free(tree);
}

/* ---- decoding the codes a finding cites ---------------------------------------------- */

Test(codes, scans_failure_codes_once_with_extend_codes)
{
    cli_codes c = {0};
    cli_codes_scan(&c, "Error: 0x80070003[gle=0x00000003] again 0x80070003, PID 0x1F40, "
                       "ok 0x00000000, setup 0xC1900101 - 0x2000D, x0x8007000D");
    cr_assert_eq(c.count, 2);
    cr_assert_eq(c.items[0].code, 0x80070003u);
    cr_assert_not(c.items[0].has_extend);
    cr_assert_eq(c.items[1].code, 0xC1900101u);
    cr_assert(c.items[1].has_extend);
    char d[512];
    cli_code_describe(&c.items[0], d, sizeof(d));
    cr_assert_str_eq(d, "0x80070003 ERROR_PATH_NOT_FOUND: The system cannot find the path "
                        "specified.");
    cli_code_describe(&c.items[1], d, sizeof(d));
    cr_assert_not_null(strstr(d, "Extend code 0x2000D: phase Safe OS, operation migrate data."),
                       "%s", d);
}

Test(codes, report_decodes_the_cited_code)
{
    char *out = check_scenario("ssu-empty.raw", 1, "SSU-EMPTY", "['SSU-EMPTY']");
    ASSERT_JSON(out, "[(c['code'], c['name']) for c in d['findings'][0]['codes']]",
                "[('0x80070003', 'ERROR_PATH_NOT_FOUND')]");
    free(out);
}

/* ---- the servicing history end to end ---------------------------------------------- */

/* A failed cumulative update followed by a successful later one: HEALTHY, and the history
 * shows both, the failure resolved by the later one. */
Test(history_cli, resolved_failure_is_healthy_with_both_in_history)
{
    char *out = check_scenario("cu-failed-resolved.raw", 0, "None", "[]");
    ASSERT_JSON(out, "[(h['kind'], h['kb'], h['status'], h['result']) for h in d['history']]",
                "[('update', 'KB5062553', 'failed', '0x800F0922'), ('update', 'KB5063878', "
                "'pending', '0x00000000')]");
    ASSERT_JSON(out, "[h['resolved_by'] for h in d['history']]", "[1, None]");
    free(out);
}

Test(history_cli, failed_update_names_kb_code_and_line)
{
    char *out = check_scenario("cu-failed.raw", 1, "UPDATE-FAILED", "['UPDATE-FAILED']");
    ASSERT_JSON(out, "d['findings'][0]['confidence']", "high");
    ASSERT_JSON(out, "'KB5062553' in str(d['findings'][0]['evidence'])", "True");
    ASSERT_JSON(out,
                "[e['line'] for e in d['findings'][0]['evidence'] if "
                "e['source'] == 'Windows/Logs/CBS/CBS.log' and 'Generating failure report' in "
                "e['text']]",
                "[5]");
    ASSERT_JSON(out, "[c['name'] for c in d['findings'][0].get('codes', [])]",
                "['CBS_E_INSTALLERS_FAILED']");
    free(out);
}

/* A healthy volume with a real failed upgrade's logs put where setup writes them. */
static char *upgrade_tree(const char *tag, const char *const *rel, const char *const *dest,
                          size_t n)
{
    char *dir = copy_sample_tree("healthy.tree", tag);
    char *cmd = NULL;
    for (size_t i = 0; i < n; i++) {
        char *src = sxs_corpus_path(rel[i]);
        if (!src)
            cr_skip_test("corpus file %s absent", rel[i]);
        cr_assert(asprintf(&cmd, "mkdir -p \"$(dirname '%s/%s')\" && cp '%s' '%s/%s'", dir, dest[i],
                           src, dir, dest[i]) > 0);
        cr_assert_eq(system(cmd), 0);
        free(cmd);
        free(src);
    }
    return dir;
}

Test(history_cli, corpus_appostarsi_upgrade_failed_safe_os_apply_image)
{
    static const char *const rel[] = {
        "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz",
        "logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log",
        "logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log"};
    static const char *const dest[] = {"$WINDOWS.~BT/Sources/Panther/setupact.log",
                                       "$WINDOWS.~BT/Sources/Rollback/setupact.log",
                                       "Windows/Logs/SetupDiag/SetupDiagResults.log"};
    char *dir = upgrade_tree("appostarsi", rel, dest, 3);
    char *tl = NULL;
    cr_assert(asprintf(&tl, "%s.timeline.jsonl", dir) > 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", "--timeline", tl, dir), 1, "%s", err);
    assert_contract(out);
    ASSERT_JSON(out, "d['verdict']['primary']", "UPGRADE-FAILED");
    ASSERT_JSON(out,
                "[(h['result'], h['extend_code'], h['extend_phase'], h['extend_operation'], "
                "h['phase'], h['rolled_back'], h['source_build'], h['target_build']) for h in "
                "d['history'] if h['kind'] == 'upgrade']",
                "[('0x8007000D', '0x2000C', 'Safe OS', 'apply image', 'Safe OS', True, "
                "'10.0.19045.0', '10.0.22621.1')]");
    ASSERT_JSON(out,
                "[h['operation'] for h in d['history'] if h['kind'] == 'upgrade'][0]."
                "startswith('Apply WIM file')",
                "True");
    /* SetupDiag's own report of the same run is merged into the attempt and cited */
    ASSERT_JSON(out, "[h['client'] for h in d['history'] if h['kind'] == 'upgrade']",
                "['SetupDiag FindRollbackFailure']");
    ASSERT_JSON(out,
                "any(e['source'] == 'Windows/Logs/SetupDiag/SetupDiagResults.log' and "
                "'0x8007000D-0x2000C' in e['text'] for h in d['history'] for e in h['evidence'])",
                "True");
    /* the media-corruption class: 0x80070570 under the failure, chkdsk in the plan */
    ASSERT_JSON(out, "'0x80070570' in str(d['findings'][0]['evidence'])", "True");
    ASSERT_JSON(out, "any(s['command'] == 'chkdsk F:' for s in d['findings'][0]['plan'])", "True");
    /* the timeline: one JSON object a line, with Timesketch's three required keys */
    char *q = NULL;
    cr_assert(
        asprintf(&q,
                 "python3 -c \"import json,sys; L=[json.loads(l) for l in open(sys.argv[1])];"
                 " assert L and all({'message','datetime','timestamp_desc'} <= set(e) for e in L);"
                 " assert any(e['timestamp_desc']=='Servicing attempt start' and "
                 "e['result']=='0x8007000D' and e['datetime']=='2023-05-22T23:21:30+00:00' "
                 "for e in L)\" '%s'",
                 tl) > 0);
    cr_assert_eq(system(q), 0, "timeline %s", tl);
    free(q);
    free(tl);
    free(out);
    free(err);
    free(dir);
}

Test(history_cli, corpus_rickak77_upgrade_failed_0x80070032)
{
    static const char *const rel[] = {"logs/panther/rickak77_upgrade_error/setupact.log"};
    static const char *const dest[] = {"$WINDOWS.~BT/Sources/Panther/setupact.log"};
    char *dir = upgrade_tree("rickak77", rel, dest, 1);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", dir, NULL, NULL), 1, "%s", err);
    assert_contract(out);
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['UPGRADE-FAILED']");
    ASSERT_JSON(out, "'0x80070032' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out, "[h['status'] for h in d['history'] if h['kind'] == 'upgrade']", "['failed']");
    free(out);
    free(err);
    free(dir);
}

/* SetupDiag's results alone (XML and registry of one run): UPGRADE-FAILED from SetupDiag's
 * conclusion, one attempt. */
Test(history_cli, setupdiag_results_alone_make_upgrade_failed)
{
    char *out = check_scenario("setupdiag-xml.raw", 1, "UPGRADE-FAILED", "['UPGRADE-FAILED']");
    ASSERT_JSON(out,
                "[(h['client'], h['result'], h['extend_code'], h['phase']) for h in d['history'] "
                "if h['kind'] == 'upgrade']",
                "[('SetupDiag FindRollbackFailure', '0x800736CC', '0x20003', 'Safe OS')]");
    ASSERT_JSON(out,
                "'Windows/Logs/SetupDiag/SetupDiagResults.xml' in "
                "[e['source'] for e in d['findings'][0]['evidence']]",
                "True");
    free(out);
}

/* A healthy machine's real Panther logs (Azure first boot) add no finding. */
Test(history_cli, corpus_azure_specialize_stays_healthy)
{
    static const char *const rel[] = {"logs/panther/azure_vm_specialize/setupact.log",
                                      "logs/panther/azure_vm_specialize/setuperr.log"};
    static const char *const dest[] = {"Windows/Panther/setupact.log",
                                       "Windows/Panther/setuperr.log"};
    char *dir = upgrade_tree("azure", rel, dest, 2);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", dir, NULL, NULL), 0, "%s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    ASSERT_JSON(out, "[h['kind'] for h in d['history'] if h['kind'] == 'upgrade']", "[]");
    free(out);
    free(err);
    free(dir);
}

/* --timeline never writes over the evidence. */
Test(history_cli, timeline_refuses_the_evidence)
{
    char *img = sxs_sample("healthy.raw");
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(img, before), 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--timeline", img, img, NULL), 2);
    cr_assert_not_null(strstr(err, "is the evidence"), "%s", err);
    cr_assert_eq(sxs_sha256_file(img, after), 0);
    cr_assert_str_eq(before, after);
    free(out);
    free(err);
    free(img);
}

/* Without the shipped rules, an unresolved failure in the history still is not HEALTHY. */
Test(history_cli, unresolved_failure_without_rules_is_not_healthy)
{
    char *img = sxs_sample("cu-failed.raw");
    char *dir = sxs_test_tmpdir("norules");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--no-builtin-rules", "--rules", dir, img), 1, "%s", err);
    cr_assert_not_null(strstr(out, "unresolved failed attempt"), "%s", out);
    free(out);
    free(err);
    free(dir);
    free(img);
}

/* A session that began in a rolled-over CbsPersist log and ended (failing) in CBS.log: the
 * archive is read first, so the failure is the session's. */
Test(history_cli, session_across_cbspersist_and_cbs_log)
{
    char *dir = copy_sample_tree("healthy.tree", "persist");
    char *cmd = NULL;
    cr_assert(asprintf(&cmd,
                       "cd '%s/Windows/Logs/CBS' && "
                       "printf '2025-08-20 03:10:04, Info                  CBS    Session: "
                       "31210000_1 initialized by client UpdateAgentLCU\\r\\n"
                       "2025-08-20 03:10:05, Info                  CBS    Exec: Processing "
                       "started.  Session: 31210000_1, Package: "
                       "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.5000.1.1\\r\\n' > "
                       "CbsPersist_20250820031100.log && "
                       "printf '2025-08-20 03:41:19, Info                  CBS    Session: "
                       "31210000_1 finalized. Reboot required: no [HRESULT = 0x80073712 - "
                       "ERROR_SXS_COMPONENT_STORE_CORRUPT]\\r\\n' > CBS.log",
                       dir) > 0);
    cr_assert_eq(system(cmd), 0);
    char *out, *err;
    int rc = run_tool(&out, &err, "--json", dir, NULL, NULL);
    cr_assert_eq(rc, 1, "%s", err);
    ASSERT_JSON(out,
                "[(h['package'], h['result'], h['status']) for h in d['history'] if "
                "h['kind'] == 'update']",
                "[('Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.5000.1.1', '0x80073712', "
                "'failed')]");
    /* the store-corruption code is COMPONENT-CORRUPT's: the generic finding gives way */
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['COMPONENT-CORRUPT']");
    free(out);
    free(err);
    free(cmd);
    free(dir);
}

/* A report that cannot be written is exit 4 whatever the verdict: healthy (0), findings (1)
 * and a failed --timeline all give 4, and stderr says what could not be written. */
Test(cli, unwritable_report_exits_4_whatever_the_verdict)
{
    const char *imgs[] = {"healthy.raw", "ssu-empty.raw"};
    for (size_t i = 0; i < 2; i++) {
        char *img = sxs_sample(imgs[i]);
        char *cmd = NULL;
        cr_assert(asprintf(&cmd, "'%s' --json '%s' > /dev/full 2> /dev/null", sxs_binary(), img) >
                  0);
        int st = system(cmd);
        cr_assert(WIFEXITED(st), "%s", cmd);
        cr_assert_eq(WEXITSTATUS(st), 4, "%s: exit %d", imgs[i], WEXITSTATUS(st));
        free(cmd);
        free(img);
    }
    char *img = sxs_sample("healthy.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--timeline", "/dev/full", img, NULL), 4);
    cr_assert_not_null(strstr(err, "/dev/full"), "%s", err);
    free(out);
    free(err);
    free(img);
}

/* A folder name from the disk holding an escape sequence, a carriage return and a newline
 * that fakes a verdict line: text and Markdown show it escaped (\033, \r, \n), never as raw
 * control bytes or as a line of its own; JSON carries it exactly. */
Test(hostile, control_characters_in_names_are_escaped_on_the_terminal)
{
    char *dir = copy_sample_tree("healthy.tree", "escname");
    const char *name = "amd64_microsoft-windows-servicingstack_\033[2J\rVerdict: HEALTHY\n_x";
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/Windows/WinSxS/%s", dir, name) > 0);
    cr_assert_eq(mkdir(path, 0755), 0);
    const char *modes[] = {"--verbose", "--markdown"};
    for (size_t m = 0; m < 2; m++) {
        char *out, *err;
        run_tool(&out, &err, modes[m], "--verbose", dir, NULL);
        cr_assert_null(strchr(out, '\033'), "%s: raw ESC in the report", modes[m]);
        cr_assert_null(strchr(out, '\r'), "%s: raw CR in the report", modes[m]);
        cr_assert_null(strstr(out, "\nVerdict: HEALTHY\n_x"), "%s: a faked line", modes[m]);
        if (m == 0)
            cr_assert_not_null(strstr(out, "servicingstack_\\033[2J\\rVerdict: HEALTHY\\n_x"), "%s",
                               out);
        cr_assert_null(strchr(err, '\033'), "raw ESC on stderr");
        free(out);
        free(err);
    }
    char *out, *err;
    run_tool(&out, &err, "--json", dir, NULL, NULL);
    ASSERT_JSON(out,
                "[v for v in [f['value'] for i in d['installs'] for f in i['facts'] if "
                "f['name'] == 'winsxs.ssu_folder'] if 'HEALTHY' in v]",
                "['amd64_microsoft-windows-servicingstack_\\x1b[2J\\rVerdict: HEALTHY\\n_x']");
    free(out);
    free(err);
    free(path);
    free(dir);
}

/* A split raw image whose .002 is missing while .003 and .004 exist: libtsk would open .001
 * alone as the whole disk; the error names the missing segment instead. */
Test(cli, split_raw_missing_middle_segment_is_named)
{
    char *img = sxs_sample("healthy.raw");
    char *dir = sxs_test_tmpdir("splitgap");
    char *cmd = NULL, *first = NULL;
    cr_assert(asprintf(&cmd,
                       "cd '%s' && split -b 16M -d -a 3 --numeric-suffixes=1 '%s' d. && "
                       "rm d.002",
                       dir, img) > 0);
    cr_assert_eq(system(cmd), 0);
    cr_assert(asprintf(&first, "%s/d.001", dir) > 0);
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--json", first, NULL, NULL), 3);
    cr_assert_not_null(strstr(err, "split raw segment"), "%s", err);
    cr_assert_not_null(strstr(err, "/d.002 is missing ("), "%s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    free(out);
    free(err);
    free(first);
    free(cmd);
    free(dir);
    free(img);
}

/* ---- BOOT-CONFIG: the BCD store ------------------------------------------------------------ */

SCENARIO(boot_bcd_missing, "boot-bcd-missing.raw", 1, "BOOT-CONFIG", "['BOOT-CONFIG']")
SCENARIO(boot_bcd_bad_device, "boot-bcd-bad-device.raw", 1, "BOOT-CONFIG", "['BOOT-CONFIG']")
SCENARIO(boot_safeboot, "boot-safeboot.raw", 1, "BOOT-CONFIG", "['BOOT-CONFIG']")
SCENARIO(boot_winload_missing, "boot-winload-missing.raw", 1, "BOOT-CONFIG", "['BOOT-CONFIG']")

/* Runs --json with --boot-drive G: --target-drive H: and returns the report. */
static char *boot_report(const char *file, int want_rc)
{
    char *img = sxs_sample(file);
    char *out, *err;
    int rc = run_tool(&out, &err, "--json", "-bG:", "-tH:", img);
    cr_assert_eq(rc, want_rc, "%s: exit %d; stderr: %s", file, rc, err);
    assert_contract(out);
    free(err);
    free(img);
    return out;
}

/* the bcdedit/bcdboot commands of the plan (the backup steps before them: boot_plan_backs_up_first)
 */
#define BOOT_CMDS                                                                                  \
    "[s['command'] for f in d['findings'] if f['id'] == 'BOOT-CONFIG' for s in f['plan'] if "      \
    "(s.get('command') or '').startswith('bcd')]"

Test(boot, bcd_missing_plan_recreates_with_bcdboot_uefi)
{
    char *out = boot_report("boot-bcd-missing.raw", 1);
    ASSERT_JSON(out, BOOT_CMDS, "['bcdboot H:\\\\Windows /s G: /f UEFI']");
    ASSERT_JSON(out, "d['findings'][0]['severity']", "critical");
    ASSERT_JSON(out, "'0xC0000034' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out, "[e['text'] for e in d['findings'][0]['evidence']][:1]",
                "['boot.bcd.state = missing']");
    free(out);
}

Test(boot, bad_device_plan_sets_device_and_osdevice)
{
    char *out = boot_report("boot-bcd-bad-device.raw", 1);
    ASSERT_JSON(out, BOOT_CMDS,
                "['bcdedit /store G:\\\\EFI\\\\Microsoft\\\\Boot\\\\BCD /enum /v', "
                "'bcdedit /store G:\\\\EFI\\\\Microsoft\\\\Boot\\\\BCD /set "
                "{b2721d73-1db4-4c62-bf78-c548a880142d} device partition=H:', "
                "'bcdedit /store G:\\\\EFI\\\\Microsoft\\\\Boot\\\\BCD /set "
                "{b2721d73-1db4-4c62-bf78-c548a880142d} osdevice partition=H:', "
                "'bcdedit /store G:\\\\EFI\\\\Microsoft\\\\Boot\\\\BCD /set {bootmgr} device "
                "partition=G:']");
    ASSERT_JSON(out,
                "sorted(e['text'] for e in d['findings'][0]['evidence'] if "
                "e['text'].startswith('boot.bcd.default.device') or "
                "e['text'].startswith('boot.bcd.default.osdevice'))",
                "['boot.bcd.default.device = gpt {0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}', "
                "'boot.bcd.default.device.resolved = not-on-disk', "
                "'boot.bcd.default.osdevice = gpt {0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}', "
                "'boot.bcd.default.osdevice.resolved = not-on-disk']");
    ASSERT_JSON(out, "d['findings'][0]['evidence'][0]['source']",
                "EFI/Microsoft/Boot/BCD on volume 1");
    free(out);
}

/* Every BOOT-CONFIG plan starts with the backup of the disk; one that edits the store first
 * copies it off the disk, to the rescue VM's own drive. */
Test(boot, boot_plan_backs_up_first)
{
    char *out = boot_report("boot-safeboot.raw", 1);
    ASSERT_JSON(out, "d['findings'][0]['plan'][0]['step'][:36]",
                "Back up before changing anything - t");
    ASSERT_JSON(out, "d['findings'][0]['plan'][1]['command']",
                "copy /Y \"G:\\Boot\\BCD\" \"C:\\BCD.sxsdoctor-backup\"");
    free(out);
    out = boot_report("boot-bcd-missing.raw", 1);
    ASSERT_JSON(out, "d['findings'][0]['plan'][0]['step'][:36]",
                "Back up before changing anything - t");
    ASSERT_JSON(out,
                "[s['command'] for s in d['findings'][0]['plan'] if s.get('command', "
                "'').startswith('copy')]",
                "[]");
    free(out);
}

Test(boot, safeboot_plan_deletes_the_value_on_system_reserved)
{
    char *out = boot_report("boot-safeboot.raw", 1);
    ASSERT_JSON(out, BOOT_CMDS,
                "['bcdedit /store G:\\\\Boot\\\\BCD /deletevalue {default} safeboot', "
                "'bcdedit /store G:\\\\Boot\\\\BCD /enum']");
    ASSERT_JSON(out, "d['findings'][0]['severity']", "high");
    free(out);
}

Test(boot, winload_missing_names_the_loader)
{
    char *out = boot_report("boot-winload-missing.raw", 1);
    ASSERT_JSON(
        out,
        "[s['command'] for f in d['findings'] if f['id'] == 'BOOT-CONFIG' for s in f['plan'] if "
        "s.get('command')]",
        "['dir \"H:\\\\Windows\\\\System32\\\\winload.*\"', "
        "'sfc /scannow /offbootdir=H:\\\\ /offwindir=H:\\\\Windows', "
        "'bcdedit /store G:\\\\EFI\\\\Microsoft\\\\Boot\\\\BCD /enum "
        "{b2721d73-1db4-4c62-bf78-c548a880142d}']");
    ASSERT_JSON(out, "'\\\\Windows\\\\system32\\\\winload.efi' in d['findings'][0]['description']",
                "True");
    free(out);
}

/* No false alarm: the healthy Gen2 (GPT, ESP) and Gen1 (MBR, System Reserved) images carry a
 * BCD the collector reads whole, every device resolving to the Windows volume. */
Test(boot, healthy_gen1_and_gen2_read_their_bcd_and_find_nothing)
{
    static const struct {
        const char *file, *path, *device, *leaked;
    } cases[] = {
        {"healthy.raw", "boot.bcd.path = EFI/Microsoft/Boot/BCD",
         "boot.bcd.default.device.resolved = volume:3", "boot.bcd.loader.count = 1"},
        {"mbr-system-reserved.raw", "boot.bcd.path = Boot/BCD",
         "boot.bcd.default.device.resolved = volume:2", "boot.bcd.loader.count = 1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *img = sxs_sample(cases[i].file);
        char *out, *err;
        cr_assert_eq(run_tool(&out, &err, "-v", "--no-progress", img, NULL), 0, "%s: %s",
                     cases[i].file, err);
        static const char *const common[] = {
            "boot.bcd.state = ok",
            "boot.bcd.default.osdevice.resolved = volume:",
            "boot.bcd.default.path.exists = true",
            "boot.bcd.default.systemroot.exists = true",
            "boot.bcd.default.recoveryenabled = true",
        };
        for (size_t k = 0; k < sizeof(common) / sizeof(common[0]); k++)
            cr_assert_not_null(strstr(out, common[k]), "%s: no '%s'", cases[i].file, common[k]);
        cr_assert_not_null(strstr(out, cases[i].path), "%s", cases[i].file);
        cr_assert_not_null(strstr(out, cases[i].device), "%s", cases[i].file);
        cr_assert_not_null(strstr(out, cases[i].leaked), "%s", cases[i].file);
        cr_assert_null(strstr(out, "boot.bcd.loader.leaked"), "%s", cases[i].file);
        cr_assert_null(strstr(out, "safeboot"), "%s", cases[i].file);
        free(out);
        free(err);
        free(img);
    }
}

Test(boot, leaked_loaders_are_facts)
{
    char *img = sxs_sample("boot-safeboot.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "-v", "--no-progress", img, NULL), 1, "%s", err);
    cr_assert_not_null(strstr(out, "boot.bcd.loader.count = 3"));
    cr_assert_not_null(
        strstr(out, "boot.bcd.loader.leaked = {b2721d73-1db4-4c62-bf78-c548a8801500}"));
    cr_assert_not_null(
        strstr(out, "boot.bcd.loader.leaked = {b2721d73-1db4-4c62-bf78-c548a8801501}"));
    cr_assert_not_null(strstr(out, "boot.bcd.default.safeboot = 0"));
    free(out);
    free(err);
    free(img);
}

Test(cli, boot_drive_validated_and_documented)
{
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "--boot-drive", "SS", "x", NULL), 2);
    cr_assert_not_null(strstr(err, "--boot-drive wants a drive letter like S:"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_tool(&out, &err, "--help", NULL, NULL, NULL), 0);
    cr_assert_not_null(strstr(out, "-b, --boot-drive X:"));
    cr_assert_not_null(strstr(out, "(default S:"));
    free(out);
    free(err);
}

/* Drive letters: C: the Windows volume, D: a partition of a disk not in the evidence, E: a CD
 * drive, Z: three bytes no Windows writes (a warning, no crash, no finding from it). */
Test(boot, mounted_devices_letters_resolved_to_this_disk)
{
    char *img = sxs_sample("boot-safeboot.raw");
    char *out, *err;
    cr_assert_eq(run_tool(&out, &err, "-v", "--no-progress", img, NULL), 1, "%s", err);
    static const char *const want[] = {
        "mounted.c.device = mbr 0x",
        "mounted.c.resolved = volume:2",
        "mounted.d.device = mbr 0x1a2b3c4d+1048576",
        "mounted.d.resolved = not-on-disk",
        "mounted.e.resolved = other",
        "mounted.z.device = invalid",
        "mounted.z.resolved = invalid",
        "mounted.count = 4",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert_not_null(strstr(out, want[i]), "no '%s' in %s", want[i], out);
    cr_assert_not_null(strstr(err, "MountedDevices value \\DosDevices\\Z:: 3 bytes of type 3 are "
                                   "no volume identity"),
                       "%s", err);
    free(out);
    free(err);
    free(img);
    img = sxs_sample("healthy.raw");
    cr_assert_eq(run_tool(&out, &err, "-v", "--no-progress", img, NULL), 0, "%s", err);
    cr_assert_not_null(strstr(out, "mounted.c.resolved = volume:3"), "%s", out);
    cr_assert_not_null(strstr(out, "mounted.count = 1"), "%s", out);
    free(out);
    free(err);
    free(img);
}

/* BACKUP-REPARSE with drive letters: D: is the Data volume of this disk (MountedDevices), so
 * D:\Reports is looked up there and is missing (finding) while D:\Shared exists; E: is on a
 * disk not in this evidence (unverified, offdisk, no finding). */
Test(boot, junction_targets_on_letters_resolved_through_mounted_devices)
{
    char *out =
        check_scenario("backup-reparse-letters.raw", 1, "BACKUP-REPARSE", "['BACKUP-REPARSE']");
    ASSERT_JSON(out, "[s['command'] for f in d['findings'] for s in f['plan'] if s['command']]",
                "['rmdir \"F:\\\\Users\\\\alex\\\\Documents\\\\Reports\"']");
    free(out);
    char *img = sxs_sample("backup-reparse-letters.raw");
    char *err;
    cr_assert_eq(run_tool(&out, &err, "-v", "--no-progress", img, NULL), 1, "%s", err);
    cr_assert_not_null(strstr(out, "reparse.library_junction.bad.reason = missing"));
    cr_assert_not_null(strstr(out, "reparse.library_junction.offdisk = Users/alex/Music/Archive"));
    cr_assert_not_null(
        strstr(out, "reparse.library_junction.unverified = Users/alex/Music/Archive"));
    cr_assert_null(strstr(out, "Users/alex/Documents/Shared"), "%s", out);
    cr_assert_not_null(strstr(err, "SYSTEM\\MountedDevices puts that drive on a disk that is "
                                   "not in this evidence"),
                       "%s", err);
    free(out);
    free(err);
    free(img);
}

Test(boot, no_default_entry_plan_recreates_with_bcdboot)
{
    char *out = check_scenario("boot-bcd-no-default.raw", 1, "BOOT-CONFIG", "['BOOT-CONFIG']");
    free(out);
    out = boot_report("boot-bcd-no-default.raw", 1);
    ASSERT_JSON(out, BOOT_CMDS,
                "['bcdedit /store G:\\\\Boot\\\\BCD /enum /v', 'bcdboot H:\\\\Windows /s G: /f "
                "ALL']");
    ASSERT_JSON(out, "'no usable default entry' in d['findings'][0]['title']", "True");
    ASSERT_JSON(out,
                "[e['text'] for e in d['findings'][0]['evidence'] if "
                "e['text'].startswith('boot.bcd.default')]",
                "['boot.bcd.default = missing']");
    free(out);
}
