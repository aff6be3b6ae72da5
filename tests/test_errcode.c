/* Tests of common/sxs_errcode.c: table order, exact decodes, HRESULT_FROM_WIN32/NT fallbacks,
 * setup extend codes (oracle: SetupDiag's own decode in the corpus SetupDiagResults.log), and
 * that every error code appearing in the corpus logs and DESIGN.md decodes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/sxs_errcode.h"
#include "tests/support/corpus.h"

Test(errcode, table_sorted_unique_and_complete_entries)
{
    size_t n = sxs_errcode_count();
    cr_assert_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        const sxs_errcode_info *e = sxs_errcode_at(i);
        cr_assert_not_null(e->name);
        cr_assert_not_null(e->meaning);
        cr_assert_gt(strlen(e->meaning), 5);
        if (i > 0)
            cr_assert_gt(e->code, sxs_errcode_at(i - 1)->code, "entry %zu out of order", i);
        cr_assert_eq(sxs_errcode_lookup(e->code), e);
    }
    cr_assert_null(sxs_errcode_at(n));
}

Test(errcode, exact_decodes)
{
    static const struct {
        uint32_t code;
        const char *name;
    } cases[] = {
        {0x80070003, "ERROR_PATH_NOT_FOUND"},
        {0x80070002, "ERROR_FILE_NOT_FOUND"},
        {0x80070005, "ERROR_ACCESS_DENIED"},
        {0x80070001, "ERROR_INVALID_FUNCTION"},
        {0x8007000D, "ERROR_INVALID_DATA"},
        {0x800700B7, "ERROR_ALREADY_EXISTS"},
        {0x80070570, "ERROR_FILE_CORRUPT"},
        {0x80070490, "ERROR_NOT_FOUND"},
        {0x80073712, "ERROR_SXS_COMPONENT_STORE_CORRUPT"},
        {0x80073701, "ERROR_SXS_ASSEMBLY_MISSING"},
        {0x800F081F, "CBS_E_SOURCE_MISSING"},
        {0x800F0831, "CBS_E_STORE_CORRUPTION"},
        {0x80040154, "REGDB_E_CLASSNOTREG"},
        {0x80004005, "E_FAIL"},
        {0xC1900101, "SETUP_ROLLBACK_GENERIC"},
        {0x81000037, "BACKUP_SHADOW_COPY_READ_FAILED"},
        {0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND"},
        {0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
        {0xC015000C, "STATUS_SXS_ASSEMBLY_MISSING"},
        {0xD0000034, "STATUS_OBJECT_NAME_NOT_FOUND"}, /* HRESULT_FROM_NT */
        {0xE000020E, "ERROR_DI_DO_DEFAULT"},
        {3, "ERROR_PATH_NOT_FOUND"},
        {14098, "ERROR_SXS_COMPONENT_STORE_CORRUPT"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const sxs_errcode_info *e = sxs_errcode_lookup(cases[i].code);
        cr_assert_not_null(e, "0x%08X", cases[i].code);
        cr_assert_str_eq(e->name, cases[i].name, "0x%08X", cases[i].code);
    }
    cr_assert_eq(sxs_errcode_lookup(0x80070003)->kind, SXS_ERRKIND_WIN32);
    cr_assert_eq(sxs_errcode_lookup(0x800F081F)->kind, SXS_ERRKIND_CBS);
    cr_assert_eq(sxs_errcode_lookup(0xD0000034)->kind, SXS_ERRKIND_NTSTATUS);
    /* 0x8007xxxx with an unknown Win32 code, and codes that are not errors we know. */
    cr_assert_null(sxs_errcode_lookup(0x8007FFFE));
    cr_assert_null(sxs_errcode_lookup(0x12345678));
    /* An NTSTATUS-shaped HRESULT_FROM_NT must not land on a Win32 entry. */
    cr_assert_null(sxs_errcode_lookup(0xD0000003));
}

Test(errcode, format_known_unknown_and_small_buffer)
{
    char buf[256];
    int n = sxs_errcode_format(0x80070003, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x80070003 ERROR_PATH_NOT_FOUND: The system cannot find the path "
                          "specified.");
    cr_assert_eq(n, (int)strlen(buf));
    sxs_errcode_format(0x8024FFFF, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x8024FFFF (unknown code, facility WindowsUpdate)");
    sxs_errcode_format(0x12345678, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x12345678 (unknown code)");
    char small[12];
    cr_assert_eq(sxs_errcode_format(0x80070003, small, sizeof(small)), -ENOSPC);
    cr_assert_str_eq(small, "0x80070003 ");
    cr_assert_eq(sxs_errcode_format(0x80070003, NULL, 0), -ENOSPC);
}

Test(errcode, parse_hex)
{
    uint32_t v = 0;
    cr_assert_eq(sxs_errcode_parse_hex("  0x8007000d rest", 17, &v), 12);
    cr_assert_eq(v, 0x8007000D);
    cr_assert_eq(sxs_errcode_parse_hex("0x", 2, &v), 0);
    cr_assert_eq(sxs_errcode_parse_hex("0x123456789", 11, &v), 0, "more than 8 digits");
    cr_assert_eq(sxs_errcode_parse_hex("80070003", 8, &v), 0);
}

Test(errcode, extend_codes)
{
    sxs_extend_code x;
    cr_assert_eq(sxs_extend_code_decode("0xC1900101 - 0x2000D", &x), 1);
    cr_assert_eq(x.code, 0xC1900101);
    cr_assert_eq(x.extend, 0x2000D);
    cr_assert_eq(x.phase, 2);
    cr_assert_eq(x.operation, 0xD);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_SAFE_OS");
    cr_assert_str_eq(x.phase_label, "Safe OS");
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_MIGRATE_DATA");
    cr_assert_str_eq(x.operation_label, "migrate data");
    cr_assert_eq(sxs_extend_code_decode("0x8007000D-0x2000C", &x), 1);
    cr_assert_eq(x.code, 0x8007000D);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_SAFE_OS");
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_APPLY_IMAGE");
    cr_assert_eq(sxs_extend_code_decode("0xC1900101-0x4000D", &x), 1);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_OOBE_BOOT");
    cr_assert_eq(sxs_extend_code_decode("0xC1900101 - 0x30018", &x), 1);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_FIRST_BOOT");
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_SYSPREP");
    cr_assert_eq(sxs_extend_code_decode("0xC1900101 - 0x90021", &x), 1);
    cr_assert_null(x.phase_name);
    cr_assert_null(x.operation_name);
    cr_assert_eq(sxs_extend_code_decode("0xC1900101", &x), 0);
    cr_assert_eq(sxs_extend_code_decode("0xC1900101 - 0x1234567", &x), 0);
    cr_assert_eq(sxs_extend_code_decode("hello", &x), 0);
    cr_assert_eq(sxs_extend_code_decode(NULL, &x), 0);
}

/* SetupDiag decoded this failure itself: "Error = 0x8007000D-0x2000C", "Last Phase = Safe OS",
 * "Last Operation = Apply WIM file ...". Our decode of the same text must agree. */
Test(errcode, setupdiag_results_oracle)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log");
    size_t len;
    char *d = sxs_slurp(p, &len);
    cr_assert_not_null(d);
    const char *e = strstr(d, "\nError = 0x");
    cr_assert_not_null(e, "SetupDiagResults.log has its \"Error = \" line");
    sxs_extend_code x;
    cr_assert_eq(sxs_extend_code_decode(e + 9, &x), 1);
    cr_assert_eq(x.code, 0x8007000D);
    cr_assert_eq(x.extend, 0x2000C);
    cr_assert_not_null(strstr(d, "Last Phase = Safe OS"));
    cr_assert_str_eq(x.phase_label, "Safe OS");
    cr_assert_not_null(strstr(d, "Last Operation = Apply WIM"));
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_APPLY_IMAGE");
    free(d);
    free(p);
}

/* Every 0x8007xxxx / 0x800Fxxxx (CBS) / 0xC0000xxx / 0xC15xxxxx / 0xC19xxxxx code in the
 * corpus logs decodes. (Other 0x... numbers there are flags, addresses and sizes.) */
static void check_codes_in(const char *path, size_t *checked, char *missing, size_t cap)
{
    size_t len;
    char *d = sxs_slurp(path, &len);
    cr_assert_not_null(d, "%s", path);
    for (size_t i = 0; i + 10 <= len; i++) {
        if (d[i] != '0' || (d[i + 1] != 'x' && d[i + 1] != 'X'))
            continue;
        uint32_t v;
        size_t k = sxs_errcode_parse_hex(d + i, len - i, &v);
        if (k != 10)
            continue;
        bool want = (v & 0xFFFF0000u) == 0x80070000u || (v & 0xFFFFF000u) == 0x800F0000u ||
                    (v & 0xFFFFF000u) == 0xC0000000u || (v & 0xFFF00000u) == 0xC0100000u ||
                    (v & 0xFFF00000u) == 0xC1900000u;
        /* 0x800F0970 is logged by setup's Storage Reserve probe; Microsoft does not document it. */
        if (!want || v == 0x800F0970u)
            continue;
        (*checked)++;
        if (!sxs_errcode_lookup(v)) {
            char one[16];
            snprintf(one, sizeof(one), " 0x%08X", v);
            if (!strstr(missing, one) && strlen(missing) + strlen(one) < cap)
                strcat(missing, one);
        }
    }
    free(d);
}

Test(errcode, every_error_code_in_corpus_logs_and_design_decodes, .timeout = 120)
{
    static const char *const rel[] = {
        "logs/cbs/alborz25_ws2012-9200_CBS.log",
        "logs/cbs/appostarsi_win10-19041_CBS_5_23.log.xz",
        "logs/cbs/appostarsi_win10-19041_CBS_Win_10.log.xz",
        "logs/cbs/appostarsi_win11-22621_CBS.log.xz",
        "logs/cbs/eyeofparadox_win11-26100_CBS.log.xz",
        "logs/cbs/hofcake_win81-9600_CBS.log",
        "logs/cbs/romi1996_win10-18362_CBS.log",
        "logs/cbs/scarlaglen_win11-22621_CBS.log.xz",
        "logs/dism/appostarsi_win10_dism_5_23.log.xz",
        "logs/dism/appostarsi_win10_dism_win_10.log",
        "logs/dism/appostarsi_win11_dism.log",
        "logs/dism/eyeofparadox_win11-26100_dism.log",
        "logs/excerpts/msdocs_cbs_0x8007000d_driver-failure_redacted-dates.log",
        "logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log",
        "logs/excerpts/msdocs_ssu-empty_signature-strings.txt",
        "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz",
        "logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log",
        "logs/panther/appostarsi_upgrade_rollback/setupapi.offline.log.xz",
        "logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log",
        "logs/panther/azure_vm_specialize/setupact.log",
        "logs/panther/azure_vm_specialize/UnattendGC_setupact.log",
        "logs/panther/bitbtrust_winpe_install/setupact.log",
        "logs/panther/rickak77_upgrade_error/setupact.log",
        "logs/setupapi/plaso_setupapi.dev.log",
        "logs/setupapi/plaso_setupapi.setup.log",
        "logs/windowsupdate/appostarsi_win10-19041_WindowsUpdate.log.xz",
        "logs/windowsupdate/findingsanity_ws2019-17763_WindowsUpdate.log",
    };
    size_t checked = 0, files = 0;
    char missing[2048] = "";
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char *p = sxs_corpus_path(rel[i]);
        if (!p)
            continue;
        files++;
        check_codes_in(p, &checked, missing, sizeof(missing));
        free(p);
    }
    char design[4096];
    snprintf(design, sizeof(design), "%s/../shared/DESIGN.md", SXS_SOURCE_DIR);
    FILE *f = fopen(design, "r");
    if (f) {
        fclose(f);
        check_codes_in(design, &checked, missing, sizeof(missing));
    }
    if (files == 0)
        cr_skip_test("corpus absent");
    cr_assert_gt(checked, 500);
    cr_assert_str_eq(missing, "", "codes without a decode:%s", missing);
}
