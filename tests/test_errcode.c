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
        {0xC1900101, "MOSETUP_E_SETUP_PLATFORM"},
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

/* Representative codes of every family the servicing history meets, with Microsoft's names. */
Test(errcode, family_names)
{
    static const struct {
        uint32_t code;
        const char *name;
        sxs_errkind kind;
    } cases[] = {
        /* CBS / PSFX (facility 0x0F, 0x800F08xx and 0x800F09xx) */
        {0x800F081F, "CBS_E_SOURCE_MISSING", SXS_ERRKIND_CBS},
        {0x800F0922, "CBS_E_INSTALLERS_FAILED", SXS_ERRKIND_CBS},
        {0x800F0831, "CBS_E_STORE_CORRUPTION", SXS_ERRKIND_CBS},
        {0x800F0988, "PSFX_E_INVALID_DELTA_COMBINATION", SXS_ERRKIND_CBS},
        {0x800F0900, "CBS_E_XML_PARSER_FAILURE", SXS_ERRKIND_CBS},
        {0x800F0823, "CBS_E_NEW_SERVICING_STACK_REQUIRED", SXS_ERRKIND_CBS},
        {0x800F0816, "CBS_E_DPX_JOB_STATE_SAVED", SXS_ERRKIND_CBS},
        {0x800F0954, "CBS_E_INVALID_WINDOWS_UPDATE_COUNT_WSUS", SXS_ERRKIND_CBS},
        {0x800F0906, "CBS_E_DOWNLOAD_FAILURE", SXS_ERRKIND_CBS},
        {0x800F0828, "CBS_E_INSUFFICIENT_DISK_SPACE", SXS_ERRKIND_CBS},
        /* ERROR_SXS_* through HRESULT_FROM_WIN32, and STATUS_SXS_* */
        {0x800736B3, "ERROR_SXS_ASSEMBLY_NOT_FOUND", SXS_ERRKIND_WIN32},
        {0x80073701, "ERROR_SXS_ASSEMBLY_MISSING", SXS_ERRKIND_WIN32},
        {0x80073712, "ERROR_SXS_COMPONENT_STORE_CORRUPT", SXS_ERRKIND_WIN32},
        {0x80073713, "ERROR_ADVANCED_INSTALLER_FAILED", SXS_ERRKIND_WIN32},
        {0x8007371B, "ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE", SXS_ERRKIND_WIN32},
        {0xC015001A, "STATUS_SXS_COMPONENT_STORE_CORRUPT", SXS_ERRKIND_NTSTATUS},
        {0xC0150004, "STATUS_SXS_ASSEMBLY_NOT_FOUND", SXS_ERRKIND_NTSTATUS},
        /* Windows Update agent */
        {0x8024402C, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", SXS_ERRKIND_HRESULT},
        {0x80244022, "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL", SXS_ERRKIND_HRESULT},
        {0x8024200D, "WU_E_UH_NEEDANOTHERDOWNLOAD", SXS_ERRKIND_HRESULT},
        {0x80240034, "WU_E_DOWNLOAD_FAILED", SXS_ERRKIND_HRESULT},
        {0x80242016, "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE", SXS_ERRKIND_HRESULT},
        {0x80246007, "WU_E_DM_NOTDOWNLOADED", SXS_ERRKIND_HRESULT},
        {0x80240FFF, "WU_E_UNEXPECTED", SXS_ERRKIND_HRESULT},
        {0x8024A000, "WU_E_AU_NOSERVICE", SXS_ERRKIND_HRESULT},
        /* Setup (MOSETUP_E_*) and WSUS upgrade content */
        {0xC1900101, "MOSETUP_E_SETUP_PLATFORM", SXS_ERRKIND_SETUP},
        {0xC1900107, "MOSETUP_E_CLEANUP_PENDING", SXS_ERRKIND_SETUP},
        {0xC1900200, "MOSETUP_E_COMPAT_SYSREQ_BLOCK", SXS_ERRKIND_SETUP},
        {0xC1900202, "MOSETUP_E_COMPAT_DOWNLOADREQ_BLOCK", SXS_ERRKIND_SETUP},
        {0xC1900204, "MOSETUP_E_COMPAT_MIGCHOICE_BLOCK", SXS_ERRKIND_SETUP},
        {0xC1900208, "MOSETUP_E_COMPAT_INSTALLREQ_BLOCK", SXS_ERRKIND_SETUP},
        {0xC190020E, "MOSETUP_E_INSTALLDISKSPACE_BLOCK", SXS_ERRKIND_SETUP},
        {0xC19001DF, "MOSETUP_E_DISK_FULL", SXS_ERRKIND_SETUP},
        {0xC1800118, "WSUS_UPGRADE_DECRYPTION_KEY_MISSING", SXS_ERRKIND_SETUP},
        /* Win32 through HRESULT_FROM_WIN32, COM, NTSTATUS */
        {0x80070070, "ERROR_DISK_FULL", SXS_ERRKIND_WIN32},
        {0x80070570, "ERROR_FILE_CORRUPT", SXS_ERRKIND_WIN32},
        {0x8007025D, "ERROR_BAD_COMPRESSION_BUFFER", SXS_ERRKIND_WIN32},
        {0x8007000D, "ERROR_INVALID_DATA", SXS_ERRKIND_WIN32},
        {0x80070032, "ERROR_NOT_SUPPORTED", SXS_ERRKIND_WIN32},
        {0x800700B7, "ERROR_ALREADY_EXISTS", SXS_ERRKIND_WIN32},
        {0x800705B4, "ERROR_TIMEOUT", SXS_ERRKIND_WIN32},
        {0x80070490, "ERROR_NOT_FOUND", SXS_ERRKIND_WIN32},
        {0x80072EE2, "ERROR_INTERNET_TIMEOUT", SXS_ERRKIND_WIN32},
        {0x80040154, "REGDB_E_CLASSNOTREG", SXS_ERRKIND_HRESULT},
        {0xC01A001D, "STATUS_LOG_FULL", SXS_ERRKIND_NTSTATUS},
        {0xD01A001D, "STATUS_LOG_FULL", SXS_ERRKIND_NTSTATUS}, /* HRESULT_FROM_NT */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const sxs_errcode_info *e = sxs_errcode_lookup(cases[i].code);
        cr_assert_not_null(e, "0x%08X", cases[i].code);
        cr_assert_str_eq(e->name, cases[i].name, "0x%08X", cases[i].code);
        cr_assert_eq(e->kind, cases[i].kind, "0x%08X", cases[i].code);
    }
    /* Microsoft publishes no name for 0x8024A105: we must not invent one. */
    cr_assert_null(sxs_errcode_lookup(0x8024A105));
    char buf[96];
    sxs_errcode_format(0x8024A105, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x8024A105 (unknown code, facility WindowsUpdate)");
}

Test(errcode, error_classes)
{
    static const struct {
        uint32_t code;
        sxs_errclass cls;
    } cases[] = {
        {0x80070070, SXS_ERRCLASS_DISK_SPACE},
        {0xC19001DF, SXS_ERRCLASS_DISK_SPACE},
        {0xC190020E, SXS_ERRCLASS_DISK_SPACE},
        {0xC000007F, SXS_ERRCLASS_DISK_SPACE},
        {0x800F0828, SXS_ERRCLASS_DISK_SPACE},
        {0x80070570, SXS_ERRCLASS_MEDIA_CORRUPTION},
        {0x8007025D, SXS_ERRCLASS_MEDIA_CORRUPTION},
        {0x80070017, SXS_ERRCLASS_MEDIA_CORRUPTION},
        {0xC1900101, SXS_ERRCLASS_DRIVER},
        {0xC1900206, SXS_ERRCLASS_DRIVER},
        {0x800F081F, SXS_ERRCLASS_SOURCE_MISSING},
        {0x800F0948, SXS_ERRCLASS_SOURCE_MISSING},
        {0x8024402C, SXS_ERRCLASS_NETWORK_WSUS},
        {0x80244022, SXS_ERRCLASS_NETWORK_WSUS},
        {0x80240034, SXS_ERRCLASS_NETWORK_WSUS},
        {0xC1800118, SXS_ERRCLASS_NETWORK_WSUS},
        {0x800F0954, SXS_ERRCLASS_NETWORK_WSUS},
        {0x800F0922, SXS_ERRCLASS_ADVANCED_INSTALLER},
        {0x80073713, SXS_ERRCLASS_ADVANCED_INSTALLER},
        {0xC1900107, SXS_ERRCLASS_PENDING_REBOOT},
        {0x80070BC9, SXS_ERRCLASS_PENDING_REBOOT},
        {0x80242014, SXS_ERRCLASS_PENDING_REBOOT},
        {0x800F0831, SXS_ERRCLASS_COMPONENT_STORE},
        {0x80073712, SXS_ERRCLASS_COMPONENT_STORE},
        {0x80073701, SXS_ERRCLASS_COMPONENT_STORE},
        {0x800F0988, SXS_ERRCLASS_COMPONENT_STORE},
        {0x80070005, SXS_ERRCLASS_ACCESS_DENIED},
        {0xC0000022, SXS_ERRCLASS_ACCESS_DENIED},
        {0xC1900208, SXS_ERRCLASS_INCOMPATIBLE_APP},
        {0xC1900200, SXS_ERRCLASS_SYSTEM_REQUIREMENTS},
        {0x800F0823, SXS_ERRCLASS_SERVICING_STACK},
        {0x800F081E, SXS_ERRCLASS_NOT_APPLICABLE},
        {0x80070020, SXS_ERRCLASS_BUSY},
        {0x800704C7, SXS_ERRCLASS_CANCELLED},
        {0x00000000, SXS_ERRCLASS_SUCCESS},
        /* ambiguous codes stay unknown */
        {0x80004005, SXS_ERRCLASS_UNKNOWN},
        {0x8007000D, SXS_ERRCLASS_UNKNOWN},
        {0x80070002, SXS_ERRCLASS_UNKNOWN},
        {0x8024A105, SXS_ERRCLASS_UNKNOWN},
        {0x12345678, SXS_ERRCLASS_UNKNOWN},
        /* families with one cause, for codes not in the table */
        {0x80244FFE, SXS_ERRCLASS_NETWORK_WSUS},
        {0x80072EE5, SXS_ERRCLASS_NETWORK_WSUS},
        {0x80D02002, SXS_ERRCLASS_NETWORK_WSUS},
        {0x8024C0FF, SXS_ERRCLASS_DRIVER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(sxs_errcode_class(cases[i].code), cases[i].cls, "0x%08X: %s", cases[i].code,
                     sxs_errclass_name(sxs_errcode_class(cases[i].code)));
    cr_assert_null(sxs_errcode_lookup(0x80244FFE), "the family fallback is what is tested");
    cr_assert_null(sxs_errcode_lookup(0x80072EE5));
}

Test(errcode, class_names_round_trip)
{
    cr_assert_str_eq(sxs_errclass_name(SXS_ERRCLASS_DISK_SPACE), "disk-space");
    cr_assert_str_eq(sxs_errclass_name(SXS_ERRCLASS_NETWORK_WSUS), "network-wsus");
    cr_assert_str_eq(sxs_errclass_name(SXS_ERRCLASS_ADVANCED_INSTALLER), "advanced-installer");
    cr_assert_str_eq(sxs_errclass_name(SXS_ERRCLASS_UNKNOWN), "unknown");
    cr_assert_str_eq(sxs_errclass_name((sxs_errclass)999), "unknown");
    for (unsigned i = 0; i < SXS_ERRCLASS_COUNT_; i++) {
        sxs_errclass c = SXS_ERRCLASS_COUNT_;
        const char *n = sxs_errclass_name((sxs_errclass)i);
        cr_assert_eq(sxs_errclass_from_name(n, &c), 0, "%s", n);
        cr_assert_eq(c, (sxs_errclass)i);
    }
    sxs_errclass c = SXS_ERRCLASS_DRIVER;
    cr_assert_eq(sxs_errclass_from_name("disk space", &c), -ENOENT);
    cr_assert_eq(sxs_errclass_from_name(NULL, &c), -ENOENT);
    cr_assert_eq(c, SXS_ERRCLASS_DRIVER, "ret_ untouched on failure");
    /* every table entry carries a valid class, and a code's class is its entry's */
    for (size_t i = 0; i < sxs_errcode_count(); i++) {
        const sxs_errcode_info *e = sxs_errcode_at(i);
        cr_assert_lt((unsigned)e->cls, (unsigned)SXS_ERRCLASS_COUNT_);
        cr_assert_eq(sxs_errcode_class(e->code), e->cls, "0x%08X", e->code);
    }
}

Test(errcode, format_known_unknown_and_small_buffer)
{
    char buf[256];
    int n = sxs_errcode_format(0x80070003, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x80070003 ERROR_PATH_NOT_FOUND: The system cannot find the path "
                          "specified.");
    cr_assert_eq(n, (int)strlen(buf));
    sxs_errcode_format(0x8024FFF0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0x8024FFF0 (unknown code, facility WindowsUpdate)");
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
    cr_assert_eq(sxs_extend_code_decode("0x80070070 - 0x50011", &x), 1);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_UNINSTALL");
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_ENABLE_FEATURE");
    cr_assert_eq(sxs_extend_code_decode("0xC1900101 - 0x4001E", &x), 1);
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_PRE_OOBE");
    cr_assert_eq(sxs_extend_code_decode(NULL, &x), 0);
}

/* Microsoft's tables: phases 0-5 and operations 0x00-0x20, nothing beyond. */
Test(errcode, extend_tables_complete)
{
    static const char *const phase[] = {
        "SP_EXECUTION_UNKNOWN",    "SP_EXECUTION_DOWNLEVEL", "SP_EXECUTION_SAFE_OS",
        "SP_EXECUTION_FIRST_BOOT", "SP_EXECUTION_OOBE_BOOT", "SP_EXECUTION_UNINSTALL",
    };
    sxs_extend_code x;
    for (unsigned p = 0; p < 6; p++) {
        sxs_extend_code_from_values(0xC1900101, (p << 16) | 0xC, &x);
        cr_assert_str_eq(x.phase_name, phase[p]);
        cr_assert_not_null(x.phase_label);
    }
    sxs_extend_code_from_values(0xC1900101, 0x6000C, &x);
    cr_assert_null(x.phase_name);
    for (unsigned op = 0; op <= 0x20; op++) {
        sxs_extend_code_from_values(0xC1900101, 0x20000 | op, &x);
        cr_assert_not_null(x.operation_name, "op 0x%X", op);
        cr_assert_eq(strncmp(x.operation_name, "SP_EXECUTION_OP_", 16), 0);
        cr_assert_not_null(x.operation_label);
    }
    static const struct {
        unsigned op;
        const char *name;
    } ops[] = {
        {0x00, "SP_EXECUTION_OP_UNKNOWN"},
        {0x01, "SP_EXECUTION_OP_COPY_PAYLOAD"},
        {0x07, "SP_EXECUTION_OP_INSTALL_DRIVERS"},
        {0x08, "SP_EXECUTION_OP_PREPARE_SAFE_OS"},
        {0x0C, "SP_EXECUTION_OP_APPLY_IMAGE"},
        {0x0D, "SP_EXECUTION_OP_MIGRATE_DATA"},
        {0x0F, "SP_EXECUTION_OP_ADD_UNATTEND"},
        {0x10, "SP_EXECUTION_OP_ADD_DRIVER"},
        {0x17, "SP_EXECUTION_OP_BOOT"},
        {0x18, "SP_EXECUTION_OP_SYSPREP"},
        {0x1A, "SP_EXECUTION_OP_BEGIN_FIRST_BOOT"},
        {0x1F, "SP_EXECUTION_OP_POST_OOBE"},
        {0x20, "SP_EXECUTION_OP_ADD_PROVISIONING_PACKAGE"},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        sxs_extend_code_from_values(0x8007000D, 0x20000 | ops[i].op, &x);
        cr_assert_str_eq(x.operation_name, ops[i].name);
    }
    sxs_extend_code_from_values(0xC1900101, 0x20021, &x);
    cr_assert_null(x.operation_name);
    sxs_extend_code_from_values(0x8007000D, 0x2000C, &x);
    cr_assert_str_eq(x.phase_name, "SP_EXECUTION_SAFE_OS");
    cr_assert_str_eq(x.operation_name, "SP_EXECUTION_OP_APPLY_IMAGE");
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
