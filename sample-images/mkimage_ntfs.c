/* sxs-mkimage: formats an NTFS partition file with mkntfs and fills it through libntfs-3g
 * (directories, files, junctions, registry hives), without FUSE, mounting or root. */
#include "sample-images/mkimage.h"
#include "sample-images/mkhive.h"

/* ntfs-3g's headers expect config.h-style macros and these system headers first. */
#define HAVE_STDARG_H 1
#define HAVE_TIME_H 1
#define HAVE_SYS_STAT_H 1
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/reparse.h>
#include <ntfs-3g/runlist.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WRITE_CHUNK = 1024 * 1024, NTFS_MAX_NAME = 255 };
#define JUNCTION_TAG 0xA0000003u
#define SYMLINK_TAG 0xA000000Cu

struct writer {
    ntfs_volume *vol;
    const char *tmpdir;
    char *errbuf;
    size_t errlen;
    /* the directory used last, kept open: siblings are usually declared together */
    char *cached_path;
    ntfs_inode *cached_ni;
};

static int werr(struct writer *w, int err, const char *what, const char *path)
{
    snprintf(w->errbuf, w->errlen, "%s '%s': %s", what, path, strerror(err));
    return -err;
}

/* UTF-8 name -> NTFS name (UTF-16LE units, host order equals LE on the targets we build on). */
static int to_ntfs_name(const char *name, size_t n, ntfschar **ret, int *ret_len)
{
    char *tmp = strndup(name, n);
    if (!tmp)
        return -ENOMEM;
    uint8_t *u;
    size_t bytes;
    int r = mkhive_utf16le(tmp, &u, &bytes);
    free(tmp);
    if (r < 0)
        return r;
    size_t units = bytes / 2 - 1;
    if (units == 0 || units > NTFS_MAX_NAME) {
        free(u);
        return -ENAMETOOLONG;
    }
    *ret = (ntfschar *)u;
    *ret_len = (int)units;
    return 0;
}

static int is_dir(ntfs_inode *ni)
{
    return (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) != 0;
}

/* Opens (creating as needed) the directory at path ("" = root). The result stays owned by
 * the cache; callers must not close it. */
static int open_dir(struct writer *w, const char *path, ntfs_inode **ret)
{
    if (w->cached_ni && strcmp(w->cached_path, path) == 0) {
        *ret = w->cached_ni;
        return 0;
    }
    if (w->cached_ni) {
        ntfs_inode_close(w->cached_ni);
        w->cached_ni = NULL;
        free(w->cached_path);
        w->cached_path = NULL;
    }
    ntfs_inode *ni = ntfs_inode_open(w->vol, FILE_root);
    if (!ni)
        return werr(w, errno, "open root of", path);
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        ntfschar *u;
        int ulen, r = to_ntfs_name(p, n, &u, &ulen);
        if (r < 0) {
            ntfs_inode_close(ni);
            return werr(w, -r, "name in", path);
        }
        u64 mref = ntfs_inode_lookup_by_name(ni, u, ulen);
        ntfs_inode *child;
        if (mref == (u64)-1)
            child = ntfs_create(ni, const_cpu_to_le32(0), u, (u8)ulen, S_IFDIR);
        else
            child = ntfs_inode_open(w->vol, MREF(mref));
        int err = errno;
        free(u);
        ntfs_inode_close(ni);
        if (!child)
            return werr(w, err ? err : EIO, "create directory", path);
        if (!is_dir(child)) {
            ntfs_inode_close(child);
            return werr(w, ENOTDIR, "parent is a file:", path);
        }
        ni = child;
        p = e ? e + 1 : p + n;
    }
    w->cached_path = strdup(path);
    if (!w->cached_path) {
        ntfs_inode_close(ni);
        return -ENOMEM;
    }
    w->cached_ni = ni;
    *ret = ni;
    return 0;
}

/* Creates the last component of path in its parent; *ret_ni is NULL when a directory of
 * that name exists already (only allowed for directories). The new inode must be closed
 * with close_entry: its parent is still open (and maybe not yet on disk), so the file-name
 * update must go through that open parent, not a second copy read from disk. */
static int create_entry(struct writer *w, const char *path, mode_t type, ntfs_inode **ret_ni)
{
    const char *slash = strrchr(path, '/');
    char *parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
    const char *name = slash ? slash + 1 : path;
    if (!parent)
        return -ENOMEM;
    ntfs_inode *dir = NULL;
    int r = open_dir(w, parent, &dir);
    free(parent);
    if (r < 0)
        return r;
    ntfschar *u;
    int ulen;
    if ((r = to_ntfs_name(name, strlen(name), &u, &ulen)) < 0)
        return werr(w, -r, "name", path);
    u64 mref = ntfs_inode_lookup_by_name(dir, u, ulen);
    if (mref != (u64)-1) {
        free(u);
        if (type == S_IFDIR) {
            ntfs_inode *ni = ntfs_inode_open(w->vol, MREF(mref));
            int dir_ok = ni && is_dir(ni);
            if (ni)
                ntfs_inode_close_in_dir(ni, dir);
            if (dir_ok) {
                *ret_ni = NULL;
                return 0;
            }
        }
        return werr(w, EEXIST, "create", path);
    }
    ntfs_inode *ni = ntfs_create(dir, const_cpu_to_le32(0), u, (u8)ulen, type);
    int err = errno;
    free(u);
    if (!ni)
        return werr(w, err ? err : EIO, "create", path);
    *ret_ni = ni;
    return 0;
}

/* Gives a new file or junction the scenario's times (all four $STANDARD_INFORMATION times;
 * the parent's index entry follows at close). */
static void set_times(ntfs_inode *ni, uint64_t filetime)
{
    if (!filetime)
        return;
    ntfs_time t = cpu_to_sle64((int64_t)filetime);
    ni->creation_time = ni->last_data_change_time = t;
    ni->last_mft_change_time = ni->last_access_time = t;
    NInoSetDirty(ni);
    NInoFileNameSetDirty(ni);
}

static int close_entry(struct writer *w, ntfs_inode *ni)
{
    return ntfs_inode_close_in_dir(ni, w->cached_ni);
}

static int write_data(struct writer *w, ntfs_inode *ni, const char *path, const void *buf,
                      uint64_t len, uint64_t off)
{
    ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
    if (!na)
        return werr(w, errno, "open data of", path);
    int r = 0;
    uint64_t done = 0;
    while (done < len) {
        s64 n =
            ntfs_attr_pwrite(na, (s64)(off + done), (s64)(len - done), (const char *)buf + done);
        if (n <= 0) {
            r = werr(w, n < 0 ? errno : EIO, "write", path);
            break;
        }
        done += (uint64_t)n;
    }
    ntfs_attr_close(na);
    return r;
}

struct ntfs_sink_arg {
    struct writer *w;
    ntfs_inode *ni;
    const char *path;
};

static int ntfs_sink(void *arg, const void *buf, size_t len, uint64_t off)
{
    struct ntfs_sink_arg *a = arg;
    return write_data(a->w, a->ni, a->path, buf, len, off);
}

static int write_file(struct writer *w, const struct mki_node *n)
{
    ntfs_inode *ni = NULL;
    int r = create_entry(w, n->path, S_IFREG, &ni);
    if (r < 0)
        return r;
    struct ntfs_sink_arg a = {w, ni, n->path};
    r = mki_write_content(n, w->tmpdir, ntfs_sink, &a);
    set_times(ni, n->filetime);
    if (r < 0 && !w->errbuf[0])
        werr(w, -r, "write", n->path);
    if (close_entry(w, ni) && r == 0)
        r = werr(w, errno, "close", n->path);
    return r;
}

/* A junction (IO_REPARSE_TAG_MOUNT_POINT) or symbolic link (IO_REPARSE_TAG_SYMLINK) as
 * Windows writes its REPARSE_DATA_BUFFER: substitute name "\??\X:\..." (a volume mount
 * point's target is already in that form and has an empty print name; a relative symlink
 * keeps its text and flag 1), names NUL-terminated in the buffer, lengths without the NUL. */
static int write_link(struct writer *w, const struct mki_node *n)
{
    int symlink = n->kind == MKI_NODE_SYMLINK;
    ntfs_inode *ni = NULL;
    int r = create_entry(w, n->path, n->link_is_dir ? S_IFDIR : S_IFREG, &ni);
    if (r < 0)
        return r;
    if (!ni)
        return werr(w, EEXIST, "link over an existing directory", n->path);
    int absolute = n->target[1] == ':';
    int volume = strncmp(n->target, "\\??\\", 4) == 0;
    char *subst = NULL;
    const char *print = volume ? "" : n->target;
    uint8_t *us = NULL, *up = NULL;
    size_t ls = 0, lp = 0;
    if (absolute ? asprintf(&subst, "\\??\\%s", n->target) < 0 : !(subst = strdup(n->target))) {
        subst = NULL;
        r = -ENOMEM;
    }
    if (r == 0)
        r = mkhive_utf16le(subst, &us, &ls); /* lengths include the NUL terminator */
    if (r == 0)
        r = mkhive_utf16le(print, &up, &lp);
    size_t head = symlink ? 20 : 16; /* a symlink has a 32-bit Flags field */
    uint8_t *buf = NULL;
    size_t size = head + ls + lp;
    if (r == 0 && (size - 8 > 0xFFFF || !(buf = calloc(1, size))))
        r = size - 8 > 0xFFFF ? -ENAMETOOLONG : -ENOMEM;
    if (r == 0) {
        uint32_t tag = symlink ? SYMLINK_TAG : JUNCTION_TAG;
        uint32_t flags = symlink && !absolute ? 1 : 0; /* SYMLINK_FLAG_RELATIVE */
        uint16_t f[6] = {(uint16_t)(size - 8), 0, 0, (uint16_t)(ls - 2), (uint16_t)ls,
                         (uint16_t)(lp - 2)};
        memcpy(buf, &tag, 4);
        memcpy(buf + 4, f, sizeof f);
        if (symlink)
            memcpy(buf + 16, &flags, 4);
        memcpy(buf + head, us, ls);
        memcpy(buf + head + ls, up, lp);
        if (ntfs_set_ntfs_reparse_data(ni, (const char *)buf, size, 0))
            r = werr(w, errno, "set reparse data of", n->path);
        set_times(ni, n->filetime);
    }
    free(buf);
    free(us);
    free(up);
    free(subst);
    if (close_entry(w, ni) && r == 0)
        r = werr(w, errno, "close", n->path);
    return r;
}

static int read_whole(const char *path, struct mki_bytes *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char buf[65536];
    ssize_t n;
    int r = 0;
    while (r == 0 && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        r = mki_bytes_append(out, buf, (size_t)n);
    }
    close(fd);
    return r;
}

static int apply_ops(const struct mki_hive *h, const char *file, size_t from, size_t to,
                     char *errbuf, size_t errlen)
{
    mkhive *mh = NULL;
    int r = mkhive_open(file, &mh);
    for (size_t i = from; r == 0 && i < to; i++) {
        const struct mki_regop *op = &h->ops[i];
        r = op->name ? mkhive_put(mh, op->key, op->name, op->type, op->data, op->len)
                     : mkhive_put_key(mh, op->key);
        if (r < 0)
            snprintf(errbuf, errlen, "%s: key '%s' value '%s': %s", h->path, op->key,
                     op->name ? op->name : "", strerror(-r));
    }
    if (r == 0)
        r = mkhive_commit(mh);
    else
        mkhive_close(mh);
    return r;
}

static int copy_file(const char *from, const char *to)
{
    struct mki_bytes b = {0};
    int r = read_whole(from, &b);
    int fd = r == 0 ? open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (r == 0 && fd < 0)
        r = -errno;
    if (fd >= 0) {
        if (write(fd, b.data, b.len) != (ssize_t)b.len)
            r = -EIO;
        if (close(fd) < 0 && r == 0)
            r = -errno;
    }
    free(b.data);
    return r;
}

int mki_build_hive(const struct mki_hive *h, const char *file, char *errbuf, size_t errlen)
{
    unlink(file);
    size_t split = h->logged ? h->logged_from : h->n_ops;
    int r = apply_ops(h, file, 0, split, errbuf, errlen);
    if (r == 0 && h->logged) {
        char *final = NULL, *log = NULL;
        if (asprintf(&final, "%s.final", file) < 0 || asprintf(&log, "%s.LOG1", file) < 0)
            r = -ENOMEM;
        if (r == 0)
            r = copy_file(file, final);
        if (r == 0)
            r = apply_ops(h, final, split, h->n_ops, errbuf, errlen);
        if (r == 0)
            r = mkhive_make_dirty_with_log(file, final, log);
        if (final)
            unlink(final);
        free(final);
        free(log);
    } else if (r == 0 && h->dirty) {
        r = mkhive_mark_dirty(file);
    }
    if (r < 0 && !errbuf[0])
        snprintf(errbuf, errlen, "hive %s: %s", h->path, strerror(-r));
    return r;
}

/* Copies a host file (a built hive or log) into the volume at vol_path. */
static int put_host_file(struct writer *w, const char *vol_path, const char *host_path,
                         uint64_t filetime)
{
    struct mki_bytes bytes = {0};
    int r = host_path ? read_whole(host_path, &bytes) : 0;
    if (r == 0) {
        ntfs_inode *ni = NULL;
        r = create_entry(w, vol_path, S_IFREG, &ni);
        if (r == 0) {
            if (bytes.len)
                r = write_data(w, ni, vol_path, bytes.data, bytes.len, 0);
            if (r == 0)
                set_times(ni, filetime);
            if (close_entry(w, ni) && r == 0)
                r = werr(w, errno, "close", vol_path);
        }
    }
    if (r < 0 && !w->errbuf[0])
        snprintf(w->errbuf, w->errlen, "%s: %s", vol_path, strerror(-r));
    free(bytes.data);
    return r;
}

static int write_hive(struct writer *w, const struct mki_hive *h, const char *tmpdir, size_t idx)
{
    char *file = NULL, *log = NULL, *vlog1 = NULL, *vlog2 = NULL;
    if (asprintf(&file, "%s/hive%zu", tmpdir, idx) < 0 ||
        asprintf(&log, "%s/hive%zu.LOG1", tmpdir, idx) < 0 ||
        asprintf(&vlog1, "%s.LOG1", h->path) < 0 || asprintf(&vlog2, "%s.LOG2", h->path) < 0) {
        free(file);
        free(log);
        free(vlog1);
        return -ENOMEM;
    }
    int r = mki_build_hive(h, file, w->errbuf, w->errlen);
    if (r == 0)
        r = put_host_file(w, h->path, file, h->filetime);
    if (r == 0 && h->logged)
        r = put_host_file(w, vlog1, log, h->filetime);
    if (r == 0 && h->logged)
        r = put_host_file(w, vlog2, NULL, h->filetime); /* Windows keeps both; this one is empty */
    unlink(file);
    unlink(log);
    free(file);
    free(log);
    free(vlog1);
    free(vlog2);
    return r;
}

static int format(const struct mki_part *part, const char *path)
{
    char start[32];
    snprintf(start, sizeof start, "%llu", (unsigned long long)(part->start / MKI_SECTOR));
    char *argv[] = {"mkntfs",     "-F",  "-Q", "-T",  "-q",
                    "-s",         "512", "-p", start, "-H",
                    "255",        "-S",  "63", "-L",  part->label ? part->label : "",
                    (char *)path, NULL};
    return mki_run(argv, NULL);
}

/* ntfs_readdir callback: the Win32/POSIX names of a directory's entries. */
struct names {
    char **v;
    size_t n, cap;
};

static int collect_name(void *arg, const ntfschar *name, const int len, const int type,
                        const s64 pos, const MFT_REF mref, const unsigned dt_type)
{
    (void)pos;
    (void)mref;
    (void)dt_type;
    struct names *ns = arg;
    if (type == FILE_NAME_DOS)
        return 0;
    char *mbs = NULL;
    if (ntfs_ucstombs(name, len, &mbs, 0) < 0)
        return -1;
    if (strcmp(mbs, ".") == 0 || strcmp(mbs, "..") == 0) {
        free(mbs);
        return 0;
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 16;
        char **v = realloc(ns->v, cap * sizeof *v);
        if (!v) {
            free(mbs);
            return -1;
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = mbs;
    return 0;
}

/* Removes path and, for a directory, everything below it (a `delete` line). */
static int delete_tree(struct writer *w, const char *path)
{
    ntfs_inode *ni = ntfs_pathname_to_inode(w->vol, NULL, path);
    if (!ni)
        return werr(w, errno, "delete: no", path);
    int r = 0;
    if (is_dir(ni)) {
        struct names ns = {0};
        s64 pos = 0;
        if (ntfs_readdir(ni, &pos, &ns, collect_name))
            r = werr(w, errno ? errno : EIO, "delete: read directory", path);
        ntfs_inode_close(ni);
        for (size_t i = 0; i < ns.n; i++) {
            char *child;
            if (r == 0 && asprintf(&child, "%s/%s", path, ns.v[i]) >= 0) {
                r = delete_tree(w, child);
                free(child);
            }
            free(ns.v[i]);
        }
        free(ns.v);
        if (r < 0)
            return r;
        ni = ntfs_pathname_to_inode(w->vol, NULL, path);
        if (!ni)
            return werr(w, errno, "delete: no", path);
    }
    const char *slash = strrchr(path, '/');
    char *parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
    const char *name = slash ? slash + 1 : path;
    ntfs_inode *dir =
        parent ? ntfs_pathname_to_inode(w->vol, NULL, parent[0] ? parent : "/") : NULL;
    free(parent);
    ntfschar *u = NULL;
    int ulen = 0;
    if (!dir || to_ntfs_name(name, strlen(name), &u, &ulen) < 0) {
        if (dir)
            ntfs_inode_close(dir);
        ntfs_inode_close(ni);
        return werr(w, errno ? errno : EIO, "delete: parent of", path);
    }
    /* ntfs_delete closes both inodes */
    if (ntfs_delete(w->vol, path, ni, dir, u, (u8)ulen))
        r = werr(w, errno, "delete", path);
    free(u);
    return r;
}

/* The VSS reservations (System Volume Information\{...}{3808876b-...} files), written
 * first with a non-zero pattern so that their clusters are allocated, not sparse. */
static int write_reservations(struct writer *w, struct mki_ntfs_state *st)
{
    uint8_t *buf = malloc(WRITE_CHUNK);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0x5a, WRITE_CHUNK);
    int r = 0;
    for (size_t i = 0; r == 0 && i < st->n_resv; i++) {
        ntfs_inode *ni = NULL;
        const char *path = st->resv[i].path;
        if ((r = create_entry(w, path, S_IFREG, &ni)) < 0)
            break;
        for (uint64_t off = 0; r == 0 && off < st->resv[i].size; off += WRITE_CHUNK) {
            uint64_t n =
                st->resv[i].size - off < WRITE_CHUNK ? st->resv[i].size - off : WRITE_CHUNK;
            r = write_data(w, ni, path, buf, n, off);
        }
        if (close_entry(w, ni) && r == 0)
            r = werr(w, errno, "close", path);
    }
    free(buf);
    return r;
}

/* The clusters of each kept reservation, as byte extents of the volume. */
static int map_reservations(struct writer *w, struct mki_ntfs_state *st)
{
    for (size_t i = 0; i < st->n_resv; i++) {
        struct mki_resv *rv = &st->resv[i];
        ntfs_inode *ni = ntfs_pathname_to_inode(w->vol, NULL, rv->path);
        if (!ni)
            return werr(w, errno, "open", rv->path);
        rv->mft_ref = MK_MREF(ni->mft_no, le16_to_cpu(ni->mrec->sequence_number));
        ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
        int r = 0;
        if (!na || !NAttrNonResident(na) || ntfs_attr_map_whole_runlist(na))
            r = werr(w, errno ? errno : EIO, "map clusters of", rv->path);
        size_t n = 0;
        for (runlist_element *rl = r == 0 ? na->rl : NULL; rl && rl->length; rl++)
            n++;
        free(rv->ext);
        rv->ext = r == 0 ? calloc(n ? n : 1, sizeof *rv->ext) : NULL;
        rv->n_ext = 0;
        if (r == 0 && !rv->ext)
            r = -ENOMEM;
        for (runlist_element *rl = r == 0 ? na->rl : NULL; rl && rl->length; rl++)
            if (rl->lcn >= 0)
                rv->ext[rv->n_ext++] =
                    (struct mki_extent){(uint64_t)rl->lcn * w->vol->cluster_size,
                                        (uint64_t)rl->length * w->vol->cluster_size};
        if (na)
            ntfs_attr_close(na);
        ntfs_inode_close(ni);
        if (r < 0)
            return r;
    }
    return 0;
}

static int delete_reservations(struct writer *w, struct mki_ntfs_state *st)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < st->n_resv; i++)
        r = delete_tree(w, st->resv[i].path);
    return r;
}

static void drop_dir_cache(struct writer *w)
{
    if (w->cached_ni)
        ntfs_inode_close(w->cached_ni);
    w->cached_ni = NULL;
    free(w->cached_path);
    w->cached_path = NULL;
}

int mki_build_ntfs_state(const struct mki_part *part, const char *path, const char *tmpdir,
                         struct mki_ntfs_state *st, char *errbuf, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)part->size) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        snprintf(errbuf, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    close(fd);
    int st_code = format(part, path);
    if (st_code != 0) {
        snprintf(errbuf, errlen, "mkntfs on %s failed (status %d)", path, st_code);
        return -EIO;
    }
    if (getenv("SXS_MKIMAGE_DEBUG"))
        ntfs_log_set_handler(ntfs_log_handler_stderr);
    struct writer w = {.errbuf = errbuf, .errlen = errlen, .tmpdir = tmpdir};
    errbuf[0] = '\0';
    w.vol = ntfs_mount(path, 0);
    if (!w.vol) {
        snprintf(errbuf, errlen, "ntfs_mount %s: %s", path, strerror(errno));
        return -EIO;
    }
    size_t n_nodes = st ? st->n_nodes : part->n_nodes;
    size_t n_hives = st ? st->n_hives : part->n_hives;
    int r = st && st->n_resv ? write_reservations(&w, st) : 0;
    for (size_t i = 0; r == 0 && i < n_nodes; i++) {
        const struct mki_node *n = part->nodes[i];
        ntfs_inode *ni = NULL;
        switch (n->kind) {
        case MKI_NODE_DIR:
            r = create_entry(&w, n->path, S_IFDIR, &ni);
            if (r == 0 && ni && close_entry(&w, ni))
                r = werr(&w, errno, "close", n->path);
            break;
        case MKI_NODE_FILE:
            r = write_file(&w, n);
            break;
        case MKI_NODE_JUNCTION:
        case MKI_NODE_SYMLINK:
            r = write_link(&w, n);
            break;
        case MKI_NODE_DELETE:
            drop_dir_cache(&w);
            r = delete_tree(&w, n->path);
            break;
        }
    }
    for (size_t i = 0; r == 0 && i < n_hives; i++) {
        struct mki_hive h = part->hives[i];
        if (st && st->hive_ops) { /* the hive as it was at a snapshot */
            h.n_ops = st->hive_ops[i];
            if (h.logged && h.logged_from >= h.n_ops)
                h.logged = 0;
        }
        r = write_hive(&w, &h, tmpdir, i);
    }
    drop_dir_cache(&w);
    if (r == 0 && st && st->n_resv)
        r = st->keep_resv ? map_reservations(&w, st) : delete_reservations(&w, st);
    if (ntfs_umount(w.vol, FALSE) && r == 0) {
        snprintf(errbuf, errlen, "ntfs_umount %s: %s", path, strerror(errno));
        r = -EIO;
    }
    return r;
}

int mki_build_ntfs(const struct mki_part *part, const char *path, const char *tmpdir, char *errbuf,
                   size_t errlen)
{
    return mki_build_ntfs_state(part, path, tmpdir, NULL, errbuf, errlen);
}
