/* fsaccess core: fsa_open dispatch (directory vs image), the evidence object's bookkeeping
 * (strings, segments, volumes), Windows install discovery over any backend, and the public
 * win_fs entry points, which forward to the backend's operation tables. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/sxs_limits.h"
#include "fsaccess/fsa_backend.h"
#include "common/sxs_grow.h"

static int keep_string(fsa_evidence *ev, char *s)
{
    char **n = sxs_grow(ev->strings, &ev->strings_cap, ev->nstrings, sizeof(*n), 32);
    if (!n)
        return -ENOMEM;
    ev->strings = n;
    ev->strings[ev->nstrings++] = s;
    return 0;
}

int fsa_ev_keep(fsa_evidence *ev, void *p)
{
    if (keep_string(ev, p) < 0) {
        free(p);
        return -ENOMEM;
    }
    return 0;
}

const char *fsa_ev_strdup(fsa_evidence *ev, const char *s)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        return NULL;
    if (keep_string(ev, c) < 0) {
        free(c);
        return NULL;
    }
    return c;
}

const char *fsa_ev_printf(fsa_evidence *ev, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if (keep_string(ev, s) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

int fsa_ev_set_segments(fsa_evidence *ev, const char *const *paths, size_t n)
{
    char **segs = calloc(n ? n : 1, sizeof(*segs));
    if (!segs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        segs[i] = strdup(paths[i]);
        if (!segs[i]) {
            for (size_t j = 0; j < i; j++)
                free(segs[j]);
            free(segs);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < ev->nsegments; i++)
        free(ev->segments[i]);
    free(ev->segments);
    ev->segments = segs;
    ev->nsegments = n;
    ev->info.segments = (const char *const *)segs;
    ev->info.segment_count = n;
    return 0;
}

static void fs_destroy(fsa_fs *fs)
{
    if (fs && fs->ops && fs->ops->destroy)
        fs->ops->destroy(fs);
}

int fsa_ev_add_volume(fsa_evidence *ev, uint64_t offset, uint64_t size, const char *fstype,
                      const char *label, const char *note, const char *ptype, fsa_fs *fs)
{
    if (ev->nvols >= SXS_MAX_VOLUMES) {
        fs_destroy(fs);
        return -E2BIG;
    }
    if (ev->nvols == ev->vols_cap) {
        size_t cap = ev->vols_cap ? ev->vols_cap * 2 : 8;
        fsa_volume_info *nv = realloc(ev->vols, cap * sizeof(*nv));
        if (!nv) {
            fs_destroy(fs);
            return -ENOMEM;
        }
        ev->vols = nv;
        fsa_fs **nf = realloc(ev->vol_fs, cap * sizeof(*nf));
        if (!nf) {
            fs_destroy(fs);
            return -ENOMEM;
        }
        ev->vol_fs = nf;
        ev->vols_cap = cap;
    }
    fsa_volume_info *v = &ev->vols[ev->nvols];
    v->index = (unsigned)ev->nvols;
    v->offset = offset;
    v->size = size;
    v->fs = fsa_ev_strdup(ev, fstype ? fstype : "unknown");
    v->label = fsa_ev_strdup(ev, label ? label : "");
    v->note = fsa_ev_strdup(ev, note ? note : "");
    v->partition_type = fsa_ev_strdup(ev, ptype ? ptype : "");
    v->table = "";
    v->has_guid = false;
    memset(v->part_guid, 0, sizeof(v->part_guid));
    memset(v->type_guid, 0, sizeof(v->type_guid));
    v->mbr_signature = 0;
    v->encryption = v->unlocked_with = v->protectors = v->shadow_error = "";
    v->n_shadows = 0;
    v->shadows = NULL;
    v->snapshot = NULL;
    if (!v->fs || !v->label || !v->note || !v->partition_type) {
        fs_destroy(fs);
        return -ENOMEM;
    }
    if (fs) {
        fs->ev = ev;
        fs->volume = v->index;
    }
    ev->vol_fs[ev->nvols] = fs;
    ev->nvols++;
    return 0;
}

int fsa_path_next(const char **p, char *comp, size_t comp_cap)
{
    const char *s = *p;
    for (;;) {
        while (*s == '/' || *s == '\\')
            s++;
        if (!*s) {
            *p = s;
            return 0;
        }
        size_t n = strcspn(s, "/\\");
        if (n == 1 && s[0] == '.') {
            s += n;
            continue;
        }
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return -EINVAL;
        if (n >= comp_cap)
            return -ENAMETOOLONG;
        memcpy(comp, s, n);
        comp[n] = '\0';
        *p = s + n;
        return 1;
    }
}

/* A volume holds an install when Windows/System32/config/SOFTWARE (any case) is a file. Only
 * those few index lookups are made: never a walk of the volume. */
int fsa_find_installs(fsa_evidence *ev, sxs_diag *diag)
{
    for (size_t i = 0; i < ev->nvols; i++) {
        fsa_fs *fs = ev->vol_fs[i];
        if (!fs)
            continue;
        fsa_stat st = {0};
        int r = fsa_lookup(fs, "Windows/System32/config/SOFTWARE", &st);
        if (r < 0) {
            /* damage on the path (a torn MFT record, a bad index): say what, and where */
            int64_t at;
            const char *dmg = fsa_fs_damage(fs, &at);
            /* a directory has no offsets: none is printed rather than "offset 0" */
            int64_t where = at >= 0                                ? at
                            : ev->info.format == FSA_FMT_DIRECTORY ? -1
                                                                   : (int64_t)ev->vols[i].offset;
            sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, where,
                         "%s: Windows/System32/config/SOFTWARE could not be looked up, so a "
                         "Windows installation there cannot be analysed: %s",
                         fsa_fs_describe(fs), dmg[0] ? dmg : strerror(-r));
            continue;
        }
        if (r == 0 || st.type != FSA_TYPE_FILE)
            continue;
        char name[FSA_MAX_NAME + 1];
        if (fsa_true_name(fs, "Windows", name, sizeof(name)) != 1)
            continue;
        fsa_install_info *n = realloc(ev->installs, (ev->ninstalls + 1) * sizeof(*n));
        if (!n)
            return -ENOMEM;
        ev->installs = n;
        fsa_install_info *in = &ev->installs[ev->ninstalls];
        in->index = (unsigned)ev->ninstalls;
        in->volume = (unsigned)i;
        in->windows_dir = fsa_ev_strdup(ev, name);
        in->fs = fs;
        if (!in->windows_dir)
            return -ENOMEM;
        ev->ninstalls++;
    }
    return 0;
}

/* --snapshot N: did any volume get read as its shadow copy N? If not, says why (the volumes
 * that have shadow copies already named theirs). */
static bool snapshot_read(fsa_evidence *ev, unsigned n, sxs_diag *diag)
{
    size_t with = 0, unlisted = 0;
    for (size_t i = 0; i < ev->nvols; i++) {
        if (ev->vols[i].snapshot)
            return true;
        with += ev->vols[i].n_shadows > 0;
        unlisted += ev->vols[i].shadow_error[0] != '\0';
    }
    if (!with && unlisted)
        sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, -1,
                     "--snapshot %u: the shadow copies of %s cannot be listed (damaged VSS "
                     "catalog or store, see above), so none can be read",
                     n, ev->info.path);
    else if (with)
        sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, -1,
                     "--snapshot %u: no volume of %s could be read as its shadow copy vss%u", n,
                     ev->info.path, n);
    else
        sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, -1,
                     "--snapshot %u: no volume of %s has shadow copies%s", n, ev->info.path,
                     ev->info.format == FSA_FMT_DIRECTORY
                         ? " (a directory has none: give the disk image or device)"
                         : "");
    return false;
}

int fsa_open(const char *path, sxs_diag *diag, fsa_evidence **ret_ev)
{
    return fsa_open_ex(path, NULL, diag, ret_ev);
}

int fsa_open_ex(const char *path, const fsa_open_opts *opts, sxs_diag *diag, fsa_evidence **ret_ev)
{
    if (!path || !ret_ev)
        return -EINVAL;
    struct stat st;
    if (stat(path, &st) < 0) {
        int e = errno;
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "cannot open %s: %s", path, strerror(e));
        return -e;
    }
    fsa_evidence *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    ev->info.path = fsa_ev_strdup(ev, path);
    if (!ev->info.path) {
        fsa_close(ev);
        return -ENOMEM;
    }
    int r;
    ev->opts = opts;
    if (S_ISDIR(st.st_mode))
        r = fsa_dirfs_open(ev, path, diag);
    else
        r = fsa_tsk_open(ev, path, &st, diag);
    ev->opts = NULL;
    if (r == 0 && opts && opts->snapshot && !snapshot_read(ev, opts->snapshot, diag))
        r = -ENOENT;
    if (r == 0)
        r = fsa_find_installs(ev, diag);
    if (r == 0 && ev->ninstalls == 0 && ev->info.format == FSA_FMT_DIRECTORY && ev->nvols == 1 &&
        ev->vol_fs[0] && fsa_lookup(ev->vol_fs[0], "System32/config/SOFTWARE", NULL) == 1)
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                     "%s looks like a Windows directory itself: give the volume root that "
                     "holds it (its parent)",
                     path);
    if (r < 0) {
        if (r == -ENOMEM)
            sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: out of memory", path);
        fsa_close(ev);
        return r;
    }
    *ret_ev = ev;
    return 0;
}

void fsa_close(fsa_evidence *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->nvols; i++)
        fs_destroy(ev->vol_fs[i]);
    if (ev->backend_close)
        ev->backend_close(ev);
    for (size_t i = 0; i < ev->nsegments; i++)
        free(ev->segments[i]);
    free(ev->segments);
    for (size_t i = 0; i < ev->nstrings; i++)
        free(ev->strings[i]);
    free(ev->strings);
    free(ev->vols);
    free(ev->vol_fs);
    free(ev->installs);
    free(ev);
}

const fsa_evidence_info *fsa_info(const fsa_evidence *ev)
{
    return ev ? &ev->info : NULL;
}

size_t fsa_volume_count(const fsa_evidence *ev)
{
    return ev ? ev->nvols : 0;
}

const fsa_volume_info *fsa_volume(const fsa_evidence *ev, size_t i)
{
    return ev && i < ev->nvols ? &ev->vols[i] : NULL;
}

fsa_fs *fsa_volume_fs(fsa_evidence *ev, size_t i)
{
    return ev && i < ev->nvols ? ev->vol_fs[i] : NULL;
}

int fsa_shadow_fs(fsa_evidence *ev, size_t i, unsigned shadow, sxs_diag *diag, fsa_fs **ret_fs)
{
    if (!ev || i >= ev->nvols || shadow < 1 || shadow > ev->vols[i].n_shadows || !ev->shadow_fs)
        return 0;
    return ev->shadow_fs(ev, i, shadow, diag, ret_fs);
}

size_t fsa_install_count(const fsa_evidence *ev)
{
    return ev ? ev->ninstalls : 0;
}

const fsa_install_info *fsa_install(const fsa_evidence *ev, size_t i)
{
    return ev && i < ev->ninstalls ? &ev->installs[i] : NULL;
}

static void damage_reset(fsa_fs *fs)
{
    fs->damage[0] = '\0';
    fs->damage_offset = -1;
}

const char *fsa_fs_damage(const fsa_fs *fs, int64_t *ret_offset)
{
    if (ret_offset)
        *ret_offset = fs && fs->damage[0] ? fs->damage_offset : -1;
    return fs ? fs->damage : "";
}

int fsa_lookup(fsa_fs *fs, const char *path, fsa_stat *ret_st)
{
    if (!fs || !path)
        return -EINVAL;
    damage_reset(fs);
    fsa_stat tmp;
    int r = fs->ops->lookup(fs, path, &tmp);
    if (r == 1 && ret_st)
        *ret_st = tmp;
    return r;
}

int fsa_true_name(fsa_fs *fs, const char *path, char *out, size_t out_cap)
{
    if (!fs || !path || !out || out_cap == 0)
        return -EINVAL;
    damage_reset(fs);
    return fs->ops->true_name(fs, path, out, out_cap);
}

int fsa_list_dir(fsa_fs *fs, const char *path, fsa_dir_cb cb, void *ctx)
{
    if (!fs || !path || !cb)
        return -EINVAL;
    damage_reset(fs);
    return fs->ops->list_dir(fs, path, cb, ctx);
}

int fsa_file_open(fsa_fs *fs, const char *path, fsa_file **ret_file)
{
    if (!fs || !path || !ret_file)
        return -EINVAL;
    damage_reset(fs);
    int r = fs->ops->file_open(fs, path, ret_file);
    if (r > 0)
        (*ret_file)->fs = fs;
    return r;
}

uint64_t fsa_file_size(const fsa_file *f)
{
    return f ? f->size : 0;
}

long fsa_file_read(fsa_file *f, uint64_t off, void *buf, size_t len)
{
    if (!f || (!buf && len))
        return -EINVAL;
    if (off >= f->size || len == 0)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    if (len > (size_t)(1L << 30)) /* keep the long return value meaningful */
        len = (size_t)(1L << 30);
    if (f->fs)
        damage_reset(f->fs);
    return f->ops->read(f, off, buf, len);
}

int fsa_file_read_full(fsa_file *f, uint64_t off, void *buf, size_t len, size_t *ret_got)
{
    uint8_t *p = buf;
    size_t got = 0;
    int ret = 0;
    while (got < len) {
        long n = fsa_file_read(f, off + got, p + got, len - got);
        if (n < 0) {
            ret = (int)n;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *ret_got = got;
    return ret;
}

const char *fsa_file_damage(const fsa_file *f, int64_t *ret_offset)
{
    if (!f || !f->fs) {
        if (ret_offset)
            *ret_offset = -1;
        return "";
    }
    return fsa_fs_damage(f->fs, ret_offset);
}

void fsa_file_close(fsa_file *f)
{
    if (f)
        f->ops->close(f);
}

const char *fsa_fs_describe(const fsa_fs *fs)
{
    return fs ? fs->desc : "(no filesystem)";
}

int fsa_fs_space(fsa_fs *fs, uint64_t *ret_total, uint64_t *ret_free)
{
    if (!fs || !ret_total || !ret_free)
        return -EINVAL;
    if (!fs->ops->space)
        return -ENOTSUP;
    uint64_t total = 0, free_bytes = 0;
    int r = fs->ops->space(fs, &total, &free_bytes);
    if (r < 0)
        return r;
    if (free_bytes > total)
        return -EBADMSG;
    *ret_total = total;
    *ret_free = free_bytes;
    return 0;
}

const fsa_evidence *fsa_fs_evidence(const fsa_fs *fs)
{
    return fs ? fs->ev : NULL;
}

unsigned fsa_fs_volume(const fsa_fs *fs)
{
    return fs->volume;
}

int fsa_fs_system_volume(fsa_fs *fs, size_t *ret_index, fsa_fs **ret_fs)
{
    if (!fs || !fs->ev)
        return 0;
    fsa_evidence *ev = fs->ev;
    size_t found = ev->nvols;
    for (size_t i = 0; i < ev->nvols; i++) {
        if (i == fs->volume)
            continue;
        const fsa_volume_info *v = &ev->vols[i];
        if (strcmp(v->note, "EFI System") == 0) {
            found = i;
            break; /* the ESP wins over a System Reserved volume */
        }
        if (found == ev->nvols && strcasecmp(v->label, "System Reserved") == 0)
            found = i;
    }
    if (found == ev->nvols)
        return 0;
    if (ret_index)
        *ret_index = found;
    if (ret_fs)
        *ret_fs = ev->vol_fs[found];
    return 1;
}
