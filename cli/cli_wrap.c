/* Wrapping of long text-report lines on a terminal (see cli_wrap.h). */
#include "cli/cli_wrap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/sxs_buf.h"

/* A line longer than this (a report line never is) is passed through unwrapped. */
#define WRAP_LINE_MAX (64 * 1024)
#define WRAP_TAB 8

int cli_wrap_width(int fd)
{
    if (!isatty(fd))
        return 0;
    int w = 0;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    const char *env = getenv("COLUMNS");
    if (w == 0 && env && *env) {
        char *end = NULL;
        long n = strtol(env, &end, 10);
        if (!*end && n > 0 && n < 10000)
            w = (int)n;
    }
    if (w == 0)
        w = 80;
    return w < CLI_WRAP_MIN ? CLI_WRAP_MIN : w;
}

/* Read once, before main() and so before any worker redirects its stdout. */
static int stdout_width = -1;

__attribute__((constructor)) static void record_stdout_width(void)
{
    stdout_width = cli_wrap_width(STDOUT_FILENO);
}

int cli_wrap_stdout_width(void)
{
    return stdout_width >= 0 ? stdout_width : cli_wrap_width(STDOUT_FILENO);
}

/* Columns taken by the character starting at s[i] (n bytes in all) at column col, as the
 * escaping stream prints it; *len receives its length in bytes. */
static int char_width(const unsigned char *s, size_t n, size_t i, int col, size_t *len)
{
    unsigned char c = s[i];
    *len = 1;
    if (c == '\t')
        return WRAP_TAB - col % WRAP_TAB;
    if (c == '\r')
        return 2; /* "\r" */
    if (c < 0x20 || c == 0x7f)
        return 4; /* "\033" */
    if (c == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
        *len = 2;
        return 8; /* "\302\233" */
    }
    if (c >= 0xC0) { /* a UTF-8 lead byte: the whole sequence is one column */
        while (i + *len < n && (s[i + *len] & 0xC0) == 0x80)
            (*len)++;
    }
    return 1;
}

static bool is_separator(unsigned char c)
{
    return c == '\\' || c == '/' || c == '_';
}

/* Bytes of the word after the blanks at s[i]: up to the next blank or the end. */
static size_t word_len(const unsigned char *s, size_t n, size_t i)
{
    while (i < n && s[i] == ' ')
        i++;
    size_t k = i;
    while (k < n && s[k] != ' ')
        k++;
    return k - i;
}

typedef struct {
    FILE *out;
    int width;
    sxs_buf line;
    bool passthrough; /* the current line outgrew WRAP_LINE_MAX: written as it comes */
} wrap_cookie;

/* Writes s[0..n) (one line, no '\n') wrapped at c->width. 0 or EOF. */
static int put_wrapped(wrap_cookie *c, const unsigned char *s, size_t n)
{
    size_t indent = 0;
    while (indent < n && s[indent] == ' ')
        indent++;
    size_t cont = indent + 2;
    if (cont > (size_t)c->width / 2)
        cont = (size_t)c->width / 2;
    size_t i = 0;
    int lead = 0; /* columns already on this output line (the continuation indent) */
    for (bool first = true;; first = false) {
        /* the longest prefix of s[i..) that fits, and the best break in it */
        int col = lead;
        size_t j = i, blank = 0, sep = 0;
        while (j < n) {
            size_t len;
            int w = char_width(s, n, j, col, &len);
            if (col + w > c->width && j > i)
                break;
            if (s[j] == ' ' && (!first || j > indent))
                blank = j;
            if (is_separator(s[j]) && col + w > lead + (c->width - lead) / 2)
                sep = j + 1;
            col += w;
            j += len;
        }
        if (j >= n) {
            if (fwrite(s + i, 1, n - i, c->out) != n - i)
                return EOF;
            return 0;
        }
        /* a word too long for a line of its own (a WinSxS folder name) starts here rather
         * than leaving this line half empty: then the break goes inside it */
        if (blank > i && sep > blank && word_len(s, n, blank) > (size_t)c->width - cont)
            blank = 0;
        size_t end = blank > i ? blank : sep > i ? sep : j;
        size_t keep = end;
        while (keep > i && s[keep - 1] == ' ')
            keep--; /* no trailing blanks */
        if (fwrite(s + i, 1, keep - i, c->out) != keep - i || putc('\n', c->out) == EOF)
            return EOF;
        i = end;
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            return 0;
        if (fprintf(c->out, "%*s", (int)cont, "") < 0)
            return EOF;
        lead = (int)cont;
    }
}

static int flush_line(wrap_cookie *c)
{
    int rc = put_wrapped(c, (const unsigned char *)c->line.data, c->line.len);
    sxs_buf_reset(&c->line);
    return rc;
}

static ssize_t wrap_write(void *cookie, const char *buf, size_t size)
{
    wrap_cookie *c = cookie;
    size_t i = 0;
    while (i < size) {
        const char *nl = memchr(buf + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : size - i;
        if (!c->passthrough && sxs_buf_append(&c->line, buf + i, n) < 0) {
            /* far longer than any report line: give up wrapping it, lose nothing */
            if (fwrite(c->line.data, 1, c->line.len, c->out) != c->line.len)
                return -1;
            sxs_buf_reset(&c->line);
            c->passthrough = true;
        }
        if (c->passthrough && fwrite(buf + i, 1, n, c->out) != n)
            return -1;
        i += n;
        if (!nl)
            break;
        if (!c->passthrough && flush_line(c) == EOF)
            return -1;
        if (putc('\n', c->out) == EOF)
            return -1;
        c->passthrough = false;
        i++;
    }
    return (ssize_t)size;
}

static int wrap_close(void *cookie)
{
    wrap_cookie *c = cookie;
    int r = 0;
    if (c->line.len && flush_line(c) == EOF)
        r = EOF;
    if (fflush(c->out) != 0 || ferror(c->out))
        r = EOF;
    sxs_buf_free(&c->line);
    free(c);
    return r;
}

FILE *cli_wrapping_stream(FILE *out, int width)
{
    if (width < CLI_WRAP_MIN)
        return NULL;
    wrap_cookie *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->out = out;
    c->width = width;
    sxs_buf_init(&c->line, WRAP_LINE_MAX);
    cookie_io_functions_t io = {.write = wrap_write, .close = wrap_close};
    FILE *f = fopencookie(c, "w", io);
    if (!f) {
        sxs_buf_free(&c->line);
        free(c);
    }
    return f;
}
