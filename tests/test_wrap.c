/* cli_wrap: long text-report lines wrap at the width under their indent; nothing is cut. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_wrap.h"

/* Writes in through a wrapping stream of width w, in chunks of step bytes; returns what came
 * out (caller frees). */
static char *wrap(const char *in, int w, size_t step)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    cr_assert_not_null(mem);
    FILE *f = cli_wrapping_stream(mem, w);
    cr_assert_not_null(f);
    for (size_t i = 0, n = strlen(in); i < n; i += step)
        fwrite(in + i, 1, n - i < step ? n - i : step, f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(fclose(mem), 0);
    return buf;
}

/* Columns of each line are <= w; every continuation line starts with exactly cont blanks. */
static void expect_lines(const char *out, int w, int cont)
{
    int lineno = 0;
    for (const char *p = out; *p; lineno++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        cr_expect_leq(n, (size_t)w, "line %d has %zu columns: %.*s", lineno, n, (int)n, p);
        if (lineno > 0) {
            size_t b = strspn(p, " ");
            cr_expect_eq(b, (size_t)cont, "line %d indented %zu, not %d", lineno, b, cont);
        }
        p += n + (nl ? 1 : 0);
    }
}

/* out with the line breaks and the continuation indents taken out (and the blank they
 * replaced put back where the break was a blank). */
static char *unwrap(const char *out, int cont)
{
    char *r = calloc(strlen(out) + 1, 1);
    size_t k = 0;
    for (const char *p = out; *p; p++) {
        if (*p == '\n' && p[1] == ' ') {
            p += cont;
            continue;
        }
        r[k++] = *p;
    }
    return r;
}

static const char folder[] = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_"
                             "10.0.19041.4163_none_7c6e0e33d7a5bbf0";

Test(wrap, long_folder_name_wraps_under_its_indent_and_is_not_cut)
{
    char in[512];
    snprintf(in, sizeof(in), "      C:\\Windows\\WinSxS\\%s\\\n", folder);
    char *out = wrap(in, 80, 7);
    expect_lines(out, 80, 8);
    cr_expect(strchr(out, '\n') < out + strlen(out) - 1, "not wrapped: %s", out);
    char *back = unwrap(out, 8);
    cr_expect_str_eq(back, in);
    /* it broke after a separator, not inside a word */
    const char *nl = strchr(out, '\n');
    cr_expect(nl[-1] == '_' || nl[-1] == '\\', "broke at '%c': %s", nl[-1], out);
    free(back);
    free(out);
}

Test(wrap, prose_breaks_at_blanks)
{
    const char *in = "    Why: the servicing stack folder the CBS Version key names is missing "
                     "or empty, so every in-place upgrade stops in Process Drivers.\n";
    char *out = wrap(in, 80, 1000);
    expect_lines(out, 80, 6);
    const char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    cr_expect_neq(nl[-1], ' ');
    cr_expect_str_eq(out,
                     "    Why: the servicing stack folder the CBS Version key names is missing or\n"
                     "      empty, so every in-place upgrade stops in Process Drivers.\n");
    free(out);
}

Test(wrap, a_word_longer_than_the_width_is_split_at_the_width)
{
    char in[300];
    memset(in, 'x', 200);
    strcpy(in + 200, "\n");
    char *out = wrap(in, 40, 13);
    expect_lines(out, 40, 2);
    char *back = unwrap(out, 2);
    cr_expect_str_eq(back, in);
    free(back);
    free(out);
}

Test(wrap, short_lines_and_the_last_unterminated_line_pass_unchanged)
{
    const char *in = "Verdict: FINDINGS - 1 finding\n\n  [1] SSU-EMPTY\nno newline at the end";
    char *out = wrap(in, 80, 3);
    cr_expect_str_eq(out, in);
    free(out);
}

Test(wrap, control_bytes_count_as_their_escapes_and_utf8_as_one_column)
{
    /* 30 ESC bytes print as 30 x "\033" = 120 columns: wrapped although 30 bytes long */
    char in[64];
    memset(in, 0x1b, 30);
    strcpy(in + 30, "\n");
    char *out = wrap(in, 40, 64);
    cr_expect_neq(strchr(out, '\n'), out + strlen(out) - 1, "30 ESC bytes were not wrapped");
    free(out);
    /* 70 two-byte characters: 70 columns, fits in 80 */
    char u[200] = "";
    for (int i = 0; i < 70; i++)
        strcat(u, "\xc3\xa9");
    strcat(u, "\n");
    out = wrap(u, 80, 5);
    cr_expect_str_eq(out, u);
    free(out);
}

Test(wrap, width_below_the_minimum_is_refused)
{
    cr_expect_null(cli_wrapping_stream(stdout, CLI_WRAP_MIN - 1));
    cr_expect_eq(cli_wrap_width(-1), 0);
}
