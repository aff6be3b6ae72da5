/* rules/: text helpers of the rule language: placeholder syntax in titles, descriptions and
 * plan steps ("{inf}", "{folder|the servicing-stack folder}", "{{" for a literal brace), and
 * the required-literal extraction that lets the engine skip PCRE2 for most lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_int.h"

static bool name_char(char c, bool first)
{
    if (c == '_' || (c >= 'a' && c <= 'z'))
        return true;
    return !first && c >= '0' && c <= '9';
}

/* Parses "{name}" or "{name|default}" at text[i] == '{'. Sets name span, default span and the
 * index after '}'. false when malformed. */
static bool parse_placeholder(const char *text, size_t i, size_t *name_len, const char **def,
                              size_t *def_len, size_t *next)
{
    size_t j = i + 1;
    while (text[j] && name_char(text[j], j == i + 1))
        j++;
    *name_len = j - i - 1;
    if (*name_len == 0)
        return false;
    *def = NULL;
    *def_len = 0;
    if (text[j] == '|') {
        size_t k = j + 1;
        while (text[k] && text[k] != '}' && text[k] != '{')
            k++;
        if (text[k] != '}')
            return false;
        *def = text + j + 1;
        *def_len = k - j - 1;
        j = k;
    }
    if (text[j] != '}')
        return false;
    *next = j + 1;
    return true;
}

int rule_text_placeholders(const char *text, rule_placeholder_cb cb, void *ctx, size_t *ret_bad_pos)
{
    size_t i = 0;
    while (text[i]) {
        if ((text[i] == '{' && text[i + 1] == '{') || (text[i] == '}' && text[i + 1] == '}')) {
            i += 2;
            continue;
        }
        if (text[i] == '}') {
            if (ret_bad_pos)
                *ret_bad_pos = i;
            return -EINVAL;
        }
        if (text[i] != '{') {
            i++;
            continue;
        }
        size_t nl, dl, next;
        const char *def;
        if (!parse_placeholder(text, i, &nl, &def, &dl, &next)) {
            if (ret_bad_pos)
                *ret_bad_pos = i;
            return -EINVAL;
        }
        int r = cb(text + i + 1, nl, ctx);
        if (r < 0)
            return r;
        i = next;
    }
    return 0;
}

int rule_text_render(const char *text, rule_lookup_cb lookup, void *ctx, sxs_buf *out)
{
    size_t i = 0;
    int r = 0;
    while (text[i] && r == 0) {
        if ((text[i] == '{' && text[i + 1] == '{') || (text[i] == '}' && text[i + 1] == '}')) {
            r = sxs_buf_append(out, text + i, 1);
            i += 2;
            continue;
        }
        size_t nl, dl, next;
        const char *def;
        if (text[i] != '{' || !parse_placeholder(text, i, &nl, &def, &dl, &next)) {
            size_t j = i + 1;
            while (text[j] && text[j] != '{' && text[j] != '}')
                j++;
            r = sxs_buf_append(out, text + i, j - i);
            i = j;
            continue;
        }
        const char *v = lookup(text + i + 1, nl, ctx);
        if (v)
            r = sxs_buf_append_str(out, v);
        else if (def)
            r = sxs_buf_append(out, def, dl);
        else if ((r = sxs_buf_append(out, "<", 1)) == 0 &&
                 (r = sxs_buf_append(out, text + i + 1, nl)) == 0)
            r = sxs_buf_append(out, ">", 1);
        i = next;
    }
    return r;
}

/* ---- required literal ---- */

static bool is_meta(char c)
{
    return strchr("\\^$.[]|()?*+{}", c) != NULL;
}

/* Inline option settings "(?i)" / "(?x)" (not "(?i:" groups, which only affect their own
 * contents, and those are not collected): "x" disables extraction (whitespace is not literal),
 * "i" makes the prefilter caseless (a caseless compare only accepts more lines: safe). */
static bool scan_options(const char *p, bool *caseless)
{
    for (const char *q = strstr(p, "(?"); q; q = strstr(q + 2, "(?")) {
        const char *f = q + 2;
        bool i = false, x = false;
        while (*f && strchr("imnsxJU-^", *f)) {
            x |= *f == 'x';
            i |= *f == 'i';
            f++;
        }
        if (*f != ')')
            continue;
        if (x)
            return false;
        if (i)
            *caseless = true;
    }
    return strstr(p, "\\Q") == NULL;
}

char *rule_required_literal(const char *pattern, size_t *ret_len, bool *ret_caseless)
{
    bool caseless = false;
    if (!scan_options(pattern, &caseless))
        return NULL;
    size_t n = strlen(pattern);
    char *run = malloc(n + 1), *best = malloc(n + 1);
    if (!run || !best) {
        free(run);
        free(best);
        return NULL;
    }
    size_t rl = 0, bl = 0;
    int depth = 0;
    bool top_alt = false;
#define END_RUN()                                                                                  \
    do {                                                                                           \
        if (rl > bl) {                                                                             \
            memcpy(best, run, rl);                                                                 \
            bl = rl;                                                                               \
        }                                                                                          \
        rl = 0;                                                                                    \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        char c = pattern[i];
        if (c == '[') {
            END_RUN();
            size_t j = i + 1;
            if (pattern[j] == '^')
                j++;
            if (pattern[j] == ']')
                j++;
            while (j < n && pattern[j] != ']') {
                if (pattern[j] == '\\' && j + 1 < n)
                    j++;
                j++;
            }
            i = j;
            continue;
        }
        if (c == '?' || c == '*' || c == '{') {
            if (rl > 0)
                rl--; /* the quantified character is optional */
            END_RUN();
            if (c == '{')
                while (i < n && pattern[i] != '}')
                    i++;
            continue;
        }
        if (c == '+') {
            END_RUN(); /* the character stays required once */
            continue;
        }
        if (c == '(') {
            END_RUN();
            depth++;
            continue;
        }
        if (c == ')') {
            END_RUN();
            if (depth > 0)
                depth--;
            continue;
        }
        if (c == '|') {
            END_RUN();
            if (depth == 0)
                top_alt = true;
            continue;
        }
        if (c == '\\') {
            char e = pattern[i + 1];
            if (e &&
                !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
                i++;
                if (depth == 0 && !(pattern[i + 1] && strchr("?*{", pattern[i + 1])))
                    run[rl++] = e;
                else
                    END_RUN();
                continue;
            }
            END_RUN();
            if (e)
                i++;
            continue;
        }
        if (is_meta(c) || depth > 0) {
            END_RUN();
            continue;
        }
        run[rl++] = c;
    }
    END_RUN();
#undef END_RUN
    free(run);
    if (top_alt || bl < 3) {
        free(best);
        return NULL;
    }
    best[bl] = '\0';
    *ret_len = bl;
    *ret_caseless = caseless;
    return best;
}
