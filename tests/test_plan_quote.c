/* Tests of rules/rule_quote.c and of plan rendering with hostile placeholder values (issue 17
 * item 1): each placeholder kind's allow-list, one rendered step per shell-metacharacter class
 * (the command withheld, the note naming the placeholder, the check and the value as data),
 * values that pass rendered unchanged, and the shipped DRIVER-MISSING rule on the Doqe line
 * from the issue. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/an_facts.h"
#include "analyzer/logs/an_log.h"
#include "rules/rule.h"
#include "rules/rule_quote.h"

static void print_err(const char *file, int line, const char *msg, void *ctx)
{
    (void)ctx;
    cr_log_error("%s:%d: %s", file, line, msg);
}

static void keep_err(const char *file, int line, const char *msg, void *ctx)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 512 - n, "%s:%d: %s\n", file, line, msg);
}

/* ---- the allow-lists ---- */

typedef struct {
    rule_kind kind;
    const char *value;
    bool quoted;
    int want;        /* 0 or -EINVAL */
    size_t pos;      /* offending byte when rejected */
    const char *why; /* start of the reason when rejected */
} kind_case;

static const kind_case kind_cases[] = {
    {RULE_KIND_INF, "ntprint4.inf", false, 0, 0, NULL},
    {RULE_KIND_INF, "oem12.INF", false, 0, 0, NULL},
    {RULE_KIND_INF, "ntprint4", false, -EINVAL, 8, "does not end in .inf"},
    {RULE_KIND_INF, "..\\x.inf", true, -EINVAL, 2, "character not allowed"},
    {RULE_KIND_INF, "a b.inf", true, -EINVAL, 1, "character not allowed"},
    {RULE_KIND_FOLDER,
     "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_"
     "a5532eb7772ad4c4",
     true, 0, 0, NULL},
    {RULE_KIND_FOLDER, "..", true, -EINVAL, 0, "'.' and '..'"},
    {RULE_KIND_FOLDER, "a\\b", true, -EINVAL, 1, "character not allowed"},
    {RULE_KIND_FOLDER, "a/b", true, -EINVAL, 1, "character not allowed"},
    {RULE_KIND_VERSION, "10.0.26100.5074", false, 0, 0, NULL},
    {RULE_KIND_VERSION, "26100", false, 0, 0, NULL},
    {RULE_KIND_VERSION, "10.0.1.2.3", false, -EINVAL, 8, "not dotted digits"},
    {RULE_KIND_VERSION, "10..0", false, -EINVAL, 3, "not dotted digits"},
    {RULE_KIND_VERSION, "10.0a", false, -EINVAL, 4, "not dotted digits"},
    {RULE_KIND_KB, "KB5034441", false, 0, 0, NULL},
    {RULE_KIND_KB, "kb890830", false, 0, 0, NULL},
    {RULE_KIND_KB, "KB50&3", false, -EINVAL, 4, "KB not followed"},
    {RULE_KIND_KB, "5034441", false, -EINVAL, 0, "does not start with KB"},
    {RULE_KIND_PACKAGE, "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.5074.1.7", false, 0, 0,
     NULL},
    {RULE_KIND_PACKAGE, "Package~x;y", false, -EINVAL, 9, "character not allowed"},
    {RULE_KIND_SERVICE, "wuauserv", false, 0, 0, NULL},
    {RULE_KIND_SERVICE, "wuau serv", true, -EINVAL, 4, "character not allowed"},
    {RULE_KIND_CONTROL_SET, "ControlSet001", false, 0, 0, NULL},
    {RULE_KIND_CONTROL_SET, "ControlSet001\\..", false, -EINVAL, 13, "ControlSet not followed"},
    {RULE_KIND_CONTROL_SET, "CurrentControlSet", false, -EINVAL, 0, "does not start with"},
    {RULE_KIND_CODE, "0x80070003", false, 0, 0, NULL},
    {RULE_KIND_CODE, "-2147024893", false, 0, 0, NULL},
    {RULE_KIND_CODE, "0x8007000g", false, -EINVAL, 9, "not 0x"},
    {RULE_KIND_NUMBER, "3", false, 0, 0, NULL},
    {RULE_KIND_NUMBER, "3 ", false, -EINVAL, 1, "not a decimal"},
    {RULE_KIND_GUID, "{6B2A6B3E-56C0-4B8F-9C1B-0E5A4D2C7F11}", false, 0, 0, NULL},
    {RULE_KIND_GUID, "6b2a6b3e-56c0-4b8f-9c1b-0e5a4d2c7f11", false, 0, 0, NULL},
    {RULE_KIND_GUID, "{6B2A6B3E-56C0-4B8F-9C1B-0E5A4D2C7F11", false, -EINVAL, 37, "GUID brace"},
    {RULE_KIND_DRIVE, "G:", false, 0, 0, NULL},
    {RULE_KIND_DRIVE, "G:&", false, -EINVAL, 0, "not a drive letter"},
    {RULE_KIND_WINDOWS_DIR, "Windows", false, 0, 0, NULL},
    {RULE_KIND_WINDOWS_DIR, "WinNT\\x", false, 0, 0, NULL},
    {RULE_KIND_WINDOWS_DIR, "C:\\Windows", false, -EINVAL, 1, "not volume-relative"},
    {RULE_KIND_WINDOWS_DIR, "Win dows", true, -EINVAL, 3, "character not allowed"},
    {RULE_KIND_PATH, "C:\\inetpub\\wwwroot", false, 0, 0, NULL},
    {RULE_KIND_PATH, "Program Files (x86)\\Tom, Dick + Harry's [old]", true, 0, 0, NULL},
    {RULE_KIND_PATH, "Program Files (x86)", false, -EINVAL, 7,
     "character not allowed outside quotes"},
    {RULE_KIND_PATH, "\\\\attacker\\share", true, -EINVAL, 0, "UNC, device or rooted"},
    {RULE_KIND_PATH, "\\??\\C:\\x", true, -EINVAL, 0, "UNC, device or rooted"},
    {RULE_KIND_PATH, "C:x", true, -EINVAL, 2, "drive not followed"},
    {RULE_KIND_PATH, "Users\\..\\Windows", true, -EINVAL, 6, "'.' or '..' component"},
    {RULE_KIND_PATH, "Users\\sam\\", true, -EINVAL, 10, "empty path component"},
    {RULE_KIND_PATH, "Users\\\\sam", true, -EINVAL, 6, "empty path component"},
    {RULE_KIND_PATH, "Users\\sam.", true, -EINVAL, 9, "component ends in a space or dot"},
    {RULE_KIND_PATH, "C:\\x:stream", true, -EINVAL, 4, "character not allowed"},
    {RULE_KIND_PATH, "C:\\x$(calc)", true, -EINVAL, 4, "character not allowed"},
    {RULE_KIND_PATH, "C:\\x`calc", true, -EINVAL, 4, "character not allowed"},
    {RULE_KIND_PATH, "C:\\Users\\Jos\xc3\xa9", true, -EINVAL, 12, "character not allowed"},
    {RULE_KIND_PATH, "C:\\x\xef\xbc\x82&calc", true, -EINVAL, 4, "character not allowed"},
    {RULE_KIND_TEXT, "Windows 10 Pro", true, -EINVAL, 0, "free text"},
    {RULE_KIND_INF, "", true, -EINVAL, 0, "empty"},
};

Test(plan_quote, kinds_allow_lists)
{
    for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]); i++) {
        const kind_case *c = &kind_cases[i];
        const char *why = NULL;
        size_t pos = 12345;
        int r = rule_quote_check(c->kind, c->value, strlen(c->value), c->quoted, &why, &pos);
        cr_expect_eq(r, c->want, "case %zu (%s '%s'): %d, want %d (%s)", i, rule_kind_name(c->kind),
                     c->value, r, c->want, why ? why : "");
        if (c->want == 0 || r == 0)
            continue;
        cr_expect_eq(pos, c->pos, "case %zu '%s': pos %zu, want %zu", i, c->value, pos, c->pos);
        cr_expect(why && strncmp(why, c->why, strlen(c->why)) == 0, "case %zu: why '%s', want '%s'",
                  i, why ? why : "(null)", c->why);
    }
}

Test(plan_quote, nul_inside_value_rejected)
{
    const char v[] = "oem1\0.inf";
    const char *why = NULL;
    size_t pos = 0;
    cr_assert_eq(rule_quote_check(RULE_KIND_INF, v, sizeof(v) - 1, true, &why, &pos), -EINVAL);
    cr_expect_str_eq(why, "NUL byte");
    cr_expect_eq(pos, 4);
}

Test(plan_quote, data_and_text_quoting)
{
    sxs_buf b;
    sxs_buf_init(&b, 4096);
    const char v[] = "a\"b\\c&|<>^%!$`\n\r\x01\x1b\xc3\xa9 ()";
    cr_assert_eq(rule_quote_data(v, sizeof(v) - 1, &b), 0);
    cr_assert_eq(sxs_buf_append(&b, "", 1), 0);
    cr_expect_str_eq(b.data, "\"a\\\"b\\\\c\\x26\\x7C\\x3C\\x3E\\x5E\\x25\\x21\\x24\\x60\\x0A\\x0D"
                             "\\x01\\x1B\\xC3\\xA9 ()\"");
    sxs_buf_reset(&b);
    cr_assert_eq(rule_quote_text(v, sizeof(v) - 1, &b), 0);
    cr_assert_eq(sxs_buf_append(&b, "", 1), 0);
    cr_expect_str_eq(b.data, "a\"b\\c&|<>^%!$`\\x0A\\x0D\\x01\\x1B\xc3\xa9 ()");
    sxs_buf_free(&b);
}

/* ---- rendered steps ---- */

/* One rule firing on fact os.product_name, capturing its values under placeholder ph, with
 * one step whose command is cmd (foreach ph when foreach). */
static rule_result *render_with(const char *ph, const char *cmd, bool foreach,
                                const char *const *values, size_t nvalues, rule_set **ret_rs)
{
    char yaml[2048];
    snprintf(yaml, sizeof(yaml),
             "rules:\n"
             "  - id: DRIVER-MISSING\n"
             "    title: 'Value {%s}'\n"
             "    severity: high\n"
             "    confidence: high\n"
             "    description: d\n"
             "    when:\n"
             "      all:\n"
             "        - fact: os.product_name\n"
             "          exists: true\n"
             "          capture: %s\n"
             "    plan:\n"
             "      - step: 'check {%s}'\n"
             "        command: '%s'\n"
             "        where: rescue-vm\n"
             "        note: 'Look first.'\n"
             "%s",
             ph, ph, ph, cmd, foreach ? "        foreach: " : "");
    if (foreach) {
        strncat(yaml, ph, sizeof(yaml) - strlen(yaml) - 2);
        strcat(yaml, "\n");
    }
    rule_set *rs = rule_set_new();
    cr_assert_not_null(rs);
    cr_assert_eq(rule_set_load_mem(rs, "mem.yml", yaml, strlen(yaml), print_err, NULL), 0);
    an_facts *f = an_facts_new();
    cr_assert_not_null(f);
    for (size_t i = 0; i < nvalues; i++)
        cr_assert_eq(an_facts_add_str(f, "os.product_name", values[i], NULL, -1), 0);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    rule_eval_input in = {.facts = f, .windows_dir = "Windows", .target_drive = "F:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    rule_scan_free(s);
    an_facts_free(f);
    cr_assert_eq(res->nfindings, 1);
    *ret_rs = rs;
    return res;
}

#define DIR_INF                                                                                    \
    "dir /ad \"{target_drive}\\{windows_dir}\\System32\\DriverStore\\FileRepository\\{inf}_*\""
#define RMDIR_PATH "rmdir \"{target_drive}\\{path}\""

/* Renders one value; asserts the command and note of the single step exactly. */
static void expect_step(const char *ph, const char *cmd, const char *value, const char *want_cmd,
                        const char *want_note)
{
    rule_set *rs;
    rule_result *r = render_with(ph, cmd, true, &value, 1, &rs);
    const rule_finding *f = &r->findings[0];
    cr_assert_eq(f->nplan, 1);
    cr_expect_str_eq(f->plan[0].command, want_cmd, "value '%s'", value);
    cr_expect_str_eq(f->plan[0].note, want_note, "value '%s'", value);
    rule_result_free(r);
    rule_set_free(rs);
}

#define WITHHELD(ph, kind, why, pos, data)                                                         \
    "Look first. Command withheld: the value of {" ph "} was rejected as " kind " (" why           \
    " at byte " #pos "): " data ". Check it by hand before running anything."

Test(plan_render, valid_values_render_unchanged)
{
    expect_step("inf", DIR_INF, "ntprint4.inf",
                "dir /ad \"F:\\Windows\\System32\\DriverStore\\FileRepository\\ntprint4.inf_*\"",
                "Look first.");
    expect_step("path", RMDIR_PATH, "Program Files (x86)/Tom, Dick + Harry's [old]",
                "rmdir \"F:\\Program Files (x86)\\Tom, Dick + Harry's [old]\"", "Look first.");
    expect_step("control_set", "reg query HKLM\\OFFSYS\\{control_set}\\Services", "ControlSet002",
                "reg query HKLM\\OFFSYS\\ControlSet002\\Services", "Look first.");
}

Test(plan_render, ampersand)
{
    expect_step(
        "inf", DIR_INF, "x\"&del;F:\\Windows\\System32\\config\\SOFTWARE&rem", "",
        WITHHELD("inf", "an INF name", "character not allowed", 1,
                 "\"x\\\"\\x26del;F:\\\\Windows\\\\System32\\\\config\\\\SOFTWARE\\x26rem\""));
    expect_step(
        "path", RMDIR_PATH, "Users/a&calc", "",
        WITHHELD("path", "a Windows path", "character not allowed", 7, "\"Users/a\\x26calc\""));
}

Test(plan_render, pipe)
{
    expect_step("inf", DIR_INF, "a.inf|format", "",
                WITHHELD("inf", "an INF name", "character not allowed", 5, "\"a.inf\\x7Cformat\""));
}

Test(plan_render, caret)
{
    expect_step(
        "path", RMDIR_PATH, "Users/a^&b", "",
        WITHHELD("path", "a Windows path", "character not allowed", 7, "\"Users/a\\x5E\\x26b\""));
}

Test(plan_render, percent)
{
    expect_step("path", RMDIR_PATH, "Users/%COMSPEC%", "",
                WITHHELD("path", "a Windows path", "character not allowed", 6,
                         "\"Users/\\x25COMSPEC\\x25\""));
}

Test(plan_render, exclamation)
{
    expect_step(
        "path", RMDIR_PATH, "Users/!x!", "",
        WITHHELD("path", "a Windows path", "character not allowed", 6, "\"Users/\\x21x\\x21\""));
}

Test(plan_render, redirection)
{
    expect_step("path", RMDIR_PATH, "Users/a>F:\\Windows\\System32\\config\\SAM", "",
                WITHHELD("path", "a Windows path", "character not allowed", 7,
                         "\"Users/a\\x3EF:\\\\Windows\\\\System32\\\\config\\\\SAM\""));
    expect_step("inf", DIR_INF, "<x.inf", "",
                WITHHELD("inf", "an INF name", "character not allowed", 0, "\"\\x3Cx.inf\""));
}

Test(plan_render, parentheses)
{
    /* inside quotes a path may hold them; an INF name never; outside quotes neither */
    expect_step("inf", DIR_INF, "a(1).inf", "",
                WITHHELD("inf", "an INF name", "character not allowed", 1, "\"a(1).inf\""));
    expect_step("path", "dir {target_drive}\\{path}", "Program Files (x86)", "",
                WITHHELD("path", "a Windows path", "character not allowed outside quotes", 7,
                         "\"Program Files (x86)\""));
    expect_step("path", "dir {target_drive}\\{path}", "Users/sam", "dir F:\\Users\\sam",
                "Look first.");
}

Test(plan_render, double_quote)
{
    expect_step("path", RMDIR_PATH, "Users/x\" & calc & \"", "",
                WITHHELD("path", "a Windows path", "character not allowed", 7,
                         "\"Users/x\\\" \\x26 calc \\x26 \\\"\""));
}

Test(plan_render, newline_and_cr)
{
    expect_step("path", RMDIR_PATH, "Users/a\nformat C:", "",
                WITHHELD("path", "a Windows path", "character not allowed", 7,
                         "\"Users/a\\x0Aformat C:\""));
    expect_step(
        "inf", DIR_INF, "a.inf\r\ndel x", "",
        WITHHELD("inf", "an INF name", "character not allowed", 5, "\"a.inf\\x0D\\x0Adel x\""));
}

Test(plan_render, control_bytes)
{
    expect_step("inf", DIR_INF, "a\x1b[2J.inf", "",
                WITHHELD("inf", "an INF name", "character not allowed", 1, "\"a\\x1B[2J.inf\""));
    expect_step(
        "path", RMDIR_PATH, "Users/a\tb", "",
        WITHHELD("path", "a Windows path", "character not allowed", 7, "\"Users/a\\x09b\""));
}

Test(plan_render, powershell_metacharacters)
{
    expect_step("path", RMDIR_PATH, "Users/$(Remove-Item x)", "",
                WITHHELD("path", "a Windows path", "character not allowed", 6,
                         "\"Users/\\x24(Remove-Item x)\""));
    expect_step(
        "path", RMDIR_PATH, "Users/a`;b", "",
        WITHHELD("path", "a Windows path", "character not allowed", 7, "\"Users/a\\x60;b\""));
    /* U+201D, a quote to PowerShell */
    expect_step("path", RMDIR_PATH, "Users/a\xe2\x80\x9d;calc", "",
                WITHHELD("path", "a Windows path", "character not allowed", 7,
                         "\"Users/a\\xE2\\x80\\x9D;calc\""));
}

Test(plan_render, path_traversal_and_unc)
{
    expect_step("path", RMDIR_PATH, "Users/../Windows/System32/config", "",
                WITHHELD("path", "a Windows path", "'.' or '..' component", 6,
                         "\"Users/../Windows/System32/config\""));
    expect_step(
        "inf", DIR_INF, "../../../config/x.inf", "",
        WITHHELD("inf", "an INF name", "character not allowed", 2, "\"../../../config/x.inf\""));
    expect_step("path", "mkdir \"{path}\"", "\\\\attacker\\share\\x", "",
                WITHHELD("path", "a Windows path", "UNC, device or rooted path", 0,
                         "\"\\\\\\\\attacker\\\\share\\\\x\""));
}

Test(plan_render, very_long_value)
{
    char v[301];
    memset(v, 'a', 300);
    v[300] = '\0';
    memcpy(v, "Users/", 6);
    char want_data[200];
    snprintf(want_data, sizeof(want_data), "\"%.128s\"...(300 bytes)", v);
    char want[512];
    snprintf(want, sizeof(want),
             "Look first. Command withheld: the value of {path} was rejected as a Windows path "
             "(too long at byte 260): %s. Check it by hand before running anything.",
             want_data);
    expect_step("path", RMDIR_PATH, v, "", want);
}

Test(plan_render, several_values_where_one_is_wanted)
{
    const char *vals[] = {"a.inf", "b.inf"};
    rule_set *rs;
    rule_result *r = render_with("inf", DIR_INF, false, vals, 2, &rs);
    const rule_finding *f = &r->findings[0];
    cr_assert_eq(f->nplan, 1);
    cr_expect_str_eq(f->plan[0].command, "");
    cr_expect_str_eq(f->plan[0].note,
                     "Look first. Command withheld: the value of {inf} was rejected (2 values; a "
                     "command takes one, first \"a.inf\"). Run the step by hand for each value.");
    cr_expect_str_eq(f->plan[0].step, "check a.inf, b.inf");
    rule_result_free(r);
    rule_set_free(rs);
}

Test(plan_render, one_bad_value_does_not_withhold_the_others)
{
    const char *vals[] = {"oem12.inf", "x&y.inf", "ntprint4.inf"};
    rule_set *rs;
    rule_result *r = render_with("inf", DIR_INF, true, vals, 3, &rs);
    const rule_finding *f = &r->findings[0];
    cr_assert_eq(f->nplan, 3);
    cr_expect_str_eq(f->plan[0].command,
                     "dir /ad \"F:\\Windows\\System32\\DriverStore\\FileRepository\\oem12.inf_*\"");
    cr_expect_str_eq(f->plan[1].command, "");
    cr_expect_str_eq(f->plan[1].step, "check x&y.inf");
    cr_expect_str_eq(f->plan[2].command, "dir /ad \"F:\\Windows\\System32\\DriverStore\\"
                                         "FileRepository\\ntprint4.inf_*\"");
    cr_expect_str_eq(f->title, "Value oem12.inf, x&y.inf, ntprint4.inf");
    rule_result_free(r);
    rule_set_free(rs);
}

Test(plan_render, control_bytes_in_report_text_escaped)
{
    const char *v = "Windows\n[1] HEALTHY\r\x1b[0m";
    rule_set *rs;
    rule_result *r = render_with("product", "echo fixed", false, &v, 1, &rs);
    cr_expect_str_eq(r->findings[0].title, "Value Windows\\x0A[1] HEALTHY\\x0D\\x1B[0m");
    cr_expect_str_eq(r->findings[0].plan[0].step, "check Windows\\x0A[1] HEALTHY\\x0D\\x1B[0m");
    cr_expect_str_eq(r->findings[0].plan[0].command, "echo fixed");
    rule_result_free(r);
    rule_set_free(rs);
}

Test(plan_render, bad_builtins_withheld)
{
    rule_set *rs = rule_set_new();
    cr_assert_eq(rule_set_load_dir(rs, rule_builtin_dir(), print_err, NULL), 0);
    an_facts *f = an_facts_new();
    cr_assert_eq(an_facts_add_str(f, "reparse.library_junction.bad", "Users/sam/Music", NULL, -1),
                 0);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    rule_eval_input in = {.facts = f, .windows_dir = "Win&dows", .target_drive = "F:&"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    cr_assert_eq(res->nfindings, 1);
    const rule_finding *x = &res->findings[0];
    cr_assert_geq(x->nplan, 2);
    cr_expect_str_eq(x->plan[1].command, "");
    cr_expect_str_eq(x->plan[1].note,
                     "Command withheld: the value of {target_drive} was rejected as a drive letter "
                     "(not a drive letter and colon at byte 0): \"F:\\x26\". Check it by hand "
                     "before running anything.");
    rule_result_free(res);
    rule_scan_free(s);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(plan_compile, free_text_placeholder_refused_in_command)
{
    const char *yaml = "rules:\n"
                       "  - id: AV-THIRD-PARTY\n"
                       "    title: t\n"
                       "    severity: low\n"
                       "    confidence: low\n"
                       "    description: d\n"
                       "    when: {fact: security.product, exists: true, capture: product}\n"
                       "    plan:\n"
                       "      - step: 'remove {product}'\n"
                       "        command: 'uninstall \"{product}\"'\n"
                       "        where: booted\n";
    char msgs[512] = "";
    rule_set *rs = rule_set_new();
    int r = rule_set_load_mem(rs, "mem.yml", yaml, strlen(yaml), keep_err, msgs);
    cr_expect_eq(r, -EINVAL);
    cr_expect_str_eq(msgs, "mem.yml:10: placeholder '{product}' holds free text and cannot be used "
                           "in a command\n");
    cr_expect_eq(rule_set_count(rs), 0);
    rule_set_free(rs);
}

/* The shipped DRIVER-MISSING rule on the CBS.log lines of issue 17. */
Test(plan_render, shipped_driver_missing_rule_on_the_issue_line)
{
    rule_set *rs = rule_set_new();
    cr_assert_eq(rule_set_load_dir(rs, rule_builtin_dir(), print_err, NULL), 0);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    const char *lines[] = {
        "2025-06-11 03:12:47, Info                  CBS    Doqe: Recording result: 0x80070003, "
        "for Inf: x\"&del;F:\\Windows\\System32\\config\\SOFTWARE&rem",
        "2025-06-11 03:12:47, Info                  CBS    DriverUpdateInstallUpdates failed "
        "[HRESULT = 0x80070003 - ERROR_PATH_NOT_FOUND]",
        "2025-06-11 03:12:47, Info                  CBS    Startup: Rolling back KTM, because "
        "drivers failed.",
    };
    cr_assert_eq(rule_scan_file_begin(s, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log"), 0);
    for (size_t i = 0; i < 3; i++) {
        an_log_line l = {.text = lines[i],
                         .len = strlen(lines[i]),
                         .line_no = i + 1,
                         .offset = 0,
                         .has_time = true,
                         .time = 1749611567};
        rule_scan_line_cb(&l, s);
    }
    cr_assert_eq(rule_scan_file_end(s, 300, 0), 0);
    rule_eval_input in = {.windows_dir = "Windows", .target_drive = "F:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    cr_assert_eq(res->nfindings, 1);
    const rule_finding *f = &res->findings[0];
    cr_expect_str_eq(f->id, "DRIVER-MISSING");
    cr_assert_eq(f->nplan, 4);
    for (size_t i = 0; i < f->nplan; i++)
        cr_expect_null(strchr(f->plan[i].command, '&'), "step %zu: %s", i, f->plan[i].command);
    cr_expect_str_eq(f->plan[1].command, "");
    cr_expect_str_eq(
        f->plan[1].note,
        "A missing or empty package folder is the path the update could not find. "
        "Command withheld: the value of {inf} was rejected as an INF name (character "
        "not allowed at byte 1): \"x\\\"\\x26del;F:\\\\Windows\\\\System32\\\\config\\\\"
        "SOFTWARE\\x26rem\". Check it by hand before running anything.");
    rule_result_free(res);
    rule_scan_free(s);
    rule_set_free(rs);
}
