/* fsaccess directory backend: a mounted Windows volume (or a triage copy) as one volume.
 * Every path is resolved component by component from a directory fd with openat/fstatat and
 * O_NOFOLLOW, matching names case-insensitively as Windows does (exact case first, then a
 * readdir scan). Symlinks (how ntfs-3g shows junctions) are reported as reparse points and
 * never followed, so a hostile link cannot lead outside the given directory. Nothing cached. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/sxs_checked.h"
#include "common/sxs_io.h"
#include "common/sxs_limits.h"
#include "fsaccess/fsa_backend.h"

typedef struct {
    fsa_fs base;
    int rootfd;
} dirfs;

typedef struct {
    fsa_file base;
    int fd;
} dirfs_file;

#define FSA_ATTR_DIRECTORY 0x10u
#define FSA_ATTR_REPARSE_POINT 0x400u

/* Finds comp in dirfd: exact case first (cheap), else the first case-insensitive match from a
 * scan. With want_true_case the scan is always made, so the on-disk spelling is returned even
 * on a case-insensitive host filesystem. 1 found (out set), 0 absent, negative on error. */
static int find_name(int dirfd, const char *comp, bool want_true_case, char *out, size_t cap)
{
    struct stat st;
    bool exact = fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exact && errno != ENOENT)
        return -errno;
    if (exact && !want_true_case) {
        if (strlen(comp) >= cap)
            return -ENAMETOOLONG;
        memcpy(out, comp, strlen(comp) + 1);
        return 1;
    }
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return -e;
    }
    int found = 0;
    size_t seen = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (++seen > SXS_MAX_DIR_ENTRIES)
            break;
        if (fsa_name_eq(de->d_name, comp)) {
            size_t n = strlen(de->d_name);
            if (n >= cap) {
                found = -ENAMETOOLONG;
                break;
            }
            memcpy(out, de->d_name, n + 1);
            found = 1;
            if (strcmp(de->d_name, comp) == 0)
                break; /* an exact match wins over a case-folded one */
        }
    }
    closedir(d);
    return found;
}

/* Walks path to its last component. On 1, *ret_parent is an fd of the containing directory
 * (caller closes) and name holds the on-disk name; for the root, name is "" and *ret_parent is
 * the root itself. 0 when a component is absent or a non-directory (symlinks are not followed). */
static int resolve(dirfs *fs, const char *path, bool true_case, int *ret_parent, char *name,
                   size_t cap)
{
    char comp[FSA_MAX_NAME + 1];
    /* a fresh open file description: a dup would share its directory offset */
    int cur = openat(fs->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return -errno;
    name[0] = '\0';
    const char *p = path;
    int r = fsa_path_next(&p, comp, sizeof(comp));
    unsigned depth = 0;
    while (r == 1) {
        if (++depth > SXS_MAX_PATH_DEPTH) {
            r = -ELOOP;
            break;
        }
        char next[FSA_MAX_NAME + 1];
        r = fsa_path_next(&p, next, sizeof(next));
        if (r < 0)
            break;
        bool last = r == 0;
        int f = find_name(cur, comp, true_case && last, name, cap);
        if (f <= 0) {
            r = f;
            break;
        }
        if (last) {
            *ret_parent = cur;
            return 1;
        }
        int sub = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            int e = errno;
            /* A file or link in the middle of the path: the path does not exist as such. */
            r = (e == ENOTDIR || e == ELOOP || e == ENOENT) ? 0 : -e;
            break;
        }
        close(cur);
        cur = sub;
        memcpy(comp, next, strlen(next) + 1);
        r = 1;
    }
    if (r == 0 && depth == 0) { /* the root itself */
        *ret_parent = cur;
        return 1;
    }
    close(cur);
    return r;
}

static void fill_stat(int parent, const char *name, const struct statx *sx, fsa_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->inode = sx->stx_ino;
    st->size = sx->stx_size;
    st->mtime = sx->stx_mtime.tv_sec;
    st->atime = sx->stx_atime.tv_sec;
    st->ctime = sx->stx_ctime.tv_sec;
    if (sx->stx_mask & STATX_BTIME)
        st->crtime = sx->stx_btime.tv_sec;
    mode_t m = sx->stx_mode;
    if (S_ISDIR(m)) {
        st->type = FSA_TYPE_DIR;
        st->size = 0; /* as on NTFS: a directory has no default data stream */
        st->attributes |= FSA_ATTR_DIRECTORY;
    } else if (S_ISREG(m)) {
        st->type = FSA_TYPE_FILE;
    } else {
        st->type = FSA_TYPE_OTHER;
    }
    if (S_ISLNK(m)) {
        st->is_reparse = true;
        st->reparse_tag = FSA_REPARSE_SYMLINK;
        st->attributes |= FSA_ATTR_REPARSE_POINT;
        st->size = 0;
        ssize_t n = readlinkat(parent, name, st->reparse_target, sizeof(st->reparse_target) - 1);
        st->reparse_target[n > 0 ? n : 0] = '\0';
    }
}

static int dirfs_lookup(fsa_fs *base, const char *path, fsa_stat *ret_st)
{
    dirfs *fs = (dirfs *)base;
    char name[FSA_MAX_NAME + 1];
    int parent;
    int r = resolve(fs, path, false, &parent, name, sizeof(name));
    if (r <= 0)
        return r;
    struct statx sx;
    int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);
    if (statx(parent, name, flags, STATX_BASIC_STATS | STATX_BTIME, &sx) < 0) {
        int e = errno;
        close(parent);
        return e == ENOENT ? 0 : -e;
    }
    fill_stat(parent, name, &sx, ret_st);
    close(parent);
    return 1;
}

static int dirfs_true_name(fsa_fs *base, const char *path, char *out, size_t out_cap)
{
    dirfs *fs = (dirfs *)base;
    char name[FSA_MAX_NAME + 1];
    int parent;
    int r = resolve(fs, path, true, &parent, name, sizeof(name));
    if (r <= 0)
        return r;
    close(parent);
    size_t n = strlen(name);
    if (n >= out_cap)
        return -ENAMETOOLONG;
    memcpy(out, name, n + 1);
    return 1;
}

/* Opens the directory at path without following links. fd >= 0, or -ENOENT / -ENOTDIR. */
static int open_dir(dirfs *fs, const char *path)
{
    char name[FSA_MAX_NAME + 1];
    int parent;
    int r = resolve(fs, path, false, &parent, name, sizeof(name));
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    if (!name[0])
        return parent;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(parent);
    if (fd < 0)
        return e == ELOOP ? -ENOTDIR : -e;
    return fd;
}

static int dirfs_list_dir(fsa_fs *base, const char *path, fsa_dir_cb cb, void *ctx)
{
    dirfs *fs = (dirfs *)base;
    int fd = open_dir(fs, path);
    if (fd < 0)
        return fd;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return -e;
    }
    int r = 0;
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (++count > SXS_MAX_DIR_ENTRIES) {
            r = -E2BIG;
            break;
        }
        unsigned char t = de->d_type;
        if (t == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        }
        fsa_dirent ent = {
            .name = de->d_name,
            .inode = de->d_ino,
            .type = t == DT_DIR   ? FSA_TYPE_DIR
                    : t == DT_REG ? FSA_TYPE_FILE
                                  : FSA_TYPE_OTHER,
        };
        r = cb(&ent, ctx);
        if (r != 0)
            break;
    }
    closedir(d);
    return r;
}

static long dirfs_file_read(fsa_file *base, uint64_t off, void *buf, size_t len)
{
    dirfs_file *f = (dirfs_file *)base;
    size_t done;
    int r = sxs_pread_full(f->fd, buf, len, off, &done);
    return r < 0 && done == 0 ? r : (long)done; /* bytes read before an error are returned */
}

static void dirfs_file_close(fsa_file *base)
{
    dirfs_file *f = (dirfs_file *)base;
    close(f->fd);
    free(f);
}

static const fsa_file_ops dirfs_file_ops = {
    .read = dirfs_file_read,
    .close = dirfs_file_close,
};

static int dirfs_file_open(fsa_fs *base, const char *path, fsa_file **ret_file)
{
    dirfs *fs = (dirfs *)base;
    char name[FSA_MAX_NAME + 1];
    int parent;
    int r = resolve(fs, path, false, &parent, name, sizeof(name));
    if (r <= 0)
        return r;
    if (!name[0]) {
        close(parent);
        return -EISDIR;
    }
    /* O_NONBLOCK: a FIFO planted in a triage copy must not hang us. */
    int fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    int e = errno;
    struct stat lst;
    if (fd < 0 && e == ELOOP && fstatat(parent, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(lst.st_mode))
        snprintf(fs->base.damage, sizeof(fs->base.damage),
                 "is a symbolic link in the directory evidence (links are not followed, on "
                 "purpose: they could point outside the evidence)");
    close(parent);
    if (fd < 0)
        return e == ENOENT ? 0 : -e;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        e = errno;
        close(fd);
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        if (!S_ISDIR(st.st_mode))
            snprintf(fs->base.damage, sizeof(fs->base.damage), "is a %s, not a regular file",
                     S_ISFIFO(st.st_mode)   ? "FIFO (named pipe)"
                     : S_ISSOCK(st.st_mode) ? "socket"
                     : S_ISCHR(st.st_mode)  ? "character device"
                     : S_ISBLK(st.st_mode)  ? "block device"
                                            : "special file");
        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    }
    dirfs_file *f = calloc(1, sizeof(*f));
    if (!f) {
        close(fd);
        return -ENOMEM;
    }
    f->base.ops = &dirfs_file_ops;
    f->base.size = (uint64_t)st.st_size;
    f->fd = fd;
    *ret_file = &f->base;
    return 1;
}

static void dirfs_destroy(fsa_fs *base)
{
    dirfs *fs = (dirfs *)base;
    close(fs->rootfd);
    free(fs);
}

/* The directory is the mounted volume: statvfs answers for the filesystem holding it. */
static int dirfs_space(fsa_fs *base, uint64_t *ret_total, uint64_t *ret_free)
{
    dirfs *fs = (dirfs *)base;
    struct statvfs sv;
    if (fstatvfs(fs->rootfd, &sv) < 0)
        return -errno;
    uint64_t frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
    uint64_t total, free_bytes;
    if (sxs_mul_u64((uint64_t)sv.f_blocks, frsize, &total) ||
        sxs_mul_u64((uint64_t)sv.f_bfree, frsize, &free_bytes) || free_bytes > total)
        return -EBADMSG;
    *ret_total = total;
    *ret_free = free_bytes;
    return 0;
}

static const fsa_fs_ops dirfs_ops = {
    .lookup = dirfs_lookup,
    .true_name = dirfs_true_name,
    .list_dir = dirfs_list_dir,
    .file_open = dirfs_file_open,
    .space = dirfs_space,
    .destroy = dirfs_destroy,
};

int fsa_dirfs_open(fsa_evidence *ev, const char *path, sxs_diag *diag)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "cannot open directory %s: %s", path,
                     strerror(e));
        return -e;
    }
    dirfs *fs = calloc(1, sizeof(*fs));
    if (!fs) {
        close(fd);
        return -ENOMEM;
    }
    fs->base.ops = &dirfs_ops;
    fs->rootfd = fd;
    snprintf(fs->base.desc, sizeof(fs->base.desc), "volume 0 (directory %s)", path);
    ev->info.format = FSA_FMT_DIRECTORY;
    ev->info.media_size = 0;
    ev->info.sector_size = 0;
    const char *segs[1] = {path};
    int r = fsa_ev_set_segments(ev, segs, 1);
    if (r < 0) {
        dirfs_destroy(&fs->base);
        return r;
    }
    return fsa_ev_add_volume(ev, 0, 0, "directory", "", "", "", &fs->base);
}
