/* libtsk backend, win_fs operations: case-insensitive path walks over cached
 * directory listings, stat from the file's own MFT record (times,
 * $STANDARD_INFORMATION attributes, $REPARSE_POINT tag and substitute name),
 * listings, and ranged reads of the default data stream through
 * tsk_fs_file_read. Reparse points on the way are never followed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "common/sxs_limits.h"
#include "common/sxs_utf16.h"
#include "fsaccess/fsa_tsk.h"

#define FSA_ATTR_DIRECTORY 0x10u
#define FSA_ATTR_REPARSE_POINT 0x400u
/* A reparse buffer is at most 16 KiB (MAXIMUM_REPARSE_DATA_BUFFER_SIZE). */
#define NTFS_MAX_REPARSE 16384u

typedef struct {
    fsa_file base;
    fsa_tsk_fs *fs;
    TSK_FS_FILE *file;
} tsk_file;

typedef struct {
    uint64_t inode;
    char name[FSA_MAX_NAME + 1]; /* on-disk name of the last component, "" for the root */
    bool reparse;
    fsa_type type;
} walk_result;

/* 1 found, 0 absent (or a non-directory / reparse point in the middle),
 * negative on error. */
static int walk(fsa_tsk_fs *fs, const char *path, walk_result *w)
{
    char comp[FSA_MAX_NAME + 1];
    w->inode = fs->tfs->root_inum;
    w->name[0] = '\0';
    w->reparse = false;
    w->type = FSA_TYPE_DIR;
    const char *p = path;
    unsigned depth = 0;
    int r;
    while ((r = fsa_path_next(&p, comp, sizeof(comp))) == 1) {
        if (++depth > SXS_MAX_PATH_DEPTH)
            return -ELOOP;
        if (w->reparse || w->type != FSA_TYPE_DIR)
            return 0;
        fsa_tsk_dir *d;
        r = fsa_tsk_dir_get(fs, w->inode, &d);
        if (r == -ENOTDIR)
            return 0;
        if (r < 0)
            return r;
        const fsa_tsk_dent *e = fsa_tsk_dir_find(d, comp);
        if (e) {
            w->inode = e->inode;
            w->reparse = e->reparse;
            w->type = e->type;
            snprintf(w->name, sizeof(w->name), "%s", e->name);
        }
        fsa_tsk_dir_put(fs, d);
        if (!e)
            return 0;
    }
    return r < 0 ? r : 1;
}

/* The file's record, loaded and sane: an NTFS file always has a $DATA attribute, so one
 * without (its attribute record's length corrupt, the attribute walk cut short) is damage, not
 * an empty file. */
static TSK_FS_FILE *open_inode(fsa_tsk_fs *fs, uint64_t inode)
{
    TSK_FS_FILE *f = fsa_tsk_open_meta(fs, inode);
    if (f && fs->ntfs && f->meta->type == TSK_FS_META_TYPE_REG &&
        !tsk_fs_file_attr_get_type(f, TSK_FS_ATTR_TYPE_NTFS_DATA, 0, 0)) {
        tsk_error_reset();
        tsk_fs_file_close(f);
        fsa_tsk_damage(fs, fsa_tsk_mft_fs_offset(fs, inode),
                       "MFT record %llu: a file without a $DATA attribute (attribute list "
                       "damaged)",
                       (unsigned long long)inode);
        return NULL;
    }
    return f;
}

/* Substitute name of a junction or symlink reparse buffer, bounds-checked. */
static void parse_reparse(const uint8_t *b, size_t len, fsa_stat *st)
{
    if (len < 8)
        return;
    st->reparse_tag = sxs_le32(b);
    uint16_t dlen = sxs_le16(b + 4);
    const uint8_t *data = b + 8;
    size_t avail = len - 8 < dlen ? len - 8 : dlen;
    size_t hdr;
    if (st->reparse_tag == FSA_REPARSE_MOUNT_POINT)
        hdr = 8;
    else if (st->reparse_tag == FSA_REPARSE_SYMLINK)
        hdr = 12;
    else
        return;
    if (avail < hdr)
        return;
    uint16_t soff = sxs_le16(data), slen = sxs_le16(data + 2);
    if (!sxs_range_ok((uint64_t)hdr + soff, slen, avail))
        return;
    if (sxs_utf16le_to_utf8(data + hdr + soff, slen / 2u, 1, st->reparse_target,
                            sizeof(st->reparse_target)) < 0)
        st->reparse_target[0] = '\0';
}

static void ntfs_extras(TSK_FS_FILE *f, fsa_stat *st)
{
    const TSK_FS_ATTR *si = tsk_fs_file_attr_get_type(f, TSK_FS_ATTR_TYPE_NTFS_SI, 0, 0);
    uint8_t buf[NTFS_MAX_REPARSE];
    if (si && si->size >= 36 &&
        tsk_fs_attr_read(si, 0, (char *)buf, 36, TSK_FS_FILE_READ_FLAG_NONE) == 36)
        st->attributes = sxs_le32(buf + 32);
    const TSK_FS_ATTR *rp = tsk_fs_file_attr_get_type(f, TSK_FS_ATTR_TYPE_NTFS_REPARSE, 0, 0);
    if (rp && rp->size >= 8) {
        size_t n = (uint64_t)rp->size < sizeof(buf) ? (size_t)rp->size : sizeof(buf);
        ssize_t got = tsk_fs_attr_read(rp, 0, (char *)buf, n, TSK_FS_FILE_READ_FLAG_NONE);
        if (got >= 8) {
            st->is_reparse = true;
            parse_reparse(buf, (size_t)got, st);
            st->attributes |= FSA_ATTR_REPARSE_POINT;
        }
    }
    tsk_error_reset();
}

static void fill_stat(fsa_tsk_fs *fs, TSK_FS_FILE *f, uint64_t inode, fsa_stat *st)
{
    memset(st, 0, sizeof(*st));
    const TSK_FS_META *m = f->meta;
    st->inode = inode;
    st->type = m->type == TSK_FS_META_TYPE_DIR   ? FSA_TYPE_DIR
               : m->type == TSK_FS_META_TYPE_REG ? FSA_TYPE_FILE
                                                 : FSA_TYPE_OTHER;
    st->size = st->type == FSA_TYPE_FILE && m->size > 0 ? (uint64_t)m->size : 0;
    st->mtime = m->mtime;
    st->atime = m->atime;
    st->ctime = m->ctime;
    st->crtime = m->crtime;
    if (fs->ntfs)
        ntfs_extras(f, st);
    if (st->type == FSA_TYPE_DIR)
        st->attributes |= FSA_ATTR_DIRECTORY;
}

static int tsk_lookup(fsa_fs *base, const char *path, fsa_stat *ret_st)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    walk_result w;
    int r = walk(fs, path, &w);
    if (r <= 0)
        return r;
    TSK_FS_FILE *f = open_inode(fs, w.inode);
    if (!f)
        return fs->base.damage[0] ? -EBADMSG : -EIO;
    fill_stat(fs, f, w.inode, ret_st);
    tsk_fs_file_close(f);
    return 1;
}

static int tsk_true_name(fsa_fs *base, const char *path, char *out, size_t out_cap)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    walk_result w;
    int r = walk(fs, path, &w);
    if (r <= 0)
        return r;
    size_t n = strlen(w.name);
    if (n >= out_cap)
        return -ENAMETOOLONG;
    memcpy(out, w.name, n + 1);
    return 1;
}

static int tsk_list_dir(fsa_fs *base, const char *path, fsa_dir_cb cb, void *ctx)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    walk_result w;
    int r = walk(fs, path, &w);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    if (w.reparse || w.type != FSA_TYPE_DIR)
        return -ENOTDIR;
    fsa_tsk_dir *d;
    r = fsa_tsk_dir_get(fs, w.inode, &d);
    if (r < 0)
        return r;
    for (size_t i = 0; i < d->n && r == 0; i++) {
        fsa_dirent ent = {
            .name = d->ents[i].name, .inode = d->ents[i].inode, .type = d->ents[i].type};
        r = cb(&ent, ctx);
    }
    fsa_tsk_dir_put(fs, d);
    return r;
}

static long tsk_file_read(fsa_file *base, uint64_t off, void *buf, size_t len)
{
    tsk_file *f = (tsk_file *)base;
    const fsa_evidence *ev = f->fs->base.ev;
    uint64_t refused = fsa_tsk_ewf_refused(ev, NULL);
    ssize_t n = tsk_fs_file_read(f->file, (TSK_OFF_T)off, buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    const char *ewf_why = NULL;
    if (n >= 0 && fsa_tsk_ewf_refused(ev, &ewf_why) != refused) {
        /* libtsk returned success for a read the EWF layer refused (see fsa_tsk_ewf.c) */
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("%s", ewf_why);
        n = -1;
    }
    if (n < 0) {
        /* say why: a data run past the volume, an E01 chunk failing its checksum, ... */
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get(f->file);
        fsa_tsk_damage(f->fs, fsa_tsk_attr_fs_offset(a, off),
                       "cannot read bytes %llu-%llu of MFT record %llu: %s",
                       (unsigned long long)off, (unsigned long long)(off + len - 1),
                       (unsigned long long)f->file->meta->addr, fsa_tsk_errstr());
        tsk_error_reset();
        return -EIO;
    }
    return (long)n;
}

static void tsk_file_close(fsa_file *base)
{
    tsk_file *f = (tsk_file *)base;
    tsk_fs_file_close(f->file);
    free(f);
}

static const fsa_file_ops tsk_file_ops = {
    .read = tsk_file_read,
    .close = tsk_file_close,
};

static int tsk_file_open(fsa_fs *base, const char *path, fsa_file **ret_file)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    walk_result w;
    int r = walk(fs, path, &w);
    if (r <= 0)
        return r;
    TSK_FS_FILE *tf = open_inode(fs, w.inode);
    if (!tf)
        return -EIO;
    if (tf->meta->type != TSK_FS_META_TYPE_REG) {
        bool dir = tf->meta->type == TSK_FS_META_TYPE_DIR;
        tsk_fs_file_close(tf);
        return dir ? -EISDIR : -EINVAL;
    }
    tsk_file *f = calloc(1, sizeof(*f));
    if (!f) {
        tsk_fs_file_close(tf);
        return -ENOMEM;
    }
    f->base.ops = &tsk_file_ops;
    f->base.size = tf->meta->size > 0 ? (uint64_t)tf->meta->size : 0;
    f->fs = fs;
    f->file = tf;
    *ret_file = &f->base;
    return 1;
}

static void tsk_fs_destroy(fsa_fs *base)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    tsk_fs_close(fs->tfs);
    free(fs);
}

static const fsa_fs_ops tsk_fs_ops = {
    .lookup = tsk_lookup,
    .true_name = tsk_true_name,
    .list_dir = tsk_list_dir,
    .file_open = tsk_file_open,
    .space = fsa_tsk_space,
    .destroy = tsk_fs_destroy,
};

fsa_fs *fsa_tsk_fs_new(fsa_tsk_ev *tev, TSK_FS_INFO *tfs, const char *desc)
{
    fsa_tsk_fs *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return NULL;
    fs->base.ops = &tsk_fs_ops;
    snprintf(fs->base.desc, sizeof(fs->base.desc), "%s", desc);
    fs->tev = tev;
    fs->tfs = tfs;
    fs->ntfs = TSK_FS_TYPE_ISNTFS(tfs->ftype) != 0;
    return &fs->base;
}
