/* Tests of rules/: golden compiler errors (the files in tests/data/rules/bad/ against their
 * .expected "file:line: message" lines), the shipped rule pack, the engine over real corpus logs
 * (DRIVER-MISSING excerpt, false-positive traps, COMPONENT-CORRUPT positives and healthy logs),
 * fact-based rules with hand-built facts, correlation windows, placeholders and merging. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "analyzer/an_facts.h"
#include "analyzer/logs/an_log.h"
#include "fsaccess/fsa.h"
#include "analyzer/history/an_history.h"
#include "common/sxs_limits.h"
#include "rules/rule.h"
#include "rules/rule_scan_int.h"
#include "tests/support/corpus.h"

#define BAD_DIR SXS_SOURCE_DIR "/tests/data/rules/bad"

typedef struct {
    char buf[8192];
    size_t len;
    int count;
} errs;

static void collect_err(const char *file, int line, const char *msg, void *ctx)
{
    errs *e = ctx;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    int n = snprintf(e->buf + e->len, sizeof(e->buf) - e->len, "%s:%d: %s\n", base, line, msg);
    if (n > 0 && (size_t)n < sizeof(e->buf) - e->len)
        e->len += (size_t)n;
    e->count++;
}

static void print_err(const char *file, int line, const char *msg, void *ctx)
{
    (void)ctx;
    cr_log_error("%s:%d: %s", file, line, msg);
}

static rule_set *load_pack(void)
{
    rule_set *rs = rule_set_new();
    cr_assert_not_null(rs);
    cr_assert_eq(rule_set_load_dir(rs, rule_builtin_dir(), print_err, NULL), 0);
    return rs;
}

static rule_set *load_text(const char *yaml, errs *e)
{
    rule_set *rs = rule_set_new();
    cr_assert_not_null(rs);
    int r = rule_set_load_mem(rs, "mem.yml", yaml, strlen(yaml), e ? collect_err : print_err, e);
    if (!e)
        cr_assert_eq(r, 0);
    return rs;
}

/* ---- golden compiler errors ---- */

Test(rules_compile, golden_bad_files)
{
    DIR *d = opendir(BAD_DIR);
    cr_assert_not_null(d);
    struct dirent *de;
    int checked = 0;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".yml") != 0)
            continue;
        char path[1024], exp_path[1024];
        snprintf(path, sizeof(path), "%s/%s", BAD_DIR, de->d_name);
        snprintf(exp_path, sizeof(exp_path), "%s/%.*s.expected", BAD_DIR, (int)(l - 4), de->d_name);
        char *expected = sxs_slurp(exp_path, NULL);
        cr_assert_not_null(expected, "missing %s", exp_path);
        rule_set *rs = rule_set_new();
        errs e = {0};
        int r = rule_set_load_file(rs, path, collect_err, &e);
        cr_expect_eq(r, -EINVAL, "%s: load returned %d", de->d_name, r);
        cr_expect_str_eq(e.buf, expected, "%s: got [%s]", de->d_name, e.buf);
        cr_expect_eq(rule_set_count(rs), 0);
        rule_set_free(rs);
        free(expected);
        checked++;
    }
    closedir(d);
    cr_assert_geq(checked, 16);
}

Test(rules_compile, shipped_pack_compiles)
{
    rule_set *rs = load_pack();
    size_t n = rule_set_count(rs);
    cr_assert_geq(n, 13);
    /* every scenario of DESIGN.md has at least one rule */
    static const char *const ids[] = {
        "SSU-EMPTY", "DRIVER-MISSING", "BACKUP-REPARSE", "WU-SERVICES",     "COMPONENT-CORRUPT",
        "WU-CACHE",  "PENDING-STUCK",  "UPGRADE-POLICY", "WIMMOUNT-DRIVER", "SPUPDSVC-RUNONCE",
        "IIS-PATH",  "AV-THIRD-PARTY", "IPU-REQUIRED"};
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) {
            rule_info ri;
            cr_assert_eq(rule_set_info(rs, i, &ri), 0);
            found = strcmp(ri.id, ids[k]) == 0;
        }
        cr_expect(found, "no rule for %s", ids[k]);
    }
    rule_info ri;
    cr_assert_eq(rule_set_info(rs, n, &ri), -ERANGE);
    cr_assert_eq(rule_set_info(rs, 0, &ri), 0);
    cr_expect_str_eq(ri.file, SXS_SOURCE_DIR "/rules/rules.d/av-third-party.yml");
    cr_expect_str_eq(ri.id, "AV-THIRD-PARTY");
    cr_expect_eq(ri.line, 4);
    cr_expect_eq(ri.severity, RULE_SEV_LOW);
    rule_set_free(rs);
}

Test(rules_compile, several_errors_in_one_file)
{
    errs e = {0};
    rule_set *rs = load_text("rules:\n"
                             "  - id: NOPE\n"
                             "    title: t\n"
                             "    severity: high\n"
                             "    confidence: sure\n"
                             "    description: d\n"
                             "    when: {fact: os.ubr, gt: x}\n",
                             &e);
    cr_expect_str_eq(e.buf, "mem.yml:2: unknown scenario id 'NOPE'\n"
                            "mem.yml:5: unknown confidence 'sure'\n"
                            "mem.yml:7: 'comparison' must be an integer >= "
                            "-9223372036854775808\n");
    cr_expect_eq(rule_set_count(rs), 0);
    rule_set_free(rs);
}

/* ---- engine over hand-written lines ---- */

static void feed(rule_scan *s, an_log_family f, const char *path, const char *const *lines,
                 const int64_t *times, size_t n)
{
    cr_assert_eq(rule_scan_file_begin(s, f, path), 0);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        an_log_line l = {.text = lines[i],
                         .len = strlen(lines[i]),
                         .line_no = i + 1,
                         .offset = off,
                         .has_time = times[i] >= 0,
                         .time = times[i]};
        rule_scan_line_cb(&l, s);
        off += l.len + 2;
    }
    cr_assert_eq(rule_scan_file_end(s, off, 0), 0);
}

Test(rules_engine, correlation_window_and_captures)
{
    const char *yaml = "rules:\n"
                       "  - id: DRIVER-MISSING\n"
                       "    title: 'Driver {inf}'\n"
                       "    severity: high\n"
                       "    confidence: high\n"
                       "    description: 'paths {path|none}'\n"
                       "    when:\n"
                       "      all:\n"
                       "        - log: cbs\n"
                       "          as: a\n"
                       "          pattern: 'ANCHOR (?<inf>\\w+\\.inf)'\n"
                       "        - correlate: a\n"
                       "          within: 2\n"
                       "          pattern: 'err (?<path>\\S+)'\n"
                       "    plan:\n"
                       "      - step: 'check {inf}'\n"
                       "        command: 'dir {target_drive}\\{path}'\n"
                       "        where: rescue-vm\n"
                       "        foreach: path\n";
    rule_set *rs = load_text(yaml, NULL);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    const char *lines[] = {"err a/too_early", "err b/in_back", "x",
                           "ANCHOR x.inf",    "err c/in_fwd",  "err d/too_late"};
    int64_t t[] = {100, 108, -1, 110, 112, 113};
    feed(s, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log", lines, t, 6);
    rule_eval_input in = {.target_drive = "G:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    cr_assert_eq(res->nfindings, 1);
    rule_finding *f = &res->findings[0];
    cr_expect_str_eq(f->title, "Driver x.inf");
    cr_expect_str_eq(f->description, "paths b/in_back, c/in_fwd");
    cr_assert_eq(f->nevidence, 3);
    cr_expect_eq(f->evidence[0].line, 4);
    cr_expect_eq(f->evidence[1].line, 2);
    cr_expect_eq(f->evidence[2].line, 5);
    cr_expect_str_eq(f->evidence[0].timestamp, "1970-01-01 00:01:50 (local)");
    cr_expect_eq(f->evidence[2].offset, 49);
    cr_assert_eq(f->nplan, 2);
    cr_expect_str_eq(f->plan[0].command, "dir G:\\b\\in_back");
    cr_expect_str_eq(f->plan[1].command, "dir G:\\c\\in_fwd");
    cr_expect_str_eq(f->plan[1].step, "check x.inf");
    cr_expect_str_eq(f->plan[1].note, "");
    cr_assert_eq(res->nlogs, 1);
    cr_expect_eq(res->logs[0].lines, 6);
    cr_expect_str_eq(res->logs[0].family, "cbs");
    rule_result_free(res);
    rule_scan_free(s);
    rule_set_free(rs);
}

/* Appends CBS lines "2024-01-01 10:00:00, Info CBS <body> <n>" of about width bytes until
 * the buffer reaches offset until. */
static size_t cbs_fill(char *buf, size_t n, size_t until, const char *body, size_t width)
{
    for (int k = 0; n + width + 64 < until; k++) {
        int w = snprintf(buf + n, 256, "2024-01-01 10:00:00, Info                  CBS    %s %d ",
                         body, k);
        n += (size_t)w;
        while (n % 64 != 0 && width > 64) /* pad */
            buf[n++] = 'x';
        buf[n++] = '\r';
        buf[n++] = '\n';
    }
    return n;
}

static size_t cbs_line(char *buf, size_t n, const char *body)
{
    return n + (size_t)sprintf(buf + n, "2024-01-01 10:00:00, Info                  CBS    %s\r\n",
                               body);
}

/* Lines the pass keeps for backward correlation lie in place in the reader's chunk and are
 * copied only when the reader moves on (rule_scan.c, ring_keep): an anchor in the next chunk
 * sees a line kept in place; one two chunks on sees a line whose chunk buffer has been refilled
 * since, across a chunk of copied (non-ASCII) lines only; and one after a chunk that hands out
 * no line at all (a line running over it) still sees a line of the chunk before. */
Test(rules_engine, correlation_with_lines_of_earlier_reader_chunks)
{
    const char *yaml = "rules:\n"
                       "  - id: DRIVER-MISSING\n"
                       "    title: t\n"
                       "    severity: high\n"
                       "    confidence: high\n"
                       "    description: 'one {path|none}'\n"
                       "    when:\n"
                       "      all:\n"
                       "        - {log: cbs, as: a, pattern: 'ANCHOR_ONE'}\n"
                       "        - {correlate: a, within: 60, pattern: 'errone (?<path>\\S+)'}\n"
                       "  - id: WU-CACHE\n"
                       "    title: t\n"
                       "    severity: high\n"
                       "    confidence: high\n"
                       "    description: 'two {path|none}'\n"
                       "    when:\n"
                       "      all:\n"
                       "        - {log: cbs, as: b, pattern: 'ANCHOR_TWO'}\n"
                       "        - {correlate: b, within: 60, pattern: 'errtwo (?<path>\\S+)'}\n"
                       "  - id: IPU-REQUIRED\n"
                       "    title: t\n"
                       "    severity: high\n"
                       "    confidence: high\n"
                       "    description: 'three {path|none}'\n"
                       "    when:\n"
                       "      all:\n"
                       "        - {log: cbs, as: c, pattern: 'ANCHOR_THREE'}\n"
                       "        - {correlate: c, within: 60, pattern: 'errthree (?<path>\\S+)'}\n";
    rule_set *rs = load_text(yaml, NULL);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    enum { CH = SXS_STREAM_CHUNK };
    char *buf = malloc(6 * CH);
    cr_assert(buf);
    size_t n = cbs_fill(buf, 0, CH - 1000, "filler", 100);
    n = cbs_line(buf, n, "errone C:\\first\\in_chunk_0");
    n = cbs_fill(buf, n, CH + 1000, "filler", 100);
    cr_assert_gt(n, (size_t)CH);
    n = cbs_line(buf, n, "ANCHOR_ONE");
    n = cbs_fill(buf, n, 2 * CH - 500, "filler", 100);
    n = cbs_line(buf, n, "errtwo C:\\second\\in_chunk_1");
    cr_assert_lt(n, (size_t)2 * CH - 100);
    /* chunk 2: four long lines with a non-ASCII byte, handed out as copies */
    while (n < 3 * CH + 100) {
        n = cbs_line(buf, n, "caf\xC3\xA9");
        n -= 2;
        for (size_t k = 0; k < 15000; k++)
            buf[n++] = "abcdef "[k % 7];
        buf[n++] = '\r';
        buf[n++] = '\n';
    }
    n = cbs_line(buf, n, "ANCHOR_TWO");
    n = cbs_fill(buf, n, 4 * CH - 500, "filler", 100);
    n = cbs_line(buf, n, "errthree C:\\third\\in_chunk_3");
    /* chunk 4 hands out no line: one line runs from chunk 3 over all of it into chunk 5 */
    n = cbs_line(buf, n, "long");
    n -= 2;
    while (n < 5 * CH + 200)
        buf[n++] = 'y';
    buf[n++] = '\r';
    buf[n++] = '\n';
    n = cbs_line(buf, n, "ANCHOR_THREE");
    n = cbs_fill(buf, n, 6 * CH, "filler", 100);
    cr_assert_eq(rule_scan_file_begin(s, AN_LOG_CBS, "Windows/Logs/CBS/CBS.log"), 0);
    an_log_stats st;
    cr_assert_eq(an_log_stream_mem((const uint8_t *)buf, n, "CBS.log", AN_LOG_CBS, NULL,
                                   rule_scan_line_cb, s, &st, NULL),
                 0);
    cr_assert_eq(rule_scan_file_end(s, n, 0), 0);
    rule_eval_input in = {.target_drive = "G:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    cr_assert_eq(res->nfindings, 3);
    bool one = false, two = false, three = false;
    for (size_t i = 0; i < res->nfindings; i++) {
        const char *d = res->findings[i].description;
        one |= strcmp(d, "one C:\\first\\in_chunk_0") == 0;
        two |= strcmp(d, "two C:\\second\\in_chunk_1") == 0;
        three |= strcmp(d, "three C:\\third\\in_chunk_3") == 0;
    }
    cr_expect(one && two && three, "findings: '%s', '%s', '%s'", res->findings[0].description,
              res->findings[1].description, res->findings[2].description);
    rule_result_free(res);
    rule_scan_free(s);
    rule_set_free(rs);
    free(buf);
}

Test(rules_engine, min_count_not_and_absent_family)
{
    const char *yaml = "rules:\n"
                       "  - id: IPU-REQUIRED\n"
                       "    title: t\n"
                       "    severity: high\n"
                       "    confidence: low\n"
                       "    description: d\n"
                       "    when:\n"
                       "      all:\n"
                       "        - log: [cbs, dism]\n"
                       "          pattern: 'boom'\n"
                       "          min_count: 3\n"
                       "        - not: {log: cbs, pattern: 'all good'}\n"
                       "        - log_absent: panther\n"
                       "  - id: WU-CACHE\n"
                       "    title: t2\n"
                       "    severity: critical\n"
                       "    confidence: low\n"
                       "    description: d\n"
                       "    when: {log_present: dism}\n";
    rule_set *rs = load_text(yaml, NULL);
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    const char *a[] = {"boom 1", "boom 2"};
    const char *b[] = {"BOOM", "boom 3"};
    int64_t t[] = {-1, -1};
    feed(s, AN_LOG_CBS, "cbs.log", a, t, 2);
    feed(s, AN_LOG_DISM, "dism.log", b, t, 2);
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, NULL, &res, NULL), 0);
    cr_assert_eq(res->nfindings, 2);
    /* most severe first */
    cr_expect_str_eq(res->findings[0].id, "WU-CACHE");
    cr_expect_str_eq(res->findings[1].id, "IPU-REQUIRED");
    cr_assert_eq(res->findings[1].nevidence, 4);
    cr_expect_str_eq(res->findings[1].evidence[2].source, "dism.log");
    cr_expect_eq(res->findings[1].evidence[2].line, 2);
    cr_expect_str_eq(res->findings[1].evidence[3].text, "no panther log found");
    rule_result_free(res);
    rule_scan_free(s);
    rule_set_free(rs);
}

/* ---- fact-based rules of the shipped pack ---- */

static rule_result *eval_facts(rule_set *rs, an_facts *facts)
{
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    rule_eval_input in = {.facts = facts, .windows_dir = "Windows", .target_drive = "F:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    rule_scan_free(s);
    return res;
}

static const rule_finding *find_id(const rule_result *r, const char *id)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, id) == 0)
            return &r->findings[i];
    return NULL;
}

static void add_services(an_facts *f, int wu, int bits, int crypt, int ti, int lanman)
{
    const char *src = "Windows/System32/config/SYSTEM";
    cr_assert_eq(an_facts_add_str(f, "system.control_set", "ControlSet001", src, -1), 0);
    cr_assert_eq(an_facts_add_num(f, "service.wuauserv.start", wu, src, 4096), 0);
    cr_assert_eq(an_facts_add_num(f, "service.bits.start", bits, src, 8192), 0);
    cr_assert_eq(an_facts_add_num(f, "service.cryptsvc.start", crypt, src, -1), 0);
    cr_assert_eq(an_facts_add_num(f, "service.trustedinstaller.start", ti, src, -1), 0);
    cr_assert_eq(an_facts_add_num(f, "service.lanmanworkstation.start", lanman, src, -1), 0);
}

Test(rules_facts, wu_services_defaults_are_healthy)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    add_services(f, 3, 2, 2, 3, 2); /* Windows 10/11 */
    an_facts_add_num(f, "service.bits.delayed_autostart", 1, NULL, -1);
    rule_result *r = eval_facts(rs, f);
    cr_expect_eq(r->nfindings, 0);
    rule_result_free(r);
    an_facts_free(f);
    f = an_facts_new();
    add_services(f, 2, 3, 2, 3, 2); /* Windows 7 */
    r = eval_facts(rs, f);
    cr_expect_eq(r->nfindings, 0);
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, wu_services_disabled)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    add_services(f, 4, 4, 2, 3, 2);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *w = &r->findings[0];
    cr_expect_str_eq(w->id, "WU-SERVICES");
    cr_expect_eq(w->severity, RULE_SEV_HIGH);
    cr_expect_eq(w->confidence, RULE_CONF_HIGH);
    cr_expect_eq(w->rules_fired, 2);
    cr_expect_str_eq(w->title, "Windows Update service wuauserv is disabled");
    cr_assert_eq(w->nevidence, 2);
    cr_expect_str_eq(w->evidence[0].text, "service.wuauserv.start = 4");
    cr_expect_str_eq(w->evidence[0].source, "Windows/System32/config/SYSTEM");
    cr_expect_eq(w->evidence[0].offset, 4096);
    cr_expect_str_eq(w->evidence[1].text, "service.bits.start = 4");
    /* backup, load, wuauserv, unload, then BITS's own step */
    cr_assert_eq(w->nplan, 5);
    cr_expect_str_eq(w->plan[0].command,
                     "copy \"F:\\Windows\\System32\\config\\SYSTEM\" C:\\Backup\\SYSTEM.bak");
    cr_expect_str_eq(w->plan[2].command,
                     "reg add \"HKLM\\OFFSYS\\ControlSet001\\Services\\wuauserv\""
                     " /v Start /t REG_DWORD /d 3 /f");
    cr_expect(strstr(w->plan[4].command, "Services\\BITS\" /v DelayedAutostart") != NULL);
    cr_expect_str_eq(w->plan[4].where, "rescue-vm");
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, wu_services_value_no_release_uses)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    add_services(f, 3, 2, 1, 3, 2);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    cr_expect_eq(r->findings[0].confidence, RULE_CONF_MEDIUM);
    cr_expect_str_eq(r->findings[0].title,
                     "An update service has a start type no Windows release uses (1)");
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, ssu_empty_from_folder_facts)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    const char *folder = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_"
                         "none_a5532eb7772ad4c4";
    an_facts_add_str(f, "winsxs.ssu_current.empty", folder, "Windows/WinSxS", -1);
    an_facts_add_str(f, "winsxs.ssu_current.version", "10.0.26100.5074", "Windows/WinSxS", -1);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "SSU-EMPTY");
    cr_expect_eq(x->confidence, RULE_CONF_MEDIUM);
    cr_expect_eq(x->severity, RULE_SEV_HIGH);
    char want[512];
    snprintf(want, sizeof(want), "Servicing stack folder %s is missing or empty", folder);
    cr_expect_str_eq(x->title, want);
    /* backup first, robocopy listed with /L before the real copy, never takeown/icacls */
    cr_assert_geq(x->nplan, 6);
    cr_expect(strstr(x->plan[0].step, "Back up") == x->plan[0].step);
    size_t list_at = 99, copy_at = 99;
    for (size_t i = 0; i < x->nplan; i++) {
        const char *c = x->plan[i].command;
        cr_expect(strstr(c, "takeown") == NULL && strstr(c, "icacls") == NULL);
        if (strstr(c, "robocopy") && strstr(c, " /L"))
            list_at = i;
        else if (strstr(c, "robocopy"))
            copy_at = i;
    }
    cr_assert_lt(list_at, copy_at);
    snprintf(want, sizeof(want),
             "robocopy \"C:\\SSU\\%s\" \"F:\\Windows\\WinSxS\\%s\" /E /COPYALL /B /R:0 /W:0 /L",
             folder, folder);
    cr_expect_str_eq(x->plan[list_at].command, want);
    cr_expect(strstr(x->plan[2].step, "10.0.26100.5074") != NULL, "%s", x->plan[2].step);
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

/* The shadow copy vss2 holds the folder: the plan restores it from there (backup first,
 * vssadmin, mklink, robocopy /L then the copy), after the SSU steps; every value quoted. */
static void add_snapshot_source(an_facts *f, const char *folder, const char *store_src)
{
    an_facts_add_str(f, "snapshot.ssu_current.source", folder, store_src, -1);
    an_facts_add_num(f, "snapshot.ssu_current.source.store", 2, store_src, -1);
    an_facts_add_str(f, "snapshot.ssu_current.source.set", "600f0b6e-5bdf-11e3-9d6c-005056c00008",
                     store_src, -1);
    an_facts_add_str(f, "snapshot.ssu_current.source.created", "2024-03-01 06:37:48 UTC", store_src,
                     -1);
}

Test(rules_facts, ssu_empty_restores_from_snapshot)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    const char *folder = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_"
                         "none_a5532eb7772ad4c4";
    const char *src = "vss2 {600f0b6d-5bdf-11e3-9d6c-005056c00008}: Windows/WinSxS/x";
    an_facts_add_str(f, "winsxs.ssu_current.empty", folder, "Windows/WinSxS", -1);
    add_snapshot_source(f, folder, src);
    char note[512];
    snprintf(note, sizeof(note),
             "the servicing stack folder %s is populated in the shadow copy vss2 of 2024-03-01 "
             "06:37:48 UTC (12 files, 4.1 MB)",
             folder);
    an_facts_add_str(f, "snapshot.note", note, src, -1);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "SSU-EMPTY");
    bool cited = false;
    char cite[600];
    snprintf(cite, sizeof(cite), "snapshot.note = %s", note);
    for (size_t i = 0; i < x->nevidence; i++)
        cited |= x->evidence[i].text && strcmp(x->evidence[i].text, cite) == 0 &&
                 strcmp(x->evidence[i].source, src) == 0;
    cr_expect(cited, "the finding does not say what the shadow copy holds");
    char want[768];
    snprintf(
        want, sizeof(want),
        "robocopy \"C:\\vss2\\Windows\\WinSxS\\%s\" \"F:\\Windows\\WinSxS\\%s\" /E /COPYALL /B "
        "/R:0 /W:0",
        folder, folder);
    size_t backup = 99, vssadmin = 99, mklink = 99, dry = 99, copy = 99, rmd = 99;
    for (size_t i = 0; i < x->nplan; i++) {
        const char *c = x->plan[i].command;
        if (strstr(c, "vssadmin list shadows /for=F:\\"))
            vssadmin = i;
        else if (!strcmp(
                     c,
                     "mklink /d C:\\vss2 \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy<N>\\"))
            mklink = i;
        else if (strstr(c, want) == c && strstr(c, " /L"))
            dry = i;
        else if (!strcmp(c, want))
            copy = i;
        else if (!strcmp(c, "rmdir C:\\vss2"))
            rmd = i;
        if (strstr(x->plan[i].step, "Back up") == x->plan[i].step && backup == 99)
            backup = i;
        cr_expect(strstr(c, "takeown") == NULL && strstr(c, "icacls") == NULL);
    }
    cr_assert_eq(backup, 0);
    cr_assert(vssadmin < mklink && mklink < dry && dry < copy && copy < rmd,
              "order: vssadmin %zu mklink %zu dry %zu copy %zu rmdir %zu", vssadmin, mklink, dry,
              copy, rmd);
    cr_expect(strstr(x->plan[vssadmin].step, "created 2024-03-01 06:37:48 UTC (shadow copy set "
                                             "600f0b6e-5bdf-11e3-9d6c-005056c00008)"),
              "%s", x->plan[vssadmin].step);
    rule_result_free(r);
    an_facts_free(f);

    /* a folder name from the evidence that is not one never reaches a command */
    f = an_facts_new();
    an_facts_add_str(f, "winsxs.ssu_current.missing", "x\"&del C:\\x&rem", "Windows/WinSxS", -1);
    add_snapshot_source(f, "x\"&del C:\\x&rem", src);
    r = eval_facts(rs, f);
    x = find_id(r, "SSU-EMPTY");
    cr_assert_not_null(x);
    for (size_t i = 0; i < x->nplan; i++) {
        cr_expect(strstr(x->plan[i].command, "&del") == NULL, "%s", x->plan[i].command);
        if (strstr(x->plan[i].step, "from the shadow copy back into WinSxS"))
            cr_expect_str_eq(x->plan[i].command, "");
    }
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, spupdsvc_rename_never_sppsvc)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    an_facts_add_str(f, "software.runonce", "C:\\WINDOWS\\System32\\spupdsvc.exe /revert", NULL,
                     -1);
    an_facts_add_bool(f, "file.spupdsvc.present", true, NULL);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "SPUPDSVC-RUNONCE");
    bool renamed = false;
    for (size_t i = 0; i < x->nplan; i++) {
        cr_expect(strstr(x->plan[i].command, "sppsvc") == NULL);
        if (strcmp(x->plan[i].command,
                   "ren \"F:\\Windows\\System32\\spupdsvc.exe\" spupdsvc.old") == 0)
            renamed = true;
    }
    cr_expect(renamed);
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, backup_reparse_paths_in_commands)
{
    rule_set *rs = load_pack();
    an_facts *f = an_facts_new();
    an_facts_add_str(f, "reparse.library_junction.bad", "Users/alice/Documents/Archive", NULL, -1);
    an_facts_add_str(f, "reparse.library_junction.bad.target", "\\??\\D:\\", NULL, -1);
    an_facts_add_str(f, "reparse.library_junction.bad.reason", "volume-root", NULL, -1);
    rule_result *r = eval_facts(rs, f);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "BACKUP-REPARSE");
    cr_assert_geq(x->nplan, 2);
    cr_expect_str_eq(x->plan[1].command, "rmdir \"F:\\Users\\alice\\Documents\\Archive\"");
    cr_expect(strstr(x->description, "(volume-root)") != NULL, "%s", x->description);
    rule_result_free(r);
    an_facts_free(f);
    rule_set_free(rs);
}

Test(rules_facts, no_facts_no_logs_is_healthy)
{
    rule_set *rs = load_pack();
    rule_result *r = eval_facts(rs, NULL);
    cr_expect_eq(r->nfindings, 0);
    rule_result_free(r);
    rule_set_free(rs);
}

/* ---- engine over real corpus logs ---- */

static rule_result *scan_logs(rule_set *rs, const char *const *rels, const an_log_family *fams,
                              size_t n, const an_facts *facts)
{
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    for (size_t i = 0; i < n; i++) {
        char *p = sxs_corpus_path(rels[i]);
        if (!p) {
            rule_scan_free(s);
            cr_skip_test("corpus file %s absent", rels[i]);
        }
        cr_assert_eq(rule_scan_file_begin(s, fams[i], rels[i]), 0);
        an_log_stats st = {0};
        int r = an_log_stream_host(p, fams[i], NULL, rule_scan_line_cb, s, &st, NULL);
        cr_assert_eq(r, 0, "%s: %d", rels[i], r);
        cr_assert_eq(rule_scan_file_end(s, st.bytes, 0), 0);
        free(p);
    }
    rule_eval_input in = {.facts = facts, .windows_dir = "Windows", .target_drive = "F:"};
    rule_result *res;
    cr_assert_eq(rule_scan_finish(s, &in, &res, NULL), 0);
    rule_scan_free(s);
    return res;
}

Test(rules_corpus, driver_missing_msdocs_excerpt)
{
    rule_set *rs = load_pack();
    const char *rel[] = {"logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log"};
    an_log_family fam[] = {AN_LOG_CBS};
    rule_result *r = scan_logs(rs, rel, fam, 1, NULL);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "DRIVER-MISSING");
    cr_expect_eq(x->confidence, RULE_CONF_HIGH);
    cr_expect_eq(x->rules_fired, 2);
    cr_expect_str_eq(x->title, "Update rolled back because driver ntprint4.inf failed to install "
                               "(0x80070003)");
    /* Doqe, DriverUpdateInstallUpdates, Rolling back KTM, the ", Error" line sharing the
     * timestamp */
    int64_t want[] = {2, 3, 8, 7};
    cr_assert_eq(x->nevidence, 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(x->evidence[i].line, want[i], "evidence %zu", i);
    cr_expect_str_eq(x->evidence[0].timestamp, "2017-12-06 15:30:46 (local)");
    cr_expect_str_eq(x->evidence[0].text,
                     "2017-12-06 15:30:46, Info    CBS   Doqe: Recording result: 0x80070003, "
                     "for Inf: ntprint4.inf");
    cr_expect(strstr(x->evidence[3].text, "Startup: Failed while processing non-critical driver") !=
              NULL);
    bool checked_store = false;
    for (size_t i = 0; i < x->nplan; i++)
        if (strcmp(x->plan[i].command, "dir /ad \"F:\\Windows\\System32\\DriverStore\\"
                                       "FileRepository\\ntprint4.inf_*\"") == 0)
            checked_store = true;
    cr_expect(checked_store);
    rule_result_free(r);
    rule_set_free(rs);
}

Test(rules_corpus, driver_failure_0x8007000d_is_not_driver_missing)
{
    rule_set *rs = load_pack();
    const char *rel[] = {"logs/excerpts/msdocs_cbs_0x8007000d_driver-failure_redacted-dates.log"};
    an_log_family fam[] = {AN_LOG_CBS};
    rule_result *r = scan_logs(rs, rel, fam, 1, NULL);
    cr_expect_null(find_id(r, "DRIVER-MISSING"));
    rule_result_free(r);
    rule_set_free(rs);
}

Test(rules_corpus, appx_0x80070003_in_dism_is_not_ssu_empty)
{
    rule_set *rs = load_pack();
    const char *rel[] = {"logs/dism/appostarsi_win11_dism.log",
                         "logs/dism/appostarsi_win10_dism_win_10.log",
                         "logs/dism/appostarsi_win10_dism_5_23.log.xz"};
    an_log_family fam[] = {AN_LOG_DISM, AN_LOG_DISM, AN_LOG_DISM};
    rule_result *r = scan_logs(rs, rel, fam, 3, NULL);
    cr_expect_null(find_id(r, "SSU-EMPTY"));
    rule_result_free(r);
    rule_set_free(rs);
}

Test(rules_corpus, failed_upgrades_with_other_codes_are_not_ssu_empty)
{
    rule_set *rs = load_pack();
    const char *rel[] = {"logs/panther/rickak77_upgrade_error/setupact.log",
                         "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz",
                         "logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log",
                         "logs/panther/bitbtrust_winpe_install/setupact.log"};
    an_log_family fam[] = {AN_LOG_PANTHER, AN_LOG_PANTHER, AN_LOG_PANTHER, AN_LOG_PANTHER};
    rule_result *r = scan_logs(rs, rel, fam, 4, NULL);
    cr_expect_null(find_id(r, "SSU-EMPTY"));
    cr_expect_eq(r->nfindings, 0);
    rule_result_free(r);
    rule_set_free(rs);
}

static const char *const corrupt_cbs[] = {
    "logs/cbs/alborz25_ws2012-9200_CBS.log",
    "logs/cbs/appostarsi_win10-19041_CBS_5_23.log.xz",
    "logs/cbs/appostarsi_win11-22621_CBS.log.xz",
};
/* evidence lines beyond the 20 cited (matching lines of the firing conditions): 141 and 225
 * hash-mismatch lines in the last two, counted once (they were counted twice, once for each
 * layout's pattern, before the two became one pattern) */
static const size_t corrupt_more[] = {2, 227, 348};

/* romi1996: SFC/DISM report only the Windows Defender PowerShell module files (MSFT_Mp*.cdxml,
 * Defender.psd1) as corrupt, "(Fixed)", then mark the store corrupt: the false positive
 * Microsoft documents. No COMPONENT-CORRUPT from it. */
Test(rules_corpus, defender_powershell_module_false_positive_is_benign)
{
    static const char *const log[] = {"logs/cbs/romi1996_win10-18362_CBS.log"};
    char *p = sxs_corpus_path(log[0]);
    if (!p)
        cr_skip_test("corpus file %s absent", log[0]);
    free(p);
    rule_set *rs = load_pack();
    an_log_family fam[] = {AN_LOG_CBS};
    rule_result *r = scan_logs(rs, log, fam, 1, NULL);
    cr_assert_null(find_id(r, "COMPONENT-CORRUPT"));
    cr_assert_eq(r->nfindings, 0);
    rule_result_free(r);
    rule_set_free(rs);
}

Test(rules_corpus, component_corrupt_positives)
{
    rule_set *rs = load_pack();
    for (size_t i = 0; i < sizeof(corrupt_cbs) / sizeof(corrupt_cbs[0]); i++) {
        an_log_family fam[] = {AN_LOG_CBS};
        rule_result *r = scan_logs(rs, &corrupt_cbs[i], fam, 1, NULL);
        const rule_finding *x = find_id(r, "COMPONENT-CORRUPT");
        cr_expect_not_null(x, "%s", corrupt_cbs[i]);
        if (x) {
            cr_expect_eq(x->confidence, RULE_CONF_HIGH, "%s", corrupt_cbs[i]);
            cr_expect_eq(x->nevidence, 20, "%s", corrupt_cbs[i]);
            cr_expect_eq(x->evidence_more, corrupt_more[i], "%s: %zu", corrupt_cbs[i],
                         x->evidence_more);
        }
        rule_result_free(r);
    }
    rule_set_free(rs);
}

Test(rules_corpus, healthy_cbs_logs_give_nothing)
{
    rule_set *rs = load_pack();
    static const char *const healthy[] = {
        "logs/cbs/eyeofparadox_win11-26100_CBS.log.xz",
        "logs/cbs/hofcake_win81-9600_CBS.log",
        "logs/cbs/appostarsi_win10-19041_CBS_Win_10.log.xz",
    };
    for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++) {
        an_log_family fam[] = {AN_LOG_CBS};
        rule_result *r = scan_logs(rs, &healthy[i], fam, 1, NULL);
        cr_expect_eq(r->nfindings, 0, "%s: %s", healthy[i], r->nfindings ? r->findings[0].id : "");
        rule_result_free(r);
    }
    const char *d[] = {"logs/dism/eyeofparadox_win11-26100_dism.log"};
    an_log_family df[] = {AN_LOG_DISM};
    rule_result *r = scan_logs(rs, d, df, 1, NULL);
    cr_expect_eq(r->nfindings, 0);
    rule_result_free(r);
    rule_set_free(rs);
}

Test(rules_corpus, restorehealth_source_missing_needs_ipu)
{
    rule_set *rs = load_pack();
    const char *rel[] = {"logs/cbs/alborz25_ws2012-9200_CBS.log"};
    an_log_family fam[] = {AN_LOG_CBS};
    rule_result *r = scan_logs(rs, rel, fam, 1, NULL);
    const rule_finding *x = find_id(r, "IPU-REQUIRED");
    cr_assert_not_null(x);
    cr_expect_str_eq(x->title, "Servicing failed with 0x800f081f, which only an in-place upgrade "
                               "repairs");
    rule_result_free(r);
    rule_set_free(rs);
}

/* ---- whole install through fsaccess's directory backend and the log discovery ---- */

static void write_file(const char *root, const char *rel, const char *data, size_t len)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *q = p + strlen(root) + 1; *q; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0755);
            *q = '/';
        }
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "create %s", p);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static size_t progress_calls;

static void on_progress(size_t index, size_t count, const char *path, void *ctx)
{
    (void)index;
    (void)count;
    (void)path;
    (void)ctx;
    progress_calls++;
}

Test(rules_install, eval_install_over_directory_volume)
{
    SXS_CORPUS_OR_SKIP(excerpt, "logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log");
    size_t len;
    char *data = sxs_slurp(excerpt, &len);
    cr_assert_not_null(data);
    char *root = sxs_test_tmpdir("rules_install");
    write_file(root, "Windows/System32/config/SOFTWARE", "regf", 4);
    write_file(root, "Windows/System32/config/SYSTEM", "regf", 4);
    write_file(root, "Windows/Logs/CBS/CBS.log", data, len);
    write_file(root, "Windows/System32/DriverStore/FileRepository/prnms001.inf_amd64_1/x.inf", "",
               0);
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *ii = fsa_install(ev, 0);
    an_log_file *logs;
    size_t nlogs;
    cr_assert_eq(an_logs_find(ii->fs, ii->windows_dir, &logs, &nlogs, NULL), 0);
    cr_assert_eq(nlogs, 1);
    an_facts *facts = an_facts_new();
    an_facts_add_str(facts, "winsxs.ssu_current.missing",
                     "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.2905_"
                     "none_1",
                     "Windows/WinSxS", -1);
    rule_set *rs = load_pack();
    rule_eval_input in = {.fs = ii->fs,
                          .windows_dir = ii->windows_dir,
                          .facts = facts,
                          .logs = logs,
                          .nlogs = nlogs,
                          .target_drive = "E:",
                          .progress = on_progress};
    rule_result *r;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(rule_eval_install(rs, &in, &r, d), 0);
    cr_expect_eq(progress_calls, 1);
    cr_assert_eq(r->nfindings, 2);
    /* DRIVER-MISSING high/high first, SSU-EMPTY (folder alone) high/medium second */
    cr_expect_str_eq(r->findings[0].id, "DRIVER-MISSING");
    cr_expect_str_eq(r->findings[1].id, "SSU-EMPTY");
    cr_expect_str_eq(r->findings[0].evidence[0].source, "Windows/Logs/CBS/CBS.log");
    cr_expect_eq(r->findings[0].evidence[0].line, 2);
    cr_expect_eq(r->findings[0].evidence[0].offset, 98); /* first line is 97 bytes + LF */
    /* the driver-store lookup is the analyzer's (history second stage, see
     * driverstore_package_present): without its facts the rules do no I/O and cite nothing */
    cr_assert_eq(r->findings[0].nevidence, 4);
    cr_assert_eq(r->nlogs, 1);
    cr_expect_eq(r->logs[0].lines, 13);
    cr_expect_eq(r->logs[0].bytes, len);
    bool e_drive = false;
    for (size_t i = 0; i < r->findings[1].nplan; i++)
        if (strstr(r->findings[1].plan[i].command, "\"E:\\Windows\\WinSxS\\amd64_"))
            e_drive = true;
    cr_expect(e_drive);
    rule_result_free(r);
    sxs_diag_free(d);
    rule_set_free(rs);
    an_facts_free(facts);
    an_logs_free(logs, nlogs);
    fsa_close(ev);
    free(root);
    free(data);
    free(excerpt);
}

/* ---- throughput (opt-in: SXS_RULES_BENCH_LOG=/path/to/big/CBS.log) ---- */

static int count_line(const an_log_line *line, void *ctx)
{
    (void)line;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* CPU time of this process: the machine is shared, wall time would measure the neighbours. */
static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(rules_bench, full_pack_pass_over_large_cbs_log, .timeout = 600)
{
    const char *path = getenv("SXS_RULES_BENCH_LOG");
    if (!path)
        cr_skip_test("set SXS_RULES_BENCH_LOG to a large CBS.log to measure throughput");
    rule_set *rs = load_pack();
    uint64_t n = 0;
    an_log_stats st = {0};
    double t0 = mono();
    cr_assert_eq(an_log_stream_host(path, AN_LOG_CBS, NULL, count_line, &n, &st, NULL), 0);
    double t1 = mono();
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    cr_assert_eq(rule_scan_file_begin(s, AN_LOG_CBS, path), 0);
    an_log_stats st2 = {0};
    double t2 = mono();
    cr_assert_eq(an_log_stream_host(path, AN_LOG_CBS, NULL, rule_scan_line_cb, s, &st2, NULL), 0);
    double t3 = mono();
    cr_assert_eq(rule_scan_file_end(s, st2.bytes, t3 - t2), 0);
    rule_result *r;
    cr_assert_eq(rule_scan_finish(s, NULL, &r, NULL), 0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mb = (double)st.bytes / 1e6;
    double rules_only = (t3 - t2) - (t1 - t0);
    cr_log_warn("bench (CPU time): %.1f MB, %llu lines; decode only %.2f s (%.0f MB/s); "
                "decode+rules %.2f s "
                "(%.0f MB/s); rules alone ~%.2f s (%.0f MB/s); %zu findings; peak RSS %ld KiB",
                mb, (unsigned long long)n, t1 - t0, mb / (t1 - t0), t3 - t2, mb / (t3 - t2),
                rules_only, rules_only > 0 ? mb / rules_only : 0.0, r->nfindings, ru.ru_maxrss);
    rule_result_free(r);
    rule_scan_free(s);
    rule_set_free(rs);
}

/* ---- the prefilter never hides a match: engine counts equal plain PCRE2 counts ---- */

typedef struct {
    const rule_set *rs;
    an_log_family fam;
    uint64_t *counts;
    pcre2_match_data **md;
} naive_ctx;

static int naive_line(const an_log_line *line, void *ctx)
{
    naive_ctx *n = ctx;
    for (size_t i = 0; i < n->rs->npats; i++) {
        const rule_cond *c = n->rs->pats[i];
        if (c->kind != COND_LOG || !(c->families & (1u << n->fam)))
            continue;
        if (pcre2_match(c->re, (PCRE2_SPTR)line->text, line->len, 0, 0, n->md[i], NULL) >= 0)
            n->counts[i]++;
    }
    return 0;
}

Test(rules_engine, prefilter_agrees_with_plain_pcre2)
{
    rule_set *rs = load_pack();
    static const struct {
        const char *rel;
        an_log_family fam;
    } logs[] = {
        {"logs/cbs/alborz25_ws2012-9200_CBS.log", AN_LOG_CBS},
        {"logs/cbs/romi1996_win10-18362_CBS.log", AN_LOG_CBS},
        {"logs/cbs/appostarsi_win11-22621_CBS.log.xz", AN_LOG_CBS},
        {"logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log", AN_LOG_CBS},
        {"logs/dism/appostarsi_win10_dism_5_23.log.xz", AN_LOG_DISM},
        {"logs/panther/rickak77_upgrade_error/setupact.log", AN_LOG_PANTHER},
    };
    uint64_t total = 0;
    for (size_t li = 0; li < sizeof(logs) / sizeof(logs[0]); li++) {
        char *p = sxs_corpus_path(logs[li].rel);
        if (!p)
            cr_skip_test("corpus file %s absent", logs[li].rel);
        naive_ctx n = {rs, logs[li].fam, calloc(rs->npats, sizeof(uint64_t)),
                       calloc(rs->npats, sizeof(pcre2_match_data *))};
        cr_assert(n.counts && n.md);
        for (size_t i = 0; i < rs->npats; i++)
            n.md[i] = pcre2_match_data_create_from_pattern(rs->pats[i]->re, NULL);
        cr_assert_eq(an_log_stream_host(p, logs[li].fam, NULL, naive_line, &n, NULL, NULL), 0);
        rule_scan *s;
        cr_assert_eq(rule_scan_new(rs, &s), 0);
        cr_assert_eq(rule_scan_file_begin(s, logs[li].fam, logs[li].rel), 0);
        cr_assert_eq(an_log_stream_host(p, logs[li].fam, NULL, rule_scan_line_cb, s, NULL, NULL),
                     0);
        for (size_t i = 0; i < rs->npats; i++) {
            const rule_cond *c = rs->pats[i];
            if (c->kind != COND_LOG || !(c->families & (1u << logs[li].fam)))
                continue;
            cr_expect_eq(s->ps[s->canon[i]].count, n.counts[i], "%s: pattern %s", logs[li].rel,
                         c->pattern);
            total += n.counts[i];
        }
        for (size_t i = 0; i < rs->npats; i++)
            pcre2_match_data_free(n.md[i]);
        free(n.md);
        free(n.counts);
        rule_scan_free(s);
        free(p);
    }
    cr_expect_gt(total, 100); /* the comparison saw real matches */
    rule_set_free(rs);
}

Test(rules_engine, required_literal_extraction)
{
    static const struct {
        const char *re;
        const char *lit; /* NULL: none */
        bool caseless;
    } cases[] = {
        {"Doqe: Recording result: 0x80070003, for Inf: (?<inf>\\S+)",
         "Doqe: Recording result: 0x80070003, for Inf: ", false},
        {"a|Failed to create worker session", NULL, false},
        {"(?:STATUS|ERROR)_SXS_[A-Z_]+", "_SXS_", false},
        {"Hashes for file member .* do not match", "Hashes for file member ", false},
        {"abcdx?yz", "abcd", false},
        {"Error: 0x8007000\\d done", "Error: 0x8007000", false},
        {"(?i)setup phase change", "setup phase change", true},
        {"(?x) spaced out pattern", NULL, false},
        {"Result = (?i:0x80070003)", "Result = ", false},
        {"\\[SR\\] Cannot repair", "[SR] Cannot repair", false},
        {"ab[cd]ef", NULL, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = 0;
        bool ci = false;
        char *lit = rule_required_literal(cases[i].re, &len, &ci);
        if (!cases[i].lit) {
            cr_expect_null(lit, "%s gave %s", cases[i].re, lit);
        } else {
            cr_assert_not_null(lit, "%s", cases[i].re);
            cr_expect_str_eq(lit, cases[i].lit, "%s", cases[i].re);
            cr_expect_eq(len, strlen(cases[i].lit));
            cr_expect_eq(ci, cases[i].caseless, "%s", cases[i].re);
        }
        free(lit);
    }
}

/* ---- each fact-based scenario of the pack, from hand-built facts ---- */

typedef struct {
    const char *name;
    const char *value; /* numbers as decimal text */
} fact_kv;

typedef struct {
    fact_kv facts[6];
    const char *id; /* expected primary finding, NULL = none */
    rule_confidence conf;
    const char *command_part; /* some plan command contains this */
} fact_case;

static const fact_case fact_cases[] = {
    {{{"winsxs.pending_xml.present", "true"}, {"cbs.reboot_pending", "true"}},
     "PENDING-STUCK",
     RULE_CONF_MEDIUM,
     "DISM /Image:F:\\ /Cleanup-Image /RevertPendingActions"},
    {{{"winsxs.pending_xml.present", "true"}, {"cbs.reboot_pending", "false"}},
     "PENDING-STUCK",
     RULE_CONF_LOW,
     "/RevertPendingActions"},
    {{{"winsxs.pending_xml.present", "false"}, {"cbs.reboot_pending", "true"}}, NULL, 0, NULL},
    {{{"policy.wu.disable_os_upgrade", "1"}},
     "UPGRADE-POLICY",
     RULE_CONF_HIGH,
     "reg load HKLM\\OFFSOFT \"F:\\Windows\\System32\\config\\SOFTWARE\""},
    {{{"wu.auto_update.allow_os_upgrade", "0"}},
     "UPGRADE-POLICY",
     RULE_CONF_MEDIUM,
     "/v AllowOSUpgrade /t REG_DWORD /d 1 /f"},
    {{{"wu.os_upgrade.allow_os_upgrade", "1"}}, NULL, 0, NULL},
    {{{"service.wimmount.present", "true"},
      {"service.wimmount.image_path", "\\SystemRoot\\system32\\drivers\\wimmount.sys"},
      {"file.wimmount_sys.present", "true"},
      {"service.wimmount.start", "3"}},
     NULL,
     0,
     NULL},
    {{{"service.wimmount.present", "true"},
      {"service.wimmount.image_path", "system32\\drivers\\wimmountx.sys"},
      {"file.wimmount_sys.present", "true"}},
     "WIMMOUNT-DRIVER",
     RULE_CONF_HIGH,
     "/v ImagePath /t REG_EXPAND_SZ /d \"system32\\drivers\\wimmount.sys\""},
    {{{"service.wimmount.present", "true"},
      {"service.wimmount.image_path", "system32\\DRIVERS\\wimmount.sys"},
      {"file.wimmount_sys.present", "false"}},
     "WIMMOUNT-DRIVER",
     RULE_CONF_HIGH,
     "wimmount.sys \"F:\\Windows\\System32\\drivers\\\""},
    {{{"iis.physical_path.missing", "C:\\inetpub\\gone"}},
     "IIS-PATH",
     RULE_CONF_HIGH,
     "mkdir \"C:\\inetpub\\gone\""},
    {{{"wu.softwaredistribution.present", "true"}, {"wu.datastore.present", "false"}},
     "WU-CACHE",
     RULE_CONF_MEDIUM,
     "ren \"F:\\Windows\\SoftwareDistribution\" SoftwareDistribution.old"},
    {{{"wu.softwaredistribution.present", "true"},
      {"wu.datastore.present", "true"},
      {"wu.datastore.size", "1048576"},
      {"wu.catroot2.present", "true"}},
     NULL,
     0,
     NULL},
    {{{"security.product", "SophosED"}}, "AV-THIRD-PARTY", RULE_CONF_LOW, NULL},
    {{{"software.runonce", "C:\\Windows\\System32\\spupdsvc.exe"},
      {"file.spupdsvc.present", "false"}},
     "SPUPDSVC-RUNONCE",
     RULE_CONF_MEDIUM,
     "reg query \"HKLM\\OFFSOFT\\Microsoft\\Windows\\CurrentVersion\\RunOnce\" /s"},
    {{{"software.runonce", "C:\\Windows\\System32\\sppsvc.exe /x"},
      {"file.spupdsvc.present", "true"}},
     NULL,
     0,
     NULL},
};

Test(rules_facts, scenario_table)
{
    rule_set *rs = load_pack();
    for (size_t i = 0; i < sizeof(fact_cases) / sizeof(fact_cases[0]); i++) {
        const fact_case *fc = &fact_cases[i];
        an_facts *f = an_facts_new();
        for (size_t k = 0; k < 6 && fc->facts[k].name; k++) {
            char *end;
            long long v = strtoll(fc->facts[k].value, &end, 10);
            if (*end == '\0' && *fc->facts[k].value)
                an_facts_add_num(f, fc->facts[k].name, v, "hive", -1);
            else if (strcmp(fc->facts[k].value, "true") == 0 ||
                     strcmp(fc->facts[k].value, "false") == 0)
                an_facts_add_bool(f, fc->facts[k].name, fc->facts[k].value[0] == 't', "fs");
            else
                an_facts_add_str(f, fc->facts[k].name, fc->facts[k].value, "hive", -1);
        }
        rule_result *r = eval_facts(rs, f);
        if (!fc->id) {
            cr_expect_eq(r->nfindings, 0, "case %zu: %s", i, r->nfindings ? r->findings[0].id : "");
        } else {
            cr_expect_eq(r->nfindings, 1, "case %zu", i);
            if (r->nfindings) {
                const rule_finding *x = &r->findings[0];
                cr_expect_str_eq(x->id, fc->id, "case %zu", i);
                cr_expect_eq(x->confidence, fc->conf, "case %zu", i);
                bool found = fc->command_part == NULL;
                for (size_t p = 0; p < x->nplan && !found; p++)
                    found = strstr(x->plan[p].command, fc->command_part) != NULL;
                cr_expect(found, "case %zu: no command with %s", i, fc->command_part);
                cr_expect_geq(x->nevidence, 1, "case %zu", i);
            }
        }
        rule_result_free(r);
        an_facts_free(f);
    }
    rule_set_free(rs);
}

/* ---- SSU-EMPTY from the signature lines Microsoft quotes (as real log lines) ---- */

Test(rules_engine, ssu_empty_signature_lines)
{
    rule_set *rs = load_pack();
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    const char *act[] = {
        "2025-09-01 10:00:01, Info                  MOUPG  Setup phase change: "
        "[SetupPhaseInstall] -> [SetupPhaseError]",
        "2025-09-01 10:00:00, Error                 SP     Failed to open new session: "
        "(DISM_{0C0D1E2F-1111-2222-3333-444455556666})",
        "2025-09-01 10:00:00, Error                 SP     Operation failed: Process Drivers "
        "for Migration. Error: 0x80070003[gle=0x00000003]"};
    int64_t t[] = {1756720801, 1756720800, 1756720800};
    feed(s, AN_LOG_PANTHER, "$WINDOWS.~BT/Sources/Panther/setupact.log", act, t, 3);
    const char *dism[] = {"2025-09-01 10:00:00, Error                 DISM   DISM Manager: "
                          "PID=1 TID=2 Failed to bind the online servicing stack - "
                          "CDISMOSServiceManager::get_ServicingStackDirectory(hr:0x80070003)"};
    feed(s, AN_LOG_DISM, "Windows/Logs/DISM/dism.log", dism, t, 1);
    an_facts *f = an_facts_new();
    const char *folder = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_"
                         "none_a5532eb7772ad4c4";
    an_facts_add_str(f, "winsxs.ssu_current.missing", folder, "Windows/WinSxS", -1);
    an_facts_add_str(f, "winsxs.ssu_current.version", "10.0.26100.5074", "Windows/WinSxS", -1);
    an_facts_add_str(f, "winsxs.ssu_sibling.empty",
                     "x86_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_"
                     "49349333becd638e",
                     "Windows/WinSxS", -1);
    rule_eval_input in = {.facts = f, .target_drive = "F:"};
    rule_result *r;
    cr_assert_eq(rule_scan_finish(s, &in, &r, NULL), 0);
    cr_assert_eq(r->nfindings, 1);
    const rule_finding *x = &r->findings[0];
    cr_expect_str_eq(x->id, "SSU-EMPTY");
    cr_expect_eq(x->severity, RULE_SEV_CRITICAL);
    cr_expect_eq(x->confidence, RULE_CONF_HIGH);
    cr_expect_eq(x->rules_fired, 3);
    /* folder fact, then setupact line 3, dism line 1, then context: session line, phase change,
     * the empty sibling */
    cr_assert_eq(x->nevidence, 6);
    cr_expect_eq(x->evidence[1].line, 3);
    cr_expect_str_eq(x->evidence[2].source, "Windows/Logs/DISM/dism.log");
    cr_expect_eq(x->evidence[3].line, 2);
    cr_expect_eq(x->evidence[4].line, 1);
    /* robocopy dry run and copy for both folders: the current one and its empty sibling */
    size_t robocopies = 0;
    for (size_t i = 0; i < x->nplan; i++)
        if (strncmp(x->plan[i].command, "robocopy ", 9) == 0)
            robocopies++;
    cr_expect_eq(robocopies, 4);
    rule_result_free(r);
    an_facts_free(f);
    rule_scan_free(s);
    rule_set_free(rs);
}

Test(rules_install, driverstore_package_present)
{
    SXS_CORPUS_OR_SKIP(excerpt, "logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log");
    size_t len;
    char *data = sxs_slurp(excerpt, &len);
    cr_assert_not_null(data);
    char *root = sxs_test_tmpdir("rules_ds");
    write_file(root, "WINDOWS/System32/config/SOFTWARE", "regf", 4);
    write_file(root, "WINDOWS/Logs/CBS/CBS.log", data, len);
    write_file(root, "WINDOWS/System32/DriverStore/FileRepository/NTPRINT4.INF_amd64_8d3c/x", "",
               0);
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    const fsa_install_info *ii = fsa_install(ev, 0);
    cr_assert_not_null(ii);
    rule_set *rs = load_pack();
    rule_scan *s;
    cr_assert_eq(rule_scan_new(rs, &s), 0);
    cr_assert_eq(rule_scan_file_begin(s, AN_LOG_CBS, "WINDOWS/Logs/CBS/CBS.log"), 0);
    cr_assert_eq(an_log_stream_host(excerpt, AN_LOG_CBS, NULL, rule_scan_line_cb, s, NULL, NULL),
                 0);
    /* the analyzer looks the INF up (history second stage); the rules judge its facts */
    an_history *h = an_history_new();
    an_facts *facts = an_facts_new();
    cr_assert(h && facts);
    cr_assert_eq(an_history_file_begin(h, AN_LOG_CBS, "WINDOWS/Logs/CBS/CBS.log"), 0);
    cr_assert_eq(an_log_stream_host(excerpt, AN_LOG_CBS, NULL, an_history_line_cb, h, NULL, NULL),
                 0);
    an_history_file_end(h);
    cr_assert_eq(an_history_finish(h, NULL, facts), 0);
    cr_assert_eq(an_history_driver_facts(h, ii->fs, ii->windows_dir, facts, NULL), 0);
    cr_assert_str_eq(an_facts_get(facts, "history.driver.present")->value, "ntprint4.inf");
    rule_eval_input in = {.windows_dir = ii->windows_dir, .facts = facts};
    rule_result *r;
    cr_assert_eq(rule_scan_finish(s, &in, &r, NULL), 0);
    cr_assert_eq(r->nfindings, 1);
    cr_assert_eq(r->findings[0].nevidence, 5);
    cr_expect_str_eq(
        r->findings[0].evidence[4].text,
        "ntprint4.inf: WINDOWS/System32/DriverStore/FileRepository/NTPRINT4.INF_amd64_8d3c");
    /* default target drive */
    cr_expect_str_eq(
        r->findings[0].plan[1].command,
        "dir /ad \"F:\\WINDOWS\\System32\\DriverStore\\FileRepository\\ntprint4.inf_*\"");
    rule_result_free(r);
    an_facts_free(facts);
    an_history_free(h);
    rule_scan_free(s);
    rule_set_free(rs);
    fsa_close(ev);
    free(root);
    free(data);
    free(excerpt);
}

/* regression (fuzzer): a text rendering to "" came back without a terminator */
Test(rules_engine, empty_texts_render_empty)
{
    rule_set *rs = load_text("rules:\n"
                             "  - id: WU-CACHE\n"
                             "    title: t\n"
                             "    severity: low\n"
                             "    confidence: low\n"
                             "    description: ''\n"
                             "    when: {log_absent: cbs}\n"
                             "    plan:\n"
                             "      - {step: a, command: '', note: '', where: booted}\n"
                             "      - {step: b, command: '', note: '', where: booted}\n",
                             NULL);
    rule_result *r = eval_facts(rs, NULL);
    cr_assert_eq(r->nfindings, 1);
    cr_expect_str_eq(r->findings[0].description, "");
    cr_assert_eq(r->findings[0].nplan, 2);
    cr_expect_str_eq(r->findings[0].plan[1].command, "");
    cr_expect_str_eq(r->findings[0].plan[1].note, "");
    rule_result_free(r);
    rule_set_free(rs);
}

/* ---- hostile rule files (issue 17 item 6): no hang on a FIFO, no minutes in libyaml ---- */

/* A FIFO named like a rule file is refused without waiting for a writer. (A regression hangs
 * here until ctest's TIMEOUT; the e2e test in test_cli.c fails within 10 s. No Criterion
 * .timeout: a second timed test in this binary makes Criterion 2.4 leak in its runner.) */
Test(rules_compile, fifo_in_rule_dir_refused)
{
    char *dir = sxs_test_tmpdir("fifo-rules");
    char path[1024];
    snprintf(path, sizeof(path), "%s/x.yml", dir);
    cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
    rule_set *rs = rule_set_new();
    errs e = {0};
    cr_assert_eq(rule_set_load_dir(rs, dir, collect_err, &e), -EINVAL);
    cr_assert_str_eq(e.buf, "x.yml:0: not a regular file (fifo)\n");
    e = (errs){0};
    cr_assert_eq(rule_set_load_file(rs, path, collect_err, &e), -EINVAL);
    cr_assert_str_eq(e.buf, "x.yml:0: not a regular file (fifo)\n");
    cr_assert_eq(rule_set_count(rs), 0);
    rule_set_free(rs);
    free(dir);
}

/* A directory named like a rule file is not read as one. */
Test(rules_compile, directory_named_yml_refused)
{
    char *dir = sxs_test_tmpdir("dir-rules");
    char path[1024];
    snprintf(path, sizeof(path), "%s/sub.yml", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    rule_set *rs = rule_set_new();
    errs e = {0};
    cr_assert_eq(rule_set_load_dir(rs, dir, collect_err, &e), -EINVAL);
    cr_assert_str_eq(e.buf, "sub.yml:0: not a regular file (directory)\n");
    rule_set_free(rs);
    free(dir);
}

static char *nested(size_t n, char open, char close)
{
    char *s = malloc(2 * n + 2);
    cr_assert_not_null(s);
    memset(s, open, n);
    memset(s + n, close, n);
    s[2 * n] = '\n';
    s[2 * n + 1] = '\0';
    return s;
}

/* 200,000 nested '[' (the reproducer) are refused at the first level too deep, before
 * libyaml loads the file (that took > 120 s). */
Test(rules_compile, deep_flow_nesting_refused)
{
    char *s = malloc(200001);
    cr_assert_not_null(s);
    memset(s, '[', 200000);
    s[200000] = '\0';
    errs e = {0};
    rule_set *rs = load_text(s, &e);
    cr_assert_str_eq(e.buf, "mem.yml:1: nesting deeper than 128\n");
    cr_assert_eq(rule_set_count(rs), 0);
    rule_set_free(rs);
    free(s);
}

/* The limit is exact: 128 levels reach the compiler (which refuses a top-level sequence of
 * sequences for its own reason), 129 do not; '{' counts as '['; brackets in quoted scalars and
 * comments do not count; block nesting counts too, on the line where it goes too deep. */
Test(rules_compile, nesting_limit_exact)
{
    errs e = {0};
    char *s = nested(128, '[', ']');
    rule_set *rs = load_text(s, &e);
    cr_assert_null(strstr(e.buf, "nesting deeper"), "%s", e.buf);
    cr_assert_gt(e.count, 0);
    rule_set_free(rs);
    free(s);

    e = (errs){0};
    s = nested(129, '{', '}');
    rs = load_text(s, &e);
    cr_assert_str_eq(e.buf, "mem.yml:1: nesting deeper than 128\n");
    rule_set_free(rs);
    free(s);

    /* 300 brackets inside a quoted scalar and a comment: not nesting. */
    char q[1024];
    char br[301];
    memset(br, '[', 300);
    br[300] = '\0';
    snprintf(q, sizeof(q), "# %s\nx: '%s'\ny: \"%s\"\n", br, br, br);
    e = (errs){0};
    rs = load_text(q, &e);
    cr_assert_null(strstr(e.buf, "nesting deeper"), "%s", e.buf);
    rule_set_free(rs);

    /* Block sequences "- - - ..." 200 deep on line 3. */
    char b[1024] = "a: 1\nb:\n";
    size_t bl = strlen(b);
    for (int i = 0; i < 200; i++) {
        b[bl++] = '-';
        b[bl++] = ' ';
    }
    memcpy(b + bl, "x\n", 3);
    e = (errs){0};
    rs = load_text(b, &e);
    cr_assert_str_eq(e.buf, "mem.yml:3: nesting deeper than 128\n");
    rule_set_free(rs);
}

/* Every shipped pattern over the logs that reach hundreds of MB (CBS, DISM, setupapi) has a
 * prefilter literal of at least 3 bytes, extracted or given with `literal:`: a pattern
 * without one runs PCRE2 on every line (two such DISK-SPACE patterns once doubled the whole
 * benchmark). */
Test(pack, big_log_patterns_have_a_prefilter_literal)
{
    rule_set *rs = load_pack();
    const uint32_t big = (1u << AN_LOG_CBS) | (1u << AN_LOG_DISM) | (1u << AN_LOG_SETUPAPI);
    size_t checked = 0;
    for (size_t i = 0; i < rs->npats; i++) {
        const rule_cond *c = rs->pats[i];
        if (!(c->families & big))
            continue;
        checked++;
        cr_expect(c->literal && c->literal_len >= 3, "rule line %d: '%s' has no literal", c->line,
                  c->pattern);
    }
    cr_assert_gt(checked, 20, "only %zu patterns over the big logs", checked);
    rule_set_free(rs);
}
