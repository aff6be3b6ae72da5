/* libtsk backend: directory listings and their cache. A listing holds the
 * names, inodes and types from one directory's own index. NTFS indexes are read
 * by fsa_ntfs_read_index (libtsk's own NTFS directory reader walks the whole
 * MFT on first use to find orphans, which on a large E01 costs seconds to
 * minutes); other filesystems use libtsk's reader. Listings are kept in a
 * bounded LRU keyed by (volume, directory inode), so the many lookups in
 * Windows, System32 and WinSxS parse each index once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_limits.h"
#include "fsaccess/fsa_tsk.h"
#include "common/sxs_grow.h"

/* The cache's memory bound: a WinSxS listing of 80k entries is about 12 MiB;
 * this keeps it and the other directories on the usual paths while staying well
 * inside the 64 MiB RSS budget. */
#define FSA_DIRCACHE_MAX_BYTES (24u * 1024 * 1024)
/* Most listings kept, whatever their size (lookups walk a few dozen directories
 * at most). */
#define FSA_DIRCACHE_MAX_DIRS 256

struct fsa_tsk_dircache {
    fsa_tsk_dir *head, *tail;
    size_t bytes, count;
};

fsa_tsk_dircache *fsa_tsk_dircache_new(void)
{
    return calloc(1, sizeof(fsa_tsk_dircache));
}

static void dir_free(fsa_tsk_dir *d)
{
    if (!d)
        return;
    free(d->ents);
    free(d->pool);
    free(d->hidx);
    free(d);
}

static void unlink_dir(fsa_tsk_dircache *c, fsa_tsk_dir *d)
{
    if (d->prev)
        d->prev->next = d->next;
    else
        c->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        c->tail = d->prev;
    d->prev = d->next = NULL;
    c->bytes -= d->bytes;
    c->count--;
}

static void push_front(fsa_tsk_dircache *c, fsa_tsk_dir *d)
{
    d->prev = NULL;
    d->next = c->head;
    if (c->head)
        c->head->prev = d;
    c->head = d;
    if (!c->tail)
        c->tail = d;
    c->bytes += d->bytes;
    c->count++;
}

/* Drops least recently used listings that nobody holds until the cache fits its
 * bounds. */
static void evict(fsa_tsk_dircache *c)
{
    fsa_tsk_dir *d = c->tail;
    while (d && (c->bytes > FSA_DIRCACHE_MAX_BYTES || c->count > FSA_DIRCACHE_MAX_DIRS)) {
        fsa_tsk_dir *prev = d->prev;
        if (d->refs == 0) {
            unlink_dir(c, d);
            dir_free(d);
        }
        d = prev;
    }
}

void fsa_tsk_dircache_free(fsa_tsk_dircache *c)
{
    if (!c)
        return;
    fsa_tsk_dir *d = c->head;
    while (d) {
        fsa_tsk_dir *n = d->next;
        dir_free(d);
        d = n;
    }
    free(c);
}

int fsa_tsk_dir_add(fsa_tsk_dir *d, const char *name, size_t name_len, uint64_t inode,
                    fsa_type type, bool reparse)
{
    if (d->n >= SXS_MAX_DIR_ENTRIES)
        return -E2BIG;
    fsa_tsk_dent *e = sxs_grow(d->ents, &d->cap, d->n, sizeof(*e), 64);
    if (!e)
        return -ENOMEM;
    d->ents = e;
    if (d->pool_len + name_len + 1 > d->pool_cap) {
        size_t cap = d->pool_cap ? d->pool_cap : 4096;
        while (cap < d->pool_len + name_len + 1)
            cap *= 2;
        char *p = realloc(d->pool, cap);
        if (!p)
            return -ENOMEM;
        d->pool = p;
        d->pool_cap = cap;
    }
    memcpy(d->pool + d->pool_len, name, name_len);
    d->pool[d->pool_len + name_len] = '\0';
    /* names are stored as offsets until the pool stops moving (see finish) */
    d->ents[d->n] = (fsa_tsk_dent){.name = (const char *)(uintptr_t)d->pool_len,
                                   .inode = inode,
                                   .type = type,
                                   .reparse = reparse};
    d->pool_len += name_len + 1;
    d->n++;
    return 0;
}

/* Below this many entries a linear scan is as fast as hashing. */
#define FSA_DIR_HASH_MIN 32

static void finish(fsa_tsk_dir *d)
{
    for (size_t i = 0; i < d->n; i++)
        d->ents[i].name = d->pool + (uintptr_t)d->ents[i].name;
    if (d->n >= FSA_DIR_HASH_MIN) {
        size_t cap = 64;
        while (cap < 2 * d->n)
            cap *= 2;
        d->hidx = calloc(cap, sizeof(*d->hidx));
        if (d->hidx) { /* without it, lookups fall back to a scan */
            d->hcap = cap;
            for (size_t i = 0; i < d->n; i++) {
                size_t s = fsa_name_hash(d->ents[i].name) & (cap - 1);
                while (d->hidx[s])
                    s = (s + 1) & (cap - 1);
                d->hidx[s] = (uint32_t)(i + 1);
            }
        }
    }
    d->bytes = sizeof(*d) + d->cap * sizeof(*d->ents) + d->pool_cap + d->hcap * sizeof(*d->hidx);
}

const fsa_tsk_dent *fsa_tsk_dir_find(const fsa_tsk_dir *d, const char *name)
{
    const fsa_tsk_dent *folded = NULL;
    if (!d->hcap) {
        for (size_t i = 0; i < d->n; i++) {
            if (!strcmp(d->ents[i].name, name))
                return &d->ents[i];
            if (!folded && fsa_name_eq(d->ents[i].name, name))
                folded = &d->ents[i];
        }
        return folded;
    }
    /* names equal but for case share a hash, so the whole probe run holds every candidate */
    for (size_t s = fsa_name_hash(name) & (d->hcap - 1); d->hidx[s]; s = (s + 1) & (d->hcap - 1)) {
        const fsa_tsk_dent *e = &d->ents[d->hidx[s] - 1];
        if (!strcmp(e->name, name))
            return e;
        if (!folded && fsa_name_eq(e->name, name))
            folded = e;
    }
    return folded;
}

/* libtsk's FAT and exFAT readers list a directory's non-file entries (volume label, exFAT
 * allocation bitmap, up-case table, ...) under made-up names; Windows shows none of them. */
static bool is_fat_special(TSK_FS_TYPE_ENUM t, const char *name)
{
    static const char *const exfat_special[] = {"$VOLUME_GUID", "$ALLOC_BITMAP", "$UPCASE_TABLE",
                                                "$TEX_FAT", "$ACT"};
    if (!TSK_FS_TYPE_ISFAT(t))
        return false;
    const char *tag = " (Volume Label Entry)";
    size_t n = strlen(name), k = strlen(tag);
    if (n >= k && !strcmp(name + n - k, tag))
        return true;
    if (t == TSK_FS_TYPE_EXFAT)
        for (size_t i = 0; i < sizeof(exfat_special) / sizeof(exfat_special[0]); i++)
            if (!strcmp(name, exfat_special[i]))
                return true;
    return false;
}

/* Non-NTFS: libtsk's directory reader (FAT, exFAT, ext do no volume-wide work
 * here). */
static int read_generic(fsa_tsk_fs *fs, uint64_t inode, fsa_tsk_dir *d)
{
    TSK_FS_INFO *tfs = fs->tfs;
    TSK_FS_DIR *td = tsk_fs_dir_open_meta(tfs, (TSK_INUM_T)inode);
    if (!td) {
        int ok_type = tsk_error_get_errno() == TSK_ERR_FS_ARG;
        tsk_error_reset();
        return ok_type ? -ENOTDIR : -EIO;
    }
    int r = 0;
    size_t n = tsk_fs_dir_getsize(td);
    for (size_t i = 0; i < n && r == 0; i++) {
        const TSK_FS_NAME *nm = tsk_fs_dir_get_name(td, i);
        if (!nm || !nm->name || !(nm->flags & TSK_FS_NAME_FLAG_ALLOC))
            continue;
        if (nm->type == TSK_FS_NAME_TYPE_VIRT || nm->type == TSK_FS_NAME_TYPE_VIRT_DIR ||
            nm->meta_addr == TSK_FS_ORPHANDIR_INUM(tfs))
            continue; /* libtsk's own $MBR/$FAT1/$OrphanFiles entries */
        if (!strcmp(nm->name, ".") || !strcmp(nm->name, "..") ||
            is_fat_special(tfs->ftype, nm->name))
            continue;
        fsa_type t = nm->type == TSK_FS_NAME_TYPE_DIR   ? FSA_TYPE_DIR
                     : nm->type == TSK_FS_NAME_TYPE_REG ? FSA_TYPE_FILE
                                                        : FSA_TYPE_OTHER;
        r = fsa_tsk_dir_add(d, nm->name, strlen(nm->name), nm->meta_addr, t, false);
    }
    tsk_fs_dir_close(td);
    return r;
}

static int read_ntfs(fsa_tsk_fs *fs, uint64_t inode, fsa_tsk_dir *d)
{
    TSK_FS_FILE *f = fsa_tsk_open_meta(fs, inode);
    if (!f)
        return -EIO;
    int r = f->meta->type == TSK_FS_META_TYPE_DIR ? fsa_ntfs_read_index(fs, f, d) : -ENOTDIR;
    tsk_error_reset();
    tsk_fs_file_close(f);
    return r;
}

int fsa_tsk_dir_get(fsa_tsk_fs *fs, uint64_t inode, fsa_tsk_dir **ret_dir)
{
    fsa_tsk_dircache *c = fs->tev->dirs;
    /* a shadow copy of a volume has the same inode numbers: key it apart */
    unsigned vol = fs->base.volume | (fs->shadow << 16);
    for (fsa_tsk_dir *d = c->head; d; d = d->next) {
        if (d->volume == vol && d->inode == inode) {
            unlink_dir(c, d);
            push_front(c, d);
            d->refs++;
            *ret_dir = d;
            return 0;
        }
    }
    fsa_tsk_dir *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->volume = vol;
    d->inode = inode;
    int r = fs->ntfs ? read_ntfs(fs, inode, d) : read_generic(fs, inode, d);
    if (r < 0) {
        dir_free(d);
        return r;
    }
    finish(d);
    d->refs = 1;
    push_front(c, d);
    evict(c);
    *ret_dir = d;
    return 0;
}

void fsa_tsk_dir_put(fsa_tsk_fs *fs, fsa_tsk_dir *d)
{
    if (d && d->refs > 0)
        d->refs--;
    evict(fs->tev->dirs);
}
