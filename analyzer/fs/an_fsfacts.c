/* File-system collectors, the smaller checks: presence of single files and folders that rules
 * ask about (spupdsvc.exe, wimmount.sys, the Windows Update cache, Panther upgrade folders) and
 * the physicalPath attributes of IIS applicationHost.config that do not exist on the volume.
 * The config file is scanned once, streaming, with a small state machine (no XML library:
 * only attribute values matter and the file is evidence, so memory stays bounded). */
#include "analyzer/fs/an_fsfacts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_reparse.h"
#include "common/sxs_limits.h"
#include "common/sxs_grow.h"

/* ---- shared helpers --------------------------------------------------------------------- */

int an_fs_join(char *out, size_t cap, const char *a, const char *b)
{
    const char *sep = (a[0] && b[0]) ? "/" : "";
    int n = snprintf(out, cap, "%s%s%s", a, sep, b);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    return 0;
}

const char *an_fs_reason(fsa_fs *fs, int err, char *out, size_t cap)
{
    int64_t at;
    const char *dmg = fsa_fs_damage(fs, &at);
    if (dmg[0] && at >= 0)
        snprintf(out, cap, "%s, at byte %lld of the image", dmg, (long long)at);
    else if (dmg[0])
        snprintf(out, cap, "%s", dmg);
    else
        snprintf(out, cap, "%s", strerror(-err));
    return out;
}

int an_fs_unread(fsa_fs *fs, const char *path, int err, const char *what, const char *consequence,
                 an_facts *facts, sxs_diag *diag)
{
    char why[512], name[64];
    int64_t at;
    fsa_fs_damage(fs, &at);
    an_fs_reason(fs, err, why, sizeof(why));
    sxs_diag_add(diag, SXS_DIAG_ERROR, path, at, "cannot read %s on %s: %s%s%s", path,
                 fsa_fs_describe(fs), why, consequence ? "; " : "", consequence ? consequence : "");
    snprintf(name, sizeof(name), "unread.%s", what);
    return an_facts_add_str(facts, name, why, path, at);
}

int an_fs_stat(fsa_fs *fs, const char *path, fsa_stat *ret_st, sxs_diag *diag)
{
    int r = fsa_lookup(fs, path, ret_st);
    if (r < 0) {
        char why[512];
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "cannot look up %s on %s: %s", path,
                     fsa_fs_describe(fs), an_fs_reason(fs, r, why, sizeof(why)));
    }
    return r;
}

int an_fs_presence_fact(fsa_fs *fs, const char *path, bool want_dir, const char *name,
                        an_facts *facts, sxs_diag *diag, fsa_stat *st)
{
    int r = an_fs_stat(fs, path, st, diag);
    if (r < 0)
        return r;
    bool present = false;
    if (r == 1)
        present =
            want_dir ? (st->type == FSA_TYPE_DIR || st->is_reparse) : st->type != FSA_TYPE_DIR;
    int e = an_facts_add_bool(facts, name, present, path);
    if (e < 0)
        return e;
    return present ? 1 : 0;
}

bool an_fs_has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void an_strlist_init(an_strlist *l, size_t max)
{
    memset(l, 0, sizeof(*l));
    l->max = max;
}

void an_strlist_free(an_strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

int an_strlist_add(an_strlist *l, const char *s)
{
    if (l->count >= l->max) {
        l->dropped++;
        return -ENOSPC;
    }
    char **n = sxs_grow(l->items, &l->cap, l->count, sizeof(*n), 16);
    if (!n)
        return -ENOMEM;
    l->items = n;
    char *copy = strdup(s);
    if (!copy)
        return -ENOMEM;
    l->items[l->count++] = copy;
    return 0;
}

/* ---- single files and folders ----------------------------------------------------------- */

static int count_entry_cb(const fsa_dirent *ent, void *ctx)
{
    (void)ent;
    size_t *n = ctx;
    if (++*n >= SXS_MAX_DIR_ENTRIES)
        return 1;
    return 0;
}

/* Adds the fact name = number of entries directly in the folder at path (when it is one). */
static int count_dir_fact(fsa_fs *fs, const char *path, const char *name, an_facts *facts,
                          sxs_diag *diag)
{
    size_t n = 0;
    int r = fsa_list_dir(fs, path, count_entry_cb, &n);
    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "cannot list %s: %s", path, strerror(-r));
        return 0;
    }
    if (r > 0)
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s: stopped counting at %d entries", path,
                     SXS_MAX_DIR_ENTRIES);
    return an_facts_add_num(facts, name, (int64_t)n, path, -1);
}

typedef struct {
    const char *rel; /* below the Windows directory, or the volume root when at_root */
    bool at_root;
    bool want_dir;
    const char *fact;
} presence_check;

static const presence_check presence_checks[] = {
    {"System32/spupdsvc.exe", false, false, "file.spupdsvc.present"},
    {"System32/drivers/wimmount.sys", false, false, "file.wimmount_sys.present"},
    {"SoftwareDistribution", false, true, "wu.softwaredistribution.present"},
    {"System32/catroot2", false, true, "wu.catroot2.present"},
    {"$WINDOWS.~BT/Sources/Panther", true, true, "panther.upgrade_folder.present"},
    {"$WINDOWS.~BT/Sources/Rollback", true, true, "panther.rollback.present"},
};

static int collect_presence(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    fsa_stat st;
    for (size_t i = 0; i < sizeof(presence_checks) / sizeof(presence_checks[0]); i++) {
        const presence_check *c = &presence_checks[i];
        if (an_fs_join(path, sizeof(path), c->at_root ? "" : windows_dir, c->rel) < 0)
            continue;
        int r = an_fs_presence_fact(fs, path, c->want_dir, c->fact, facts, diag, &st);
        if (r == -ENOMEM)
            return r;
    }

    if (an_fs_join(path, sizeof(path), windows_dir, "SoftwareDistribution/Download") == 0) {
        int r = count_dir_fact(fs, path, "wu.softwaredistribution.download.entries", facts, diag);
        if (r < 0)
            return r;
    }
    if (an_fs_join(path, sizeof(path), windows_dir,
                   "SoftwareDistribution/DataStore/DataStore.edb") == 0) {
        int r = an_fs_presence_fact(fs, path, false, "wu.datastore.present", facts, diag, &st);
        if (r == -ENOMEM)
            return r;
        if (r == 1 && an_facts_add_num(facts, "wu.datastore.size", (int64_t)st.size, path, -1))
            return -ENOMEM;
    }
    return 0;
}

/* ---- IIS applicationHost.config --------------------------------------------------------- */

typedef enum {
    IIS_TEXT,
    IIS_COMMENT,
    IIS_AFTER_NAME, /* read "physicalPath", want '=' */
    IIS_AFTER_EQ,   /* want a quote */
    IIS_VALUE,
} iis_state;

typedef struct {
    fsa_fs *fs;
    const char *windows_dir;
    const char *source;
    an_facts *facts;
    sxs_diag *diag;
    iis_state state;
    size_t name_pos;    /* bytes of "physicalPath" matched */
    size_t comment_pos; /* bytes of "<!--" matched */
    unsigned dashes;    /* consecutive '-' inside a comment */
    unsigned char prev;
    char quote;
    char value[AN_IIS_MAX_VALUE + 1];
    size_t value_len;
    bool value_cut;
    uint64_t attr_offset;
    size_t seen;
    an_strlist missing; /* distinct values already reported */
} iis_scan;

static const char iis_attr[] = "physicalPath";

/* Decodes the XML entities an attribute value can hold, in place. Unknown ones stay as is. */
static void xml_decode(char *s)
{
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}};
    char *w = s;
    for (const char *r = s; *r;) {
        if (*r == '&') {
            bool done = false;
            for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]) && !done; i++) {
                size_t n = strlen(ents[i].ent);
                if (strncmp(r, ents[i].ent, n) == 0) {
                    *w++ = ents[i].ch;
                    r += n;
                    done = true;
                }
            }
            if (!done && r[1] == '#') {
                char *end;
                bool hex = r[2] == 'x' || r[2] == 'X';
                unsigned long v = strtoul(r + (hex ? 3 : 2), &end, hex ? 16 : 10);
                if (*end == ';' && v > 0 && v < 0x80 && end > r + (hex ? 3 : 2)) {
                    *w++ = (char)v;
                    r = end + 1;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

/* Turns a physicalPath into a volume-relative path. 1 with rel set, 0 when it cannot be
 * checked on this volume (why in *why). */
static int iis_to_volume_path(const char *v, const char *windows_dir, char *rel, size_t cap,
                              const char **why)
{
    static const char *const sysroot_vars[] = {"%SystemRoot%", "%windir%"};
    const char *rest = NULL;
    const char *base = "";
    if (an_fs_has_prefix_ci(v, "%SystemDrive%")) {
        rest = v + strlen("%SystemDrive%");
    } else {
        for (size_t i = 0; i < 2 && !rest; i++)
            if (an_fs_has_prefix_ci(v, sysroot_vars[i])) {
                rest = v + strlen(sysroot_vars[i]);
                base = windows_dir;
            }
    }
    if (!rest) {
        if (v[0] == '\\' && v[1] == '\\') {
            *why = "a network (UNC) path";
            return 0;
        }
        if (((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z') && v[1] == ':') {
            if ((v[0] | 0x20) != 'c') {
                *why = "on another drive letter";
                return 0;
            }
            rest = v + 2;
        }
    }
    if (!rest || strchr(rest, '%')) {
        *why = strchr(v, '%') ? "uses an environment variable we cannot expand offline"
                              : "not an absolute path";
        return 0;
    }
    if (rest[0] && rest[0] != '\\' && rest[0] != '/') {
        *why = "not an absolute path";
        return 0;
    }
    while (*rest == '\\' || *rest == '/')
        rest++;
    if (an_fs_join(rel, cap, base, rest) < 0) {
        *why = "too long";
        return 0;
    }
    for (char *p = rel; *p; p++)
        if (*p == '\\')
            *p = '/';
    return 1;
}

static int iis_value_done(iis_scan *s)
{
    s->value[s->value_len] = '\0';
    s->seen++;
    if (s->value_cut) {
        sxs_diag_add(s->diag, SXS_DIAG_WARN, s->source, (int64_t)s->attr_offset,
                     "physicalPath longer than %d bytes: not checked", AN_IIS_MAX_VALUE);
        return 0;
    }
    xml_decode(s->value);
    char *v = s->value;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        v[--n] = '\0';
    if (!*v)
        return 0;
    for (size_t i = 0; i < s->missing.count; i++)
        if (strcasecmp(s->missing.items[i], v) == 0)
            return 0;

    char rel[AN_FS_PATH_MAX];
    const char *why = NULL;
    if (!iis_to_volume_path(v, s->windows_dir, rel, sizeof(rel), &why)) {
        sxs_diag_add(s->diag, SXS_DIAG_INFO, s->source, (int64_t)s->attr_offset,
                     "physicalPath \"%s\" not checked: %s", v, why);
        return 0;
    }
    int r = an_reparse_path_exists(s->fs, rel, s->diag);
    if (r == 2)
        sxs_diag_add(s->diag, SXS_DIAG_INFO, s->source, (int64_t)s->attr_offset,
                     "physicalPath \"%s\" leads through a link to another volume: not checked", v);
    if (r != 0)
        return 0; /* exists, unknowable, or a read error already reported */
    int e = an_strlist_add(&s->missing, v);
    if (e == -ENOMEM)
        return e;
    return an_facts_add_str(s->facts, "iis.physical_path.missing", v, s->source,
                            (int64_t)s->attr_offset);
}

static bool is_xml_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One byte of the file. Returns 0, or -ENOMEM. */
static int iis_feed(iis_scan *s, unsigned char c, uint64_t off)
{
    int r = 0;
    switch (s->state) {
    case IIS_COMMENT:
        if (c == '>' && s->dashes >= 2)
            s->state = IIS_TEXT;
        s->dashes = c == '-' ? s->dashes + 1 : 0;
        break;
    case IIS_AFTER_NAME:
        if (c == '=')
            s->state = IIS_AFTER_EQ;
        else if (!is_xml_space(c))
            s->state = IIS_TEXT;
        break;
    case IIS_AFTER_EQ:
        if (c == '"' || c == '\'') {
            s->state = IIS_VALUE;
            s->quote = (char)c;
            s->value_len = 0;
            s->value_cut = false;
        } else if (!is_xml_space(c)) {
            s->state = IIS_TEXT;
        }
        break;
    case IIS_VALUE:
        if (c == (unsigned char)s->quote) {
            s->state = IIS_TEXT;
            if (s->seen < AN_IIS_MAX_PATHS)
                r = iis_value_done(s);
        } else if (s->value_len < AN_IIS_MAX_VALUE) {
            s->value[s->value_len++] = (char)c;
        } else {
            s->value_cut = true;
        }
        break;
    case IIS_TEXT:
        if (c == (unsigned char)"<!--"[s->comment_pos]) {
            if (++s->comment_pos == 4) {
                s->state = IIS_COMMENT;
                s->comment_pos = 0;
                s->dashes = 0;
                s->name_pos = 0;
                break;
            }
        } else {
            s->comment_pos = c == '<' ? 1 : 0;
        }
        if (s->name_pos > 0 && c == (unsigned char)iis_attr[s->name_pos]) {
            if (++s->name_pos == sizeof(iis_attr) - 1) {
                s->state = IIS_AFTER_NAME;
                s->name_pos = 0;
            }
        } else if (c == (unsigned char)iis_attr[0] && is_xml_space(s->prev)) {
            s->name_pos = 1;
            s->attr_offset = off;
        } else {
            s->name_pos = 0;
        }
        break;
    }
    s->prev = c;
    return r;
}

static int collect_iis(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    fsa_stat st;
    if (an_fs_join(path, sizeof(path), windows_dir,
                   "System32/inetsrv/config/applicationHost.config") < 0)
        return 0;
    int r = an_fs_presence_fact(fs, path, false, "iis.app_host_config.present", facts, diag, &st);
    if (r <= 0)
        return r == -ENOMEM ? r : 0;

    fsa_file *f = NULL;
    r = fsa_file_open(fs, path, &f);
    if (r <= 0) {
        if (r < 0)
            sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "cannot open: %s", strerror(-r));
        return 0;
    }
    iis_scan *s = calloc(1, sizeof(*s));
    unsigned char *buf = malloc(SXS_STREAM_CHUNK);
    if (!s || !buf) {
        free(s);
        free(buf);
        fsa_file_close(f);
        return -ENOMEM;
    }
    *s = (iis_scan){.fs = fs,
                    .windows_dir = windows_dir,
                    .source = path,
                    .facts = facts,
                    .diag = diag,
                    .state = IIS_TEXT,
                    .prev = ' '};
    an_strlist_init(&s->missing, AN_IIS_MAX_PATHS);

    uint64_t off = 0;
    int ret = 0;
    for (;;) {
        long n = fsa_file_read(f, off, buf, SXS_STREAM_CHUNK);
        if (n < 0) {
            const char *dmg = fsa_file_damage(f, NULL);
            sxs_diag_add(diag, SXS_DIAG_WARN, path, (int64_t)off, "read error: %s",
                         dmg[0] ? dmg : strerror((int)-n));
            break;
        }
        if (n == 0)
            break;
        if (off == 0 && n >= 2 &&
            ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF))) {
            sxs_diag_add(diag, SXS_DIAG_WARN, path, 0,
                         "UTF-16 applicationHost.config: physical paths not checked");
            break;
        }
        for (long i = 0; i < n && ret == 0; i++)
            ret = iis_feed(s, buf[i], off + (uint64_t)i);
        if (ret < 0)
            break;
        off += (uint64_t)n;
    }
    if (ret == 0 && s->seen > AN_IIS_MAX_PATHS)
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                     "more than %d physicalPath attributes: only the first were checked",
                     AN_IIS_MAX_PATHS);
    if (ret == 0)
        ret = an_facts_add_num(facts, "iis.physical_path.count", (int64_t)s->seen, path, -1);
    an_strlist_free(&s->missing);
    free(s);
    free(buf);
    fsa_file_close(f);
    return ret;
}

int an_fsfacts_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    int r = collect_presence(fs, windows_dir, facts, diag);
    if (r < 0)
        return r;
    return collect_iis(fs, windows_dir, facts, diag);
}
