/* rules/: allow-lists of placeholder kinds for plan commands, and the quoting of values shown
 * as data. The allow-lists are the whole defence: a value that passes holds no character that
 * cmd.exe (& | < > ^ % ! ( ) " newline) or PowerShell ($ ` ; " ' and the Unicode quotes)
 * treats specially where the value sits, so it is substituted unchanged and needs no escaping.
 * Non-ASCII is refused everywhere: cmd's and the C runtime's best-fit conversion turn some
 * Unicode characters (U+FF02, U+201D, ...) into '"' and '\'. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules/rule_quote.h"

/* Longest path put into a command: MAX_PATH, which cmd's built-ins (dir, mkdir, rmdir, ren)
 * handle without the \\?\ prefix. It is below RULE_MAX_CAPTURE_LEN (512), so a capture cut at
 * that length is refused rather than shortened into another path. */
#define RULE_QUOTE_MAX_PATH 260
/* Longest single name (file, folder, INF, package, service): the NTFS name limit. */
#define RULE_QUOTE_MAX_NAME 255

const char *rule_kind_name(rule_kind kind)
{
    static const char *const names[] = {
        [RULE_KIND_TEXT] = "free text",
        [RULE_KIND_DRIVE] = "drive letter",
        [RULE_KIND_WINDOWS_DIR] = "Windows directory",
        [RULE_KIND_INF] = "INF name",
        [RULE_KIND_FOLDER] = "folder name",
        [RULE_KIND_FILE] = "file name",
        [RULE_KIND_VERSION] = "version",
        [RULE_KIND_KB] = "KB number",
        [RULE_KIND_PACKAGE] = "package identity",
        [RULE_KIND_SERVICE] = "service name",
        [RULE_KIND_CONTROL_SET] = "control set name",
        [RULE_KIND_PATH] = "Windows path",
        [RULE_KIND_CODE] = "error code",
        [RULE_KIND_NUMBER] = "number",
        [RULE_KIND_GUID] = "GUID",
    };
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "?";
}

typedef struct {
    const char *why;
    size_t pos;
} verdict;

static int fail(verdict *v, const char *why, size_t pos)
{
    v->why = why;
    v->pos = pos;
    return -EINVAL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Characters of a file, folder or INF name: no separator, no shell metacharacter. */
static bool is_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

/* The first byte of s[0..len) that is not a name character, or len. */
static size_t bad_name_char(const char *s, size_t len, const char *extra)
{
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(s[i]) && !(extra && s[i] && strchr(extra, s[i])))
            return i;
    return len;
}

static int check_name(const char *s, size_t len, size_t max, const char *extra, verdict *v)
{
    if (len > max)
        return fail(v, "too long", max);
    size_t bad = bad_name_char(s, len, extra);
    if (bad < len)
        return fail(v, "character not allowed", bad);
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return fail(v, "'.' and '..' name no folder of their own", 0);
    return 0;
}

static int check_inf(const char *s, size_t len, verdict *v)
{
    int r = check_name(s, len, RULE_QUOTE_MAX_NAME, NULL, v);
    if (r < 0)
        return r;
    if (len < 5 || strncasecmp(s + len - 4, ".inf", 4) != 0)
        return fail(v, "does not end in .inf", len);
    return 0;
}

/* n digits at s[*i], at least min and at most max; advances *i. */
static bool digits(const char *s, size_t len, size_t *i, size_t min, size_t max)
{
    size_t n = 0;
    while (*i < len && is_digit(s[*i]) && n < max) {
        (*i)++;
        n++;
    }
    return n >= min && !(*i < len && is_digit(s[*i]));
}

static int check_version(const char *s, size_t len, verdict *v)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (!digits(s, len, &i, 1, 10))
            return fail(v, "not dotted digits (1 to 4 numbers of up to 10 digits)", i);
        if (i == len)
            return 0;
        if (s[i] != '.' || part == 3)
            return fail(v, "not dotted digits (1 to 4 numbers of up to 10 digits)", i);
        i++;
    }
    return fail(v, "not dotted digits", i);
}

static int check_kb(const char *s, size_t len, verdict *v)
{
    size_t i = 2;
    if (len < 2 || strncasecmp(s, "KB", 2) != 0)
        return fail(v, "does not start with KB", 0);
    if (!digits(s, len, &i, 4, 8) || i != len)
        return fail(v, "KB not followed by 4 to 8 digits only", i);
    return 0;
}

static int check_control_set(const char *s, size_t len, verdict *v)
{
    size_t i = 10;
    if (len < 10 || strncasecmp(s, "ControlSet", 10) != 0)
        return fail(v, "does not start with ControlSet", 0);
    if (!digits(s, len, &i, 3, 3) || i != len)
        return fail(v, "ControlSet not followed by 3 digits only", i);
    return 0;
}

static int check_code(const char *s, size_t len, verdict *v)
{
    size_t i = 0;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < len && i < 18 && is_hex(s[i]); i++)
            ;
        return i == len ? 0 : fail(v, "not 0x and up to 16 hex digits", i);
    }
    if (len > 0 && s[0] == '-')
        i = 1;
    if (!digits(s, len, &i, 1, 20) || i != len)
        return fail(v, "not a hex (0x...) or decimal code", i);
    return 0;
}

static int check_guid(const char *s, size_t len, verdict *v)
{
    static const size_t groups[] = {8, 4, 4, 4, 12};
    size_t i = 0;
    bool braces = len > 0 && s[0] == '{';
    if (braces)
        i = 1;
    for (size_t g = 0; g < 5; g++) {
        for (size_t k = 0; k < groups[g]; k++, i++)
            if (i >= len || !is_hex(s[i]))
                return fail(v, "not a GUID (8-4-4-4-12 hex digits)", i);
        if (g < 4) {
            if (i >= len || s[i] != '-')
                return fail(v, "not a GUID (8-4-4-4-12 hex digits)", i);
            i++;
        }
    }
    if (braces && (i >= len || s[i++] != '}'))
        return fail(v, "GUID brace not closed", i);
    return i == len ? 0 : fail(v, "text after the GUID", i);
}

/* One component of a path: name characters, plus inside double quotes the punctuation real
 * folder names use ("Program Files (x86)", "Tom, Dick + Harry's [old]"), none of which either
 * shell treats specially between double quotes. */
static int check_component(const char *s, size_t len, size_t base, bool quoted, verdict *v)
{
    if (len == 0)
        return fail(v, "empty path component (leading, doubled or trailing '\\')", base);
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return fail(v, "'.' or '..' component", base);
    size_t bad = bad_name_char(s, len, quoted ? " ()+,~#='[]{}@" : "~");
    if (bad < len)
        return fail(v, quoted ? "character not allowed" : "character not allowed outside quotes",
                    base + bad);
    if (s[len - 1] == ' ' || s[len - 1] == '.')
        return fail(v, "component ends in a space or dot (Windows would strip it)", base + len - 1);
    return 0;
}

/* "X:\a\b" or volume-relative "a\b" (drive_ok false: only the relative form). Never a UNC or
 * device path (\\server, \\?\, \??\): a command must not reach out to another machine. */
static int check_path(const char *s, size_t len, bool quoted, bool drive_ok, verdict *v)
{
    if (len > RULE_QUOTE_MAX_PATH)
        return fail(v, "too long", RULE_QUOTE_MAX_PATH);
    size_t i = 0;
    if (len >= 2 && is_alpha(s[0]) && s[1] == ':') {
        if (!drive_ok)
            return fail(v, "not volume-relative", 1);
        if (len == 2 || s[2] != '\\')
            return fail(v, "drive not followed by '\\'", 2);
        i = 3;
    }
    if (i < len && s[i] == '\\')
        return fail(v, "UNC, device or rooted path", i);
    for (;;) {
        size_t j = i;
        while (j < len && s[j] != '\\')
            j++;
        int r = check_component(s + i, j - i, i, quoted, v);
        if (r < 0)
            return r;
        if (j == len)
            return 0;
        i = j + 1;
    }
}

int rule_quote_check(rule_kind kind, const char *value, size_t len, bool quoted,
                     const char **ret_why, size_t *ret_pos)
{
    verdict v = {NULL, 0};
    int r;
    if (!value || len == 0)
        r = fail(&v, "empty", 0);
    else if (memchr(value, '\0', len))
        r = fail(&v, "NUL byte", (size_t)((const char *)memchr(value, '\0', len) - value));
    else
        switch (kind) {
        case RULE_KIND_DRIVE:
            r = len == 2 && is_alpha(value[0]) && value[1] == ':'
                    ? 0
                    : fail(&v, "not a drive letter and colon", 0);
            break;
        case RULE_KIND_WINDOWS_DIR:
            r = check_path(value, len, false, false, &v);
            break;
        case RULE_KIND_INF:
            r = check_inf(value, len, &v);
            break;
        case RULE_KIND_FOLDER:
        case RULE_KIND_FILE:
        case RULE_KIND_SERVICE:
            r = check_name(value, len, RULE_QUOTE_MAX_NAME, NULL, &v);
            break;
        case RULE_KIND_PACKAGE:
            r = check_name(value, len, RULE_QUOTE_MAX_NAME, "~", &v);
            break;
        case RULE_KIND_VERSION:
            r = check_version(value, len, &v);
            break;
        case RULE_KIND_KB:
            r = check_kb(value, len, &v);
            break;
        case RULE_KIND_CONTROL_SET:
            r = check_control_set(value, len, &v);
            break;
        case RULE_KIND_PATH:
            r = check_path(value, len, quoted, true, &v);
            break;
        case RULE_KIND_CODE:
            r = check_code(value, len, &v);
            break;
        case RULE_KIND_NUMBER: {
            size_t i = 0;
            r = digits(value, len, &i, 1, 10) && i == len
                    ? 0
                    : fail(&v, "not a decimal number of up to 10 digits", i);
            break;
        }
        case RULE_KIND_GUID:
            r = check_guid(value, len, &v);
            break;
        case RULE_KIND_TEXT:
        default:
            r = fail(&v, "free text is never put into a command", 0);
            break;
        }
    if (r < 0) {
        if (ret_why)
            *ret_why = v.why;
        if (ret_pos)
            *ret_pos = v.pos;
    }
    return r;
}

static int append_hex(sxs_buf *out, unsigned char c)
{
    char h[5];
    snprintf(h, sizeof(h), "\\x%02X", c);
    return sxs_buf_append(out, h, 4);
}

int rule_quote_data(const char *value, size_t len, sxs_buf *out)
{
    size_t show = len > RULE_QUOTE_SHOW ? RULE_QUOTE_SHOW : len;
    int r = sxs_buf_append(out, "\"", 1);
    for (size_t i = 0; r == 0 && i < show; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '\\' || c == '"')
            r = sxs_buf_append(out, "\\", 1) < 0 ? -ENOMEM : sxs_buf_append(out, &value[i], 1);
        else if (c < 0x20 || c >= 0x7f || strchr("&|<>^%!$`", c))
            r = append_hex(out, c);
        else
            r = sxs_buf_append(out, &value[i], 1);
    }
    if (r == 0)
        r = sxs_buf_append(out, "\"", 1);
    if (r == 0 && show < len)
        r = sxs_buf_printf(out, "...(%zu bytes)", len);
    return r < 0 ? r : 0;
}

int rule_quote_text(const char *value, size_t len, sxs_buf *out)
{
    int r = 0;
    size_t i = 0;
    while (r == 0 && i < len) {
        size_t j = i;
        while (j < len && (unsigned char)value[j] >= 0x20 && value[j] != 0x7f)
            j++;
        if (j > i)
            r = sxs_buf_append(out, value + i, j - i);
        if (r == 0 && j < len)
            r = append_hex(out, (unsigned char)value[j++]);
        i = j;
    }
    return r < 0 ? r : 0;
}
