/* sxs-mkimage: parser of scenario files (*.scn) into the model of mkimage.h. The syntax is
 * documented in sample-images/README.md. Line oriented: one command per line, heredocs
 * (<<TAG) for multi-line file content, and `repeat N ... end` blocks whose lines may use a
 * counter ({#}, {#:5} zero-padded, {#:16x} hex). */
#include "sample-images/mkimage.h"
#include "sample-images/mkevtx.h"
#include "sample-images/mkhive.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_REPEAT_DEPTH = 8, HASH_INITIAL = 1024 };

struct line {
    char *text;
    int lineno;
};

struct ctx {
    const char *file;
    struct line *lines;
    size_t n_lines;
    struct mki_scenario *scn;
    struct mki_part *part; /* current NTFS partition */
    struct mki_hive *hive; /* current hive */
    char *key;             /* current key in the hive */
    uint64_t default_time; /* `time` directive: FILETIME of the entries that follow */
    int cur_lineno;
    int check_only; /* --check: validate, but keep no file contents (bench-large is 360 MB) */
    char *errbuf;
    size_t errlen;
    int depth;
    struct mki_evtx *evtx;      /* the `evtx` log being written, its events follow */
    struct mki_node *evtx_node; /* the file it becomes */
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->errbuf, c->errlen, "%s:%d: %s", c->file, c->cur_lineno, msg);
    return -EINVAL;
}

int mki_bytes_append(struct mki_bytes *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

uint64_t mki_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, case-folded */
    for (; *s; s++) {
        h ^= (uint64_t)tolower((unsigned char)*s);
        h *= 1099511628211ull;
    }
    return h;
}

/* ---- tokens ---- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Next whitespace-separated token; "..." parts may hold spaces and C escapes
 * (\n \r \t \\ \" \xHH). Returns 1 with *ret (malloc'd), 0 at end of line, <0 on error. */
static int next_token(struct ctx *c, const char **pp, char **ret)
{
    const char *p = skip_ws(*pp);
    if (!*p)
        return 0;
    struct mki_bytes b = {0};
    int in_quote = 0, r = 0;
    while (*p && (in_quote || (*p != ' ' && *p != '\t'))) {
        char ch = *p++;
        if (ch == '"') {
            in_quote = !in_quote;
            continue;
        }
        if (in_quote && ch == '\\' && *p) {
            char e = *p++;
            switch (e) {
            case 'n':
                ch = '\n';
                break;
            case 'r':
                ch = '\r';
                break;
            case 't':
                ch = '\t';
                break;
            case '0':
                ch = '\0';
                break;
            case 'x': {
                int h1 = hexval((unsigned char)p[0]),
                    h2 = h1 >= 0 ? hexval((unsigned char)p[1]) : -1;
                if (h1 < 0 || h2 < 0) {
                    free(b.data);
                    return fail(c, "bad \\x escape");
                }
                ch = (char)(h1 * 16 + h2);
                p += 2;
                break;
            }
            default:
                ch = e;
                break;
            }
        }
        if ((r = mki_bytes_append(&b, &ch, 1)) < 0) {
            free(b.data);
            return r;
        }
    }
    if (in_quote) {
        free(b.data);
        return fail(c, "unterminated quote");
    }
    if (!b.data && (r = mki_bytes_append(&b, "", 0)) < 0)
        return r;
    *pp = p;
    *ret = b.data;
    return 1;
}

/* The rest of the line, literal (quotes and backslashes kept, so Windows paths and
 * ImagePath values such as "C:\Program Files\x.exe" need no escaping), without
 * surrounding blanks. malloc'd. */
static int rest_of_line(struct ctx *c, const char *p, char **ret)
{
    (void)c;
    p = skip_ws(p);
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    char *s = strndup(p, n);
    if (!s)
        return -ENOMEM;
    *ret = s;
    return 0;
}

static int parse_size(const char *s, uint64_t *ret)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -EINVAL;
    uint64_t mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K':
        mul = 1024;
        end++;
        break;
    case 'M':
        mul = MKI_MIB;
        end++;
        break;
    case 'G':
        mul = 1024ull * MKI_MIB;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'i' || *end == 'B')
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (*end || (v && mul > UINT64_MAX / v))
        return -EINVAL;
    *ret = v * mul;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS" or with 'T' (UTC) to a FILETIME. */
static int parse_time(const char *s, uint64_t *ret)
{
    int y, mo, d, h, mi, se;
    char sep, tail;
    if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &se, &tail) != 7 ||
        (sep != 'T' && sep != ' ') || y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > 31 || h > 23 || mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
        return -EINVAL;
    /* days from civil (proleptic Gregorian), relative to 1601-01-01 */
    int yy = mo <= 2 ? y - 1 : y;
    int era = yy / 400, yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468; /* days since 1970-01-01 */
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se;
    *ret = (uint64_t)(secs + 11644473600LL) * 10000000ull;
    return 0;
}

/* ---- tree ---- */

static int normalize_path(struct ctx *c, const char *in, char **ret)
{
    struct mki_bytes b = {0};
    const char *p = in;
    int r = 0;
    while (*p && r == 0) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        if (e == p)
            break;
        size_t n = (size_t)(e - p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            r = fail(c, "path '%s': no . or .. components", in);
        else if (memchr(p, '\\', n) || memchr(p, ':', n))
            r = fail(c, "path '%s': use '/' between names; ':' and '\\' are not allowed", in);
        else if (b.len)
            r = mki_bytes_append(&b, "/", 1);
        if (r == 0)
            r = mki_bytes_append(&b, p, n);
        p = e;
    }
    if (r == 0 && !b.len)
        r = fail(c, "empty path");
    if (r < 0) {
        free(b.data);
        return r;
    }
    *ret = b.data;
    return 0;
}

static struct mki_node *find_node(struct mki_part *part, const char *path)
{
    if (!part->hash)
        return NULL;
    size_t i = mki_hash_str(path) & (part->hash_size - 1);
    for (struct mki_node *n = part->hash[i]; n; n = n->hash_next)
        if (strcasecmp(n->path, path) == 0)
            return n;
    return NULL;
}

static int rehash(struct mki_part *part, size_t size)
{
    struct mki_node **h = calloc(size, sizeof *h);
    if (!h)
        return -ENOMEM;
    for (size_t k = 0; k < part->n_nodes; k++) {
        struct mki_node *n = part->nodes[k];
        if (n->gone || n->kind == MKI_NODE_DELETE)
            continue;
        size_t i = mki_hash_str(n->path) & (size - 1);
        n->hash_next = h[i];
        h[i] = n;
    }
    free(part->hash);
    part->hash = h;
    part->hash_size = size;
    return 0;
}

static int add_node(struct mki_part *part, struct mki_node *node)
{
    if (part->n_nodes == part->cap_nodes) {
        size_t cap = part->cap_nodes ? part->cap_nodes * 2 : 64;
        struct mki_node **n = realloc(part->nodes, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        part->nodes = n;
        part->cap_nodes = cap;
    }
    part->nodes[part->n_nodes++] = node;
    node->state = part->n_snaps;
    if (node->kind == MKI_NODE_DELETE) /* not a path of the volume: never looked up */
        return 0;
    if (part->n_nodes * 2 > part->hash_size)
        return rehash(part, part->hash_size ? part->hash_size * 4 : HASH_INITIAL);
    size_t i = mki_hash_str(node->path) & (part->hash_size - 1);
    node->hash_next = part->hash[i];
    part->hash[i] = node;
    return 0;
}

static void free_node(struct mki_node *n)
{
    if (!n)
        return;
    free(n->path);
    free(n->text.data);
    free(n->target);
    free(n->cab_name);
    free(n);
}

/* ---- commands ---- */

static int need_ntfs(struct ctx *c)
{
    if (!c->part)
        return fail(c, "no NTFS partition declared yet (partition ntfs ...)");
    return 0;
}

static int cmd_disk(struct ctx *c, const char *p)
{
    char *t;
    int r;
    while ((r = next_token(c, &p, &t)) > 0) {
        if (strncmp(t, "size=", 5) == 0) {
            if (parse_size(t + 5, &c->scn->disk_size) < 0 || c->scn->disk_size % MKI_MIB)
                r = fail(c, "bad disk size '%s' (a whole number of MiB, e.g. 64M)", t + 5);
        } else if (strcmp(t, "table=gpt") == 0) {
            c->scn->table = MKI_TABLE_GPT;
        } else if (strcmp(t, "table=mbr") == 0) {
            c->scn->table = MKI_TABLE_MBR;
        } else if (strcmp(t, "table=none") == 0) {
            c->scn->table = MKI_TABLE_NONE; /* one volume over the whole disk */
        } else {
            r = fail(c, "unknown disk option '%s'", t);
        }
        free(t);
        if (r < 0)
            return r;
    }
    return r;
}

/* A BitLocker key option (`recovery-password=`, `password=`, `startup-key=`, `clear-key`): 1
 * taken, 0 not one, or a negative errno. */
static int bde_option(struct ctx *c, const char *t, struct mki_bde_spec *bde)
{
    if (strncmp(t, "recovery-password=", 18) == 0) {
        uint8_t key[16];
        if (mki_bde_recovery_key(t + 18, key) < 0)
            return fail(c, "bad recovery-password (8 groups of 6 digits, each a multiple of 11 "
                           "below 720896)");
        free(bde->recovery_password);
        bde->recovery_password = strdup(t + 18);
        return bde->recovery_password ? 1 : -ENOMEM;
    }
    if (strncmp(t, "password=", 9) == 0) {
        if (!t[9])
            return fail(c, "empty BitLocker password");
        free(bde->password);
        bde->password = strdup(t + 9);
        return bde->password ? 1 : -ENOMEM;
    }
    if (strncmp(t, "startup-key=", 12) == 0) {
        if (!t[12])
            return fail(c, "startup-key= needs the .BEK file to write (relative: next to the "
                           "image)");
        free(bde->startup_key);
        bde->startup_key = strdup(t + 12);
        return bde->startup_key ? 1 : -ENOMEM;
    }
    if (strcmp(t, "clear-key") == 0) {
        bde->clear_key = 1;
        return 1;
    }
    return 0;
}

/* `bitlocker OPTIONS`: the latest NTFS partition becomes a real BitLocker volume (so that an
 * encrypted case is "include x.scn" plus this line). */
static int cmd_bitlocker(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    if (r < 0)
        return r;
    char *t;
    while ((r = next_token(c, &p, &t)) > 0) {
        int b = bde_option(c, t, &c->part->bde);
        if (b == 0)
            b = fail(c, "unknown bitlocker option '%s'", t);
        free(t);
        if (b < 0)
            return b;
    }
    if (r < 0)
        return r;
    c->part->kind = MKI_PART_BITLOCKER;
    if (!mki_part_is_real_bde(c->part))
        return fail(c, "bitlocker needs recovery-password=, password=, startup-key= or clear-key");
    return 0;
}

static int cmd_partition(struct ctx *c, const char *p)
{
    char *kind;
    int r = next_token(c, &p, &kind);
    if (r <= 0)
        return r < 0 ? r : fail(c, "partition needs a kind: esp, msr, ntfs or bitlocker");
    struct mki_part part = {0};
    if (strcmp(kind, "esp") == 0)
        part.kind = MKI_PART_ESP;
    else if (strcmp(kind, "msr") == 0)
        part.kind = MKI_PART_MSR;
    else if (strcmp(kind, "ntfs") == 0)
        part.kind = MKI_PART_NTFS;
    else if (strcmp(kind, "bitlocker") == 0)
        part.kind = MKI_PART_BITLOCKER;
    else
        r = fail(c, "unknown partition kind '%s'", kind);
    free(kind);
    char *t;
    int b;
    while (r >= 0 && (r = next_token(c, &p, &t)) > 0) {
        if (strcmp(t, "size=rest") == 0) {
            part.size = 0;
        } else if (strncmp(t, "size=", 5) == 0) {
            if (parse_size(t + 5, &part.size) < 0 || part.size == 0 || part.size % MKI_MIB)
                r = fail(c, "bad partition size '%s' (whole MiB, or rest)", t + 5);
        } else if (strncmp(t, "label=", 6) == 0) {
            free(part.label);
            part.label = strdup(t + 6);
            if (!part.label)
                r = -ENOMEM;
        } else if (part.kind == MKI_PART_BITLOCKER && (b = bde_option(c, t, &part.bde)) != 0) {
            r = b < 0 ? b : 0;
        } else {
            r = fail(c, "unknown partition option '%s'", t);
        }
        free(t);
    }
    if (r < 0) {
        free(part.label);
        free(part.bde.recovery_password);
        free(part.bde.password);
        free(part.bde.startup_key);
        return r;
    }
    struct mki_part *parts = realloc(c->scn->parts, (c->scn->n_parts + 1) * sizeof *parts);
    if (!parts) {
        free(part.label);
        return -ENOMEM;
    }
    c->scn->parts = parts;
    parts[c->scn->n_parts++] = part;
    /* realloc may have moved the array; file and hive lines that follow belong to this
     * partition, which must then be NTFS (or BitLocker over NTFS) */
    c->part = part.kind == MKI_PART_NTFS || mki_part_is_real_bde(&part)
                  ? &parts[c->scn->n_parts - 1]
                  : NULL;
    c->hive = NULL;
    return 0;
}

/* `source=PATH`: the file's bytes are those of a host file, taken verbatim (benchmarks put
 * generated hives this way; hivex cannot write hives of 100k keys). A relative PATH is taken
 * from the directory of the scenario file. In --check mode only its existence is checked. */
static int read_source(struct ctx *c, const char *name, struct mki_bytes *out)
{
    char path[4096];
    const char *slash = strrchr(c->file, '/');
    int dir_len = name[0] == '/' || !slash ? 0 : (int)(slash - c->file + 1);
    if (snprintf(path, sizeof(path), "%.*s%s", dir_len, c->file, name) >= (int)sizeof(path))
        return fail(c, "source= path too long");
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(c, "source=%s: %s", path, strerror(errno));
    char buf[1 << 16];
    size_t n;
    int r = 0;
    while (r == 0 && !c->check_only && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        r = mki_bytes_append(out, buf, n);
    if (r == 0 && ferror(f))
        r = fail(c, "source=%s: read error", path);
    fclose(f);
    return r;
}

static int parse_file_opts(struct ctx *c, const char **pp, struct mki_node *n, int *ret_heredoc,
                           char **ret_tag, int allow_size)
{
    char *t;
    int r;
    while ((r = next_token(c, pp, &t)) > 0) {
        if (strncmp(t, "<<", 2) == 0 && t[2]) {
            *ret_heredoc = 1;
            memmove(t, t + 2, strlen(t + 2) + 1);
            *ret_tag = t;
            if (*skip_ws(*pp))
                return fail(c, "nothing may follow <<TAG");
            return 0;
        }
        if (strcmp(t, "encoding=utf8") == 0)
            n->enc = MKI_ENC_UTF8;
        else if (strcmp(t, "encoding=utf8-bom") == 0)
            n->enc = MKI_ENC_UTF8_BOM;
        else if (strcmp(t, "encoding=utf16le") == 0)
            n->enc = MKI_ENC_UTF16LE;
        else if (strcmp(t, "encoding=utf16le-bom") == 0)
            n->enc = MKI_ENC_UTF16LE_BOM;
        else if (strcmp(t, "eol=crlf") == 0)
            n->crlf = 1;
        else if (strcmp(t, "eol=lf") == 0)
            n->crlf = 0;
        else if (allow_size && strncmp(t, "size=", 5) == 0) {
            n->is_filler = 1;
            if (parse_size(t + 5, &n->filler_size) < 0)
                r = fail(c, "bad size '%s'", t + 5);
        } else if (strcmp(t, "fill=pattern") == 0)
            n->fill = MKI_FILL_PATTERN;
        else if (strcmp(t, "fill=random") == 0)
            n->fill = MKI_FILL_RANDOM;
        else if (strcmp(t, "fill=zero") == 0)
            n->fill = MKI_FILL_ZERO;
        else if (strncmp(t, "time=", 5) == 0) {
            if (parse_time(t + 5, &n->filetime) < 0)
                r = fail(c, "bad time '%s' (YYYY-MM-DDTHH:MM:SS, UTC)", t + 5);
        } else if (strncmp(t, "cab=", 4) == 0 && t[4] && !strchr(t + 4, '/')) {
            free(n->cab_name);
            n->cab_name = strdup(t + 4);
            if (!n->cab_name)
                r = -ENOMEM;
        } else if (strncmp(t, "text=", 5) == 0)
            r = mki_bytes_append(&n->text, t + 5, strlen(t + 5));
        else if (strncmp(t, "source=", 7) == 0 && t[7])
            r = read_source(c, t + 7, &n->text);
        else
            r = fail(c, "unknown file option '%s'", t);
        free(t);
        if (r < 0)
            return r;
    }
    return r;
}

/* Appends heredoc lines after *pi up to the TAG line to text ('\n' after each). */
static int read_heredoc(struct ctx *c, size_t *pi, size_t last, const char *tag,
                        struct mki_bytes *text,
                        const char *(*subst)(struct ctx *, const char *, void *), void *sarg)
{
    for (size_t i = *pi + 1; i <= last && i < c->n_lines; i++) {
        const char *l = subst(c, c->lines[i].text, sarg);
        if (!l)
            return -ENOMEM;
        if (strcmp(l, tag) == 0) {
            *pi = i;
            return 0;
        }
        int r = mki_bytes_append(text, l, strlen(l));
        if (r == 0)
            r = mki_bytes_append(text, "\n", 1);
        if (r < 0)
            return r;
    }
    return fail(c, "heredoc not closed by a line '%s'", tag);
}

/* ---- counter substitution inside repeat blocks ---- */

struct subst_arg {
    int active;
    uint64_t value;
    char *buf;
};

static const char *subst_line(struct ctx *c, const char *line, void *arg)
{
    (void)c;
    struct subst_arg *s = arg;
    if (!s->active || !strstr(line, "{#"))
        return line;
    struct mki_bytes b = {0};
    const char *p = line;
    while (*p) {
        const char *q = strstr(p, "{#");
        const char *close = q ? strchr(q, '}') : NULL;
        if (!q || !close) {
            if (mki_bytes_append(&b, p, strlen(p)) < 0)
                goto oom;
            break;
        }
        if (mki_bytes_append(&b, p, (size_t)(q - p)) < 0)
            goto oom;
        if (q[2] != '}' && q[2] != ':') { /* "{#" not followed by '}' or ':': literal */
            if (mki_bytes_append(&b, q, 2) < 0)
                goto oom;
            p = q + 2;
            continue;
        }
        char num[64];
        int width = q[2] == ':' ? atoi(q + 3) : 0;
        int hex = q[2] == ':' && close[-1] == 'x';
        if (width < 0 || width > 32)
            width = width < 0 ? 0 : 32;
        if (hex)
            snprintf(num, sizeof num, "%0*llx", width, (unsigned long long)s->value);
        else
            snprintf(num, sizeof num, "%0*llu", width, (unsigned long long)s->value);
        if (mki_bytes_append(&b, num, strlen(num)) < 0)
            goto oom;
        p = close + 1;
    }
    free(s->buf);
    s->buf = b.data ? b.data : strdup("");
    return s->buf;
oom:
    free(b.data);
    return NULL;
}

static int cmd_file(struct ctx *c, const char *p, size_t *pi, size_t last, int append,
                    struct subst_arg *sa)
{
    int r = need_ntfs(c);
    char *raw, *path;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "%s needs a path", append ? "append" : "file");
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    struct mki_node *n = find_node(c->part, path);
    int is_new = 0;
    if (n && !append) {
        r = fail(c, "'%s' declared twice", path);
    } else if (n && (n->kind != MKI_NODE_FILE || n->is_filler)) {
        r = fail(c, "append: '%s' is not a text file", path);
    } else if (n && n->state != c->part->n_snaps) {
        r = fail(c,
                 "append: '%s' was declared before a snapshot line (delete it and declare "
                 "it again)",
                 path);
    } else if (!n) {
        n = calloc(1, sizeof *n);
        if (!n)
            r = -ENOMEM;
        else {
            n->kind = MKI_NODE_FILE;
            n->path = path;
            n->filetime = c->default_time;
            path = NULL;
            is_new = 1;
        }
    }
    free(path);
    if (r < 0)
        return r;
    /* options of an append to an existing file are parsed into a scratch node */
    struct mki_node scratch = {0};
    struct mki_node *target = is_new ? n : &scratch;
    int heredoc = 0;
    char *tag = NULL;
    r = parse_file_opts(c, &p, target, &heredoc, &tag, !append);
    if (r >= 0 && heredoc)
        r = read_heredoc(c, pi, last, tag, &target->text, subst_line, sa);
    free(tag);
    if (r >= 0 && target->is_filler && target->text.len)
        r = fail(c, "a file has either size= or text, not both");
    if (r >= 0 && !is_new)
        r = mki_bytes_append(&n->text, scratch.text.data, scratch.text.len);
    if (r >= 0 && !is_new && scratch.filetime)
        n->filetime = scratch.filetime;
    free(scratch.text.data);
    free(scratch.cab_name);
    if (r >= 0 && c->check_only)
        n->text.len = 0;
    if (r >= 0 && is_new)
        r = add_node(c->part, n);
    if (r < 0 && is_new)
        free_node(n);
    return r < 0 ? r : 0;
}

/* crashdump PATH kind=full|kernel|triage|user|unfinished [bits=32] code=N p1=N .. p4=N
 *           build=N time=YYYY-MM-DDTHH:MM:SS [driver=NAME@BASE+SIZE ...] [list=N] [cut=N]
 * A crash dump file (mkimage_dump.c); numbers decimal or 0x hex. */
static int parse_u64(const char *s, uint64_t *ret)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *end || errno)
        return -EINVAL;
    *ret = v;
    return 0;
}

static int dump_opt(struct ctx *c, const char *t, struct mki_dump_spec *d)
{
    uint64_t v = 0;
    const char *eq = strchr(t, '=');
    if (!eq)
        return fail(c, "crashdump: option '%s' needs a value", t);
    size_t k = (size_t)(eq - t);
    const char *val = eq + 1;
#define KEY(w) (k == sizeof(w) - 1 && strncmp(t, w, k) == 0)
    if (KEY("kind")) {
        static const struct {
            const char *name;
            int kind;
        } kinds[] = {{"full", MKI_DUMP_FULL},
                     {"kernel", MKI_DUMP_KERNEL},
                     {"triage", MKI_DUMP_TRIAGE},
                     {"user", MKI_DUMP_USER},
                     {"unfinished", MKI_DUMP_UNFINISHED}};
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            if (strcmp(val, kinds[i].name) == 0) {
                d->kind = kinds[i].kind;
                return 0;
            }
        return fail(c, "crashdump: unknown kind '%s'", val);
    }
    if (KEY("time"))
        return parse_time(val, &d->time) < 0 ? fail(c, "crashdump: bad time '%s'", val) : 0;
    if (KEY("driver")) {
        const char *at = strchr(val, '@'), *plus = at ? strchr(at, '+') : NULL;
        uint64_t size;
        char num[64];
        if (d->n_drivers == MKI_DUMP_MAX_DRIVERS || !at || !plus ||
            (size_t)(at - val) >= sizeof(d->drivers[0].name) || at == val ||
            (size_t)(plus - at - 1) >= sizeof(num))
            return fail(c, "crashdump: bad driver '%s' (NAME@BASE+SIZE, at most %d)", val,
                        MKI_DUMP_MAX_DRIVERS);
        struct mki_dump_driver *dr = &d->drivers[d->n_drivers];
        memcpy(dr->name, val, (size_t)(at - val));
        dr->name[at - val] = '\0';
        memcpy(num, at + 1, (size_t)(plus - at - 1));
        num[plus - at - 1] = '\0';
        if (parse_u64(num, &dr->base) < 0 || parse_u64(plus + 1, &size) < 0 || size > UINT32_MAX)
            return fail(c, "crashdump: bad driver '%s'", val);
        dr->size = (uint32_t)size;
        d->n_drivers++;
        return 0;
    }
    if (parse_u64(val, &v) < 0)
        return fail(c, "crashdump: bad number in '%s'", t);
    if (KEY("bits") && (v == 32 || v == 64))
        d->bits = (unsigned)v;
    else if (KEY("code") && v <= UINT32_MAX)
        d->code = (uint32_t)v;
    else if (KEY("build") && v <= UINT32_MAX)
        d->build = (uint32_t)v;
    else if (k == 2 && t[0] == 'p' && t[1] >= '1' && t[1] <= '4')
        d->param[t[1] - '1'] = v;
    else if (KEY("list") && v <= UINT32_MAX)
        d->list_offset = (uint32_t)v;
    else if (KEY("cut"))
        d->cut = v;
    else
        return fail(c, "crashdump: unknown or out-of-range option '%s'", t);
#undef KEY
    return 0;
}

static int cmd_crashdump(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    char *raw, *path, *t;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "crashdump needs a path");
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    if (find_node(c->part, path)) {
        r = fail(c, "'%s' declared twice", path);
        free(path);
        return r;
    }
    struct mki_dump_spec *d = calloc(1, sizeof(*d));
    struct mki_node *n = calloc(1, sizeof(*n));
    if (!d || !n) {
        free(d);
        free(n);
        free(path);
        return -ENOMEM;
    }
    n->kind = MKI_NODE_FILE;
    n->path = path;
    n->filetime = c->default_time;
    d->bits = 64;
    d->kind = MKI_DUMP_TRIAGE;
    while (r >= 0 && (r = next_token(c, &p, &t)) > 0) {
        r = dump_opt(c, t, d);
        free(t);
    }
    if (r >= 0 && !c->check_only)
        r = mki_dump_bytes(d, &n->text);
    free(d);
    if (r >= 0)
        r = add_node(c->part, n);
    if (r < 0)
        free_node(n);
    return r < 0 ? r : 0;
}

/* evtx PATH [channel=C] [computer=NAME] [per-chunk=N] [dirty] [bad-header-crc]
 *           [bad-crc=CHUNK] [bad-chunk=CHUNK] [cut=BYTES]
 * An event log (mkevtx.c) whose records are the `event` lines that follow. */
static int evtx_done(struct ctx *c)
{
    if (!c->evtx)
        return 0;
    int r = mki_evtx_finish(c->evtx, &c->evtx_node->text);
    c->evtx = NULL;
    if (c->check_only)
        c->evtx_node->text.len = 0;
    c->evtx_node = NULL;
    return r == -ENOMEM ? r : r < 0 ? fail(c, "evtx: could not be written") : 0;
}

static int evtx_opt(struct ctx *c, const char *t, struct mki_evtx_opts *o, char **keep)
{
    const char *eq = strchr(t, '=');
    size_t k = eq ? (size_t)(eq - t) : strlen(t);
    uint64_t v = 0;
#define KEY(w) (k == sizeof(w) - 1 && strncmp(t, w, k) == 0)
    if (!eq && KEY("dirty"))
        return o->dirty = 1, 0;
    if (!eq && KEY("bad-header-crc"))
        return o->bad_header_crc = 1, 0;
    if (!eq)
        return fail(c, "evtx: unknown option '%s'", t);
    if (KEY("channel") || KEY("computer")) {
        char *s = strdup(eq + 1);
        if (!s)
            return -ENOMEM;
        free(keep[KEY("computer")]);
        keep[KEY("computer")] = s;
        return 0;
    }
    if (parse_u64(eq + 1, &v) < 0)
        return fail(c, "evtx: bad number in '%s'", t);
    if (KEY("per-chunk") && v <= 100000)
        o->per_chunk = (unsigned)v;
    else if (KEY("bad-crc") && v < 65536)
        o->bad_crc_chunk = (long)v;
    else if (KEY("bad-chunk") && v < 65536)
        o->bad_chunk = (long)v;
    else if (KEY("cut"))
        o->cut = v;
    else
        return fail(c, "evtx: unknown or out-of-range option '%s'", t);
#undef KEY
    return 0;
}

static int cmd_evtx(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    char *raw, *path, *t;
    if (r < 0 || (r = evtx_done(c)) < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "evtx needs a path");
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    if (find_node(c->part, path)) {
        r = fail(c, "'%s' declared twice", path);
        free(path);
        return r;
    }
    struct mki_node *n = calloc(1, sizeof(*n));
    if (!n) {
        free(path);
        return -ENOMEM;
    }
    n->kind = MKI_NODE_FILE;
    n->path = path;
    n->filetime = c->default_time;
    struct mki_evtx_opts o = {.bad_crc_chunk = -1, .bad_chunk = -1};
    char *keep[2] = {NULL, NULL};
    while (r >= 0 && (r = next_token(c, &p, &t)) > 0) {
        r = evtx_opt(c, t, &o, keep);
        free(t);
    }
    o.channel = keep[0];
    o.computer = keep[1];
    if (r >= 0 && !(c->evtx = mki_evtx_new(&o))) /* copies the strings */
        r = -ENOMEM;
    free(keep[0]);
    free(keep[1]);
    if (r >= 0)
        r = add_node(c->part, n);
    if (r < 0) {
        mki_evtx_free(c->evtx);
        c->evtx = NULL;
        free_node(n);
        return r;
    }
    c->evtx_node = n;
    return 0;
}

/* event [record=N] time=YYYY-MM-DDTHH:MM:SS provider=NAME id=N [level=N] [channel=C]
 *       [computer=NAME] [Field=value ...] [_=value ...]
 * One record of the latest `evtx` log: other NAME=value tokens are its EventData fields in
 * order (<Data Name="NAME">value</Data>; `_` for an unnamed <Data>). */
static int cmd_event(struct ctx *c, const char *p)
{
    if (!c->evtx)
        return fail(c, "event without an evtx log before it");
    struct mki_evtx_event ev = {.level = 4};
    char *tok[MKI_EVTX_MAX_FIELDS + 8];
    size_t ntok = 0;
    int r, have_time = 0;
    uint64_t v;
    while ((r = next_token(c, &p, &tok[ntok])) > 0) {
        char *t = tok[ntok++], *eq = strchr(t, '=');
        if (!eq || eq == t) {
            r = fail(c, "event: '%s' is not NAME=value", t);
            break;
        }
        *eq = '\0';
        const char *val = eq + 1;
        if (strcmp(t, "record") == 0) {
            if (parse_u64(val, &ev.record) < 0 || ev.record == 0)
                r = fail(c, "event: bad record number '%s'", val);
        } else if (strcmp(t, "time") == 0) {
            have_time = 1;
            if (parse_time(val, &ev.time) < 0)
                r = fail(c, "event: bad time '%s'", val);
        } else if (strcmp(t, "provider") == 0) {
            ev.provider = val;
        } else if (strcmp(t, "channel") == 0) {
            ev.channel = val;
        } else if (strcmp(t, "computer") == 0) {
            ev.computer = val;
        } else if (strcmp(t, "id") == 0 || strcmp(t, "level") == 0) {
            if (parse_u64(val, &v) < 0 || v > (t[0] == 'i' ? 65535u : 255u))
                r = fail(c, "event: bad %s '%s'", t, val);
            else if (t[0] == 'i')
                ev.id = (uint16_t)v;
            else
                ev.level = (uint8_t)v;
        } else if (ev.nfields == MKI_EVTX_MAX_FIELDS) {
            r = fail(c, "event: more than %d fields", MKI_EVTX_MAX_FIELDS);
        } else {
            ev.name[ev.nfields] = strcmp(t, "_") == 0 ? NULL : t;
            ev.value[ev.nfields++] = val;
        }
        if (r < 0 || ntok == sizeof(tok) / sizeof(tok[0])) {
            if (r >= 0)
                r = fail(c, "event: too many tokens");
            break;
        }
    }
    if (r >= 0 && (!ev.provider || !have_time || !ev.id))
        r = fail(c, "event needs provider=, time= and id=");
    if (r >= 0) {
        r = mki_evtx_add(c->evtx, &ev);
        if (r == -E2BIG)
            r = fail(c, "event: does not fit a 64 KiB chunk, or its text is not UTF-8");
    }
    for (size_t i = 0; i < ntok; i++)
        free(tok[i]);
    return r < 0 ? r : 0;
}

static int cmd_dir(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    char *raw, *path;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "dir needs a path");
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    struct mki_node *n = find_node(c->part, path);
    if (n) {
        free(path);
        return n->kind == MKI_NODE_DIR ? 0 : fail(c, "'%s' is already a file or junction", n->path);
    }
    n = calloc(1, sizeof *n);
    if (!n) {
        free(path);
        return -ENOMEM;
    }
    n->kind = MKI_NODE_DIR;
    n->path = path;
    r = add_node(c->part, n);
    if (r < 0)
        free_node(n);
    return r;
}

/* junction PATH TARGET, symlink PATH TARGET, symlinkd PATH TARGET. A junction target is
 * X:\... or a volume mount point \??\Volume{GUID}\; a symlink target may be relative. */
static int cmd_link(struct ctx *c, const char *p, enum mki_node_kind kind, int is_dir)
{
    const char *what = kind == MKI_NODE_JUNCTION ? "junction" : is_dir ? "symlinkd" : "symlink";
    int r = need_ntfs(c);
    char *raw, *path, *target;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "%s needs a path and a target", what);
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    if ((r = rest_of_line(c, p, &target)) < 0) {
        free(path);
        return r;
    }
    int absolute = isalpha((unsigned char)target[0]) && target[1] == ':' && target[2] == '\\';
    int volume = strncmp(target, "\\??\\Volume{", 11) == 0;
    if (!target[0])
        r = fail(c, "%s needs a target", what);
    else if (kind == MKI_NODE_JUNCTION && !absolute && !volume)
        r = fail(c,
                 "junction target '%s' must be an absolute Windows path (C:\\...) or "
                 "\\??\\Volume{GUID}\\",
                 target);
    else if (find_node(c->part, path))
        r = fail(c, "'%s' declared twice", path);
    struct mki_node *n = r < 0 ? NULL : calloc(1, sizeof *n);
    if (r == 0 && !n)
        r = -ENOMEM;
    if (r < 0) {
        free(path);
        free(target);
        return r;
    }
    n->kind = kind;
    n->link_is_dir = is_dir;
    n->path = path;
    n->target = target;
    n->filetime = c->default_time;
    r = add_node(c->part, n);
    if (r < 0)
        free_node(n);
    return r;
}

/* `time YYYY-MM-DD HH:MM:SS` (UTC): the times of the files and junctions that follow;
 * `time now` goes back to the build time. */
/* delete PATH: the file, link or directory (with all below it) goes away from here on;
 * with `snapshot` lines, what a snapshot held and the volume has no longer. */
static int cmd_delete(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    char *raw, *path;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &raw)) <= 0)
        return r < 0 ? r : fail(c, "delete needs a path");
    r = normalize_path(c, raw, &path);
    free(raw);
    if (r < 0)
        return r;
    size_t len = strlen(path), found = 0;
    for (size_t i = 0; r == 0 && i < c->part->n_hives; i++) {
        const char *h = c->part->hives[i].path;
        if (strncasecmp(h, path, len) == 0 && (h[len] == '\0' || h[len] == '/'))
            r = fail(c, "delete '%s': hive '%s' lies there (hives cannot be deleted)", path, h);
    }
    for (size_t i = 0; r == 0 && i < c->part->n_nodes; i++) {
        struct mki_node *n = c->part->nodes[i];
        if (n->gone || n->kind == MKI_NODE_DELETE)
            continue;
        if (strncasecmp(n->path, path, len) == 0 && (n->path[len] == '\0' || n->path[len] == '/')) {
            n->gone = 1;
            found++;
        }
    }
    if (r == 0 && !found)
        r = fail(c, "delete '%s': nothing declared there", path);
    struct mki_node *d = r == 0 ? calloc(1, sizeof *d) : NULL;
    if (r == 0 && !d)
        r = -ENOMEM;
    if (r == 0) {
        d->kind = MKI_NODE_DELETE;
        d->path = path;
        path = NULL;
        r = add_node(c->part, d);
        if (r == 0)
            r = rehash(c->part, c->part->hash_size); /* drop the gone nodes from the index */
        else
            free_node(d);
    }
    free(path);
    return r;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (braces optional) to the 16 bytes Windows stores
 * (first three groups little-endian). */
static int parse_guid(const char *s, uint8_t out[16])
{
    unsigned v[11];
    char tail;
    size_t n = strlen(s);
    char buf[40];
    if (n == 38 && s[0] == '{' && s[37] == '}') {
        memcpy(buf, s + 1, 36);
        buf[36] = '\0';
    } else if (n == 36) {
        memcpy(buf, s, 37);
    } else
        return -EINVAL;
    if (sscanf(buf, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &tail) != 11)
        return -EINVAL;
    out[0] = (uint8_t)v[0];
    out[1] = (uint8_t)(v[0] >> 8);
    out[2] = (uint8_t)(v[0] >> 16);
    out[3] = (uint8_t)(v[0] >> 24);
    out[4] = (uint8_t)v[1];
    out[5] = (uint8_t)(v[1] >> 8);
    out[6] = (uint8_t)v[2];
    out[7] = (uint8_t)(v[2] >> 8);
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)v[3 + i];
    return 0;
}

/* A deterministic GUID (version 4 layout) from a seed string. */
static void derived_guid(const char *seed, uint8_t out[16])
{
    uint64_t a = mki_hash_str(seed), b = mki_hash_str(seed) * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(a >> (8 * i));
        out[8 + i] = (uint8_t)(b >> (8 * i));
    }
    out[7] = (uint8_t)((out[7] & 0x0f) | 0x40);
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

/* snapshot time=YYYY-MM-DDTHH:MM:SS [id=GUID] [copy=GUID] [set=GUID]: the volume as declared
 * so far is what a shadow copy taken then holds (mkimage_vss.c). */
static int cmd_snapshot(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    if (r < 0)
        return r;
    struct mki_part *part = c->part;
    if (part->n_snaps == MKI_MAX_SNAPSHOTS)
        return fail(c, "at most %d snapshot lines per volume", MKI_MAX_SNAPSHOTS);
    struct mki_snapshot s = {0};
    int have_id = 0, have_copy = 0, have_set = 0;
    char *t;
    while (r >= 0 && (r = next_token(c, &p, &t)) > 0) {
        if (strncmp(t, "time=", 5) == 0) {
            if (parse_time(t + 5, &s.filetime) < 0)
                r = fail(c, "bad time '%s' (YYYY-MM-DDTHH:MM:SS, UTC)", t + 5);
        } else if (strncmp(t, "id=", 3) == 0) {
            if (parse_guid(t + 3, s.id) < 0)
                r = fail(c, "bad GUID '%s'", t + 3);
            have_id = 1;
        } else if (strncmp(t, "copy=", 5) == 0) {
            if (parse_guid(t + 5, s.copy) < 0)
                r = fail(c, "bad GUID '%s'", t + 5);
            have_copy = 1;
        } else if (strncmp(t, "set=", 4) == 0) {
            if (parse_guid(t + 4, s.set) < 0)
                r = fail(c, "bad GUID '%s'", t + 4);
            have_set = 1;
        } else
            r = fail(c, "unknown snapshot option '%s'", t);
        free(t);
    }
    if (r < 0)
        return r;
    if (!s.filetime)
        return fail(c, "snapshot needs time=YYYY-MM-DDTHH:MM:SS");
    if (part->n_snaps && s.filetime <= part->snaps[part->n_snaps - 1].filetime)
        return fail(c, "snapshot times must increase (oldest first)");
    char seed[160];
    snprintf(seed, sizeof seed, "%s/%s/%zu/%llu", c->scn->name ? c->scn->name : "",
             part->label ? part->label : "", part->n_snaps, (unsigned long long)s.filetime);
    if (!have_id)
        derived_guid(seed, s.id);
    if (!have_copy) {
        strncat(seed, "/copy", sizeof seed - strlen(seed) - 1);
        derived_guid(seed, s.copy);
    }
    if (!have_set) {
        strncat(seed, "/set", sizeof seed - strlen(seed) - 1);
        derived_guid(seed, s.set);
    }
    for (size_t i = 0; i < part->n_snaps; i++)
        if (memcmp(part->snaps[i].id, s.id, 16) == 0)
            return fail(c, "snapshot id used twice");
    s.n_nodes = part->n_nodes;
    s.n_hives = part->n_hives;
    if (s.n_hives) {
        s.hive_ops = calloc(s.n_hives, sizeof *s.hive_ops);
        if (!s.hive_ops)
            return -ENOMEM;
        for (size_t i = 0; i < s.n_hives; i++)
            s.hive_ops[i] = part->hives[i].n_ops;
    }
    part->snaps[part->n_snaps++] = s;
    return 0;
}

static int cmd_time(struct ctx *c, const char *p)
{
    char *t;
    int r = rest_of_line(c, p, &t);
    if (r < 0)
        return r;
    if (strcmp(t, "now") == 0)
        c->default_time = 0;
    else if (parse_time(t, &c->default_time) < 0)
        r = fail(c, "bad time '%s' (YYYY-MM-DD HH:MM:SS, UTC, or now)", t);
    free(t);
    return r;
}

static int cmd_hive(struct ctx *c, const char *p)
{
    int r = need_ntfs(c);
    char *name, *path = NULL, *t;
    if (r < 0)
        return r;
    if ((r = next_token(c, &p, &name)) <= 0)
        return r < 0 ? r : fail(c, "hive needs SOFTWARE, SYSTEM, COMPONENTS or a path");
    if (strchr(name, '/')) {
        r = normalize_path(c, name, &path);
    } else if (strcmp(name, "SOFTWARE") == 0 || strcmp(name, "SYSTEM") == 0 ||
               strcmp(name, "COMPONENTS") == 0 || strcmp(name, "SAM") == 0 ||
               strcmp(name, "SECURITY") == 0 || strcmp(name, "DEFAULT") == 0) {
        if (asprintf(&path, "Windows/System32/config/%s", name) < 0) {
            path = NULL;
            r = -ENOMEM;
        }
    } else {
        r = fail(c, "unknown hive '%s' (SOFTWARE, SYSTEM, COMPONENTS, ... or a path with '/')",
                 name);
    }
    free(name);
    int dirty = 0;
    uint64_t filetime = 0;
    while (r >= 0 && (r = next_token(c, &p, &t)) > 0) {
        if (strcmp(t, "dirty") == 0)
            dirty = 1;
        else if (strncmp(t, "time=", 5) == 0) {
            if (parse_time(t + 5, &filetime) < 0)
                r = fail(c, "bad time '%s' (YYYY-MM-DDTHH:MM:SS, UTC)", t + 5);
        } else
            r = fail(c, "unknown hive option '%s'", t);
        free(t);
    }
    if (r < 0) {
        free(path);
        return r;
    }
    free(c->key);
    c->key = strdup("");
    if (!c->key) {
        free(path);
        return -ENOMEM;
    }
    for (size_t i = 0; i < c->part->n_hives; i++)
        if (strcasecmp(c->part->hives[i].path, path) == 0) {
            c->hive = &c->part->hives[i];
            c->hive->dirty |= dirty;
            if (filetime)
                c->hive->filetime = filetime;
            free(path);
            return 0;
        }
    if (find_node(c->part, path)) {
        r = fail(c, "hive '%s' is also declared as a file", path);
        free(path);
        return r;
    }
    struct mki_hive *h = realloc(c->part->hives, (c->part->n_hives + 1) * sizeof *h);
    if (!h) {
        free(path);
        return -ENOMEM;
    }
    c->part->hives = h;
    c->hive = &h[c->part->n_hives++];
    *c->hive = (struct mki_hive){.path = path, .dirty = dirty, .filetime = filetime};
    return 0;
}

static int add_regop(struct mki_hive *h, struct mki_regop op)
{
    if (h->n_ops == h->cap_ops) {
        size_t cap = h->cap_ops ? h->cap_ops * 2 : 64;
        struct mki_regop *o = realloc(h->ops, cap * sizeof *o);
        if (!o)
            return -ENOMEM;
        h->ops = o;
        h->cap_ops = cap;
    }
    h->ops[h->n_ops++] = op;
    return 0;
}

static int cmd_key(struct ctx *c, const char *p)
{
    if (!c->hive)
        return fail(c, "key before any hive line");
    char *k;
    int r = rest_of_line(c, p, &k);
    if (r < 0)
        return r;
    free(c->key);
    c->key = k;
    char *copy = strdup(k);
    if (!copy)
        return -ENOMEM;
    r = add_regop(c->hive, (struct mki_regop){.key = copy});
    if (r < 0)
        free(copy);
    return r;
}

static int type_from_name(const char *s)
{
    static const struct {
        const char *name;
        int type;
    } types[] = {
        {"sz", MKHIVE_REG_SZ},
        {"expand_sz", MKHIVE_REG_EXPAND_SZ},
        {"binary", MKHIVE_REG_BINARY},
        {"dword", MKHIVE_REG_DWORD},
        {"multi_sz", MKHIVE_REG_MULTI_SZ},
        {"qword", MKHIVE_REG_QWORD},
        {"none", MKHIVE_REG_NONE},
        {"mounted", MKI_REG_MOUNTED},
    };
    if (strncasecmp(s, "REG_", 4) == 0)
        s += 4;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(s, types[i].name) == 0)
            return types[i].type;
    return -1;
}

static int value_data(struct ctx *c, int type, const char *p, uint8_t **ret, size_t *ret_len)
{
    int r = 0;
    char *s = NULL;
    struct mki_bytes b = {0};
    switch (type) {
    case MKI_REG_MOUNTED: /* the spec, resolved after the layout (mkimage_bcd.c) */
        if ((r = rest_of_line(c, p, &s)) == 0) {
            *ret = (uint8_t *)s;
            *ret_len = strlen(s) + 1;
        }
        return r;
    case MKHIVE_REG_SZ:
    case MKHIVE_REG_EXPAND_SZ:
        if ((r = rest_of_line(c, p, &s)) == 0)
            r = mkhive_utf16le(s, ret, ret_len);
        free(s);
        return r;
    case MKHIVE_REG_MULTI_SZ: {
        while ((r = next_token(c, &p, &s)) > 0) {
            uint8_t *u;
            size_t n;
            r = mkhive_utf16le(s, &u, &n);
            free(s);
            if (r == 0) {
                r = mki_bytes_append(&b, u, n);
                free(u);
            }
            if (r < 0)
                break;
        }
        if (r == 0)
            r = mki_bytes_append(&b, "\0", 2);
        break;
    }
    case MKHIVE_REG_DWORD:
    case MKHIVE_REG_QWORD: {
        p = skip_ws(p);
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 0);
        if (errno || end == p || *skip_ws(end) || *p == '-' ||
            (type == MKHIVE_REG_DWORD && v > 0xFFFFFFFFull))
            return fail(c, "bad number '%s'", p);
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(v >> (8 * i));
        r = mki_bytes_append(&b, le, type == MKHIVE_REG_DWORD ? 4 : 8);
        break;
    }
    case MKHIVE_REG_BINARY:
    case MKHIVE_REG_NONE: {
        int hi = -1;
        for (; *p && r == 0; p++) {
            if (*p == ' ' || *p == '\t' || *p == ',' || *p == ':')
                continue;
            int v = hexval((unsigned char)*p);
            if (v < 0)
                return free(b.data), fail(c, "bad hex byte near '%s'", p);
            if (hi < 0) {
                hi = v;
            } else {
                uint8_t byte = (uint8_t)(hi * 16 + v);
                r = mki_bytes_append(&b, &byte, 1);
                hi = -1;
            }
        }
        if (hi >= 0)
            return free(b.data), fail(c, "odd number of hex digits");
        break;
    }
    default:
        return fail(c, "unsupported type");
    }
    if (r < 0) {
        free(b.data);
        return r;
    }
    *ret = (uint8_t *)b.data;
    *ret_len = b.len;
    return 0;
}

/* `logged`: the keys and values after it are in the hive's .LOG1 only (a crash before the
 * primary was written). */
static int cmd_logged(struct ctx *c, const char *p)
{
    if (!c->hive)
        return fail(c, "logged before any hive line");
    if (*skip_ws(p))
        return fail(c, "logged takes no argument");
    if (c->hive->logged)
        return fail(c, "logged given twice for %s", c->hive->path);
    c->hive->logged = 1;
    c->hive->logged_from = c->hive->n_ops;
    return 0;
}

static int cmd_value(struct ctx *c, const char *p)
{
    if (!c->hive)
        return fail(c, "value before any hive line");
    char *name, *tname;
    int r = next_token(c, &p, &name);
    if (r <= 0)
        return r < 0 ? r : fail(c, "value needs NAME TYPE DATA");
    if ((r = next_token(c, &p, &tname)) <= 0) {
        free(name);
        return r < 0 ? r : fail(c, "value needs NAME TYPE DATA");
    }
    int type = type_from_name(tname);
    if (type < 0)
        r = fail(c, "unknown value type '%s'", tname);
    free(tname);
    if (r >= 0 && strcmp(name, "@") == 0)
        name[0] = '\0'; /* the default value */
    uint8_t *data = NULL;
    size_t len = 0;
    char *key = NULL;
    if (r >= 0)
        r = value_data(c, type, p, &data, &len);
    if (r >= 0 && !(key = strdup(c->key)))
        r = -ENOMEM;
    if (r >= 0)
        r = add_regop(
            c->hive,
            (struct mki_regop){.key = key, .name = name, .type = type, .data = data, .len = len});
    if (r < 0) {
        free(name);
        free(data);
        free(key);
        return r;
    }
    return 0;
}

/* `bcd ...`: a BCD store the build writes after the layout (mkimage_bcd.c). */
static int cmd_bcd(struct ctx *c, const char *p)
{
    char why[256] = "";
    int r = mki_bcd_parse(c->scn, p, why, sizeof why);
    return r == -EINVAL ? fail(c, "%s", why) : r;
}

/* ---- blocks ---- */

static int is_heredoc_line(const char *l, const char **ret_tag)
{
    const char *q = strstr(l, "<<");
    if (!q || !q[2])
        return 0;
    for (const char *e = q + 2; *e; e++)
        if (*e == ' ' || *e == '\t')
            return 0;
    *ret_tag = q + 2;
    return 1;
}

/* Index of the `end` matching the repeat at `first`, skipping heredoc bodies. */
static int find_end(struct ctx *c, size_t first, size_t last, size_t *ret)
{
    int nest = 0;
    for (size_t i = first + 1; i <= last; i++) {
        const char *l = skip_ws(c->lines[i].text), *tag;
        if (is_heredoc_line(l, &tag)) {
            while (++i <= last && strcmp(c->lines[i].text, tag) != 0)
                ;
            continue;
        }
        if (strncmp(l, "repeat", 6) == 0 && (l[6] == ' ' || l[6] == '\t'))
            nest++;
        else if (strcmp(l, "end") == 0 || strncmp(l, "end ", 4) == 0) {
            if (nest-- == 0) {
                *ret = i;
                return 0;
            }
        }
    }
    return fail(c, "repeat without end");
}

static int exec_block(struct ctx *c, size_t first, size_t last, struct subst_arg *sa);

static int cmd_repeat(struct ctx *c, const char *p, size_t *pi, size_t last)
{
    char *t;
    uint64_t count = 0, from = 1;
    int r, have_count = 0;
    while ((r = next_token(c, &p, &t)) > 0) {
        char *end;
        errno = 0;
        if (strncmp(t, "from=", 5) == 0) {
            from = strtoull(t + 5, &end, 0);
            if (errno || !*(t + 5) || *end)
                r = fail(c, "bad from= value");
        } else {
            count = strtoull(t, &end, 0);
            if (errno || !*t || *end || count > 10000000)
                r = fail(c, "bad repeat count '%s'", t);
            have_count = 1;
        }
        free(t);
        if (r < 0)
            return r;
    }
    if (!have_count)
        return fail(c, "repeat needs a count");
    if (c->depth >= MAX_REPEAT_DEPTH)
        return fail(c, "repeat nested too deep");
    size_t end_at = 0;
    if ((r = find_end(c, *pi, last, &end_at)) < 0)
        return r;
    c->depth++;
    for (uint64_t k = 0; k < count && r >= 0; k++) {
        struct subst_arg inner = {.active = 1, .value = from + k};
        if (end_at > *pi + 1)
            r = exec_block(c, *pi + 1, end_at - 1, &inner);
        free(inner.buf);
    }
    c->depth--;
    *pi = end_at;
    return r;
}

/* include FILE: the lines of another scenario file (relative to this one's folder, no `..`),
 * as if written here: a case that is "healthy plus these logs" says so in one line. */
static int exec_block(struct ctx *c, size_t first, size_t last, struct subst_arg *sa);
static int split_lines(char *buf, size_t len, struct line **ret, size_t *ret_n);

static int cmd_include(struct ctx *c, const char *p)
{
    char *name;
    int r = next_token(c, &p, &name);
    if (r <= 0)
        return r < 0 ? r : fail(c, "include needs a file name");
    if (c->depth >= MAX_REPEAT_DEPTH || strstr(name, "..") || name[0] == '/') {
        r = fail(c, "include: '%s' is not a file beside this one, or nested too deep", name);
        free(name);
        return r;
    }
    const char *slash = strrchr(c->file, '/');
    int dir_len = slash ? (int)(slash - c->file + 1) : 0;
    size_t cap = (size_t)dir_len + strlen(name) + 1;
    char *path = malloc(cap);
    if (!path) {
        free(name);
        return -ENOMEM;
    }
    snprintf(path, cap, "%.*s%s", dir_len, c->file, name);
    free(name);
    FILE *f = fopen(path, "rbe");
    if (!f) {
        r = fail(c, "include: %s: %s", path, strerror(errno));
        free(path);
        return r;
    }
    struct mki_bytes content = {0};
    char buf[65536];
    size_t got;
    while (r >= 0 && (got = fread(buf, 1, sizeof buf, f)) > 0)
        r = mki_bytes_append(&content, buf, got);
    fclose(f);
    if (r >= 0 && !content.data)
        r = mki_bytes_append(&content, "", 0);
    struct line *lines = NULL;
    size_t n = 0;
    if (r >= 0)
        r = split_lines(content.data, content.len, &lines, &n);
    const char *file = c->file;
    struct line *saved = c->lines;
    size_t saved_n = c->n_lines;
    int lineno = c->cur_lineno;
    if (r >= 0 && n) {
        c->file = path;
        c->lines = lines;
        c->n_lines = n;
        c->depth++;
        struct subst_arg top = {0};
        r = exec_block(c, 0, n - 1, &top);
        free(top.buf);
        c->depth--;
        c->file = file;
        c->lines = saved;
        c->n_lines = saved_n;
        c->cur_lineno = lineno;
    }
    free(lines);
    free(content.data);
    free(path);
    return r < 0 ? r : 0;
}

static int exec_block(struct ctx *c, size_t first, size_t last, struct subst_arg *sa)
{
    for (size_t i = first; i <= last; i++) {
        c->cur_lineno = c->lines[i].lineno;
        const char *line = subst_line(c, c->lines[i].text, sa);
        if (!line)
            return -ENOMEM;
        const char *p = skip_ws(line);
        if (!*p || *p == '#')
            continue;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        size_t n = (size_t)(e - p);
        int r;
#define IS(word) (n == sizeof(word) - 1 && strncmp(p, word, n) == 0)
        /* copy: subst_line's buffer is reused by heredoc reading */
        char *own = strdup(e);
        if (!own)
            return -ENOMEM;
        if (IS("disk"))
            r = cmd_disk(c, own);
        else if (IS("bitlocker"))
            r = cmd_bitlocker(c, own);
        else if (IS("partition"))
            r = cmd_partition(c, own);
        else if (IS("dir"))
            r = cmd_dir(c, own);
        else if (IS("file"))
            r = cmd_file(c, own, &i, last, 0, sa);
        else if (IS("append"))
            r = cmd_file(c, own, &i, last, 1, sa);
        else if (IS("crashdump"))
            r = cmd_crashdump(c, own);
        else if (IS("include"))
            r = cmd_include(c, own);
        else if (IS("evtx"))
            r = cmd_evtx(c, own);
        else if (IS("event"))
            r = cmd_event(c, own);
        else if (IS("junction"))
            r = cmd_link(c, own, MKI_NODE_JUNCTION, 1);
        else if (IS("symlink"))
            r = cmd_link(c, own, MKI_NODE_SYMLINK, 0);
        else if (IS("symlinkd"))
            r = cmd_link(c, own, MKI_NODE_SYMLINK, 1);
        else if (IS("hive"))
            r = cmd_hive(c, own);
        else if (IS("bcd"))
            r = cmd_bcd(c, own);
        else if (IS("key"))
            r = cmd_key(c, own);
        else if (IS("time"))
            r = cmd_time(c, own);
        else if (IS("delete"))
            r = cmd_delete(c, own);
        else if (IS("snapshot"))
            r = cmd_snapshot(c, own);
        else if (IS("logged"))
            r = cmd_logged(c, own);
        else if (IS("value"))
            r = cmd_value(c, own);
        else if (IS("repeat"))
            r = cmd_repeat(c, own, &i, last);
        else if (IS("end"))
            r = fail(c, "end without repeat");
        else
            r = fail(c, "unknown command '%.*s'", (int)n, p);
#undef IS
        free(own);
        if (r < 0)
            return r;
    }
    return 0;
}

static int split_lines(char *buf, size_t len, struct line **ret, size_t *ret_n)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    struct line *lines = calloc(n, sizeof *lines);
    if (!lines)
        return -ENOMEM;
    size_t k = 0;
    char *p = buf;
    for (int lineno = 1; p && k < n; lineno++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[l - 1] = '\0';
        lines[k].text = p;
        lines[k].lineno = lineno;
        k++;
        p = nl ? nl + 1 : NULL;
    }
    *ret = lines;
    *ret_n = k;
    return 0;
}

int mki_parse_file(const char *path, int check_only, struct mki_scenario *ret_scn, char *errbuf,
                   size_t errlen)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        int e = errno;
        snprintf(errbuf, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct mki_bytes content = {0};
    char chunk[65536];
    size_t got;
    int r = 0;
    while (r == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        r = mki_bytes_append(&content, chunk, got);
    fclose(f);
    if (r == 0 && !content.data)
        r = mki_bytes_append(&content, "", 0);
    struct mki_scenario scn = {.disk_size = 64ull * MKI_MIB, .table = MKI_TABLE_GPT};
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    scn.name = strndup(base, strcspn(base, "."));
    struct ctx c = {
        .file = path, .scn = &scn, .errbuf = errbuf, .errlen = errlen, .check_only = check_only};
    if (r == 0 && !scn.name)
        r = -ENOMEM;
    if (r == 0)
        r = split_lines(content.data, content.len, &c.lines, &c.n_lines);
    if (r == 0 && c.n_lines) {
        struct subst_arg top = {0};
        r = exec_block(&c, 0, c.n_lines - 1, &top);
        free(top.buf);
    }
    if (r == 0)
        r = evtx_done(&c);
    mki_evtx_free(c.evtx);
    if (r == 0 && scn.n_parts == 0) {
        snprintf(errbuf, errlen, "%s: no partition declared", path);
        r = -EINVAL;
    }
    free(c.lines);
    free(c.key);
    free(content.data);
    if (r < 0) {
        if (r == -ENOMEM)
            snprintf(errbuf, errlen, "%s: out of memory", path);
        mki_scenario_free(&scn);
        return r;
    }
    *ret_scn = scn;
    return 0;
}

void mki_scenario_free(struct mki_scenario *scn)
{
    if (!scn)
        return;
    for (size_t i = 0; i < scn->n_parts; i++) {
        struct mki_part *p = &scn->parts[i];
        for (size_t k = 0; k < p->n_nodes; k++)
            free_node(p->nodes[k]);
        free(p->nodes);
        free(p->hash);
        for (size_t h = 0; h < p->n_hives; h++) {
            for (size_t o = 0; o < p->hives[h].n_ops; o++) {
                free(p->hives[h].ops[o].key);
                free(p->hives[h].ops[o].name);
                free(p->hives[h].ops[o].data);
            }
            free(p->hives[h].ops);
            free(p->hives[h].path);
        }
        free(p->hives);
        for (size_t k = 0; k < p->n_snaps; k++)
            free(p->snaps[k].hive_ops);
        free(p->label);
        free(p->bde.recovery_password);
        free(p->bde.password);
        free(p->bde.startup_key);
    }
    free(scn->parts);
    free(scn->name);
    mki_bcd_free(&scn->bcd);
    memset(scn, 0, sizeof *scn);
}

int mki_layout(struct mki_scenario *scn, char *errbuf, size_t errlen)
{
    const uint64_t align = MKI_MIB;
    if (scn->table == MKI_TABLE_NONE) {
        if (scn->n_parts != 1 ||
            (scn->parts[0].kind != MKI_PART_NTFS && !mki_part_is_real_bde(&scn->parts[0]))) {
            snprintf(errbuf, errlen,
                     "%s: table=none takes exactly one ntfs (or real bitlocker) partition",
                     scn->name);
            return -EINVAL;
        }
        scn->parts[0].start = 0;
        scn->parts[0].size = scn->disk_size;
        return 0;
    }
    /* GPT keeps 33 sectors for its backup at the end; MBR needs nothing there. */
    uint64_t end = scn->disk_size - (scn->table == MKI_TABLE_GPT ? 34 * MKI_SECTOR : 0);
    uint64_t pos = align;
    int rest_seen = 0;
    for (size_t i = 0; i < scn->n_parts; i++) {
        struct mki_part *p = &scn->parts[i];
        if (scn->table == MKI_TABLE_MBR && p->kind == MKI_PART_MSR) {
            snprintf(errbuf, errlen, "%s: an MSR partition needs table=gpt", scn->name);
            return -EINVAL;
        }
        if (scn->table == MKI_TABLE_MBR && scn->n_parts > 4) {
            snprintf(errbuf, errlen, "%s: at most 4 partitions with table=mbr", scn->name);
            return -EINVAL;
        }
        p->start = pos;
        if (p->size == 0) {
            if (rest_seen++) {
                snprintf(errbuf, errlen, "%s: only one partition may be size=rest", scn->name);
                return -EINVAL;
            }
            uint64_t fixed_after = 0;
            for (size_t k = i + 1; k < scn->n_parts; k++)
                fixed_after += scn->parts[k].size;
            if (end < pos + fixed_after + align) {
                snprintf(errbuf, errlen, "%s: disk too small for its partitions", scn->name);
                return -EINVAL;
            }
            p->size = (end - pos - fixed_after) / align * align;
        }
        pos += p->size;
        if (pos > end) {
            snprintf(errbuf, errlen, "%s: partitions do not fit in the %llu MiB disk", scn->name,
                     (unsigned long long)(scn->disk_size / MKI_MIB));
            return -EINVAL;
        }
    }
    return 0;
}
