/* The evidence list: arguments and --from files, checked before any work starts. */
#include "cli/cli_inputs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_limits.h"
#include "common/sxs_grow.h"

static int add(cli_inputs *in, size_t *cap, const char *path, FILE *err)
{
    if (in->count == SXS_MAX_BATCH) {
        fprintf(err, "sxsdoctor: more than %d evidence in one run; split the list\n",
                SXS_MAX_BATCH);
        return -EINVAL;
    }
    char **p = sxs_grow(in->paths, cap, in->count, sizeof(*p), 16);
    if (!p)
        goto oom;
    in->paths = p;
    in->paths[in->count] = strdup(path);
    if (!in->paths[in->count])
        goto oom;
    in->count++;
    return 0;
oom:
    fputs("sxsdoctor: out of memory\n", err);
    return -ENOMEM;
}

static int read_list(cli_inputs *in, size_t *cap, const char *file, FILE *err)
{
    bool is_stdin = strcmp(file, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(file, "re");
    if (!f) {
        fprintf(err, "sxsdoctor: --from %s: %s\n", file, strerror(errno));
        return -EINVAL;
    }
    const char *name = is_stdin ? "standard input" : file;
    char line[PATH_MAX + 2];
    long no = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        no++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f)) {
            fprintf(err, "sxsdoctor: --from %s: line %ld is longer than %d bytes\n", name, no,
                    PATH_MAX);
            rc = -EINVAL;
            break;
        }
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (line[0] == '#' || strspn(line, " \t") == len)
            continue;
        rc = add(in, cap, line, err) < 0 ? -EINVAL : 0;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(err, "sxsdoctor: --from %s: read error\n", name);
        rc = -EINVAL;
    }
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* If path ends in a later segment extension (.E02-.EZZ, .Ex02..., .s02..., .002...), writes
 * the first segment's path to first and returns true. */
static bool later_segment(const char *path, char *first, size_t cap)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    const char *e = dot + 1;
    size_t n = strlen(e);
    char want[8];
    if (n == 3 && isdigit((unsigned char)e[0]) && isdigit((unsigned char)e[1]) &&
        isdigit((unsigned char)e[2])) {
        if (strcmp(e, "000") == 0 || strcmp(e, "001") == 0)
            return false;
        snprintf(want, sizeof(want), "001");
    } else if (n == 3 && strchr("EeSs", e[0]) && isalnum((unsigned char)e[1]) &&
               isalnum((unsigned char)e[2])) {
        if (e[1] == '0' && e[2] == '1')
            return false;
        snprintf(want, sizeof(want), "%c01", e[0]);
    } else if (n == 4 && (e[0] == 'E' || e[0] == 'e') && (e[1] == 'x' || e[1] == 'X') &&
               isalnum((unsigned char)e[2]) && isalnum((unsigned char)e[3])) {
        if (e[2] == '0' && e[3] == '1')
            return false;
        snprintf(want, sizeof(want), "%c%c01", e[0], e[1]);
    } else {
        return false;
    }
    int w = snprintf(first, cap, "%.*s.%s", (int)(dot - path), path, want);
    return w > 0 && (size_t)w < cap;
}

static bool listed(const cli_inputs *in, const char *path)
{
    for (size_t i = 0; i < in->count; i++)
        if (in->paths[i] && strcmp(in->paths[i], path) == 0)
            return true;
    return false;
}

static void drop_later_segments(cli_inputs *in)
{
    char first[PATH_MAX + 8];
    bool *drop = calloc(in->count ? in->count : 1, sizeof(*drop));
    if (!drop)
        return; /* each is then analysed on its own: slower, still correct */
    for (size_t i = 0; i < in->count; i++)
        drop[i] = later_segment(in->paths[i], first, sizeof(first)) && listed(in, first);
    size_t o = 0;
    for (size_t i = 0; i < in->count; i++) {
        if (drop[i])
            free(in->paths[i]);
        else
            in->paths[o++] = in->paths[i];
    }
    in->count = o;
    free(drop);
}

int cli_inputs_build(char **args, int n_args, const char *const *from, int n_from, cli_inputs *ret,
                     FILE *err)
{
    cli_inputs in = {0};
    size_t cap = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < n_args; i++) {
        if (!*args[i]) {
            fputs("sxsdoctor: an EVIDENCE argument is empty\n", err);
            rc = -EINVAL;
        } else {
            rc = add(&in, &cap, args[i], err) < 0 ? -EINVAL : 0;
        }
    }
    for (int i = 0; rc == 0 && i < n_from; i++)
        rc = read_list(&in, &cap, from[i], err);
    if (rc == 0 && in.count == 0) {
        fputs(n_from ? "sxsdoctor: the --from list holds no EVIDENCE\n"
                     : "sxsdoctor: no EVIDENCE given (an image, a block device or a directory; "
                       "see --help)\n",
              err);
        rc = -EINVAL;
    }
    if (rc < 0) {
        cli_inputs_free(&in);
        return rc;
    }
    drop_later_segments(&in);
    *ret = in;
    return 0;
}

void cli_inputs_free(cli_inputs *in)
{
    for (size_t i = 0; i < in->count; i++)
        free(in->paths[i]);
    free(in->paths);
    in->paths = NULL;
    in->count = 0;
}
