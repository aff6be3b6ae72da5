/* Escaping of evidence text for terminals (see cli_escape.h). */
#include "cli/cli_escape.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Writes byte c escaped when it is a control character (C0, DEL); keep_layout lets the
 * writers' '\n' and '\t' through. 0 or EOF. */
static int put_byte(FILE *out, unsigned char c, bool keep_layout)
{
    if (keep_layout && (c == '\n' || c == '\t'))
        return putc(c, out) == EOF ? EOF : 0;
    switch (c) {
    case '\n':
        return fputs("\\n", out) < 0 ? EOF : 0;
    case '\t':
        return fputs("\\t", out) < 0 ? EOF : 0;
    case '\r':
        return fputs("\\r", out) < 0 ? EOF : 0;
    default:
        if (c < 0x20 || c == 0x7f)
            return fprintf(out, "\\%03o", c) < 0 ? EOF : 0;
    }
    return putc(c, out) == EOF ? EOF : 0;
}

/* Writes n bytes of s; a UTF-8 C1 control (U+0080..U+009F, bytes C2 80..C2 9F: CSI is
 * C2 9B) is escaped as its two bytes. Returns 0 or EOF. */
static int put_bytes(FILE *out, const unsigned char *s, size_t n, bool keep_layout)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
            if (fprintf(out, "\\302\\%03o", s[i + 1]) < 0)
                return EOF;
            i++;
            continue;
        }
        if (put_byte(out, s[i], keep_layout) == EOF)
            return EOF;
    }
    return 0;
}

void cli_put_value(FILE *out, const char *s)
{
    if (s) {
        size_t n = 0;
        while (s[n])
            n++;
        put_bytes(out, (const unsigned char *)s, n, false);
    }
}

/* The stream: holds back a trailing C2 byte so that a C1 control split across two writes is
 * still seen whole. */
typedef struct {
    FILE *out;
    bool pending_c2;
} esc_cookie;

static ssize_t esc_write(void *cookie, const char *buf, size_t size)
{
    esc_cookie *c = cookie;
    const unsigned char *b = (const unsigned char *)buf;
    size_t i = 0;
    if (c->pending_c2 && size > 0) {
        c->pending_c2 = false;
        if (b[0] >= 0x80 && b[0] <= 0x9F) {
            if (fprintf(c->out, "\\302\\%03o", b[0]) < 0)
                return -1;
            i = 1;
        } else if (putc(0xC2, c->out) == EOF) {
            return -1;
        }
    }
    size_t end = size;
    if (end > i && b[end - 1] == 0xC2) {
        c->pending_c2 = true;
        end--;
    }
    if (put_bytes(c->out, b + i, end - i, true) == EOF)
        return -1;
    return (ssize_t)size;
}

static int esc_close(void *cookie)
{
    esc_cookie *c = cookie;
    int r = 0;
    if (c->pending_c2 && putc(0xC2, c->out) == EOF)
        r = EOF;
    if (fflush(c->out) != 0 || ferror(c->out))
        r = EOF;
    free(c);
    return r;
}

FILE *cli_escaping_stream(FILE *out)
{
    esc_cookie *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->out = out;
    cookie_io_functions_t io = {.write = esc_write, .close = esc_close};
    FILE *f = fopencookie(c, "w", io);
    if (!f)
        free(c);
    return f;
}
