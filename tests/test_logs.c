/* Tests of analyzer/logs/an_log*.c and an_tz.c: discovery over a directory tree with mixed-case
 * names, decoding (UTF-8, UTF-8 BOM, ANSI bytes, UTF-16LE BOM, NUL runs, junk, long lines),
 * provenance and per-family timestamps on real corpus logs (expected numbers counted
 * independently with grep -n / wc -l / python), CbsPersist .cab expansion (gcab), and the
 * Windows DST rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "analyzer/logs/an_log.h"
#include "analyzer/an_tz.h"
#include "common/sxs_limits.h"
#include "fsaccess/fsa.h"
#include "tests/support/corpus.h"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct {
    char *text;
    size_t len;
    uint64_t line_no, offset;
    bool truncated, has_time, utc;
    int64_t time;
    char time_text[40];
} kept_line;

typedef struct {
    kept_line *v;
    size_t n, cap;
    uint64_t stop_at; /* return 7 from the callback at this line (0: never) */
} collector;

static int collect(const an_log_line *ln, void *ctx)
{
    collector *c = ctx;
    cr_assert_eq(strlen(ln->text), ln->len, "text is NUL-terminated at len");
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
        cr_assert_not_null(c->v);
    }
    kept_line *k = &c->v[c->n++];
    k->text = strndup(ln->text, ln->len);
    k->len = ln->len;
    k->line_no = ln->line_no;
    k->offset = ln->offset;
    k->truncated = ln->truncated;
    k->has_time = ln->has_time;
    k->utc = ln->time_is_utc;
    k->time = ln->time;
    memcpy(k->time_text, ln->time_text, sizeof(k->time_text));
    if (c->stop_at && ln->line_no == c->stop_at)
        return 7;
    return 0;
}

static void collector_free(collector *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].text);
    free(c->v);
    memset(c, 0, sizeof(*c));
}

static const kept_line *line_at(const collector *c, uint64_t no)
{
    cr_assert(no >= 1 && no <= c->n, "line %llu of %zu", (unsigned long long)no, c->n);
    cr_assert_eq(c->v[no - 1].line_no, no);
    return &c->v[no - 1];
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm);
}

static void stream_host(const char *path, an_log_family fam, const an_tz *tz, collector *c,
                        an_log_stats *st)
{
    sxs_diag *d = sxs_diag_new();
    int rc = an_log_stream_host(path, fam, tz, collect, c, st, d);
    cr_assert_eq(rc, 0, "stream %s: %d", path, rc);
    sxs_diag_free(d);
}

static void stream_mem(const void *data, size_t len, an_log_family fam, collector *c,
                       an_log_stats *st)
{
    int rc = an_log_stream_mem(data, len, "mem", fam, NULL, collect, c, st, NULL);
    cr_assert_eq(rc, 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Newline count + an unterminated last line: the independent line count of a file. */
static uint64_t count_lines_file(const char *path)
{
    size_t len;
    char *d = sxs_slurp(path, &len);
    cr_assert_not_null(d, "%s", path);
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += d[i] == '\n';
    if (len > 0 && d[len - 1] != '\n')
        n++;
    free(d);
    return n;
}

/* ---- real logs: counts, chosen lines, timestamps -------------------------------------------- */

Test(logs_corpus, cbs_alborz25_counts_lines_and_times)
{
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/alborz25_ws2012-9200_CBS.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_CBS, NULL, &c, &st);
    cr_assert_eq(st.lines, 4376); /* wc -l */
    cr_assert_eq(c.n, 4376);
    cr_assert_eq(st.bytes, 740759);
    cr_assert_str_eq(st.encoding, "utf-8-bom");
    cr_assert_eq(st.nul_runs, 0);
    cr_assert_eq(st.binary_bytes, 0);
    /* Line 1 starts after the BOM. */
    const kept_line *l1 = line_at(&c, 1);
    cr_assert_eq(l1->offset, 3);
    cr_assert(strncmp(l1->text, "2020-02-03 23:50:28, Info", 25) == 0);
    /* First Error line: grep -nb gives 307:33239. */
    const kept_line *e = line_at(&c, 307);
    cr_assert_eq(e->offset, 33239);
    cr_assert_str_eq(e->text, "2020-02-04 17:17:12, Error                 CBS    Failed Open "
                              "Eventlog: Application [HRESULT = 0x800706ba - "
                              "RPC_S_SERVER_UNAVAILABLE]");
    cr_assert(e->has_time);
    cr_assert_not(e->utc);
    cr_assert_eq(e->time, utc(2020, 2, 4, 17, 17, 12));
    cr_assert_str_eq(e->time_text, "2020-02-04 17:17:12");
    const kept_line *last = line_at(&c, 4376);
    cr_assert_eq(last->offset, 740678);
    cr_assert_str_eq(
        last->text,
        "2020-02-06 18:34:18, Info                  CBS    Ending TiWorker finalization.");
    /* 2956 lines start with a timestamp after the BOM line (grep -cE '^[0-9]{4}-..'), +1 for
     * line 1 whose BOM grep does not skip. */
    size_t timed = 0;
    for (size_t i = 0; i < c.n; i++)
        timed += c.v[i].has_time;
    cr_assert_eq(timed, 2957);
    collector_free(&c);
    free(p);
}

Test(logs_corpus, panther_ansi_bytes_after_bom_become_utf8)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/rickak77_upgrade_error/setupact.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_PANTHER, NULL, &c, &st);
    cr_assert_eq(st.lines, 6291);
    cr_assert_str_eq(st.encoding, "utf-8-bom");
    /* Line 135 holds 0xAE bytes (Windows-1252 "(R)"): read as U+00AE. */
    const kept_line *l = line_at(&c, 135);
    cr_assert_eq(l->offset, 14320);
    cr_assert_str_eq(l->text, "2022-07-06 08:08:30, Info                  MOUPG      Product "
                              "Name    [ Microsoft\xC2\xAE Windows\xC2\xAE Operating System ]");
    const kept_line *ph = line_at(&c, 5925);
    cr_assert_str_eq(ph->text, "2022-07-06 08:18:24, Info                  MOUPG  Setup phase "
                               "change: [SetupPhaseInstall] -> [SetupPhaseError]");
    cr_assert_eq(ph->time, utc(2022, 7, 6, 8, 18, 24));
    collector_free(&c);
    free(p);
}

Test(logs_corpus, panther_big_upgrade_log_from_xz)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_PANTHER, NULL, &c, &st);
    cr_assert_eq(st.lines, 103269);
    cr_assert_eq(st.bytes, 16187836);
    const kept_line *l = line_at(&c, 10629);
    cr_assert_eq(l->offset, 1095477);
    cr_assert_str_eq(l->text, "2023-05-23 00:28:33, Error                 SP     Operation "
                              "failed: Apply WIM file PathForNewOSFile, index 6 to "
                              "C:\\$WINDOWS.~BT\\NewOS. Error: 0x80070570[gle=0x000000b7]");
    cr_assert_str_eq(l->time_text, "2023-05-23 00:28:33");
    collector_free(&c);
    free(p);
}

Test(logs_corpus, panther_message_id_column_variant)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/bitbtrust_winpe_install/setupact.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_PANTHER, NULL, &c, &st);
    cr_assert_eq(st.lines, 4191);
    cr_assert_str_eq(st.encoding, "utf-8"); /* no BOM, valid UTF-8 throughout */
    const kept_line *l = line_at(&c, 2843);
    cr_assert_str_eq(l->text, "2019-03-29 00:35:14, Info       [0x0601c1] IBS    "
                              "InstallWindows:Install Path = C:\\Windows\\system32\\oobe");
    cr_assert(l->has_time);
    cr_assert_eq(l->time, utc(2019, 3, 29, 0, 35, 14));
    collector_free(&c);
    free(p);
}

Test(logs_corpus, setupapi_section_time_applies_until_section_end)
{
    SXS_CORPUS_OR_SKIP(p, "logs/setupapi/plaso_setupapi.dev.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_SETUPAPI, NULL, &c, &st);
    cr_assert_eq(st.lines, 10653);
    cr_assert_str_eq(st.encoding, "utf-8");
    /* Line 10: "[Boot Session: 2015/11/22 17:58:03.498]". */
    const kept_line *boot = line_at(&c, 10);
    cr_assert(boot->has_time);
    cr_assert_str_eq(boot->time_text, "2015/11/22 17:58:03.498");
    cr_assert_not(line_at(&c, 12)->has_time); /* ">>>  [Device Install ...]" header */
    const kept_line *s = line_at(&c, 13);
    cr_assert_eq(s->offset, 280);
    cr_assert_str_eq(s->time_text, "2015/11/22 17:59:28.110");
    cr_assert_eq(s->time, utc(2015, 11, 22, 17, 59, 28));
    const kept_line *in = line_at(&c, 15);
    cr_assert_eq(in->offset, 368);
    cr_assert_str_eq(in->text, "     dvi:      Searching for hardware ID(s):");
    cr_assert(in->has_time);
    cr_assert_str_eq(in->time_text, "2015/11/22 17:59:28.110");
    const kept_line *end = line_at(&c, 84);
    cr_assert_eq(end->offset, 4754);
    cr_assert_str_eq(end->time_text, "2015/11/22 17:59:37.142");
    cr_assert_not(line_at(&c, 85)->has_time); /* "<<<  [Exit status: SUCCESS]" */
    collector_free(&c);
    free(p);
}

Test(logs_corpus, windowsupdate_fraction_timestamp)
{
    SXS_CORPUS_OR_SKIP(p, "logs/windowsupdate/findingsanity_ws2019-17763_WindowsUpdate.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_WINDOWSUPDATE, NULL, &c, &st);
    cr_assert_eq(st.lines, 5711);
    const kept_line *l = line_at(&c, 5711);
    cr_assert_eq(l->offset, 792777);
    cr_assert_str_eq(l->time_text, "2021/07/14 08:58:00.4710767");
    cr_assert_eq(l->time, utc(2021, 7, 14, 8, 58, 0));
    collector_free(&c);
    free(p);
}

Test(logs_corpus, mosetup_bluebox_colon_format)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/eyeofparadox_mosetup/BlueBox.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_MOSETUP, NULL, &c, &st);
    cr_assert_eq(st.lines, 21);
    cr_assert_str_eq(st.encoding, "utf-8-bom");
    const kept_line *l = line_at(&c, 21);
    cr_assert_str_eq(l->text, "2025-04-26 05:07:00: Waiting for process events...");
    cr_assert_str_eq(l->time_text, "2025-04-26 05:07:00");
    cr_assert_eq(l->time, utc(2025, 4, 26, 5, 7, 0));
    collector_free(&c);
    free(p);
}

Test(logs_corpus, redacted_dates_are_not_timestamps)
{
    SXS_CORPUS_OR_SKIP(p, "logs/excerpts/msdocs_cbs_0x8007000d_driver-failure_redacted-dates.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_CBS, NULL, &c, &st);
    cr_assert_eq(st.lines, 15);
    for (size_t i = 0; i < c.n; i++) {
        cr_assert_not(c.v[i].has_time, "line %zu", i + 1);
        cr_assert_str_eq(c.v[i].time_text, "");
    }
    cr_assert(strncmp(line_at(&c, 1)->text, "20xx-xx-18 15:21:14, Info CBS", 29) == 0);
    collector_free(&c);
    free(p);
}

/* The reader reuses the last stamp's result when a line repeats its 19 bytes: every trap of
 * that shortcut gives the same times as parsing each line afresh. */
Test(logs_time, repeated_stamp_gives_the_same_time_as_parsing_again)
{
    static const char log[] = "2024-03-12 10:14:22, Info CBS a\r\n"
                              "2024-03-12 10:14:22, Info CBS b\r\n"  /* repeated */
                              "2024-03-12 10:14:225 not a stamp\r\n" /* same 19, digit */
                              "2024-03-12 10:14:22\r\n"              /* exactly 19 bytes */
                              "2024-03-12 10:14:23, Info CBS c\r\n"  /* next second */
                              "[1234]\"continuation\"\r\n"           /* no stamp */
                              "2024-03-12 10:14:23, Info CBS d\r\n"  /* after a miss */
                              "2024-03-13 10:14:23, Info CBS e\r\n"; /* next day */
    collector c = {0};
    an_log_stats st;
    stream_mem(log, sizeof(log) - 1, AN_LOG_CBS, &c, &st);
    cr_assert_eq(c.n, 8);
    const int64_t t22 = utc(2024, 3, 12, 10, 14, 22), t23 = t22 + 1;
    const struct {
        bool has;
        int64_t t;
    } want[8] = {{true, t22}, {true, t22}, {false, 0},  {true, t22},
                 {true, t23}, {false, 0},  {true, t23}, {true, t23 + 86400}};
    for (size_t i = 0; i < c.n; i++) {
        cr_assert_eq(c.v[i].has_time, want[i].has, "line %zu", i + 1);
        cr_assert_eq(c.v[i].time, want[i].t, "line %zu", i + 1);
        cr_assert_eq(c.v[i].utc, false, "line %zu", i + 1);
        if (want[i].has)
            cr_assert_eq(strlen(c.v[i].time_text), 19, "line %zu", i + 1);
        else
            cr_assert_str_eq(c.v[i].time_text, "", "line %zu", i + 1);
    }
    cr_assert_str_eq(c.v[7].time_text, "2024-03-13 10:14:23");
    collector_free(&c);
}

Test(logs_corpus, driver_missing_excerpt_line_and_offset)
{
    SXS_CORPUS_OR_SKIP(p, "logs/excerpts/msdocs_cbs_driver-missing_0x80070003.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_CBS, NULL, &c, &st);
    cr_assert_eq(st.lines, 13);
    const kept_line *l = line_at(&c, 3); /* grep -nb: 3:191 */
    cr_assert_eq(l->offset, 191);
    cr_assert_str_eq(l->text, "2017-12-06 15:30:46, Info    CBS   DriverUpdateInstallUpdates "
                              "failed [HRESULT = 0x80070003 - ERROR_PATH_NOT_FOUND]");
    collector_free(&c);
    free(p);
}

/* Every corpus log (and the odd ones: empty, XML, BOM-less) is read to its end; the line count
 * equals the newline count (+1 for an unterminated tail). */
Test(logs_corpus, every_corpus_log_reads_to_the_end, .timeout = 120)
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
        "logs/excerpts/msdocs_setupapi_mshdc_unstage_redacted.log",
        "logs/excerpts/msdocs_ssu-empty_signature-strings.txt",
        "logs/panther/appostarsi_upgrade_rollback/CompatData_2023_05_23_00_27_47_3_006f0018.xml",
        "logs/panther/appostarsi_upgrade_rollback/ScanResult.xml",
        "logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log",
        "logs/panther/appostarsi_upgrade_rollback/setupact_rollback.log",
        "logs/panther/appostarsi_upgrade_rollback/setupapi.offline.log.xz",
        "logs/panther/azure_vm_specialize/UnattendGC_setupact.log",
        "logs/panther/azure_vm_specialize/UnattendGC_setuperr.log",
        "logs/panther/azure_vm_specialize/diagerr.xml",
        "logs/panther/azure_vm_specialize/diagwrn.xml",
        "logs/panther/azure_vm_specialize/setupact.log",
        "logs/panther/azure_vm_specialize/setuperr.log",
        "logs/panther/bitbtrust_winpe_install/setuperr.log",
        "logs/setupapi/plaso_setupapi.setup.log",
        "logs/windowsupdate/appostarsi_win10-19041_WindowsUpdate.log.xz",
    };
    static const an_log_family fam[] = {
        AN_LOG_CBS,       AN_LOG_CBS,       AN_LOG_CBS,        AN_LOG_CBS,
        AN_LOG_CBS,       AN_LOG_CBS,       AN_LOG_CBS,        AN_LOG_CBS,
        AN_LOG_DISM,      AN_LOG_DISM,      AN_LOG_DISM,       AN_LOG_DISM,
        AN_LOG_SETUPAPI,  AN_LOG_CBS,       AN_LOG_COMPAT_XML, AN_LOG_COMPAT_XML,
        AN_LOG_SETUPDIAG, AN_LOG_PANTHER,   AN_LOG_SETUPAPI,   AN_LOG_PANTHER,
        AN_LOG_PANTHER,   AN_LOG_SETUPDIAG, AN_LOG_SETUPDIAG,  AN_LOG_PANTHER,
        AN_LOG_PANTHER,   AN_LOG_PANTHER,   AN_LOG_SETUPAPI,   AN_LOG_WINDOWSUPDATE,
    };
    cr_assert_eq(sizeof(rel) / sizeof(rel[0]), sizeof(fam) / sizeof(fam[0]));
    size_t seen = 0;
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char *p = sxs_corpus_path(rel[i]);
        if (!p)
            continue;
        collector c = {0};
        an_log_stats st;
        stream_host(p, fam[i], NULL, &c, &st);
        cr_assert_eq(st.lines, count_lines_file(p), "%s", rel[i]);
        cr_assert_eq(st.nul_runs, 0, "%s", rel[i]);
        cr_assert_eq(st.lines_truncated, 0, "%s", rel[i]);
        for (size_t k = 1; k < c.n; k++)
            cr_assert_gt(c.v[k].offset, c.v[k - 1].offset, "%s line %zu", rel[i], k + 1);
        collector_free(&c);
        free(p);
        seen++;
    }
    if (seen == 0)
        cr_skip_test("corpus absent");
    cr_assert_eq(seen, sizeof(rel) / sizeof(rel[0]));
}

Test(logs_corpus, empty_file_has_no_lines)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/azure_vm_specialize/setuperr.log");
    collector c = {0};
    an_log_stats st;
    stream_host(p, AN_LOG_PANTHER, NULL, &c, &st);
    cr_assert_eq(st.lines, 0);
    cr_assert_eq(st.bytes, 0);
    cr_assert_eq(c.n, 0);
    free(p);
}

/* ---- UTF-16 -------------------------------------------------------------------------------- */

/* UTF-16LE version of a real UTF-8-BOM log, converted by iconv (the BOM becomes FF FE). Every
 * line must decode to the same text; offsets map as 2 + 2 * (UTF-8 offset - 3) since the log
 * is ASCII after its BOM. */
Test(logs_utf16, converted_panther_log_decodes_identically)
{
    SXS_CORPUS_OR_SKIP(p, "logs/panther/azure_vm_specialize/setupact.log");
    char *dir = sxs_test_tmpdir("utf16");
    char out[4096], cmd[8192];
    snprintf(out, sizeof(out), "%s/setupact16.log", dir);
    snprintf(cmd, sizeof(cmd), "iconv -f UTF-8 -t UTF-16LE '%s' > '%s'", p, out);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0);
    collector a = {0}, b = {0};
    an_log_stats sa, sb;
    stream_host(p, AN_LOG_PANTHER, NULL, &a, &sa);
    stream_host(out, AN_LOG_PANTHER, NULL, &b, &sb);
    cr_assert_str_eq(sb.encoding, "utf-16le-bom");
    cr_assert_eq(sa.lines, 457);
    cr_assert_eq(sb.lines, 457);
    cr_assert_eq(sb.bytes, 2 + 2 * (57931 - 3));
    for (size_t i = 0; i < a.n; i++) {
        cr_assert_str_eq(b.v[i].text, a.v[i].text, "line %zu", i + 1);
        cr_assert_eq(b.v[i].offset, 2 + 2 * (a.v[i].offset - 3), "line %zu", i + 1);
        cr_assert_eq(b.v[i].has_time, a.v[i].has_time);
        cr_assert_eq(b.v[i].time, a.v[i].time);
    }
    collector_free(&a);
    collector_free(&b);
    free(dir);
    free(p);
}

static size_t put16(uint8_t *b, size_t o, uint16_t u)
{
    b[o] = (uint8_t)u;
    b[o + 1] = (uint8_t)(u >> 8);
    return o + 2;
}

/* A surrogate pair split by the chunk boundary, NUL units, CRLF, and a lone surrogate. */
Test(logs_utf16, surrogate_pair_across_chunk_boundary_and_nul_units)
{
    size_t total = SXS_STREAM_CHUNK + 64;
    uint8_t *b = calloc(1, total);
    size_t o = put16(b, 0, 0xFEFF);
    /* line 1: 'a' x until the high surrogate sits in the last unit of chunk 1 */
    size_t hi_at = SXS_STREAM_CHUNK - 2;
    while (o < hi_at)
        o = put16(b, o, 'a');
    o = put16(b, o, 0xD83D); /* U+1F600 = D83D DE00 */
    o = put16(b, o, 0xDE00);
    o = put16(b, o, '\r');
    o = put16(b, o, '\n');
    o = put16(b, o, 0); /* NUL units: one run */
    o = put16(b, o, 0);
    uint64_t x_at = o;
    o = put16(b, o, 'x');
    o = put16(b, o, 0xDC00); /* lone low surrogate -> U+FFFD */
    o = put16(b, o, 0x0001); /* control unit: dropped */
    o = put16(b, o, '\n');
    o = put16(b, o, 'z'); /* unterminated last line */
    collector c = {0};
    an_log_stats st;
    stream_mem(b, o, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 3);
    cr_assert_str_eq(st.encoding, "utf-16le-bom");
    const kept_line *l1 = line_at(&c, 1);
    cr_assert_eq(l1->len, SXS_MAX_LOG_LINE, "long line cut at the cap");
    cr_assert(l1->truncated);
    const kept_line *l2 = line_at(&c, 2);
    cr_assert_str_eq(l2->text, "x\xEF\xBF\xBD");
    cr_assert_eq(l2->offset, x_at, "offset of the first non-NUL unit");
    cr_assert_str_eq(line_at(&c, 3)->text, "z");
    cr_assert_eq(st.nul_runs, 1);
    cr_assert_eq(st.binary_bytes, 2);
    collector_free(&c);
    free(b);
}

/* The same with short lines so the pair itself is visible in the output. */
Test(logs_utf16, surrogate_pair_split_at_boundary_is_joined)
{
    size_t total = SXS_STREAM_CHUNK + 64;
    uint8_t *b = calloc(1, total);
    size_t o = put16(b, 0, 0xFEFF);
    size_t hi_at = SXS_STREAM_CHUNK - 2;
    /* lines of 99 'a' + '\n' until close to the boundary, then 'q' fill, then the pair */
    while (o + 200 < hi_at) {
        for (int i = 0; i < 99; i++)
            o = put16(b, o, 'a');
        o = put16(b, o, '\n');
    }
    size_t line_start = o;
    while (o < hi_at)
        o = put16(b, o, 'q');
    o = put16(b, o, 0xD83D);
    o = put16(b, o, 0xDE00);
    o = put16(b, o, '\n');
    collector c = {0};
    an_log_stats st;
    stream_mem(b, o, AN_LOG_CBS, &c, &st);
    const kept_line *l = &c.v[c.n - 1];
    size_t nq = (hi_at - line_start) / 2;
    cr_assert_eq(l->len, nq + 4);
    cr_assert_str_eq(l->text + nq, "\xF0\x9F\x98\x80");
    cr_assert_eq(l->offset, line_start);
    cr_assert_eq(st.binary_bytes, 0);
    collector_free(&c);
    free(b);
}

/* ---- damage: NUL runs, junk, long lines, chunk boundaries ------------------------------------ */

Test(logs_damage, nul_runs_and_junk_are_skipped_and_counted)
{
    static const char data[] = "2024-03-12 10:14:22, Info                  CBS    a\r\n"
                               "\0\0\0\0\0b\x01\x02"
                               "c\r\n"
                               "\0\0\n"
                               "last";
    collector c = {0};
    an_log_stats st;
    stream_mem(data, sizeof(data) - 1, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 4);
    cr_assert_eq(st.nul_runs, 2);
    cr_assert_eq(st.binary_bytes, 2);
    cr_assert_eq(line_at(&c, 1)->time, utc(2024, 3, 12, 10, 14, 22));
    const kept_line *l2 = line_at(&c, 2);
    cr_assert_str_eq(l2->text, "bc");
    cr_assert_eq(l2->offset, 58, "offset of 'b', after the NUL run");
    cr_assert_str_eq(line_at(&c, 3)->text, "");
    cr_assert_eq(line_at(&c, 3)->offset, 64);
    cr_assert_str_eq(line_at(&c, 4)->text, "last");
    cr_assert_eq(line_at(&c, 4)->offset, 67);
    collector_free(&c);
}

/* Crash residue in a real log: 200,000 NUL bytes written over the middle of line 307 of a real
 * CBS log (the tail of the line survives, as after an unclean shutdown). */
Test(logs_damage, real_log_with_nul_run_keeps_every_line)
{
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/alborz25_ws2012-9200_CBS.log");
    size_t len;
    char *orig = sxs_slurp(p, &len);
    cr_assert_not_null(orig);
    size_t at = 33239 + 40, nul = 200000;
    char *d = malloc(len + nul);
    memcpy(d, orig, at);
    memset(d + at, 0, nul);
    memcpy(d + at + nul, orig + at, len - at);
    collector c = {0};
    an_log_stats st;
    stream_mem(d, len + nul, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 4376);
    cr_assert_eq(st.nul_runs, 1);
    cr_assert_eq(st.binary_bytes, 0);
    cr_assert_str_eq(line_at(&c, 307)->text, "2020-02-04 17:17:12, Error                 CBS    "
                                             "Failed Open Eventlog: Application [HRESULT = "
                                             "0x800706ba - RPC_S_SERVER_UNAVAILABLE]");
    size_t l308 = (size_t)(strchr(orig + 33239, '\n') - orig) + 1;
    cr_assert_eq(line_at(&c, 308)->offset, l308 + nul);
    cr_assert_eq(line_at(&c, 307)->offset, 33239);
    collector_free(&c);
    free(d);
    free(orig);
    free(p);
}

Test(logs_damage, long_line_is_cut_and_marked)
{
    size_t n = 40000;
    char *d = malloc(n + 8);
    memset(d, 'A', n);
    memcpy(d + n, "\nx\n", 3);
    collector c = {0};
    an_log_stats st;
    stream_mem(d, n + 3, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 2);
    cr_assert_eq(st.lines_truncated, 1);
    cr_assert(line_at(&c, 1)->truncated);
    cr_assert_eq(line_at(&c, 1)->len, SXS_MAX_LOG_LINE);
    cr_assert_not(line_at(&c, 2)->truncated);
    cr_assert_str_eq(line_at(&c, 2)->text, "x");
    cr_assert_eq(line_at(&c, 2)->offset, n + 1);
    collector_free(&c);
    free(d);
}

/* A long line of multi-byte characters: the cut never splits a UTF-8 sequence. */
Test(logs_damage, cut_keeps_utf8_whole)
{
    size_t reps = 10000; /* 3 bytes each: 30000 bytes */
    char *d = malloc(reps * 3 + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(d + 3 * i, "\xE2\x82\xAC", 3); /* EURO SIGN */
    d[reps * 3] = 'A'; /* so the line does not end on the boundary by chance */
    collector c = {0};
    an_log_stats st;
    stream_mem(d, reps * 3 + 1, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 1);
    const kept_line *l = line_at(&c, 1);
    cr_assert(l->truncated);
    cr_assert_eq(l->len, (SXS_MAX_LOG_LINE / 3) * 3);
    cr_assert_eq(st.binary_bytes, 0);
    cr_assert_str_eq(st.encoding, "utf-8");
    collector_free(&c);
    free(d);
}

/* UTF-8 sequence and CRLF split across the chunk boundary. */
Test(logs_damage, utf8_and_crlf_split_by_chunk_boundary)
{
    size_t total = SXS_STREAM_CHUNK + 16;
    char *d = malloc(total);
    memset(d, 'k', total);
    size_t at = SXS_STREAM_CHUNK - 1; /* E2 | 82 AC */
    d[100] = '\n';
    memcpy(d + at, "\xE2\x82\xAC\r\nend\r", 8);
    d[at + 8] = '\n';
    collector c = {0};
    an_log_stats st;
    stream_mem(d, at + 9, AN_LOG_CBS, &c, &st);
    cr_assert_eq(st.lines, 3);
    const kept_line *l2 = line_at(&c, 2);
    cr_assert_eq(l2->offset, 101);
    cr_assert(l2->truncated); /* longer than SXS_MAX_LOG_LINE */
    cr_assert_eq(st.binary_bytes, 0);
    cr_assert_str_eq(line_at(&c, 3)->text, "end");
    cr_assert_eq(line_at(&c, 3)->offset, at + 5);
    collector_free(&c);
    /* The same with short lines so the euro sign itself is checked. */
    memset(d, 'k', total);
    for (size_t i = 99; i < at - 10; i += 100)
        d[i] = '\n';
    memcpy(d + at, "\xE2\x82\xAC\r\n", 5);
    collector c2 = {0};
    stream_mem(d, at + 5, AN_LOG_CBS, &c2, &st);
    const kept_line *l = &c2.v[c2.n - 1];
    cr_assert_eq(memcmp(l->text + l->len - 3, "\xE2\x82\xAC", 3), 0);
    cr_assert_eq(st.binary_bytes, 0);
    cr_assert_str_eq(st.encoding, "utf-8");
    collector_free(&c2);
    free(d);
}

Test(logs_damage, callback_stop_value_is_returned)
{
    static const char data[] = "a\nb\nc\nd\n";
    collector c = {.stop_at = 3};
    an_log_stats st;
    int rc = an_log_stream_mem((const uint8_t *)data, sizeof(data) - 1, "mem", AN_LOG_CBS, NULL,
                               collect, &c, &st, NULL);
    cr_assert_eq(rc, 7);
    cr_assert_eq(c.n, 3);
    collector_free(&c);
}

Test(logs_damage, binary_garbage_never_fails)
{
    uint8_t *d = malloc(300000);
    uint32_t x = 12345;
    for (size_t i = 0; i < 300000; i++) {
        x = x * 1103515245u + 12345u;
        d[i] = (uint8_t)(x >> 16);
    }
    for (int f = 0; f < AN_LOG_FAMILY_COUNT; f++) {
        collector c = {0};
        an_log_stats st;
        stream_mem(d, 300000, (an_log_family)f, &c, &st);
        cr_assert_gt(st.binary_bytes, 0);
        cr_assert_gt(st.nul_runs, 0);
        collector_free(&c);
    }
    free(d);
}

/* ---- time zones ---------------------------------------------------------------------------- */

/* TimeZoneInformation values as read with hivexsh from the corpus SYSTEM hives
 * (dissect.regf/SYSTEM.gz: W. Europe; regipy/SYSTEM_B: Eastern). */
static an_tz tz_from(const char *key, int32_t bias, int32_t dbias, const uint8_t std[16],
                     const uint8_t dl[16])
{
    an_tz tz = {.known = true, .bias = bias, .standard_bias = 0, .daylight_bias = dbias};
    snprintf(tz.key_name, sizeof(tz.key_name), "%s", key);
    if (std && dl) {
        cr_assert(an_systemtime_parse(std, 16, &tz.standard_start));
        cr_assert(an_systemtime_parse(dl, 16, &tz.daylight_start));
        tz.has_dst = tz.standard_start.month != 0;
    }
    return tz;
}

static const uint8_t weu_std[16] = {0, 0, 0x0a, 0, 5, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t weu_dl[16] = {0, 0, 3, 0, 5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t est_std[16] = {0, 0, 0x0b, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t est_dl[16] = {0, 0, 3, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};

Test(tz, systemtime_layout_is_time_fields)
{
    an_systemtime t;
    cr_assert_not(an_systemtime_parse(weu_dl, 15, &t));
    cr_assert(an_systemtime_parse(weu_dl, 16, &t));
    cr_assert_eq(t.year, 0);
    cr_assert_eq(t.month, 3);
    cr_assert_eq(t.day, 5);
    cr_assert_eq(t.hour, 2);
    cr_assert_eq(t.day_of_week, 0);
}

Test(tz, west_europe_summer_winter_and_transitions)
{
    an_tz tz = tz_from("W. Europe Standard Time", -60, -60, weu_std, weu_dl);
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 7, 1, 12, 0, 0)), utc(2024, 7, 1, 10, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 1, 15, 12, 0, 0)), utc(2024, 1, 15, 11, 0, 0));
    /* 2024: DST from Sunday 31 March 02:00 to Sunday 27 October 03:00 local. */
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 3, 31, 1, 59, 59)), utc(2024, 3, 31, 0, 59, 59));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 3, 31, 3, 0, 0)), utc(2024, 3, 31, 1, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 10, 27, 2, 30, 0)),
                 utc(2024, 10, 27, 0, 30, 0)); /* ambiguous hour: first (DST) occurrence */
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 10, 27, 3, 0, 0)), utc(2024, 10, 27, 2, 0, 0));
    /* 2023: last Sunday of March is the 26th. */
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2023, 3, 25, 12, 0, 0)), utc(2023, 3, 25, 11, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2023, 3, 26, 12, 0, 0)), utc(2023, 3, 26, 10, 0, 0));
}

Test(tz, eastern_second_sunday_march_first_sunday_november)
{
    an_tz tz = tz_from("Eastern Standard Time", 300, -60, est_std, est_dl);
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 3, 10, 1, 59, 59)), utc(2024, 3, 10, 6, 59, 59));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 3, 10, 3, 0, 0)), utc(2024, 3, 10, 7, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 7, 4, 12, 0, 0)), utc(2024, 7, 4, 16, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 11, 3, 2, 0, 0)), utc(2024, 11, 3, 7, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&tz, utc(2024, 12, 25, 12, 0, 0)), utc(2024, 12, 25, 17, 0, 0));
}

Test(tz, zone_without_dst_and_southern_hemisphere)
{
    an_tz india = tz_from("India Standard Time", -330, 0, NULL, NULL);
    cr_assert_eq(an_tz_local_to_utc(&india, utc(2024, 7, 1, 12, 0, 0)), utc(2024, 7, 1, 6, 30, 0));
    cr_assert_eq(an_tz_local_to_utc(&india, utc(2024, 1, 1, 0, 0, 0)),
                 utc(2023, 12, 31, 18, 30, 0));
    /* AUS Eastern: DST from first Sunday of October 02:00 to first Sunday of April 03:00. */
    static const uint8_t aus_std[16] = {0, 0, 4, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t aus_dl[16] = {0, 0, 10, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    an_tz aus = tz_from("AUS Eastern Standard Time", -600, -60, aus_std, aus_dl);
    cr_assert_eq(an_tz_local_to_utc(&aus, utc(2024, 1, 15, 12, 0, 0)), utc(2024, 1, 15, 1, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&aus, utc(2024, 7, 15, 12, 0, 0)), utc(2024, 7, 15, 2, 0, 0));
    cr_assert_eq(an_tz_local_to_utc(&aus, utc(2024, 4, 7, 2, 59, 59)), utc(2024, 4, 6, 15, 59, 59));
    cr_assert_eq(an_tz_local_to_utc(&aus, utc(2024, 10, 6, 2, 0, 0)), utc(2024, 10, 5, 15, 0, 0));
    an_tz unknown = {.known = false};
    cr_assert_eq(an_tz_local_to_utc(&unknown, 1234567), 1234567);
    cr_assert_eq(an_tz_local_to_utc(NULL, 1234567), 1234567);
}

Test(tz, stream_converts_to_utc_when_zone_known)
{
    an_tz tz = tz_from("W. Europe Standard Time", -60, -60, weu_std, weu_dl);
    static const char data[] = "2024-07-01 12:00:00, Info                  CBS    summer\r\n"
                               "2024-01-15 12:00:00, Info                  CBS    winter\r\n";
    collector c = {0};
    int rc = an_log_stream_mem((const uint8_t *)data, sizeof(data) - 1, "mem", AN_LOG_CBS, &tz,
                               collect, &c, NULL, NULL);
    cr_assert_eq(rc, 0);
    cr_assert(line_at(&c, 1)->utc);
    cr_assert_eq(line_at(&c, 1)->time, utc(2024, 7, 1, 10, 0, 0));
    cr_assert_str_eq(line_at(&c, 1)->time_text, "2024-07-01 12:00:00");
    cr_assert_eq(line_at(&c, 2)->time, utc(2024, 1, 15, 11, 0, 0));
    collector_free(&c);
}

/* ---- .cab ---------------------------------------------------------------------------------- */

static bool have_gcab(void)
{
    return access("/usr/bin/gcab", X_OK) == 0;
}

/* Builds dir/name.cab holding a copy of src named inner (gcab -z: MSZIP, as CbsPersist). */
static char *make_cab(const char *dir, const char *src, const char *inner, const char *cabname)
{
    char stage[4096], cab[4096], cmd[16384];
    snprintf(stage, sizeof(stage), "%s/stage", dir);
    mkdir(stage, 0755);
    snprintf(cab, sizeof(cab), "%s/%s", dir, cabname);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/%s' && cd '%s' && gcab -c -z '%s' '%s'", src, stage,
             inner, stage, cab, inner);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "%s", cmd);
    return strdup(cab);
}

Test(logs_cab, cbspersist_cab_streams_like_the_log)
{
    if (!have_gcab())
        cr_skip_test("gcab not installed (scripts/setup.sh)");
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/hofcake_win81-9600_CBS.log");
    char *dir = sxs_test_tmpdir("cab");
    char *cab = make_cab(dir, p, "CbsPersist_20150223101010.log", "CbsPersist_20150223101010.cab");
    collector a = {0}, b = {0};
    an_log_stats sa, sb;
    stream_host(p, AN_LOG_CBS, NULL, &a, &sa);
    stream_host(cab, AN_LOG_CBS, NULL, &b, &sb);
    cr_assert_eq(sa.lines, 1668);
    cr_assert_eq(sb.lines, 1668);
    cr_assert_eq(sb.bytes, 317302, "bytes of the expanded log");
    for (size_t i = 0; i < a.n; i++) {
        cr_assert_str_eq(b.v[i].text, a.v[i].text);
        cr_assert_eq(b.v[i].offset, a.v[i].offset);
        cr_assert_eq(b.v[i].time, a.v[i].time);
    }
    collector_free(&a);
    collector_free(&b);
    free(cab);
    free(dir);
    free(p);
}

Test(logs_cab, big_cab_crosses_chunks_and_stop_works)
{
    if (!have_gcab())
        cr_skip_test("gcab not installed (scripts/setup.sh)");
    SXS_CORPUS_OR_SKIP(p, "logs/panther/appostarsi_upgrade_rollback/setupact.log.xz");
    char *dir = sxs_test_tmpdir("cabbig");
    char *cab = make_cab(dir, p, "CbsPersist_1.log", "CbsPersist_1.cab");
    collector c = {0};
    an_log_stats st;
    stream_host(cab, AN_LOG_PANTHER, NULL, &c, &st);
    cr_assert_eq(st.lines, 103269);
    cr_assert_eq(st.bytes, 16187836);
    cr_assert_eq(line_at(&c, 10629)->offset, 1095477);
    collector_free(&c);
    collector s = {.stop_at = 50000};
    int rc = an_log_stream_host(cab, AN_LOG_PANTHER, NULL, collect, &s, NULL, NULL);
    cr_assert_eq(rc, 7);
    cr_assert_eq(s.n, 50000);
    collector_free(&s);
    free(cab);
    free(dir);
    free(p);
}

/* A truncated CbsPersist cabinet: no crash, what was expanded is read, and the damage is an
 * error in words (the rest of the log was not seen), not a bare libmspack number. */
Test(logs_cab, truncated_cab_is_not_fatal)
{
    if (!have_gcab())
        cr_skip_test("gcab not installed (scripts/setup.sh)");
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/romi1996_win10-18362_CBS.log");
    char *dir = sxs_test_tmpdir("cabcut");
    char *cab = make_cab(dir, p, "CbsPersist_2.log", "CbsPersist_2.cab");
    size_t len;
    char *d = sxs_slurp(cab, &len);
    cr_assert_not_null(d);
    for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
        sxs_diag *dg = sxs_diag_new();
        collector c = {0};
        an_log_stats st;
        int rc = an_log_stream_mem((const uint8_t *)d, cut, "cut.cab", AN_LOG_CBS, NULL, collect,
                                   &c, &st, dg);
        cr_assert(rc == 0 || rc == -EINVAL, "cut %zu rc %d", cut, rc);
        cr_assert(c.n < 3377);
        if (cut > 4) {
            /* an error (the rest of the log was not seen), naming the damage in words */
            cr_assert_geq(sxs_diag_count_level(dg, SXS_DIAG_ERROR), 1, "cut %zu: no error", cut);
            const char *msg = sxs_diag_get(dg, 0)->message;
            cr_assert(strstr(msg, "cabinet") && !strstr(msg, "libmspack error"),
                      "cut %zu: %s", cut, msg);
        }
        collector_free(&c);
        sxs_diag_free(dg);
    }
    free(d);
    free(cab);
    free(dir);
    free(p);
}

/* ---- discovery ----------------------------------------------------------------------------- */

static void mkdirs(const char *root, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *s = path + strlen(root) + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    }
    mkdir(path, 0755);
}

static void touch(const char *root, const char *rel, const char *content)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    write_file(path, content, strlen(content));
}

Test(logs_find, every_log_any_case_true_names)
{
    char *root = sxs_test_tmpdir("find");
    mkdirs(root, "wINDOWS/System32/config");
    touch(root, "wINDOWS/System32/config/SOFTWARE", "regf");
    mkdirs(root, "$windows.~bt/sources/PANTHER");
    touch(root, "$windows.~bt/sources/PANTHER/SetupAct.log", "a\n");
    touch(root, "$windows.~bt/sources/PANTHER/setuperr.LOG", "");
    touch(root, "$windows.~bt/sources/PANTHER/CompatData_2023_05_23_00_18_13_3_00000021.xml",
          "<x/>\n");
    touch(root, "$windows.~bt/sources/PANTHER/ScanResult.xml", "<x/>\n");
    touch(root, "$windows.~bt/sources/PANTHER/APPRAISER_TelemetryBaseline_UNV.bin", "b");
    touch(root, "$windows.~bt/sources/PANTHER/SetupDiagResults.xml", "<x/>\n");
    touch(root, "$windows.~bt/sources/PANTHER/unrelated.txt", "no");
    mkdirs(root, "$windows.~bt/sources/Rollback");
    touch(root, "$windows.~bt/sources/Rollback/setupact.log", "r\n");
    mkdirs(root, "wINDOWS/panther/NewOs");
    touch(root, "wINDOWS/panther/setupact.log", "p\n");
    touch(root, "wINDOWS/panther/NewOs/SETUPACT.LOG", "n\n");
    mkdirs(root, "wINDOWS/panther/unattendgc");
    touch(root, "wINDOWS/panther/unattendgc/setupact.log", "u\n");
    mkdirs(root, "wINDOWS/logs/mosetup");
    touch(root, "wINDOWS/logs/mosetup/bluebox.log", "b\n");
    touch(root, "wINDOWS/logs/mosetup/UpdateAgent.log", "u\n");
    mkdirs(root, "wINDOWS/logs/Dism");
    touch(root, "wINDOWS/logs/Dism/DISM.log", "d\n");
    touch(root, "wINDOWS/logs/Dism/dism.log.bak", "no\n");
    mkdirs(root, "wINDOWS/logs/cbs");
    touch(root, "wINDOWS/logs/cbs/Cbs.log", "c\n");
    touch(root, "wINDOWS/logs/cbs/CBSPERSIST_20240101000000.log", "c1\n");
    touch(root, "wINDOWS/logs/cbs/CbsPersist_20240202000000.cab", "MSCF");
    touch(root, "wINDOWS/logs/cbs/FilterList.log", "no\n");
    mkdirs(root, "wINDOWS/logs/SetupDiag");
    touch(root, "wINDOWS/logs/SetupDiag/SetupDiagResults.log", "s\n");
    mkdirs(root, "wINDOWS/Inf");
    touch(root, "wINDOWS/Inf/SetupAPI.Dev.log", "x\n");
    touch(root, "wINDOWS/Inf/setupapi.offline.log", "x\n");
    touch(root, "wINDOWS/Inf/machine.inf", "no\n");
    mkdirs(root, "wINDOWS/winsxs");
    touch(root, "wINDOWS/winsxs/Pending.XML", "<p/>\n");
    touch(root, "wINDOWS/winsxs/poqexec.log", "q\n");

    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *in = fsa_install(ev, 0);
    cr_assert_str_eq(in->windows_dir, "wINDOWS");
    an_log_file *files;
    size_t n;
    /* The caller's case does not matter: paths come back in true case. */
    cr_assert_eq(an_logs_find(in->fs, "windows", &files, &n, d), 0);
    static const struct {
        const char *path;
        an_log_family fam;
        bool cab;
    } want[] = {
        {"$windows.~bt/sources/PANTHER/APPRAISER_TelemetryBaseline_UNV.bin", AN_LOG_COMPAT_XML,
         false},
        {"$windows.~bt/sources/PANTHER/CompatData_2023_05_23_00_18_13_3_00000021.xml",
         AN_LOG_COMPAT_XML, false},
        {"$windows.~bt/sources/PANTHER/ScanResult.xml", AN_LOG_COMPAT_XML, false},
        {"$windows.~bt/sources/PANTHER/SetupAct.log", AN_LOG_PANTHER, false},
        {"$windows.~bt/sources/PANTHER/SetupDiagResults.xml", AN_LOG_SETUPDIAG, false},
        {"$windows.~bt/sources/PANTHER/setuperr.LOG", AN_LOG_PANTHER, false},
        {"$windows.~bt/sources/Rollback/setupact.log", AN_LOG_PANTHER, false},
        {"wINDOWS/panther/setupact.log", AN_LOG_PANTHER, false},
        {"wINDOWS/panther/NewOs/SETUPACT.LOG", AN_LOG_PANTHER, false},
        {"wINDOWS/panther/unattendgc/setupact.log", AN_LOG_PANTHER, false},
        {"wINDOWS/logs/mosetup/bluebox.log", AN_LOG_MOSETUP, false},
        {"wINDOWS/logs/mosetup/UpdateAgent.log", AN_LOG_MOSETUP, false},
        {"wINDOWS/logs/Dism/DISM.log", AN_LOG_DISM, false},
        /* archives first (oldest first), then the live log */
        {"wINDOWS/logs/cbs/CBSPERSIST_20240101000000.log", AN_LOG_CBS, false},
        {"wINDOWS/logs/cbs/CbsPersist_20240202000000.cab", AN_LOG_CBS, true},
        {"wINDOWS/logs/cbs/Cbs.log", AN_LOG_CBS, false},
        {"wINDOWS/logs/SetupDiag/SetupDiagResults.log", AN_LOG_SETUPDIAG, false},
        {"wINDOWS/Inf/SetupAPI.Dev.log", AN_LOG_SETUPAPI, false},
        {"wINDOWS/Inf/setupapi.offline.log", AN_LOG_SETUPAPI, false},
        {"wINDOWS/winsxs/poqexec.log", AN_LOG_POQEXEC, false},
        {"wINDOWS/winsxs/Pending.XML", AN_LOG_PENDING_XML, false},
    };
    size_t nw = sizeof(want) / sizeof(want[0]);
    for (size_t i = 0; i < n && i < nw; i++) {
        cr_assert_str_eq(files[i].path, want[i].path, "entry %zu", i);
        cr_assert_eq(files[i].family, want[i].fam, "%s", files[i].path);
        cr_assert_eq(files[i].is_cab, want[i].cab, "%s", files[i].path);
    }
    cr_assert_eq(n, nw);
    cr_assert_eq(files[15].size, 2); /* Cbs.log "c\n" */
    /* Streaming a found log through fsaccess. */
    collector c = {0};
    an_log_stats st;
    cr_assert_eq(an_log_stream(in->fs, &files[13], NULL, collect, &c, &st, d), 0);
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.v[0].text, "c1");
    collector_free(&c);
    /* The fake .cab is not a cabinet: reported, not fatal to the caller's loop. */
    collector c2 = {0};
    int rc = an_log_stream(in->fs, &files[14], NULL, collect, &c2, &st, d);
    cr_assert_lt(rc, 0);
    cr_assert_eq(c2.n, 0);
    collector_free(&c2);
    an_logs_free(files, n);
    fsa_close(ev);
    sxs_diag_free(d);
    free(root);
}

Test(logs_find, absent_folders_are_not_errors)
{
    char *root = sxs_test_tmpdir("findempty");
    mkdirs(root, "Windows/System32/config");
    touch(root, "Windows/System32/config/SOFTWARE", "regf");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    an_log_file *files = NULL;
    size_t n = 99;
    cr_assert_eq(an_logs_find(fsa_install(ev, 0)->fs, "Windows", &files, &n, d), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_WARN), 0);
    an_logs_free(files, n);
    fsa_close(ev);
    sxs_diag_free(d);
    free(root);
}

Test(logs_names, family_names_round_trip)
{
    for (int f = 0; f < AN_LOG_FAMILY_COUNT; f++)
        cr_assert_eq(an_log_family_from_name(an_log_family_name((an_log_family)f)), f);
    cr_assert_str_eq(an_log_family_name(AN_LOG_PENDING_XML), "pending_xml");
    cr_assert_eq(an_log_family_from_name("nope"), -1);
    cr_assert_eq(an_log_family_from_name(NULL), -1);
}

/* A UTF-16 file cut in the middle of a unit (odd size): the stray byte is junk, lines before it
 * are whole. A UTF-16 line longer than the cap is cut and marked. */
Test(logs_utf16, odd_tail_and_long_line)
{
    size_t nunits = 20000;
    uint8_t *b = malloc(2 * nunits + 16);
    size_t o = put16(b, 0, 0xFEFF);
    for (size_t i = 0; i < nunits; i++)
        o = put16(b, o, (uint16_t)('a' + i % 26));
    o = put16(b, o, '\r');
    o = put16(b, o, '\n');
    o = put16(b, o, 0x00E9); /* e acute */
    b[o++] = 'x';            /* half a unit */
    collector c = {0};
    an_log_stats st;
    stream_mem(b, o, AN_LOG_PANTHER, &c, &st);
    cr_assert_eq(st.lines, 2);
    cr_assert(line_at(&c, 1)->truncated);
    cr_assert_eq(line_at(&c, 1)->len, SXS_MAX_LOG_LINE);
    cr_assert_eq(line_at(&c, 1)->text[26], 'a');
    cr_assert_str_eq(line_at(&c, 2)->text, "\xC3\xA9");
    cr_assert_eq(line_at(&c, 2)->offset, 2 + 2 * (nunits + 2));
    cr_assert_eq(st.binary_bytes, 1);
    cr_assert_eq(st.lines_truncated, 1);
    collector_free(&c);
    free(b);
}

/* A real CbsPersist cabinet found by an_logs_find and streamed through fsaccess reads (the
 * cabinet is read with random access through fsa_file_read, never copied). */
Test(logs_cab, cab_through_fsaccess)
{
    if (!have_gcab())
        cr_skip_test("gcab not installed (scripts/setup.sh)");
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/alborz25_ws2012-9200_CBS.log");
    char *root = sxs_test_tmpdir("cabfsa");
    mkdirs(root, "Windows/System32/config");
    touch(root, "Windows/System32/config/SOFTWARE", "regf");
    mkdirs(root, "Windows/Logs/CBS");
    char cbsdir[4096];
    snprintf(cbsdir, sizeof(cbsdir), "%s/Windows/Logs/CBS", root);
    free(make_cab(cbsdir, p, "CbsPersist_20200206183418.log", "CbsPersist_20200206183418.cab"));
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    an_log_file *files;
    size_t n;
    cr_assert_eq(an_logs_find(fsa_install(ev, 0)->fs, "Windows", &files, &n, d), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(files[0].path, "Windows/Logs/CBS/CbsPersist_20200206183418.cab");
    cr_assert(files[0].is_cab);
    collector c = {0};
    an_log_stats st;
    cr_assert_eq(an_log_stream(fsa_install(ev, 0)->fs, &files[0], NULL, collect, &c, &st, d), 0);
    cr_assert_eq(st.lines, 4376);
    cr_assert_eq(st.bytes, 740759);
    cr_assert_eq(line_at(&c, 307)->offset, 33239);
    cr_assert_str_eq(line_at(&c, 307)->time_text, "2020-02-04 17:17:12");
    collector_free(&c);
    an_logs_free(files, n);
    fsa_close(ev);
    sxs_diag_free(d);
    free(root);
    free(p);
}

/* ---- memory -------------------------------------------------------------------------------- */

static long current_rss_kib(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A 300 MB CBS log (a real one repeated) streamed in a child process: the peak RSS grows by
 * less than 16 MiB over the process's resident size before streaming, whatever the log size
 * (bench/logs measures the absolute peak of an uninstrumented build: ~12 MiB). */
Test(logs_memory, stream_300mb_log_bounded_rss, .timeout = 300)
{
    SXS_CORPUS_OR_SKIP(p, "logs/cbs/eyeofparadox_win11-26100_CBS.log.xz");
    size_t len;
    char *one = sxs_slurp(p, &len);
    cr_assert_not_null(one);
    char *dir = sxs_test_tmpdir("mem300");
    char big[4096];
    snprintf(big, sizeof(big), "%s/CBS.log", dir);
    FILE *f = fopen(big, "wb");
    cr_assert_not_null(f);
    uint64_t total = 0;
    while (total < 300ULL * 1000 * 1000) {
        cr_assert_eq(fwrite(one, 1, len, f), len);
        total += len;
    }
    fclose(f);
    free(one);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        long base = current_rss_kib();
        an_log_stats st;
        uint64_t lines = 0;
        int rc = an_log_stream_host(big, AN_LOG_CBS, NULL, NULL, NULL, &st, NULL);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        lines = st.lines;
        long out[4] = {rc, base, ru.ru_maxrss, (long)lines};
        ssize_t w = write(fds[1], out, sizeof(out));
        _exit(w == (ssize_t)sizeof(out) ? 0 : 1);
    }
    close(fds[1]);
    long res[4];
    cr_assert_eq(read(fds[0], res, sizeof(res)), (ssize_t)sizeof(res));
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    unlink(big);
    cr_assert_eq(res[0], 0);
    cr_assert_eq((uint64_t)res[3], (total / len) * 20857, "wc -l of one copy x copies");
    cr_log_info("300 MB stream: rss before %ld KiB, peak %ld KiB", res[1], res[2]);
    cr_assert_lt(res[2] - res[1], 16 * 1024, "peak grew by %ld KiB", res[2] - res[1]);
    free(dir);
    free(p);
}
