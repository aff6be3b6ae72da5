/* BOOT-DRIVER: the analyzer/boot collector over real SYSTEM hives (Windows 10 and 7: no false
 * alarm), the REG_MULTI_SZ decoder, and the boot scenario images end to end. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/an_boot_drivers.h"
#include "common/sxs_limits.h"
#include "tests/support/corpus.h"

/* ---- REG_MULTI_SZ ------------------------------------------------------------------------ */

typedef struct {
    char got[512];
    int n;
} names;

static int collect(const char *name, bool too_long, void *ctx)
{
    names *c = ctx;
    size_t l = strlen(c->got);
    snprintf(c->got + l, sizeof(c->got) - l, "%s%s%s", c->n ? "|" : "", name, too_long ? "+" : "");
    c->n++;
    return 0;
}

static size_t utf16(const char *ascii, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)ascii[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

Test(multisz, lists_as_windows_reads_them)
{
    uint8_t b[64];
    names c = {"", 0};
    size_t len = utf16("fvevol\0iorate\0rdyboost\0\0", 24, b);
    cr_assert_eq(an_multi_sz_each(b, len, collect, &c), 3);
    cr_assert_str_eq(c.got, "fvevol|iorate|rdyboost");
    /* no final NUL, an odd trailing byte */
    memset(&c, 0, sizeof(c));
    len = utf16("partmgr", 7, b);
    b[len] = 'x';
    cr_assert_eq(an_multi_sz_each(b, len + 1, collect, &c), 1);
    cr_assert_str_eq(c.got, "partmgr");
    /* the empty string ends the list, even with names after it */
    memset(&c, 0, sizeof(c));
    len = utf16("a\0\0b\0\0", 6, b);
    cr_assert_eq(an_multi_sz_each(b, len, collect, &c), 1);
    cr_assert_str_eq(c.got, "a");
    memset(&c, 0, sizeof(c));
    cr_assert_eq(an_multi_sz_each(NULL, 0, collect, &c), 0);
    cr_assert_eq(an_multi_sz_each(b, 1, collect, &c), 0);
    cr_assert_eq(c.n, 0);
}

Test(multisz, bounds)
{
    /* 65 one-letter names: the first 64 are passed, then -E2BIG */
    uint8_t b[2 * 200];
    size_t len = 0;
    for (int i = 0; i < SXS_MAX_MULTI_SZ_ITEMS + 1; i++)
        len += utf16("x\0", 2, b + len);
    names c = {"", 0};
    cr_assert_eq(an_multi_sz_each(b, len, collect, &c), -E2BIG);
    cr_assert_eq(c.n, SXS_MAX_MULTI_SZ_ITEMS);
    /* a 300-unit string is cut at 255 and flagged */
    uint8_t *big = calloc(2, 302);
    cr_assert_not_null(big);
    for (int i = 0; i < 300; i++)
        big[2 * i] = 'a';
    memset(&c, 0, sizeof(c));
    cr_assert_eq(an_multi_sz_each(big, 2 * 302, collect, &c), 1);
    cr_assert_eq(strlen(c.got), SXS_MAX_MULTI_SZ_ITEM + 1);
    cr_assert_eq(c.got[SXS_MAX_MULTI_SZ_ITEM], '+');
    free(big);
}

/* ---- real SYSTEM hives: the stack as Windows writes it gives no judgement --------------- */

static char *facts_named(const an_facts *f, const char *name)
{
    static char out[1024];
    out[0] = '\0';
    size_t pos = 0, o = 0;
    const an_fact *x;
    while ((x = an_facts_next(f, name, &pos)) != NULL && o < sizeof(out))
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "|" : "", x->value);
    return out;
}

static an_facts *collect_hive(const char *rel, const char *build)
{
    char *path = sxs_corpus_path(rel);
    if (!path)
        cr_skip_test("corpus file %s absent (set SXS_CORPUS_DIR / shared/corpus)", rel);
    sxs_diag *d = sxs_diag_new();
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(path, d, &st, &h), 0, "%s", st.detail);
    an_facts *f = an_facts_new();
    cr_assert_not_null(f);
    cr_assert_eq(an_facts_add_str(f, "os.current_build", build, NULL, -1), 0);
    cr_assert_eq(an_boot_drivers_from_hive(h, "SYSTEM", "ControlSet001", NULL, "Windows", f, d), 0);
    an_hive_free(h);
    sxs_diag_free(d);
    free(path);
    return f;
}

static void assert_no_judgement(const an_facts *f)
{
    static const char *const bad[] = {
        "boot.stack.not_boot_start",
        "boot.stack.service_missing",
        "boot.stack.image_missing",
        "boot.boot_start.image_missing",
        "boot.filter.disk.upper.bad",
        "boot.filter.disk.lower.bad",
        "boot.filter.volume.upper.bad",
        "boot.filter.volume.lower.bad",
        "boot.filter.scsi.upper.bad",
        "boot.filter.scsi.lower.bad",
        "unread.registry",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_null(an_facts_get(f, bad[i]), "%s = %s", bad[i], an_facts_get(f, bad[i])->value);
    cr_assert_str_eq(an_facts_get(f, "boot.boot_start.no_miniport")->value, "false");
}

Test(real_hive, windows10_stack_and_filters)
{
    an_facts *f = collect_hive("hives/dissect.regf/SYSTEM.gz", "19041");
    assert_no_judgement(f);
    cr_assert_str_eq(an_facts_get(f, "boot.stack.judged")->value, "true");
    cr_assert_str_eq(an_facts_get(f, "boot.azure")->value, "false");
    cr_assert_eq(an_facts_get(f, "boot.driver.volmgr.start")->num, 0);
    cr_assert_str_eq(an_facts_get(f, "boot.driver.volmgr.image_path")->value,
                     "Windows/System32/drivers/volmgr.sys");
    cr_assert_str_eq(an_facts_get(f, "boot.driver.storvsc.start")->value, "0");
    cr_assert_str_eq(facts_named(f, "boot.filter.disk.upper"), "partmgr");
    cr_assert_str_eq(facts_named(f, "boot.filter.disk.lower"), "EhStorClass");
    cr_assert_str_eq(facts_named(f, "boot.filter.volume.upper"), "volsnap");
    cr_assert_str_eq(facts_named(f, "boot.filter.volume.lower"), "fvevol|iorate|rdyboost");
    /* no file system given: nothing looked up */
    cr_assert_null(an_facts_get(f, "boot.driver.volmgr.image_present"));
    an_facts_free(f);
}

/* Windows 7: no volume.sys (Windows 8+), storvsc Start 3 off Azure, LastKnownGood 2: all
 * normal, none judged. */
Test(real_hive, windows7_no_false_alarm)
{
    an_facts *f = collect_hive("hives/regipy/SYSTEM.xz", "7601");
    assert_no_judgement(f);
    cr_assert_str_eq(an_facts_get(f, "boot.driver.volume.present")->value, "false");
    cr_assert_eq(an_facts_get(f, "boot.driver.storvsc.start")->num, 3);
    cr_assert_str_eq(an_facts_get(f, "boot.driver.storvsc.image_path")->value,
                     "Windows/system32/drivers/storvsc.sys");
    cr_assert_str_eq(facts_named(f, "boot.filter.volume.lower"), "fvevol|rdyboost");
    an_facts_free(f);
}

/* ---- scenario images end to end ---------------------------------------------------------- */

static char *run_json(const char *file, int want_rc)
{
    char *out = NULL, *err = NULL;
    int rc = sxs_run_sample_json(file, &out, &err);
    cr_assert_eq(rc, want_rc, "%s: exit %d, stderr: %s", file, rc, err);
    free(err);
    return out;
}

#define BOOT_IDS "[f['id'] for f in d['findings'] if f['id'] in ('BOOT-DRIVER','HIVE-DAMAGED')]"

/* No false alarm: the healthy images (Gen2 with a real storage stack, Gen1 MBR). */
Test(boot_e2e, healthy_images_give_no_boot_finding)
{
    static const char *const files[] = {"healthy.raw", "mbr-system-reserved.raw",
                                        "boot-crowdstrike-fixed.raw"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *out = run_json(files[i], 0);
        ASSERT_JSON(out, BOOT_IDS, "[]");
        ASSERT_JSON(out, "d['verdict']['status']", "healthy");
        free(out);
    }
}

Test(boot_e2e, volmgr_demand_start)
{
    char *out = run_json("boot-volmgr-disabled.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['BOOT-DRIVER']");
    ASSERT_JSON(out, "d['verdict']['primary']", "BOOT-DRIVER");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "Boot-critical storage driver volmgr does not start at boot");
    ASSERT_JSON(out, "'0x7B INACCESSIBLE_BOOT_DEVICE' in d['findings'][0]['description']", "True");
    ASSERT_JSON(out, "[e['text'] for e in d['findings'][0]['evidence']]",
                "['boot.stack.not_boot_start = volmgr', 'boot.stack.not_boot_start.detail = "
                "volmgr: ControlSet001\\\\Services\\\\volmgr Start = 3 (demand start), must be 0 "
                "(boot start)']");
    ASSERT_JSON(out, "[s['command'] for s in d['findings'][0]['plan']]",
                "['copy \"F:\\\\Windows\\\\System32\\\\config\\\\SYSTEM\" "
                "\"F:\\\\Windows\\\\System32\\\\config\\\\SYSTEM.bak\"', 'reg load "
                "HKLM\\\\BROKENSYSTEM \"F:\\\\Windows\\\\System32\\\\config\\\\SYSTEM\"', 'reg add "
                "\"HKLM\\\\BROKENSYSTEM\\\\ControlSet001\\\\Services\\\\volmgr\" /v Start /t "
                "REG_DWORD /d 0 /f', 'reg unload HKLM\\\\BROKENSYSTEM']");
    free(out);
}

Test(boot_e2e, disk_class_filter_without_service)
{
    char *out = run_json("boot-filter-missing.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['BOOT-DRIVER']");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "The disk drives class UpperFilters name a missing or disabled driver: bkfilter");
    ASSERT_JSON(out, "d['findings'][0]['evidence'][1]['text']",
                "boot.filter.disk.upper.bad.detail = ControlSet001\\Control\\Class\\"
                "{4d36e967-e325-11ce-bfc1-08002be10318} UpperFilters names bkfilter: no service "
                "key");
    ASSERT_JSON(out, "d['findings'][0]['plan'][2]['command']",
                "reg query \"HKLM\\BROKENSYSTEM\\ControlSet001\\Control\\Class\\"
                "{4d36e967-e325-11ce-bfc1-08002be10318}\" /v UpperFilters");
    ASSERT_JSON(out, "d['findings'][0]['plan'][3]['step'].split(';')[0]",
                "Write UpperFilters back without bkfilter: the remaining list is partmgr");
    free(out);
}

Test(boot_e2e, crowdstrike_channel_291_bad_and_fixed)
{
    char *out = run_json("boot-crowdstrike.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['BOOT-DRIVER']");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "CrowdStrike channel file 291 of 2024-07-19 04:09 UTC is on the disk: "
                "C-00000291-00000000-00000032.sys");
    ASSERT_JSON(out, "d['findings'][0]['evidence'][1]['text']",
                "crowdstrike.channel_291.bad.time = 2024-07-19T04:09:00Z");
    ASSERT_JSON(out, "d['findings'][0]['plan'][1]['command']",
                "del F:\\Windows\\System32\\drivers\\CrowdStrike\\C-00000291*.sys");
    free(out);
    /* the reverted 05:27 UTC file is not the bad one */
    out = run_json("boot-crowdstrike-fixed.raw", 0);
    ASSERT_JSON(out, "d['findings']", "[]");
    free(out);
}

/* ---- HIVE-DAMAGED: RegBack copies and damage the hive's bytes show ---------------------- */

Test(hive_e2e, regback_zero_byte_copy_is_never_offered)
{
    char *out = run_json("regback-zero.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['HIVE-DAMAGED']");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "The SYSTEM hive is dirty and its transaction logs could not be replayed");
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] in "
                "('hive.regback.system.size', 'hive.regback.system.real', "
                "'hive.regback.system.mtime')]",
                "['0', '2025-08-10T03:00:00Z', 'false']");
    /* the plan says not to copy it, and no command touches RegBack\SYSTEM but a listing */
    ASSERT_JSON(out,
                "[s['step'][:60] for s in d['findings'][0]['plan'] if s['step'].startswith('Do "
                "not')]",
                "['Do not copy Windows\\\\System32\\\\config\\\\RegBack\\\\SYSTEM over the ']");
    ASSERT_JSON(out,
                "[s['command'] for s in d['findings'][0]['plan'] if 'regback' in "
                "s['command'].lower()]",
                "['dir \"F:\\\\Windows\\\\System32\\\\config\\\\RegBack\"']");
    ASSERT_JSON(out,
                "any(s['command'].lower().startswith(('copy', 'ren')) for s in "
                "d['findings'][0]['plan'])",
                "False");
    free(out);
}

Test(hive_e2e, regback_real_copy_is_offered_as_last_resort)
{
    char *out = run_json("regback-real.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['HIVE-DAMAGED']");
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] in "
                "('hive.regback.system.size', 'hive.regback.system.real', "
                "'hive.regback.software.size', 'hive.regback.software.real')]",
                "['12288', 'true', '0', 'false']");
    ASSERT_JSON(out, "[s['command'] for s in d['findings'][0]['plan']][-2:]",
                "['ren \"F:\\\\Windows\\\\System32\\\\config\\\\SYSTEM\" SYSTEM.damaged', 'copy "
                "\"F:\\\\Windows\\\\System32\\\\config\\\\RegBack\\\\SYSTEM\" "
                "\"F:\\\\Windows\\\\System32\\\\config\\\\SYSTEM\"']");
    ASSERT_JSON(out, "any(s['step'].startswith('Do not') for s in d['findings'][0]['plan'])",
                "False");
    free(out);
}

/* A SYSTEM hive whose own bytes show damage (cut short, or no regf signature) is HIVE-DAMAGED,
 * exit 1; the summary still names it as not read. */
Test(hive_e2e, truncated_or_unsigned_system_is_hive_damaged)
{
    static const char *const damage[] = {
        "truncate -s 6000 SYSTEM",
        "printf 'XXXX' | dd of=SYSTEM bs=1 conv=notrunc 2>/dev/null",
    };
    static const char *const want[] = {
        "truncated: the base block declares 36864 bytes of hive bins, the file holds 1904 after "
        "its base block",
        "no regf signature at the start of the file",
    };
    for (size_t i = 0; i < 2; i++) {
        char *tree = sxs_sample("healthy.tree");
        char *dir = sxs_test_tmpdir("hivedmg");
        char *cmd = NULL, *how = NULL;
        cr_assert(asprintf(&how, "cd '%s/Windows/System32/config' && %s", dir, damage[i]) > 0);
        cr_assert(asprintf(&cmd, "cp -r '%s/.' '%s/' && %s", tree, dir, how) > 0);
        cr_assert_eq(system(cmd), 0);
        char *argv[] = {(char *)sxs_binary(), "--json", dir, NULL};
        char *out = NULL, *err = NULL;
        int sig = 0;
        cr_assert_eq(sxs_run(argv, &out, &err, &sig), 1, "%s", err);
        ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['HIVE-DAMAGED']");
        ASSERT_JSON(out, "d['findings'][0]['title']",
                    "The SYSTEM hive is damaged and cannot be read");
        char *expr = NULL;
        cr_assert(asprintf(&expr, "'%s' in d['findings'][0]['description']", want[i]) > 0);
        ASSERT_JSON(out, expr, "True");
        ASSERT_JSON(out,
                    "d['verdict']['summary'].endswith('not read, so not checked: "
                    "Windows/System32/config/SYSTEM')",
                    "True");
        free(expr);
        free(out);
        free(err);
        free(cmd);
        free(how);
        free(dir);
        free(tree);
    }
}

/* ---- Last Known Good ----------------------------------------------------------------------- */

/* Windows 7: Current 1, LastKnownGood 2 and ControlSet002 present: usable, with the values
 * Azure gives for Server 2012 R2 and older (LastKnownGood = target + 1). */
Test(real_hive, windows7_last_known_good)
{
    an_facts *f = collect_hive("hives/regipy/SYSTEM.xz", "7601");
    static const char *const want_facts[] = {
        "boot.select.current",
        "boot.select.last_known_good",
        "boot.lkg.differs",
        "boot.lkg.usable",
        "boot.lkg.target",
        "boot.lkg.family",
        "boot.lkg.set.current",
        "boot.lkg.set.failed",
        "boot.lkg.set.last_known_good",
    };
    char got[1024] = "";
    for (size_t i = 0; i < sizeof(want_facts) / sizeof(want_facts[0]); i++) {
        const an_fact *x = an_facts_get(f, want_facts[i]);
        size_t l = strlen(got);
        snprintf(got + l, sizeof(got) - l, "%s%s", i ? "|" : "", x ? x->value : "-");
    }
    cr_assert_str_eq(got, "1|2|true|true|ControlSet002|Windows Server 2012 R2 and older|2|1|3");
    /* nothing to fix, so nothing judged about it */
    cr_assert_null(an_facts_get(f, "boot.lkg.fixes_stack"));
    an_facts_free(f);
}

/* Windows 10 with only ControlSet001 (LKG = Current): no way back through LKG. */
Test(real_hive, windows10_no_last_known_good)
{
    an_facts *f = collect_hive("hives/dissect.regf/SYSTEM.gz", "19041");
    cr_assert_str_eq(an_facts_get(f, "boot.lkg.differs")->value, "false");
    cr_assert_str_eq(an_facts_get(f, "boot.lkg.usable")->value, "false");
    cr_assert_null(an_facts_get(f, "boot.lkg.target"));
    an_facts_free(f);
}

Test(boot_e2e, volmgr_with_last_known_good_way_back)
{
    char *out = run_json("boot-volmgr-lkg.raw", 1);
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "['BOOT-DRIVER']");
    ASSERT_JSON(out, "d['findings'][0]['title']",
                "Boot-critical storage driver volmgr does not start at boot");
    ASSERT_JSON(out, "len(d['findings'][0]['plan'])", "7");
    ASSERT_JSON(out, "[s['command'] for s in d['findings'][0]['plan']][2]",
                "reg add \"HKLM\\BROKENSYSTEM\\ControlSet001\\Services\\volmgr\" /v Start /t "
                "REG_DWORD /d 0 /f");
    ASSERT_JSON(out, "[s['command'] for s in d['findings'][0]['plan']][5]",
                "reg add HKLM\\BROKENSYSTEM\\Select /v Current /t REG_DWORD /d 2 /f && reg add "
                "HKLM\\BROKENSYSTEM\\Select /v Default /t REG_DWORD /d 2 /f && reg add "
                "HKLM\\BROKENSYSTEM\\Select /v Failed /t REG_DWORD /d 1 /f && reg add "
                "HKLM\\BROKENSYSTEM\\Select /v LastKnownGood /t REG_DWORD /d 2 /f");
    ASSERT_JSON(out, "d['findings'][0]['plan'][4]['step'][:72]",
                "Alternatively, boot the Last Known Good control set ControlSet002, where");
    free(out);
    /* without a saved control set no LKG step is offered */
    out = run_json("boot-volmgr-disabled.raw", 1);
    ASSERT_JSON(out, "len(d['findings'][0]['plan'])", "4");
    free(out);
}
