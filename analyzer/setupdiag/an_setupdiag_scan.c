/* The statements SetupDiag writes in prose (FailureData, FailureDetails, the text report):
 * last phase and operation, "Error = 0xA-0xB", "DiskSpace = N", and its time formats. Every
 * scan works on (pointer, length) of untrusted text, never past it. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sd_parse_hex(const char *s, size_t n, uint32_t *ret, size_t *ret_used)
{
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    if (n - i < 3 || s[i] != '0' || (s[i + 1] != 'x' && s[i + 1] != 'X'))
        return false;
    i += 2;
    uint32_t v = 0;
    size_t digits = 0;
    while (i < n && hex_val(s[i]) >= 0) {
        if (++digits > 8)
            return false; /* not a 32-bit code */
        v = (v << 4) | (uint32_t)hex_val(s[i]);
        i++;
    }
    if (digits == 0)
        return false;
    *ret = v;
    *ret_used = i;
    return true;
}

/* Reads 1..max_digits decimal digits at s[*i]. */
static bool read_num(const char *s, size_t n, size_t *i, unsigned max_digits, unsigned *ret)
{
    unsigned v = 0, d = 0;
    while (*i < n && is_digit(s[*i]) && d < max_digits) {
        v = v * 10 + (unsigned)(s[*i] - '0');
        (*i)++;
        d++;
    }
    if (d == 0 || (*i < n && is_digit(s[*i])))
        return false;
    *ret = v;
    return true;
}

/* "H:MM[:SS][.fraction]" then optional " AM"/" PM". */
static bool read_clock(const char *s, size_t n, size_t *i, unsigned *h, unsigned *mi, unsigned *sec)
{
    *sec = 0;
    if (!read_num(s, n, i, 2, h) || *i >= n || s[*i] != ':')
        return false;
    (*i)++;
    if (!read_num(s, n, i, 2, mi))
        return false;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (!read_num(s, n, i, 2, sec))
            return false;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            while (*i < n && is_digit(s[*i]))
                (*i)++;
        }
    }
    size_t j = *i;
    while (j < n && is_blank(s[j]))
        j++;
    if (j + 2 <= n && (strncasecmp(s + j, "AM", 2) == 0 || strncasecmp(s + j, "PM", 2) == 0)) {
        bool pm = s[j] == 'P' || s[j] == 'p';
        if (*h < 1 || *h > 12)
            return false;
        *h = (*h % 12) + (pm ? 12 : 0);
        *i = j + 2;
    }
    return true;
}

/* "Z", "+HH:MM", "-HHMM" at s[*i]: offset of local from UTC in seconds. */
static bool read_offset(const char *s, size_t n, size_t *i, int64_t *ret)
{
    if (*i < n && (s[*i] == 'Z' || s[*i] == 'z')) {
        (*i)++;
        *ret = 0;
        return true;
    }
    if (*i >= n || (s[*i] != '+' && s[*i] != '-'))
        return false;
    int sign = s[*i] == '-' ? -1 : 1;
    size_t j = *i + 1;
    unsigned hh, mm = 0;
    if (j + 2 > n || !is_digit(s[j]) || !is_digit(s[j + 1]))
        return false;
    hh = (unsigned)((s[j] - '0') * 10 + (s[j + 1] - '0'));
    j += 2;
    if (j < n && s[j] == ':')
        j++;
    if (j + 2 <= n && is_digit(s[j]) && is_digit(s[j + 1])) {
        mm = (unsigned)((s[j] - '0') * 10 + (s[j + 1] - '0'));
        j += 2;
    }
    if (hh > 14 || mm > 59)
        return false;
    *i = j;
    *ret = sign * (int64_t)(hh * 3600 + mm * 60);
    return true;
}

bool sd_parse_time(const char *s, size_t n, an_setupdiag_time *ret)
{
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    unsigned a, b, c, y, mo, d, h = 0, mi = 0, sec = 0;
    if (!read_num(s, n, &i, 4, &a) || i >= n)
        return false;
    char sep = s[i];
    if (sep != '-' && sep != '/' && sep != '.')
        return false;
    i++;
    if (!read_num(s, n, &i, 2, &b) || i >= n || s[i] != sep)
        return false;
    i++;
    if (!read_num(s, n, &i, 4, &c))
        return false;
    if (sep == '-') {
        y = a, mo = b, d = c;
    } else if (sep == '/') {
        bool dmy = a > 12; /* en-US M/D/Y unless the first cannot be a month */
        y = c, mo = dmy ? b : a, d = dmy ? a : b;
    } else {
        y = c, mo = b, d = a;
    }
    bool has_off = false;
    int64_t off = 0;
    if (i < n && (s[i] == 'T' || s[i] == 't' || is_blank(s[i]))) {
        size_t j = i + 1;
        while (j < n && is_blank(s[j]))
            j++;
        if (j < n && is_digit(s[j])) {
            i = j;
            if (!read_clock(s, n, &i, &h, &mi, &sec))
                return false;
            has_off = read_offset(s, n, &i, &off);
        }
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    int64_t secs = an_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *ret = (an_setupdiag_time){.known = true, .is_utc = has_off, .secs = secs - off, .line = -1};
    return true;
}

void sd_time_set(an_setupdiag_time *t, const char *s, size_t n, int64_t line)
{
    an_setupdiag_time v;
    if (sd_parse_time(s, n, &v)) {
        v.line = line;
        *t = v;
    }
}

/* s starts (after blanks) with key, case-insensitively, then blanks and '=' or ':'; the value
 * (trimmed) is returned. */
static bool key_value(const char *s, size_t n, const char *key, const char **ret_v, size_t *ret_vn)
{
    size_t i = 0, k = strlen(key);
    while (i < n && is_blank(s[i]))
        i++;
    if (n - i < k || strncasecmp(s + i, key, k) != 0)
        return false;
    i += k;
    while (i < n && is_blank(s[i]))
        i++;
    if (i >= n || (s[i] != '=' && s[i] != ':'))
        return false;
    i++;
    while (i < n && is_blank(s[i]))
        i++;
    size_t e = n;
    while (e > i && (is_blank(s[e - 1]) || s[e - 1] == '\r'))
        e--;
    *ret_v = s + i;
    *ret_vn = e - i;
    return true;
}

static bool starts_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && strncasecmp(s, p, k) == 0;
}

/* The first "0xA - 0xB" (or "0xA-0xB") in s. */
static bool find_code_pair(const char *s, size_t n, uint32_t *a, uint32_t *b)
{
    for (size_t i = 0; i + 2 < n; i++) {
        size_t used;
        if (s[i] != '0' || (i > 0 && hex_val(s[i - 1]) >= 0) ||
            !sd_parse_hex(s + i, n - i, a, &used))
            continue;
        size_t j = i + used;
        while (j < n && is_blank(s[j]))
            j++;
        if (j < n && s[j] == '-') {
            size_t used2;
            if (sd_parse_hex(s + j + 1, n - j - 1, b, &used2))
                return true;
        }
        i += used - 1;
    }
    return false;
}

static bool find_code(const char *s, size_t n, uint32_t *a)
{
    for (size_t i = 0; i + 2 < n; i++) {
        size_t used;
        if (s[i] == '0' && (i == 0 || hex_val(s[i - 1]) < 0) &&
            sd_parse_hex(s + i, n - i, a, &used))
            return true;
    }
    return false;
}

/* "DiskSpace = N" anywhere in s. */
static bool find_disk_space(const char *s, size_t n, uint64_t *ret)
{
    static const char key[] = "DiskSpace";
    for (size_t i = 0; i + sizeof(key) - 1 <= n; i++) {
        if ((s[i] != 'D' && s[i] != 'd') || strncasecmp(s + i, key, sizeof(key) - 1) != 0)
            continue;
        size_t j = i + sizeof(key) - 1;
        while (j < n && is_blank(s[j]))
            j++;
        if (j >= n || (s[j] != '=' && s[j] != ':'))
            continue;
        j++;
        while (j < n && is_blank(s[j]))
            j++;
        uint64_t v = 0;
        size_t d = 0;
        while (j < n && is_digit(s[j]) && d < 12) { /* 12 digits of MB: beyond any disk */
            v = v * 10 + (uint64_t)(s[j] - '0');
            j++;
            d++;
        }
        if (d > 0) {
            *ret = v;
            return true;
        }
    }
    return false;
}

int sd_scan_line(an_setupdiag_result *r, const char *s, size_t n, int64_t line, int prio)
{
    while (n > 0 && is_blank(*s))
        s++, n--;
    const char *v;
    size_t vn;
    if (key_value(s, n, "Last Phase", &v, &vn) || key_value(s, n, "Last Setup Phase", &v, &vn))
        return sd_text_set(&r->phase, v, vn, line, prio);
    if (key_value(s, n, "Last Operation", &v, &vn) ||
        key_value(s, n, "Last Setup Operation", &v, &vn))
        return sd_text_set(&r->operation, v, vn, line, prio);
    if (key_value(s, n, "Phase Name", &v, &vn))
        return sd_text_set(&r->phase, v, vn, line, SD_PRIO_HEADING);
    if (key_value(s, n, "Operation Name", &v, &vn))
        return sd_text_set(&r->operation, v, vn, line, SD_PRIO_HEADING);
    uint64_t mb;
    if (find_disk_space(s, n, &mb)) {
        r->has_disk_space = true;
        r->disk_space_mb = mb;
        r->disk_space_line = line;
    }
    bool error_line = starts_ci(s, n, "Error");
    uint32_t a, b;
    if ((error_line || starts_ci(s, n, "0x")) && find_code_pair(s, n, &a, &b)) {
        sd_code_set(&r->result, a, line, prio);
        sd_code_set(&r->extend_code, b, line, prio);
    } else if (error_line && find_code(s, n, &a)) {
        sd_code_set(&r->result, a, line, prio - 1);
    }
    return 0;
}

int sd_scan_text(an_setupdiag_result *r, const char *s, size_t n, int64_t first_line, int prio)
{
    int64_t ln = first_line;
    for (size_t i = 0; i <= n;) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        int rc = sd_scan_line(r, s + i, e - i, ln, prio);
        if (rc < 0)
            return rc;
        if (ln >= 0)
            ln++;
        i = e + 1;
    }
    return 0;
}

enum { K_RESULT, K_EXTEND, K_OPERATION, K_PHASE, K_DISK };

int sd_scan_details(an_setupdiag_result *r, const char *s, size_t n, int64_t line)
{
    static const struct {
        const char *key;
        int kind;
    } keys[] = {
        {"RollbackErrorCode", K_RESULT},
        {"ErrorCode", K_RESULT},
        {"Error", K_RESULT},
        {"Err", K_RESULT},
        {"ExtendedErrorCode", K_EXTEND},
        {"ExtendedCode", K_EXTEND},
        {"ExtendCode", K_EXTEND},
        {"LastOperation", K_OPERATION},
        {"LastPhase", K_PHASE},
        {"DiskSpace", K_DISK},
    };
    /* Find every "Key =" at the start or after a comma; a value runs to the next one, so an
     * operation name with commas in it ("Gather data, scope: EVERYTHING") stays whole. */
    enum { MAX_FIELDS = 16 };
    size_t at[MAX_FIELDS], comma[MAX_FIELDS], vstart[MAX_FIELDS];
    int kind[MAX_FIELDS];
    size_t nf = 0;
    for (size_t i = 0; i < n && nf < MAX_FIELDS; i++) {
        if (i > 0 && s[i - 1] != ',')
            continue;
        size_t j = i;
        while (j < n && is_blank(s[j]))
            j++;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            size_t kl = strlen(keys[k].key);
            if (n - j < kl || strncasecmp(s + j, keys[k].key, kl) != 0)
                continue;
            size_t e = j + kl;
            while (e < n && is_blank(s[e]))
                e++;
            if (e >= n || s[e] != '=')
                continue;
            e++;
            while (e < n && is_blank(s[e]))
                e++;
            at[nf] = j;
            comma[nf] = i > 0 ? i - 1 : 0;
            vstart[nf] = e;
            kind[nf] = keys[k].kind;
            nf++;
            break;
        }
    }
    for (size_t f = 0; f < nf; f++) {
        size_t end = f + 1 < nf ? comma[f + 1] : n;
        if (end < vstart[f])
            end = vstart[f];
        const char *v = s + vstart[f];
        size_t vn = end - vstart[f];
        uint32_t code;
        size_t used;
        int rc = 0;
        switch (kind[f]) {
        case K_RESULT:
            if (sd_parse_hex(v, vn, &code, &used))
                sd_code_set(&r->result, code, line, SD_PRIO_DETAILS);
            break;
        case K_EXTEND:
            if (sd_parse_hex(v, vn, &code, &used))
                sd_code_set(&r->extend_code, code, line, SD_PRIO_DETAILS);
            break;
        case K_OPERATION:
            rc = sd_text_set(&r->operation, v, vn, line, SD_PRIO_DETAILS);
            break;
        case K_PHASE:
            rc = sd_text_set(&r->phase, v, vn, line, SD_PRIO_DETAILS);
            break;
        case K_DISK: {
            uint64_t mb;
            if (find_disk_space(s + at[f], end - at[f], &mb)) {
                r->has_disk_space = true;
                r->disk_space_mb = mb;
                r->disk_space_line = line;
            }
            break;
        }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}
