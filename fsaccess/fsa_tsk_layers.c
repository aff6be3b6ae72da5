/* Volume layers over libtsk: a BitLocker volume unlocked through fsa_bde (libbde) becomes a
 * libtsk image of its own, so NTFS on it is opened exactly as on a clear volume; the shadow
 * copies of an NTFS volume are listed through fsa_vss (libvshadow), and each store can be
 * opened the same way as an image of its own (--snapshot N, fsa_shadow_fs). Both libraries
 * read the underlying volume through tsk_img_read at the partition offset, read-only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sxs_limits.h"
#include "fsaccess/fsa_tsk.h"
#include "fsaccess/fsa_yal.h"

/* A volume of the underlying image: [off, off + size). */
typedef struct {
    TSK_IMG_INFO *img;
    uint64_t off, size;
} vol_window;

static int window_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    vol_window *w = ctx;
    if (off > w->size || len > w->size - off || w->off + off > (uint64_t)INT64_MAX)
        return -EIO;
    if (tsk_img_read(w->img, (TSK_OFF_T)(w->off + off), buf, len) != (ssize_t)len) {
        tsk_error_reset();
        return -EIO;
    }
    return 0;
}

/* ---- BitLocker ---- */

typedef struct {
    TSK_IMG_INFO img; /* first: libtsk treats this struct as its TSK_IMG_INFO */
    vol_window win;   /* read by libbde: must outlive the fsa_bde */
    fsa_bde *bde;
} bde_img;

static ssize_t bde_img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    bde_img *b = (bde_img *)img;
    if (off < 0)
        return -1;
    return fsa_bde_read(b->bde, (uint64_t)off, buf, len);
}

static void bde_img_close(TSK_IMG_INFO *img)
{
    bde_img *b = (bde_img *)img;
    fsa_bde_close(b->bde);
    free(b);
}

static void bde_img_stat(TSK_IMG_INFO *img, FILE *out)
{
    fprintf(out, "BitLocker volume (libbde), %lld bytes\n", (long long)img->size);
}

static int keep_layer(fsa_tsk_ev *tev, TSK_IMG_INFO *img)
{
    TSK_IMG_INFO **n = realloc(tev->layers, (tev->nlayers + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    tev->layers = n;
    tev->layers[tev->nlayers++] = img;
    return 0;
}

int fsa_tsk_bde_unlock(fsa_evidence *ev, fsa_tsk_ev *tev, unsigned idx, uint64_t off, uint64_t size,
                       sxs_diag *diag, TSK_IMG_INFO **ret_img, const char **ret_with,
                       const char **ret_protectors)
{
    const char *src = ev->info.path;
    const fsa_open_opts *o = ev->opts;
    fsa_bde_keys keys = {0};
    if (o) {
        keys.recovery_password = o->recovery_password;
        keys.password = o->password;
        keys.startup_key_file = o->startup_key_file;
    }
    bool any_key = keys.recovery_password || keys.password || keys.startup_key_file;
    bde_img *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->win = (vol_window){.img = tev->img, .off = off, .size = size};
    char why[320];
    int r = fsa_bde_open(window_read, &b->win, size, &keys, &b->bde, why, sizeof(why));
    memset(&keys, 0, sizeof(keys));
    if (r == -ENOMEM) {
        free(b);
        return r;
    }
    if (r < 0) {
        free(b);
        const char *prot = r == -EACCES && !strncmp(why, "protectors: ", 12) ? why + 12 : "";
        *ret_protectors = fsa_ev_strdup(ev, prot);
        if (!*ret_protectors)
            return -ENOMEM;
        if (r == -EACCES && any_key)
            sxs_diag_add(diag, SXS_DIAG_ERROR, src, (int64_t)off,
                         "volume %u at offset %llu is BitLocker-encrypted and the key given "
                         "does not unlock it (wrong key, or a protector it does not have); "
                         "its protectors: %s",
                         idx, (unsigned long long)off, *prot ? prot : "none listed");
        else if (r == -EACCES)
            sxs_diag_add(diag, SXS_DIAG_WARN, src, (int64_t)off,
                         "volume %u at offset %llu is BitLocker-encrypted: its contents cannot "
                         "be read without unlocking it (its protectors: %s; give "
                         "--recovery-password-file, --password-file or --bek)",
                         idx, (unsigned long long)off, *prot ? prot : "none listed");
        else
            sxs_diag_add(diag, SXS_DIAG_WARN, src, (int64_t)off,
                         "volume %u at offset %llu is BitLocker-encrypted and its metadata "
                         "cannot be read: %s",
                         idx, (unsigned long long)off, why);
        return 1;
    }
    TSK_IMG_INFO *img = tsk_img_open_external(b, (TSK_OFF_T)fsa_bde_size(b->bde), 512, bde_img_read,
                                              bde_img_close, bde_img_stat);
    if (!img) {
        sxs_diag_add(diag, SXS_DIAG_WARN, src, (int64_t)off,
                     "volume %u at offset %llu: the unlocked BitLocker volume cannot be "
                     "opened: %s",
                     idx, (unsigned long long)off, fsa_tsk_errstr());
        tsk_error_reset();
        fsa_bde_close(b->bde);
        free(b);
        return 1;
    }
    *ret_protectors = fsa_ev_strdup(ev, fsa_bde_protectors(b->bde));
    *ret_with = fsa_bde_unlocked_with(b->bde);
    if (!*ret_protectors || keep_layer(tev, img) < 0) {
        tsk_img_close(img);
        return -ENOMEM;
    }
    *ret_img = img;
    return 0;
}

/* ---- shadow copies ---- */

static void guid_text(const uint8_t g[16], char out[40])
{
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3],
             g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

/* A volume with shadow copies: where libvshadow reads it, and the snapshot filesystems
 * opened so far (one per store, NULL until asked for). */
struct fsa_tsk_vss_vol {
    unsigned volume;
    vol_window win;
    size_t n;
    fsa_fs **fs;
    bool *failed; /* opening it failed once (said so): not tried again */
};

typedef struct {
    TSK_IMG_INFO img; /* first: libtsk treats this struct as its TSK_IMG_INFO */
    vol_window win;   /* read by libvshadow: must outlive the fsa_vss_snap */
    fsa_vss_snap *snap;
} vss_img;

static ssize_t vss_img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    vss_img *s = (vss_img *)img;
    if (off < 0)
        return -1;
    return fsa_vss_snap_read(s->snap, (uint64_t)off, buf, len);
}

static void vss_img_close(TSK_IMG_INFO *img)
{
    vss_img *s = (vss_img *)img;
    fsa_vss_snap_close(s->snap);
    free(s);
}

static void vss_img_stat(TSK_IMG_INFO *img, FILE *out)
{
    fprintf(out, "shadow copy (libvshadow), %lld bytes\n", (long long)img->size);
}

static void when_text(const fsa_shadow_info *sh, char *out, size_t cap)
{
    time_t t = (time_t)sh->created;
    struct tm tm;
    if (!sh->created || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, cap, "unknown date");
}

/* The shadow copy `shadow` of volume src as an NTFS filesystem. 0 with *ret_fs, negative with
 * a diag naming the volume and the store. */
static int open_shadow_fs(fsa_evidence *ev, fsa_tsk_ev *tev, const struct fsa_tsk_vss_vol *src,
                          unsigned shadow, sxs_diag *diag, fsa_fs **ret_fs)
{
    const fsa_volume_info *v = &ev->vols[src->volume];
    const fsa_shadow_info *sh = &v->shadows[shadow - 1];
    char when[32], why[320];
    when_text(sh, when, sizeof(when));
    vss_img *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->win = src->win;
    int r =
        fsa_vss_snap_open(window_read, &s->win, s->win.size, shadow, &s->snap, why, sizeof(why));
    if (r < 0) {
        free(s);
        if (r != -ENOMEM)
            sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, (int64_t)v->offset,
                         "volume %u: shadow copy vss%u {%s} of %s cannot be opened (damaged "
                         "store): %s",
                         v->index, shadow, sh->identifier, when, why[0] ? why : "no reason given");
        return r;
    }
    TSK_IMG_INFO *img = tsk_img_open_external(s, (TSK_OFF_T)fsa_vss_snap_size(s->snap), 512,
                                              vss_img_read, vss_img_close, vss_img_stat);
    if (!img) {
        tsk_error_reset();
        fsa_vss_snap_close(s->snap);
        free(s);
        return -ENOMEM;
    }
    if (keep_layer(tev, img) < 0) {
        tsk_img_close(img);
        return -ENOMEM;
    }
    TSK_FS_INFO *tfs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_NTFS);
    if (!tfs) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, (int64_t)v->offset,
                     "volume %u: shadow copy vss%u {%s} of %s holds no readable NTFS (its "
                     "store or block list is damaged, or it preserves a volume libtsk cannot "
                     "open): %s",
                     v->index, shadow, sh->identifier, when, fsa_tsk_errstr());
        tsk_error_reset();
        return -EBADMSG;
    }
    char desc[192];
    snprintf(desc, sizeof(desc), "volume %u (ntfs, shadow copy vss%u of %s)", v->index, shadow,
             when);
    fsa_fs *fs = fsa_tsk_fs_new(tev, tfs, desc);
    if (!fs) {
        tsk_fs_close(tfs);
        return -ENOMEM;
    }
    ((fsa_tsk_fs *)fs)->shadow = shadow;
    fs->ev = ev;
    fs->volume = v->index;
    *ret_fs = fs;
    return 0;
}

static struct fsa_tsk_vss_vol *vss_source(fsa_tsk_ev *tev, size_t vol)
{
    for (size_t i = 0; i < tev->nvss; i++)
        if (tev->vss[i].volume == vol)
            return &tev->vss[i];
    return NULL;
}

int fsa_tsk_shadow_fs(fsa_evidence *ev, size_t vol, unsigned shadow, sxs_diag *diag,
                      fsa_fs **ret_fs)
{
    fsa_tsk_ev *tev = ev->backend;
    struct fsa_tsk_vss_vol *src = tev ? vss_source(tev, vol) : NULL;
    if (!src || shadow < 1 || shadow > src->n)
        return 0;
    if (src->failed[shadow - 1])
        return -EBADMSG;
    if (!src->fs[shadow - 1]) {
        int r = open_shadow_fs(ev, tev, src, shadow, diag, &src->fs[shadow - 1]);
        if (r < 0) {
            src->failed[shadow - 1] = r != -ENOMEM;
            return r;
        }
    }
    *ret_fs = src->fs[shadow - 1];
    return 1;
}

void fsa_tsk_vss_free(fsa_tsk_ev *tev)
{
    for (size_t i = 0; i < tev->nvss; i++) {
        for (size_t k = 0; k < tev->vss[i].n; k++) {
            fsa_fs *fs = tev->vss[i].fs[k];
            if (fs && fs->ops->destroy)
                fs->ops->destroy(fs);
        }
        free(tev->vss[i].fs);
        free(tev->vss[i].failed);
    }
    free(tev->vss);
    tev->vss = NULL;
    tev->nvss = 0;
}

static int keep_source(fsa_tsk_ev *tev, unsigned volume, const vol_window *w, size_t n)
{
    struct fsa_tsk_vss_vol *nv = realloc(tev->vss, (tev->nvss + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    tev->vss = nv;
    fsa_fs **fs = calloc(n, sizeof(*fs));
    bool *failed = calloc(n, sizeof(*failed));
    if (!fs || !failed) {
        free(fs);
        free(failed);
        return -ENOMEM;
    }
    tev->vss[tev->nvss++] =
        (struct fsa_tsk_vss_vol){.volume = volume, .win = *w, .n = n, .fs = fs, .failed = failed};
    return 0;
}

/* --snapshot N on volume v (its stores listed): its filesystem becomes the one of store N.
 * Without store N, or when store N cannot be read, the volume is not read at all (an error
 * naming the stores it has): analysing today's volume instead would answer another question. */
static int read_as_snapshot(fsa_evidence *ev, fsa_tsk_ev *tev, fsa_volume_info *v, unsigned n,
                            sxs_diag *diag)
{
    fsa_fs *snap = NULL;
    int r = n <= v->n_shadows ? fsa_tsk_shadow_fs(ev, v->index, n, diag, &snap) : 0;
    if (r == -ENOMEM)
        return r;
    if (r == 0) {
        char list[1024];
        size_t o = 0;
        list[0] = '\0';
        for (size_t k = 0; k < v->n_shadows && o < sizeof(list); k++) {
            char when[32];
            when_text(&v->shadows[k], when, sizeof(when));
            int w = snprintf(list + o, sizeof(list) - o, "%svss%u of %s {%s}", k ? ", " : "",
                             v->shadows[k].index, when, v->shadows[k].identifier);
            o = w < 0 ? sizeof(list) : o + (size_t)w;
        }
        sxs_diag_add(diag, SXS_DIAG_ERROR, ev->info.path, (int64_t)v->offset,
                     "--snapshot %u: volume %u has no shadow copy vss%u; its %zu shadow "
                     "cop%s: %s",
                     n, v->index, n, v->n_shadows, v->n_shadows == 1 ? "y is" : "ies are", list);
    }
    fsa_fs *live = ev->vol_fs[v->index];
    if (live && live->ops->destroy)
        live->ops->destroy(live);
    ev->vol_fs[v->index] = NULL;
    if (r == 1) {
        /* the snapshot's fs is owned by its volume from now on, not by the source list */
        vss_source(tev, v->index)->fs[n - 1] = NULL;
        ev->vol_fs[v->index] = snap;
        v->snapshot = &v->shadows[n - 1];
        char when[32];
        when_text(v->snapshot, when, sizeof(when));
        v->note = fsa_ev_printf(ev, "%s%sread as its shadow copy vss%u of %s", v->note,
                                v->note[0] ? ", " : "", n, when);
        if (!v->note)
            return -ENOMEM;
    }
    return 0;
}

int fsa_tsk_vss_scan(fsa_evidence *ev, TSK_IMG_INFO *img, uint64_t off, uint64_t size,
                     fsa_volume_info *v, sxs_diag *diag)
{
    vol_window w = {.img = img, .off = off, .size = size};
    if (!fsa_vss_has_header(window_read, &w))
        return 0;
    /* Windows keeps at most 512 shadow copies per volume (64 before Windows 8) */
    enum { MAX_STORES = 512 };
    fsa_vss_store *st = calloc(MAX_STORES, sizeof(*st));
    if (!st)
        return -ENOMEM;
    size_t n = 0;
    char why[320];
    int r = fsa_vss_list(window_read, &w, size, st, MAX_STORES, &n, why, sizeof(why));
    if (r == -ENOMEM) {
        free(st);
        return r;
    }
    if (r < 0) {
        free(st);
        sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, (int64_t)off,
                     "volume %u at offset %llu: its shadow copies cannot be listed (damaged "
                     "VSS catalog or store): %s",
                     v->index, (unsigned long long)off, why[0] ? why : "no reason given");
        v->shadow_error = fsa_ev_strdup(ev, why[0] ? why : "damaged VSS catalog or store");
        return v->shadow_error ? 0 : -ENOMEM;
    }
    if (n > MAX_STORES) {
        sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, (int64_t)off,
                     "volume %u: %zu shadow copies, only the first %d are listed", v->index, n,
                     MAX_STORES);
        n = MAX_STORES;
    }
    if (n == 0) {
        free(st);
        return 0;
    }
    fsa_shadow_info *out = calloc(n, sizeof(*out));
    if (!out) {
        free(st);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        out[i].index = (unsigned)i + 1;
        guid_text(st[i].identifier, out[i].identifier);
        guid_text(st[i].copy_set_identifier, out[i].copy_set);
        out[i].created_ft = st[i].creation_filetime;
        /* FILETIME 0 is 1601: leave it as 0 (unknown) rather than a negative Unix time */
        out[i].created =
            st[i].creation_filetime >= 116444736000000000ull
                ? (int64_t)((st[i].creation_filetime - 116444736000000000ull) / 10000000ull)
                : 0;
        out[i].volume_size = st[i].volume_size;
        out[i].store_size = st[i].store_size;
    }
    free(st);
    if (fsa_ev_keep(ev, out) < 0)
        return -ENOMEM;
    v->shadows = out;
    v->n_shadows = n;
    fsa_tsk_ev *tev = ev->backend;
    if (keep_source(tev, v->index, &w, n) < 0)
        return -ENOMEM;
    if (ev->opts && ev->opts->snapshot)
        return read_as_snapshot(ev, tev, v, ev->opts->snapshot, diag);
    return 0;
}
