/* fsaccess internal: the evidence object every backend fills, and the per-filesystem and
 * per-file operation tables (directory backend, libtsk backend). Not for other modules. */
#ifndef FSA_BACKEND_H
#define FSA_BACKEND_H

#include <sys/stat.h>

#include "fsaccess/fsa.h"

typedef struct {
    int (*lookup)(fsa_fs *fs, const char *path, fsa_stat *ret_st);
    int (*true_name)(fsa_fs *fs, const char *path, char *out, size_t out_cap);
    int (*list_dir)(fsa_fs *fs, const char *path, fsa_dir_cb cb, void *ctx);
    int (*file_open)(fsa_fs *fs, const char *path, fsa_file **ret_file);
    int (*space)(fsa_fs *fs, uint64_t *ret_total, uint64_t *ret_free); /* NULL: -ENOTSUP */
    void (*destroy)(fsa_fs *fs);
} fsa_fs_ops;

/* Backends embed this as the first member of their own filesystem struct. */
struct fsa_fs {
    const fsa_fs_ops *ops;
    fsa_evidence *ev;
    unsigned volume;
    char desc[192];
    /* The damaged structure behind the last failed call (fsa_fs_damage); reset by each call. */
    char damage[512];
    int64_t damage_offset;
};

typedef struct {
    long (*read)(fsa_file *f, uint64_t off, void *buf, size_t len);
    void (*close)(fsa_file *f);
} fsa_file_ops;

/* Backends embed this as the first member of their own file struct. */
struct fsa_file {
    const fsa_file_ops *ops;
    uint64_t size;
    fsa_fs *fs; /* the filesystem it was opened on (set by fsa_file_open) */
};

struct fsa_evidence {
    fsa_evidence_info info;
    char **segments; /* owned; info.segments points here */
    size_t nsegments;
    fsa_volume_info *vols;
    fsa_fs **vol_fs; /* parallel to vols; NULL when unreadable */
    size_t nvols, vols_cap;
    fsa_install_info *installs;
    size_t ninstalls;
    char **strings; /* every string the info structs point at, freed at close */
    size_t nstrings, strings_cap;
    const fsa_open_opts *opts; /* key material, only while fsa_open_ex runs, else NULL */
    void (*backend_close)(fsa_evidence *ev); /* frees backend; called after the fs are gone */
    /* fsa_shadow_fs; NULL for backends without shadow copies */
    int (*shadow_fs)(fsa_evidence *ev, size_t vol, unsigned shadow, sxs_diag *diag,
                     fsa_fs **ret_fs);
    void *backend;
};

/* Keeps a copy of s for the evidence's lifetime; NULL on allocation failure (or s NULL). */
const char *fsa_ev_strdup(fsa_evidence *ev, const char *s);
/* Same, formatted. */
const char *fsa_ev_printf(fsa_evidence *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Keeps p (malloc'd) until the evidence is closed; frees it and returns -ENOMEM on failure. */
int fsa_ev_keep(fsa_evidence *ev, void *p);
/* Sets the segment list (copies every path). 0 or -ENOMEM. */
int fsa_ev_set_segments(fsa_evidence *ev, const char *const *paths, size_t n);
/* Appends a volume; strings are copied. fs may be NULL; the evidence takes ownership.
 * 0, -ENOMEM, or -E2BIG past SXS_MAX_VOLUMES (fs is destroyed then). */
int fsa_ev_add_volume(fsa_evidence *ev, uint64_t offset, uint64_t size, const char *fstype,
                      const char *label, const char *note, const char *ptype, fsa_fs *fs);

/* Path components: '/' and '\\' separate, empty and "." components are skipped.
 * Copies the next component of *p into comp and advances *p. 1 when one was found, 0 at the
 * end, -ENAMETOOLONG when it does not fit, -EINVAL for ".." (never climb above the root). */
int fsa_path_next(const char **p, char *comp, size_t comp_cap);

/* Compares UTF-8 names case-insensitively the way Windows does for common scripts
 * (fsa_name.c). */
bool fsa_name_eq(const char *a, const char *b);
/* A hash equal for all names fsa_name_eq calls equal. */
uint32_t fsa_name_hash(const char *name);

/* Looks for Windows installs on every readable volume (fsa_core.c). 0 or -ENOMEM. */
int fsa_find_installs(fsa_evidence *ev, sxs_diag *diag);

/* Backends. Both fill ev (info, segments, volumes) or return negative with a diag. */
int fsa_dirfs_open(fsa_evidence *ev, const char *path, sxs_diag *diag);
int fsa_tsk_open(fsa_evidence *ev, const char *path, const struct stat *st, sxs_diag *diag);

/* Longest single name component we accept (NTFS: 255 UTF-16 units, up to 3 UTF-8 bytes each). */
#define FSA_MAX_NAME 768

#endif
