/* Tests of the crash dump evidence (analyzer/boot/boot_dump*.c, boot_bugcheck.c): the header
 * decoder over hand-built bytes (64- and 32-bit kernel dumps, a triage dump's driver list,
 * user-mode minidumps, damage: cut headers, unfinished dumps, absurd offsets and counts), and
 * end to end on sample images: the BUGCHECK finding, its evidence and plan, an old dump at low
 * severity, damaged dumps giving no finding, and no boot finding on the healthy images. */
#include "analyzer/boot/boot_bugcheck.h"
#include "analyzer/boot/boot_dump_parse.h"
#include "tests/support/corpus.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- hand-built dumps (layouts as Volatility / rizin publish them) ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

#define DUMP_LEN 0x4000
#define FT_2025_08_14_092011 133996368110000000ull /* 2025-08-14T09:20:11Z */

/* A 64-bit triage dump: code 0xD1, P4 inside the second of three drivers. */
static uint8_t *triage64(void)
{
    uint8_t *b = calloc(1, DUMP_LEN);
    cr_assert_not_null(b);
    for (size_t o = 0; o < 0x2000; o += 4)
        memcpy(b + o, "PAGE", 4);
    memcpy(b + 4, "DU64", 4);
    put32(b + 0x08, 0xF);
    put32(b + 0x0C, 19045);
    put32(b + 0x38, 0xD1);
    put64(b + 0x40, 0x28);
    put64(b + 0x48, 2);
    put64(b + 0x50, 0);
    put64(b + 0x58, 0xFFFFF80519A01234ull);
    put32(b + 0xF98, 4);
    put64(b + 0xFA8, FT_2025_08_14_092011);
    memset(b + 0x2000, 0, 0x100);
    put32(b + 0x2000 + 0x30, 0x2100); /* DriverListOffset */
    put32(b + 0x2000 + 0x34, 3);      /* DriverCount */
    static const struct {
        const char *name;
        uint64_t base;
        uint32_t size;
    } drv[] = {{"ntoskrnl.exe", 0xFFFFF80510000000ull, 0x1046000},
               {"e1d68x64.sys", 0xFFFFF80519A00000ull, 0x7A000},
               {"disk.sys", 0xFFFFF80512400000ull, 0x1E000}};
    size_t pool = 0x2100 + 3 * 0x90;
    for (size_t i = 0; i < 3; i++) {
        uint8_t *e = b + 0x2100 + i * 0x90;
        put32(e, (uint32_t)pool);
        put64(e + 0x38, drv[i].base);
        put32(e + 0x48, drv[i].size);
        size_t n = strlen(drv[i].name);
        put32(b + pool, (uint32_t)n);
        for (size_t k = 0; k < n; k++)
            b[pool + 4 + 2 * k] = (uint8_t)drv[i].name[k];
        pool += 4 + 2 * (n + 1) + 6;
    }
    return b;
}

Test(dump_parse, triage64_header_and_driver)
{
    uint8_t *b = triage64();
    boot_dump_info d;
    char why[160] = "";
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(d.kind, BOOT_DUMP_KERNEL);
    cr_assert_eq(d.bits, 64);
    cr_assert_eq(d.major, 0xF);
    cr_assert_eq(d.build, 19045);
    cr_assert_eq(d.code, 0xD1);
    cr_assert_eq(d.param[0], 0x28);
    cr_assert_eq(d.param[3], 0xFFFFF80519A01234ull);
    cr_assert_eq(d.dump_type, BOOT_DUMP_TYPE_TRIAGE);
    cr_assert_str_eq(boot_dump_type_name(d.dump_type), "triage");
    int64_t t;
    cr_assert(boot_filetime_to_unix(d.system_time, &t));
    cr_assert_eq(t, 1755163211);
    cr_assert(d.drivers_read);
    cr_assert_eq(d.driver_count, 3);
    cr_assert_str_eq(d.driver, "e1d68x64.sys");
    cr_assert_eq(d.driver_param, 4);
    cr_assert_eq(d.driver_base, 0xFFFFF80519A00000ull);
    cr_assert_eq(d.driver_size, 0x7A000);
    cr_assert_str_eq(d.note, "");
    free(b);
}

Test(dump_parse, no_parameter_in_any_driver)
{
    uint8_t *b = triage64();
    put64(b + 0x58, 0x1234); /* P4 outside every image; P1..P3 small */
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, NULL, 0), 0);
    cr_assert_eq(d.driver_count, 3);
    cr_assert_str_eq(d.driver, "");
    cr_assert_eq(d.driver_param, 0);
    free(b);
}

Test(dump_parse, header_only_buffer_keeps_the_bug_check)
{
    /* the collector's first read: the header, not the driver list */
    uint8_t *b = triage64();
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, 0x2100, &d, NULL, 0), 0);
    cr_assert_eq(d.code, 0xD1);
    cr_assert(!d.drivers_read);
    cr_assert_str_eq(d.note, "the driver list (3 entries at byte 8448) lies outside the dump "
                             "(8448 bytes)");
    free(b);
}

Test(dump_parse, absurd_driver_list_offset)
{
    uint8_t *b = triage64();
    put32(b + 0x2000 + 0x30, 0xFFFFFFF0u);
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, NULL, 0), 0);
    cr_assert_eq(d.code, 0xD1);
    cr_assert_str_eq(d.driver, "");
    cr_assert_str_eq(d.note, "the driver list (3 entries at byte 4294967280) lies outside the "
                             "dump (16384 bytes)");
    free(b);
}

Test(dump_parse, absurd_driver_count)
{
    uint8_t *b = triage64();
    put32(b + 0x2000 + 0x34, 0x7FFFFFFFu);
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, NULL, 0), 0);
    cr_assert_str_eq(d.note, "the triage header gives 2147483647 drivers (at most 4096 are "
                             "expected)");
    cr_assert_str_eq(d.driver, "");
    free(b);
}

Test(dump_parse, driver_name_outside_or_too_long)
{
    uint8_t *b = triage64();
    put32(b + 0x2100 + 0x90, 0xFFFFFF00u); /* e1d68x64.sys's name offset */
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, NULL, 0), 0);
    cr_assert_str_eq(d.driver, "");
    cr_assert_str_eq(d.note, "the name of the driver at 0xfffff80519a00000 lies outside the dump");
    free(b);
    b = triage64();
    uint32_t name = 0x2100 + 3 * 0x90 + 4 + 2 * 13 + 6; /* second string */
    put32(b + name, 100000);
    cr_assert_eq(boot_dump_parse(b, DUMP_LEN, &d, NULL, 0), 0);
    cr_assert_str_eq(d.driver, "");
    cr_assert_str_eq(d.note, "the name of the driver at 0xfffff80519a00000 is cut or too long "
                             "(100000 characters)");
    free(b);
}

Test(dump_parse, kernel32)
{
    uint8_t *b = calloc(1, 0x1000);
    for (size_t o = 0; o < 0x1000; o += 4)
        memcpy(b + o, "PAGE", 4);
    memcpy(b + 4, "DUMP", 4);
    put32(b + 0x08, 0xF);
    put32(b + 0x0C, 7601);
    put32(b + 0x28, 0x1000007E);
    put32(b + 0x2C, 0xC0000005);
    put32(b + 0x30, 0x8BADF00D);
    put32(b + 0x34, 0x1);
    put32(b + 0x38, 0x2);
    put32(b + 0xF88, 2);
    put64(b + 0xFC0, FT_2025_08_14_092011);
    boot_dump_info d;
    cr_assert_eq(boot_dump_parse(b, 0x1000, &d, NULL, 0), 0);
    cr_assert_eq(d.bits, 32);
    cr_assert_eq(d.build, 7601);
    cr_assert_eq(d.code, 0x1000007E);
    cr_assert_eq(d.param[0], 0xC0000005);
    cr_assert_eq(d.param[1], 0x8BADF00D);
    cr_assert_eq(d.param[3], 2);
    cr_assert_str_eq(boot_dump_type_name(d.dump_type), "kernel");
    const boot_bugcheck *bc = boot_bugcheck_lookup(d.code);
    cr_assert_not_null(bc);
    cr_assert_str_eq(bc->name, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
    free(b);
}

Test(dump_parse, user_mode_and_damage)
{
    uint8_t buf[0x2100];
    memset(buf, 0, sizeof(buf));
    boot_dump_info d;
    char why[160];
    memcpy(buf, "MDMP\x93\xa7", 6);
    cr_assert_eq(boot_dump_parse(buf, 32, &d, why, sizeof(why)), 0);
    cr_assert_eq(d.kind, BOOT_DUMP_USER);
    memcpy(buf, "PAGEPAGE", 8);
    cr_assert_eq(boot_dump_parse(buf, sizeof(buf), &d, why, sizeof(why)), -EBADMSG);
    cr_assert_str_eq(why, "not a valid kernel dump (\"PAGE\" without \"DU64\" or \"DUMP\": the "
                          "dump was never completed)");
    memcpy(buf, "PAGEDU64", 8);
    cr_assert_eq(boot_dump_parse(buf, 0x800, &d, why, sizeof(why)), -EBADMSG);
    cr_assert_str_eq(why, "kernel dump header cut short: 2048 of 4016 bytes");
    cr_assert_eq(boot_dump_parse(buf, 0, &d, why, sizeof(why)), -EBADMSG);
    cr_assert_str_eq(why, "not a crash dump (no \"PAGE\" or \"MDMP\" signature)");
    memcpy(buf, "MZ\x90\x00", 4);
    cr_assert_eq(boot_dump_parse(buf, sizeof(buf), &d, NULL, 0), -EBADMSG);
}

Test(bugcheck_table, names_and_advice)
{
    static const struct {
        uint32_t code;
        const char *name;
    } want[] = {{0x7B, "INACCESSIBLE_BOOT_DEVICE"},
                {0xEF, "CRITICAL_PROCESS_DIED"},
                {0x5A, "CRITICAL_SERVICE_FAILED"},
                {0x74, "BAD_SYSTEM_CONFIG_INFO"},
                {0x50, "PAGE_FAULT_IN_NONPAGED_AREA"},
                {0xD1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"},
                {0x1E, "KMODE_EXCEPTION_NOT_HANDLED"},
                {0x3B, "SYSTEM_SERVICE_EXCEPTION"},
                {0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"},
                {0x133, "DPC_WATCHDOG_VIOLATION"},
                {0x9F, "DRIVER_POWER_STATE_FAILURE"},
                {0xC000021A, "WINLOGON_FATAL_ERROR"},
                {0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION"},
                {0x139, "KERNEL_SECURITY_CHECK_FAILURE"},
                {0x124, "WHEA_UNCORRECTABLE_ERROR"},
                {0x1000008E, NULL},
                {0x12345, NULL}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const boot_bugcheck *bc = boot_bugcheck_lookup(want[i].code);
        if (!want[i].name) {
            cr_assert_null(bc, "0x%X", want[i].code);
            continue;
        }
        cr_assert_not_null(bc, "0x%X", want[i].code);
        cr_assert_str_eq(bc->name, want[i].name);
        cr_assert_gt(strlen(bc->check), 40);
    }
    cr_assert_not_null(strstr(boot_bugcheck_lookup(0x7B)->check, "Start = 0"));
}

/* A real triage dump, read from outside the repository (not bundled: its repository states no
 * license for it): rizin-testbins dmp/triage_x64.dmp (sha256 6875e8ff...cd28), a Windows 10
 * 19041 minidump. Set SXS_REAL_DUMPS to the folder holding it. Expected values checked
 * independently with Microsoft's debugger by another project (cdb -z triage_x64.dmp -c
 * "lm a fffff8048b58334c"): the exception address in parameter 2 lies in amdppm.sys. */
Test(dump_parse, real_triage_x64_dump)
{
    const char *dir = getenv("SXS_REAL_DUMPS");
    char *path = NULL;
    if (!dir || asprintf(&path, "%s/triage_x64.dmp", dir) < 0)
        cr_skip_test("SXS_REAL_DUMPS not set (folder with rizin-testbins dmp/triage_x64.dmp)");
    size_t len = 0;
    char *b = sxs_slurp(path, &len);
    char sha[65] = "";
    if (b)
        cr_assert_eq(sxs_sha256_file(path, sha), 0);
    free(path);
    if (!b)
        cr_skip_test("triage_x64.dmp not found in SXS_REAL_DUMPS");
    cr_assert_str_eq(sha, "6875e8ff013eddb9d562165067be24e2a231a8851690bb101f6597ca9534cd28");
    boot_dump_info d;
    char why[160] = "";
    cr_assert_eq(boot_dump_parse((const uint8_t *)b, len, &d, why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(len, 1444532);
    cr_assert_eq(d.bits, 64);
    cr_assert_eq(d.build, 19041);
    cr_assert_eq(d.code, 0x1000007E);
    cr_assert_str_eq(boot_bugcheck_lookup(d.code)->name, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
    cr_assert_eq(d.param[0], 0xFFFFFFFFC0000005ull);
    cr_assert_eq(d.param[1], 0xFFFFF8048B58334Cull);
    cr_assert_eq(d.dump_type, BOOT_DUMP_TYPE_TRIAGE);
    cr_assert_eq(d.driver_count, 151);
    cr_assert_str_eq(d.driver, "\\SystemRoot\\System32\\drivers\\amdppm.sys");
    cr_assert_eq(d.driver_param, 2);
    cr_assert_eq(d.driver_base, 0xFFFFF8048B580000ull);
    cr_assert_eq(d.driver_size, 0x3B000);
    int64_t t;
    cr_assert(boot_filetime_to_unix(d.system_time, &t));
    cr_assert_eq(t, 1613871502); /* 2021-02-21T01:38:22Z */
    free(b);
}

/* ---- end to end on sample images ---- */

#define FINDING(expr) "[f for f in d['findings'] if f['id'] == 'BUGCHECK'][0]" expr

Test(e2e, bugcheck_7b_minidump_names_code_driver_and_advice)
{
    char *out, *err;
    int rc = sxs_run_sample_json("bugcheck-7b-minidump.raw", &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['primary']", "BUGCHECK");
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['BUGCHECK']");
    ASSERT_JSON(out, FINDING("['severity']"), "high");
    ASSERT_JSON(out, FINDING("['confidence']"), "high");
    ASSERT_JSON(out, FINDING("['title']"),
                "Windows crashed with INACCESSIBLE_BOOT_DEVICE 0x0000007B in storahci.sys");
    ASSERT_JSON(out,
                FINDING("['evidence'][0]['source'] + ' ' + " FINDING("['evidence'][0]['text']")),
                "Windows/Minidump/081425-7031-01.dmp bugcheck.newest.code = 0x0000007B");
    ASSERT_JSON(out, "[e['text'] for e in " FINDING("['evidence']") " if 'driver' in e['text']]",
                "['bugcheck.newest.driver = storahci.sys']");
    ASSERT_JSON(out, "[e['text'] for e in " FINDING("['evidence']") " if 'params' in e['text']]",
                "['bugcheck.newest.params = 0xFFFFF80512345678, 0xFFFFFFFFC0000034, "
                "0x0000000000000000, 0x0000000000000000']");
    /* all three dumps listed, newest first; the live report among them, not the cause */
    ASSERT_JSON(out,
                "[e['source'] for e in " FINDING("['evidence']") " if 'bugcheck.dump =' in "
                                                                 "e['text']]",
                "['Windows/Minidump/081425-7031-01.dmp', "
                "'Windows/LiveKernelReports/WATCHDOG/WD-20250601-1200.dmp', "
                "'Windows/Minidump/030225-6890-01.dmp']");
    ASSERT_JSON(out, FINDING("['plan'][1]['command']"),
                "copy \"F:\\Windows\\Minidump\\081425-7031-01.dmp\" C:\\Dumps\\");
    ASSERT_JSON(out, "'Start = 0' in " FINDING("['plan'][2]['step']"), "True");
    ASSERT_JSON(out, "'INACCESSIBLE_BOOT_DEVICE' in " FINDING("['plan'][2]['step']"), "True");
    ASSERT_JSON(out, FINDING("['plan'][3]['step'][:45]"),
                "A parameter of the bug check points into stor");
    ASSERT_JSON(out, FINDING("['plan'][3]['command']"),
                "reg load HKLM\\OFFSYS \"F:\\Windows\\System32\\config\\SYSTEM\"");
    free(out);
    free(err);
}

Test(e2e, old_dump_is_low_severity)
{
    char *out, *err;
    int rc = sxs_run_sample_json("bugcheck-old-dump.raw", &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "sorted(set(f['id'] for f in d['findings']))", "['BUGCHECK']");
    ASSERT_JSON(out, FINDING("['severity']"), "low");
    ASSERT_JSON(out, FINDING("['confidence']"), "low");
    ASSERT_JSON(out, FINDING("['title']"),
                "An older crash dump: CRITICAL_PROCESS_DIED 0x000000EF, 582 days before the "
                "last boot");
    ASSERT_JSON(out, FINDING("['plan'][1]['command']"),
                "copy \"F:\\Windows\\MEMORY.DMP\" C:\\Dumps\\");
    free(out);
    free(err);
}

Test(e2e, damaged_dumps_give_no_finding)
{
    char *out, *err;
    int rc = sxs_run_sample_json("bugcheck-damaged.raw", &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['findings']", "[]");
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out,
                "'Windows/MEMORY.DMP, Windows/Minidump/081425-7031-01.dmp' in "
                "d['verdict']['summary']",
                "True");
    ASSERT_JSON(out,
                "sorted(e['message'] for e in d['errors'] if e['source'].endswith('.dmp') or "
                "e['source'].endswith('.DMP'))",
                "['Windows/MEMORY.DMP (16384 bytes): not a valid kernel dump (\"PAGE\" without "
                "\"DU64\" or \"DUMP\": the dump was never completed); no bug check read', "
                "'Windows/Minidump/081425-7031-01.dmp (2048 bytes): kernel dump header cut "
                "short: 2048 of 4016 bytes; no bug check read']");
    free(out);
    free(err);
}

/* No false alarms: the healthy images (Gen2 GPT, Gen1 MBR) give no boot finding at all. */
static void no_boot_finding(const char *image)
{
    char *out, *err;
    int rc = sxs_run_sample_json(image, &out, &err);
    cr_assert_eq(rc, 0, "%s: exit %d; stderr: %s", image, rc, err);
    ASSERT_JSON(out, "d['findings']", "[]");
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    ASSERT_JSON(out,
                "[f['id'] for f in d['findings'] if f['id'] in ('BUGCHECK', 'BOOT-CONFIG', "
                "'BOOT-DRIVER', 'HIVE-DAMAGED', 'PENDING-STUCK')]",
                "[]");
    free(out);
    free(err);
}

Test(e2e, healthy_gpt_no_boot_finding)
{
    no_boot_finding("healthy.raw");
}

Test(e2e, healthy_mbr_system_reserved_no_boot_finding)
{
    no_boot_finding("mbr-system-reserved.raw");
}
