/* The servicing history in the reports: a "History" section in text and Markdown (one line per
 * attempt, newest first, failures marked, resolved ones dimmed on a terminal), "history[]" in
 * JSON (oldest first, resolved_by = index in that array), and --timeline: JSON Lines for
 * Timesketch (message, datetime, timestamp_desc + fields), one event per attempt and per
 * evidence line. */
#include "cli/cli_history.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/history/an_history.h"
#include "common/sxs_errcode.h"

/* "0x8007000D ERROR_INVALID_DATA" / "0x8024402C WU_E_PT_WINHTTP_NAME_NOT_RESOLVED" */
static void result_text(const an_attempt *a, char *out, size_t cap)
{
    out[0] = '\0';
    if (!a->has_result)
        return;
    const sxs_errcode_info *ci = sxs_errcode_lookup(a->result);
    int n = snprintf(out, cap, "0x%08" PRIX32 "%s%s", a->result, ci ? " " : "", ci ? ci->name : "");
    if (a->has_extend && n > 0 && (size_t)n < cap) {
        sxs_extend_code x;
        sxs_extend_code_from_values(a->result, a->extend_code, &x);
        snprintf(out + n, cap - (size_t)n, ", extend code 0x%" PRIX32 "%s%s%s%s", a->extend_code,
                 x.phase_label ? " (" : "", x.phase_label ? x.phase_label : "",
                 x.operation_label ? ", " : "", x.operation_label ? x.operation_label : "");
        if (x.phase_label)
            strncat(out, ")", cap - strlen(out) - 1);
    }
}

static const char *status_mark(const an_attempt *a)
{
    if (a->status == AN_ATT_FAILED)
        return a->resolved ? "resolved" : "FAILED";
    return an_attempt_status_name(a->status);
}

/* One-line description shared by text and Markdown. */
static void describe(const an_attempt *a, char *out, size_t cap)
{
    char res[256];
    result_text(a, res, sizeof(res));
    size_t n = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            int k = snprintf(out + n, cap - n, __VA_ARGS__);                                       \
            if (k > 0)                                                                             \
                n += (size_t)k;                                                                    \
        }                                                                                          \
    } while (0)
    out[0] = '\0';
    PUT("%s", an_attempt_kind_name(a->kind));
    if (a->kb[0])
        PUT(" %s", a->kb);
    if (a->package[0] && a->kind != AN_ATT_UPGRADE)
        PUT(" %s", a->package);
    if (a->source_build[0] || a->target_build[0])
        PUT(" %s -> %s", a->source_build[0] ? a->source_build : "?",
            a->target_build[0] ? a->target_build : "?");
    if (a->client[0])
        PUT(" (client %s)", a->client);
    if (res[0])
        PUT(": %s", res);
    if (a->phase[0] && a->status == AN_ATT_FAILED)
        PUT("; phase %s", a->phase);
    if (a->operation[0] && a->status == AN_ATT_FAILED)
        PUT("; operation: %s", a->operation);
    if (a->rolled_back)
        PUT("; rolled back");
    if (a->disk_space)
        PUT("; not enough disk space");
#undef PUT
}

void cli_history_write_text(FILE *out, const cli_install_report *ir, bool verbose)
{
    const an_history *h = ir->history;
    size_t n = an_history_count(h);
    if (!ir->analysed || !h)
        return;
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += an_history_at(h, i)->status == AN_ATT_FAILED;
    fprintf(out,
            "\nServicing history of installation %u: %zu attempt(s), %zu failed, %zu unresolved",
            ir->info->index + 1, n, failed, an_history_unresolved(h));
    if (an_history_dropped(h))
        fprintf(out, " (%zu older successful attempts not kept)", an_history_dropped(h));
    fputs(n ? ", newest first\n" : "\n", out);
    bool tty = isatty(fileno(out));
    for (size_t k = n; k-- > 0;) {
        const an_attempt *a = an_history_at(h, k);
        char when[48], desc[1024];
        an_history_format_time(a->has_start, a->start, a->time_is_utc, when);
        describe(a, desc, sizeof(desc));
        bool dim = tty && a->status == AN_ATT_FAILED && a->resolved;
        fprintf(out, "  %s#%-3zu %-9s %-20s %s%s\n", dim ? "\033[2m" : "", k, status_mark(a),
                when[0] ? when : "(no time)", desc, dim ? "\033[0m" : "");
        if (a->resolved && a->resolved_by >= 0)
            fprintf(out, "         resolved by #%ld\n", a->resolved_by);
        if (a->status != AN_ATT_FAILED || (a->resolved && !verbose))
            continue;
        for (size_t e = 0; e < a->nev; e++)
            fprintf(out, "         %s:%" PRId64 ": %s\n", a->ev[e].source, a->ev[e].line,
                    a->ev[e].text);
        if (a->ev_more)
            fprintf(out, "         (%zu more line(s))\n", a->ev_more);
    }
}

static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '`' || *s == '\\' || *s == '*' || *s == '_')
            fputc('\\', out);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
    }
}

void cli_history_write_markdown(FILE *out, const cli_install_report *ir)
{
    const an_history *h = ir->history;
    size_t n = an_history_count(h);
    if (!ir->analysed || !h || n == 0)
        return;
    fputs("\n### Servicing history (newest first)\n\n| # | status | start | attempt |\n"
          "|---|---|---|---|\n",
          out);
    for (size_t k = n; k-- > 0;) {
        const an_attempt *a = an_history_at(h, k);
        char when[48], desc[1024];
        an_history_format_time(a->has_start, a->start, a->time_is_utc, when);
        describe(a, desc, sizeof(desc));
        fprintf(out, "| %zu | %s%s%s | %s | ", k,
                a->status == AN_ATT_FAILED && !a->resolved ? "**" : "", status_mark(a),
                a->status == AN_ATT_FAILED && !a->resolved ? "**" : "", when);
        md_cell(out, desc);
        fputs(" |\n", out);
    }
}

static void json_time(cli_json *j, const char *key, bool has, int64_t t, bool utc)
{
    char buf[48];
    an_history_format_time(has, t, utc, buf);
    cli_json_key(j, key);
    cli_json_string(j, buf[0] ? buf : NULL);
}

static void json_evidence(cli_json *j, const an_attempt *a)
{
    cli_json_key(j, "evidence");
    cli_json_begin_array(j);
    for (size_t e = 0; e < a->nev; e++) {
        cli_json_begin_object(j);
        cli_json_kv_str(j, "source", a->ev[e].source);
        cli_json_kv_int(j, "line", a->ev[e].line);
        cli_json_kv_int(j, "offset", a->ev[e].offset);
        cli_json_kv_str(j, "timestamp", a->ev[e].timestamp);
        cli_json_kv_str(j, "text", a->ev[e].text);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void opt_str(cli_json *j, const char *key, const char *v)
{
    cli_json_key(j, key);
    cli_json_string(j, v && v[0] ? v : NULL);
}

/* The attempt's fields shared by the report and the timeline. */
static void json_fields(cli_json *j, const an_attempt *a, size_t base)
{
    cli_json_kv_str(j, "kind", an_attempt_kind_name(a->kind));
    opt_str(j, "client", a->client);
    opt_str(j, "package", a->package);
    opt_str(j, "kb", a->kb);
    opt_str(j, "session", a->session);
    opt_str(j, "source_build", a->source_build);
    opt_str(j, "target_build", a->target_build);
    opt_str(j, "phase", a->phase);
    opt_str(j, "operation", a->operation);
    char buf[32];
    snprintf(buf, sizeof(buf), "0x%08" PRIX32, a->result);
    opt_str(j, "result", a->has_result ? buf : NULL);
    const sxs_errcode_info *ci = a->has_result ? sxs_errcode_lookup(a->result) : NULL;
    opt_str(j, "result_name", ci ? ci->name : NULL);
    snprintf(buf, sizeof(buf), "0x%" PRIX32, a->extend_code);
    opt_str(j, "extend_code", a->has_extend ? buf : NULL);
    if (a->has_extend) {
        sxs_extend_code x;
        sxs_extend_code_from_values(a->result, a->extend_code, &x);
        opt_str(j, "extend_phase", x.phase_label);
        opt_str(j, "extend_operation", x.operation_label);
    }
    cli_json_kv_bool(j, "rolled_back", a->rolled_back);
    cli_json_kv_bool(j, "disk_space", a->disk_space);
    cli_json_kv_str(j, "status", an_attempt_status_name(a->status));
    cli_json_kv_bool(j, "resolved", a->resolved);
    cli_json_key(j, "resolved_by");
    if (a->resolved_by >= 0)
        cli_json_uint(j, base + (size_t)a->resolved_by);
    else
        cli_json_null(j);
}

void cli_history_write_json(cli_json *j, const cli_report *r)
{
    cli_json_key(j, "history");
    cli_json_begin_array(j);
    size_t base = 0;
    for (size_t i = 0; i < r->d->n_installs; i++) {
        const cli_install_report *ir = &r->d->installs[i];
        size_t n = an_history_count(ir->history);
        for (size_t k = 0; k < n; k++) {
            const an_attempt *a = an_history_at(ir->history, k);
            cli_json_begin_object(j);
            cli_json_kv_uint(j, "install", ir->info->index + 1);
            json_time(j, "start", a->has_start, a->start, a->time_is_utc);
            json_time(j, "end", a->has_end, a->end, a->time_is_utc);
            json_fields(j, a, base);
            json_evidence(j, a);
            cli_json_end_object(j);
        }
        base += n;
    }
    cli_json_end_array(j);
}

/* Timesketch wants ISO 8601 with an offset; local times (no time zone known) are written as
 * if UTC and flagged. */
static void tl_datetime(cli_json *j, int64_t t)
{
    char buf[48];
    an_history_format_time(true, t, true, buf);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == 'Z')
        snprintf(buf + n - 1, sizeof(buf) - n + 1, "+00:00");
    cli_json_kv_str(j, "datetime", buf);
    cli_json_kv_int(j, "timestamp", t * 1000000);
}

static void tl_event(FILE *out, const cli_install_report *ir, const an_attempt *a, size_t base,
                     int64_t t, const char *desc, const char *message,
                     const an_history_evidence *ev)
{
    cli_json j;
    cli_json_init(&j, out, 0);
    cli_json_begin_object(&j);
    cli_json_kv_str(&j, "message", message);
    tl_datetime(&j, t);
    cli_json_kv_str(&j, "timestamp_desc", desc);
    cli_json_kv_bool(&j, "time_is_utc", a->time_is_utc);
    cli_json_kv_str(&j, "data_type", "windows:servicing:attempt");
    cli_json_kv_uint(&j, "install", ir->info->index + 1);
    json_fields(&j, a, base);
    if (ev) {
        cli_json_kv_str(&j, "source_file", ev->source);
        cli_json_kv_int(&j, "source_line", ev->line);
        cli_json_kv_int(&j, "source_offset", ev->offset);
    }
    cli_json_end_object(&j);
    fputc('\n', out);
}

int cli_history_write_timeline(FILE *out, const cli_report *r)
{
    size_t base = 0;
    for (size_t i = 0; i < r->d->n_installs; i++) {
        const cli_install_report *ir = &r->d->installs[i];
        size_t n = an_history_count(ir->history);
        for (size_t k = 0; k < n; k++) {
            const an_attempt *a = an_history_at(ir->history, k);
            char desc[1024];
            describe(a, desc, sizeof(desc));
            char msg[1100];
            snprintf(msg, sizeof(msg), "%s %s", status_mark(a), desc);
            if (a->has_start) {
                tl_event(out, ir, a, base, a->start, "Servicing attempt start", msg, NULL);
            }
            if (a->has_end && (!a->has_start || a->end != a->start)) {
                tl_event(out, ir, a, base, a->end, "Servicing attempt end", msg, NULL);
            }
            for (size_t e = 0; e < a->nev; e++) {
                if (!a->ev[e].has_time)
                    continue;
                tl_event(out, ir, a, base, a->ev[e].time, "Servicing log line", a->ev[e].text,
                         &a->ev[e]);
            }
        }
        base += n;
    }
    return ferror(out) ? -EIO : 0;
}
