/* libtsk backend: naming damaged structures for fsa_fs_damage (what is damaged, the MFT
 * record, the byte offset in the image), so a collector can report damage a responder can
 * find with a hex editor, instead of a bare errno. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fsaccess/fsa_tsk.h"

void fsa_tsk_damage(fsa_tsk_fs *fs, int64_t fs_off, const char *fmt, ...)
{
    if (fs->base.damage[0])
        return; /* the first damage met is the cause; later ones follow from it */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->base.damage, sizeof(fs->base.damage), fmt, ap);
    va_end(ap);
    fs->base.damage_offset = fs_off >= 0 ? (int64_t)fs->tfs->offset + fs_off : -1;
    /* libtsk's messages span lines and pad with blanks: one line for a report */
    char *o = fs->base.damage;
    for (const char *p = fs->base.damage; *p; p++) {
        char ch = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
        if (ch == ' ' && (o == fs->base.damage || o[-1] == ' '))
            continue;
        *o++ = ch;
    }
    *o = '\0';
    /* zeros handed out for an E01 chunk that failed its checksum look like a zeroed
     * structure: say where the damage really is */
    char ewf[200];
    if (fs->base.damage_offset >= 0 && !strstr(fs->base.damage, "EWF chunk") &&
        fsa_tsk_ewf_chunk_check(fs->base.ev, (uint64_t)fs->base.damage_offset, ewf, sizeof(ewf)) ==
            1) {
        size_t n = strlen(fs->base.damage);
        snprintf(fs->base.damage + n, sizeof(fs->base.damage) - n, "; %s", ewf);
    }
}

int64_t fsa_tsk_attr_fs_offset(const TSK_FS_ATTR *a, uint64_t off)
{
    if (!a || !(a->flags & TSK_FS_ATTR_NONRES) || !a->fs_file || !a->fs_file->fs_info)
        return -1;
    uint64_t bsz = a->fs_file->fs_info->block_size;
    if (bsz == 0)
        return -1;
    uint64_t blk = off / bsz;
    for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r; r = r->next) {
        if (blk >= r->offset && blk - r->offset < r->len) {
            if (r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER))
                return -1;
            uint64_t at = (r->addr + (blk - r->offset)) * bsz + off % bsz;
            return at > INT64_MAX ? -1 : (int64_t)at;
        }
    }
    return -1;
}

int64_t fsa_tsk_mft_fs_offset(fsa_tsk_fs *fs, uint64_t inode)
{
    TSK_FS_INFO *tfs = fs->tfs;
    /* The MFT record size from the boot sector: clusters per record, or 2^-n bytes when
     * negative. */
    unsigned char boot[512];
    if (!fs->ntfs || tsk_fs_read(tfs, 0, (char *)boot, sizeof(boot)) != (ssize_t)sizeof(boot)) {
        tsk_error_reset();
        return -1;
    }
    int8_t c = (int8_t)boot[0x40];
    uint64_t rsize = c > 0 ? (uint64_t)c * tfs->block_size : (c > -31 ? 1ull << -c : 0);
    if (rsize == 0)
        return -1;
    TSK_FS_FILE *mft = tsk_fs_file_open_meta(tfs, NULL, 0);
    int64_t at = -1;
    if (mft) {
        const TSK_FS_ATTR *data = tsk_fs_file_attr_get_type(mft, TSK_FS_ATTR_TYPE_NTFS_DATA, 0, 0);
        if (inode <= UINT64_MAX / rsize)
            at = fsa_tsk_attr_fs_offset(data, inode * rsize);
        tsk_fs_file_close(mft);
    }
    tsk_error_reset();
    return at;
}

TSK_FS_FILE *fsa_tsk_open_meta(fsa_tsk_fs *fs, uint64_t inode)
{
    TSK_FS_FILE *f = tsk_fs_file_open_meta(fs->tfs, NULL, (TSK_INUM_T)inode);
    if (f && f->meta)
        return f;
    char err[200];
    snprintf(err, sizeof(err), "%s", fsa_tsk_errstr());
    if (f)
        tsk_fs_file_close(f);
    tsk_error_reset();
    int64_t at = fs->ntfs ? fsa_tsk_mft_fs_offset(fs, inode) : -1;
    fsa_tsk_damage(fs, at, "%s %llu cannot be read (%s)", fs->ntfs ? "MFT record" : "inode",
                   (unsigned long long)inode, err);
    return NULL;
}
