/* Streaming JSON writer. */
#include "cli/cli_json.h"

#include <inttypes.h>
#include <string.h>

void cli_json_init(cli_json *j, FILE *out, int indent)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->indent = indent;
}

static void newline(cli_json *j)
{
    if (!j->indent)
        return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth * j->indent; i++)
        fputc(' ', j->out);
}

/* Emits the separator before a value (or key) at the current level. */
static void before_value(cli_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth])
            fputc(',', j->out);
        newline(j);
        j->need_comma[j->depth] = true;
    }
}

static void open_level(cli_json *j, char c)
{
    before_value(j);
    fputc(c, j->out);
    if (j->depth + 1 < CLI_JSON_MAX_DEPTH)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_level(cli_json *j, char c)
{
    bool had = j->need_comma[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        newline(j);
    fputc(c, j->out);
}

void cli_json_begin_object(cli_json *j)
{
    open_level(j, '{');
}

void cli_json_end_object(cli_json *j)
{
    close_level(j, '}');
    if (j->depth == 0 && j->indent)
        fputc('\n', j->out);
}

void cli_json_begin_array(cli_json *j)
{
    open_level(j, '[');
}

void cli_json_end_array(cli_json *j)
{
    close_level(j, ']');
}

/* Length of a valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

void cli_json_write_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            s++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n':
                fputs("\\n", out);
                break;
            case '\r':
                fputs("\\r", out);
                break;
            case '\t':
                fputs("\\t", out);
                break;
            default:
                fprintf(out, "\\u%04x", c);
            }
            s++;
        } else {
            size_t n = utf8_seq_len(s);
            if (n == 0) {
                fputs("\xEF\xBF\xBD", out);
                s++;
            } else {
                fwrite(s, 1, n, out);
                s += n;
            }
        }
    }
    fputc('"', out);
}

void cli_json_key(cli_json *j, const char *key)
{
    before_value(j);
    cli_json_write_string(j->out, key);
    fputs(j->indent ? ": " : ":", j->out);
    j->after_key = true;
}

void cli_json_string(cli_json *j, const char *s)
{
    before_value(j);
    if (s)
        cli_json_write_string(j->out, s);
    else
        fputs("null", j->out);
}

void cli_json_int(cli_json *j, int64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRId64, v);
}

void cli_json_uint(cli_json *j, uint64_t v)
{
    before_value(j);
    fprintf(j->out, "%" PRIu64, v);
}

void cli_json_bool(cli_json *j, bool v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->out);
}

void cli_json_null(cli_json *j)
{
    before_value(j);
    fputs("null", j->out);
}

void cli_json_kv_str(cli_json *j, const char *key, const char *s)
{
    cli_json_key(j, key);
    cli_json_string(j, s);
}

void cli_json_kv_int(cli_json *j, const char *key, int64_t v)
{
    cli_json_key(j, key);
    cli_json_int(j, v);
}

void cli_json_kv_uint(cli_json *j, const char *key, uint64_t v)
{
    cli_json_key(j, key);
    cli_json_uint(j, v);
}

void cli_json_kv_bool(cli_json *j, const char *key, bool v)
{
    cli_json_key(j, key);
    cli_json_bool(j, v);
}
