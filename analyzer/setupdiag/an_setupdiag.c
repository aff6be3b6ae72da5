/* The SetupDiag result model: setting its fields (cleaned, capped, by priority), decoding the
 * bytes of a results file, and writing a result as setupdiag.* facts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"
#include "common/sxs_utf16.h"

const char *an_setupdiag_kind_name(an_setupdiag_kind k)
{
    switch (k) {
    case AN_SETUPDIAG_XML:
        return "xml";
    case AN_SETUPDIAG_LOG:
        return "log";
    case AN_SETUPDIAG_REGISTRY:
        return "registry";
    }
    return "unknown";
}

void an_setupdiag_result_clear(an_setupdiag_result *r)
{
    if (!r)
        return;
    an_setupdiag_text *single[] = {
        &r->version, &r->profile,   &r->profile_guid, &r->failure_details, &r->log_error_line,
        &r->phase,   &r->operation, &r->host_os,      &r->target_os,
    };
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        free(single[i]->text);
    for (size_t i = 0; i < r->n_failure_data; i++)
        free(r->failure_data[i].text);
    for (size_t i = 0; i < r->n_remediation; i++)
        free(r->remediation[i].text);
    memset(r, 0, sizeof(*r));
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t k;
    uint32_t cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) {
        k = 2;
        cp = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0) == 0xE0) {
        k = 3;
        cp = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8) == 0xF0) {
        k = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* The cleaned single-line form of s[0..n): each line trimmed, empty lines dropped, lines
 * joined with "; ", control bytes and invalid UTF-8 as '?'. malloc'd, or NULL with *ret_empty
 * when nothing is left. */
static char *clean_text(const char *s, size_t n, bool *ret_empty)
{
    *ret_empty = false;
    const size_t limit = SXS_MAX_SETUPDIAG_TEXT - 3; /* room for "..." */
    char *out = malloc(SXS_MAX_SETUPDIAG_TEXT + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    bool cut = false;
    while (i < n && !cut) {
        size_t e = i;
        while (e < n && p[e] != '\n' && p[e] != '\r')
            e++;
        size_t a = i, b = e;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a && o > 0) {
            if (o + 2 > limit)
                cut = true;
            else {
                out[o++] = ';';
                out[o++] = ' ';
            }
        }
        for (size_t j = a; j < b && !cut;) {
            size_t k = p[j] < 0x20 || p[j] == 0x7F ? 0 : utf8_seq(p + j, b - j);
            if (o + (k ? k : 1) > limit) {
                cut = true;
                break;
            }
            if (k) {
                memcpy(out + o, p + j, k);
                o += k;
                j += k;
            } else {
                out[o++] = p[j] == '\t' ? ' ' : '?';
                j++;
            }
        }
        i = e + 1;
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    if (o == 0) {
        free(out);
        *ret_empty = true;
        return NULL;
    }
    char *fit = realloc(out, o + 1); /* most values are short: do not keep 8 KiB each */
    return fit ? fit : out;
}

int sd_text_set(an_setupdiag_text *t, const char *s, size_t n, int64_t line, int prio)
{
    if (t->text && prio < t->prio)
        return 0;
    bool empty;
    char *c = clean_text(s, n, &empty);
    if (!c)
        return empty ? 0 : -ENOMEM;
    free(t->text);
    *t = (an_setupdiag_text){.text = c, .line = line, .prio = prio};
    return 0;
}

int sd_list_add(an_setupdiag_text *list, size_t *count, const char *s, size_t n, int64_t line)
{
    if (*count >= SXS_MAX_SETUPDIAG_LIST)
        return 0;
    bool empty;
    char *c = clean_text(s, n, &empty);
    if (!c)
        return empty ? 0 : -ENOMEM;
    list[(*count)++] = (an_setupdiag_text){.text = c, .line = line, .prio = SD_PRIO_FIELD};
    return 0;
}

void sd_code_set(an_setupdiag_code *c, uint32_t v, int64_t line, int prio)
{
    if (c->known && prio < c->prio)
        return;
    *c = (an_setupdiag_code){.known = true, .value = v, .line = line, .prio = prio};
}

int sd_load(const uint8_t *data, size_t len, const char *name, const char *what, sxs_diag *diag,
            char **ret, size_t *ret_len)
{
    if (len > SXS_MAX_SETUPDIAG_FILE) {
        sxs_diag_add(diag, SXS_DIAG_WARN, name, -1,
                     "%zu bytes: larger than any SetupDiag %s (limit %d); not read", len, what,
                     SXS_MAX_SETUPDIAG_FILE);
        return -EFBIG;
    }
    return sd_decode(data, len, ret, ret_len);
}

int sd_decode(const uint8_t *data, size_t len, char **ret, size_t *ret_len)
{
    char *out;
    if (len >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF) ||
                     (data[0] != 0 && data[1] == 0))) {
        bool bom = data[0] == 0xFF || data[0] == 0xFE;
        bool be = data[0] == 0xFE && data[1] == 0xFF;
        const uint8_t *p = data + (bom ? 2 : 0);
        size_t units = (len - (bom ? 2 : 0)) / 2;
        uint8_t *swapped = NULL;
        if (be) {
            if (!(swapped = malloc(units * 2 + 1)))
                return -ENOMEM;
            for (size_t i = 0; i < units; i++) {
                swapped[2 * i] = p[2 * i + 1];
                swapped[2 * i + 1] = p[2 * i];
            }
            p = swapped;
        }
        out = sxs_utf16le_to_utf8_dup(p, units, 1);
        free(swapped);
        if (!out)
            return -ENOMEM;
        *ret = out;
        *ret_len = strlen(out);
        return 0;
    }
    size_t skip = len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
    if (!(out = malloc(len - skip + 1)))
        return -ENOMEM;
    memcpy(out, data + skip, len - skip);
    out[len - skip] = '\0';
    *ret = out;
    *ret_len = len - skip;
    return 0;
}

/* ---- facts -------------------------------------------------------------------------------- */

/* Hinnant's civil_from_days: the inverse of an_days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void format_time(const an_setupdiag_time *t, const an_tz *tz, char out[64])
{
    int64_t secs = t->secs;
    bool utc = t->is_utc;
    if (!utc && tz && tz->known) {
        secs = an_tz_local_to_utc(tz, secs);
        utc = true;
    }
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 64, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u%s", y, m, d, (unsigned)(rem / 3600),
             (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), utc ? "Z" : "");
}

static int text_fact(an_facts *facts, const char *name, const an_setupdiag_text *t,
                     const char *source)
{
    return t->text ? an_facts_add_str_line(facts, name, t->text, source, t->line) : 0;
}

static int time_fact(an_facts *facts, const char *name, const an_setupdiag_time *t,
                     const char *source, const an_tz *tz)
{
    if (!t->known)
        return 0;
    char buf[64];
    format_time(t, tz, buf);
    return an_facts_add_str_line(facts, name, buf, source, t->line);
}

/* setupdiag.time: when SetupDiag ran if it says so, else when the upgrade it judged ended or
 * started; setupdiag.time_kind says which. */
static int conclusion_time(an_facts *facts, const an_setupdiag_result *r, const char *source,
                           const an_tz *tz)
{
    const an_setupdiag_time *t = NULL;
    const char *kind = NULL;
    if (r->run_time.known) {
        t = &r->run_time;
        kind = "run";
    } else if (r->upgrade_end.known) {
        t = &r->upgrade_end;
        kind = "upgrade_end";
    } else if (r->upgrade_start.known) {
        t = &r->upgrade_start;
        kind = "upgrade_start";
    }
    if (!t)
        return 0;
    int rc = time_fact(facts, "setupdiag.time", t, source, tz);
    return rc < 0 ? rc : an_facts_add_str_line(facts, "setupdiag.time_kind", kind, source, t->line);
}

int an_setupdiag_add_facts(const an_setupdiag_result *r, const char *source, const an_tz *tz,
                           an_facts *facts)
{
    char buf[16];
    int rc;
    if ((rc = an_facts_add_str_line(facts, "setupdiag.source", an_setupdiag_kind_name(r->kind),
                                    source, -1)) < 0 ||
        (rc = text_fact(facts, "setupdiag.version", &r->version, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.profile", &r->profile, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.profile_guid", &r->profile_guid, source)) < 0)
        return rc;
    if (r->result.known) {
        snprintf(buf, sizeof(buf), "0x%08" PRIX32, r->result.value);
        if ((rc = an_facts_add_str_line(facts, "setupdiag.result", buf, source, r->result.line)) <
            0)
            return rc;
    }
    if (r->extend_code.known) {
        snprintf(buf, sizeof(buf), "0x%" PRIX32, r->extend_code.value);
        if ((rc = an_facts_add_str_line(facts, "setupdiag.extend_code", buf, source,
                                        r->extend_code.line)) < 0)
            return rc;
    }
    if ((rc = text_fact(facts, "setupdiag.phase", &r->phase, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.operation", &r->operation, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.failure_details", &r->failure_details, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.log_error_line", &r->log_error_line, source)) < 0)
        return rc;
    for (size_t i = 0; i < r->n_failure_data; i++)
        if ((rc = text_fact(facts, "setupdiag.failure_data", &r->failure_data[i], source)) < 0)
            return rc;
    for (size_t i = 0; i < r->n_remediation; i++)
        if ((rc = text_fact(facts, "setupdiag.remediation", &r->remediation[i], source)) < 0)
            return rc;
    if (r->has_disk_space &&
        (rc = an_facts_add_num_line(facts, "setupdiag.disk_space_mb", (int64_t)r->disk_space_mb,
                                    source, r->disk_space_line)) < 0)
        return rc;
    if ((rc = text_fact(facts, "setupdiag.host_os_build", &r->host_os, source)) < 0 ||
        (rc = text_fact(facts, "setupdiag.target_os_build", &r->target_os, source)) < 0 ||
        (rc = conclusion_time(facts, r, source, tz)) < 0 ||
        (rc = time_fact(facts, "setupdiag.upgrade_start", &r->upgrade_start, source, tz)) < 0 ||
        (rc = time_fact(facts, "setupdiag.upgrade_end", &r->upgrade_end, source, tz)) < 0)
        return rc;
    return 0;
}
