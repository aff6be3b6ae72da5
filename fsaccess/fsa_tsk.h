/* fsaccess internal: shared declarations of the libtsk backend (container, volumes,
 * filesystem operations, directory cache, NTFS index reader). */
#ifndef FSA_TSK_H
#define FSA_TSK_H

#include <tsk/libtsk.h>

#include "fsaccess/fsa_backend.h"

/* One cached directory listing: names and inodes from the directory's own index. */
typedef struct {
    const char *name; /* UTF-8, points into the listing's name pool */
    uint64_t inode;
    fsa_type type;
    bool reparse; /* NTFS: the index entry's FILE_ATTRIBUTE_REPARSE_POINT */
} fsa_tsk_dent;

typedef struct fsa_tsk_dir fsa_tsk_dir;
struct fsa_tsk_dir {
    unsigned volume;
    uint64_t inode;
    fsa_tsk_dent *ents;
    size_t n, cap;
    char *pool; /* names, NUL-separated */
    size_t pool_len, pool_cap;
    uint32_t *hidx; /* open-addressing index by fsa_name_hash: entry number + 1, 0 empty */
    size_t hcap;    /* slots, a power of two; 0 for small listings (scanned linearly) */
    size_t bytes;   /* memory charged to the cache */
    unsigned refs;
    fsa_tsk_dir *prev, *next; /* LRU list, most recent first */
};

typedef struct fsa_tsk_dircache fsa_tsk_dircache;

/* Per-evidence state of the libtsk backend. */
typedef struct {
    TSK_IMG_INFO *img;
    TSK_VS_INFO *vs;
    fsa_tsk_dircache *dirs;
    TSK_IMG_INFO **layers; /* decrypted volumes and shadow copies (fsa_tsk_layers.c), closed
                              with the evidence */
    size_t nlayers;
    struct fsa_tsk_vss_vol *vss; /* volumes with shadow copies: where to read them */
    size_t nvss;
} fsa_tsk_ev;

typedef struct {
    fsa_fs base;
    fsa_tsk_ev *tev;
    TSK_FS_INFO *tfs;
    bool ntfs;
    unsigned shadow; /* 0 for a volume as it is now, else the shadow copy it reads (vssN) */
} fsa_tsk_fs;

/* ---- containers (fsa_tsk_open.c, fsa_tsk_ewf.c, fsa_tsk_vdisk.c) ---- */

/* Opens an EWF segment set as a libtsk image through our own libewf handle: checks the set
 * (all segments present, none truncated), fills ev's segments and acquisition metadata, and
 * serves reads that fail, naming the chunk, wherever a chunk fails its checksum. 0, or
 * negative with a diag naming the file. */
int fsa_tsk_ewf_open(fsa_evidence *ev, const char *path, sxs_diag *diag, TSK_IMG_INFO **ret_img);
/* 1 when disk byte disk_off lies in an EWF chunk that failed its checksum when read (out:
 * what, for a damage report), else 0 (also for other formats). */
int fsa_tsk_ewf_chunk_check(const fsa_evidence *ev, uint64_t disk_off, char *out, size_t cap);
/* How many reads the EWF layer has refused so far (they covered a failing chunk), and what
 * the last one was (*ret_what may be NULL). 0 for other formats. A caller compares the count
 * before and after a libtsk call that may have lost the failure. */
uint64_t fsa_tsk_ewf_refused(const fsa_evidence *ev, const char **ret_what);
/* How many times the EWF handle was closed and opened again to keep libewf's chunk-table state
 * within SXS_EWF_MAX_TABLE_WINDOWS (tests, benchmarks). 0 for other formats. */
uint64_t fsa_tsk_ewf_reopens(const fsa_evidence *ev);
/* True when the E01 is read by our own EWF1 reader (fsa_ewf1.c), false when by libewf (or not
 * an E01): tests, benchmarks. */
bool fsa_tsk_ewf_own_reader(const fsa_evidence *ev);
/* Opens a VHD/VHDX (vmdk false) or VMDK through the libvhdi/libvmdk island as an external
 * libtsk image. 0; negative with a diag naming the file (-ENOENT: a differencing disk, whose
 * parent is not available to us). */
int fsa_tsk_vdisk_open(const char *path, bool vmdk, sxs_diag *diag, TSK_IMG_INFO **ret_img);
/* A read-only image over a caller-owned buffer (fuzzing, tests). */
TSK_IMG_INFO *fsa_tsk_mem_open(const void *data, size_t len);

/* Opens the volumes of an opened image into ev (after ev->backend is set). 0 or negative. */
int fsa_tsk_volumes(fsa_evidence *ev, fsa_tsk_ev *tev, const char *path, bool container_known,
                    sxs_diag *diag);

/* ---- volume layers (fsa_tsk_layers.c over fsa_bde.c / fsa_vss.c) ---- */
/* A BitLocker volume at off: unlocks it with ev->opts and returns the decrypted volume as a
 * libtsk image (owned by tev) in *ret_img, its protector kind in *ret_with, the protectors
 * listed in *ret_protectors (both static or evidence-owned). 0 unlocked; 1 still locked or
 * unreadable (the diag names the volume, the protectors, and why); negative on -ENOMEM. */
int fsa_tsk_bde_unlock(fsa_evidence *ev, fsa_tsk_ev *tev, unsigned idx, uint64_t off, uint64_t size,
                       sxs_diag *diag, TSK_IMG_INFO **ret_img, const char **ret_with,
                       const char **ret_protectors);
/* Lists the shadow copies of the NTFS volume at img offset off into the volume info v (one
 * signature read when there are none). A damaged catalog is a warning and v->shadow_error.
 * 0 or -ENOMEM. */
int fsa_tsk_vss_scan(fsa_evidence *ev, TSK_IMG_INFO *img, uint64_t off, uint64_t size,
                     fsa_volume_info *v, sxs_diag *diag);
/* fsa_shadow_fs for the libtsk backend. */
int fsa_tsk_shadow_fs(fsa_evidence *ev, size_t vol, unsigned shadow, sxs_diag *diag,
                      fsa_fs **ret_fs);
/* Frees what fsa_tsk_vss_scan kept (the shadow-copy filesystems opened): before the layers. */
void fsa_tsk_vss_free(fsa_tsk_ev *tev);

/* The libtsk error text, for diags (never NULL). */
const char *fsa_tsk_errstr(void);

/* ---- filesystems (fsa_tsk_fs.c) ---- */
fsa_fs *fsa_tsk_fs_new(fsa_tsk_ev *tev, TSK_FS_INFO *tfs, const char *desc);

/* ---- space (fsa_tsk_space.c) ---- */
/* fsa_fs_space for NTFS ($Bitmap) and FAT12/16/32 (the first FAT). */
int fsa_tsk_space(fsa_fs *fs, uint64_t *ret_total, uint64_t *ret_free);

/* ---- directory listings (fsa_tsk_dir.c, fsa_tsk_ntfs_index.c) ---- */
fsa_tsk_dircache *fsa_tsk_dircache_new(void);
void fsa_tsk_dircache_free(fsa_tsk_dircache *c);
/* The listing of directory inode (from cache or read now); pinned until fsa_tsk_dir_put.
 * 0, -ENOTDIR, -EIO, -ENOMEM. */
int fsa_tsk_dir_get(fsa_tsk_fs *fs, uint64_t inode, fsa_tsk_dir **ret_dir);
void fsa_tsk_dir_put(fsa_tsk_fs *fs, fsa_tsk_dir *d);
/* Adds one entry to a listing being built. 0, -ENOMEM, -E2BIG. */
int fsa_tsk_dir_add(fsa_tsk_dir *d, const char *name, size_t name_len, uint64_t inode,
                    fsa_type type, bool reparse);
/* The entry named name (exact case preferred, else case-insensitive), or NULL. */
const fsa_tsk_dent *fsa_tsk_dir_find(const fsa_tsk_dir *d, const char *name);
/* Reads an NTFS directory's $I30 index (root + allocation, honouring $BITMAP) into d, whole or
 * not at all: a damaged index (an in-use or referenced block that fails its update sequence,
 * a corrupt entry, a block referenced but marked free) is -EBADMSG, an unreadable block -EIO,
 * each with fsa_tsk_damage naming the block. */
int fsa_ntfs_read_index(fsa_tsk_fs *fs, TSK_FS_FILE *dir, fsa_tsk_dir *d);

/* ---- damage reports (fsa_tsk_damage.c) ---- */
/* Records what is damaged for fsa_fs_damage; fs_off is a byte offset in the filesystem
 * (converted to one in the image), or -1. The first record of a call wins. */
void fsa_tsk_damage(fsa_tsk_fs *fs, int64_t fs_off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Byte offset in the filesystem of byte off of a non-resident attribute, or -1. */
int64_t fsa_tsk_attr_fs_offset(const TSK_FS_ATTR *a, uint64_t off);
/* tsk_fs_file_open_meta that records the damage when the record cannot be loaded. */
TSK_FS_FILE *fsa_tsk_open_meta(fsa_tsk_fs *fs, uint64_t inode);
/* Byte offset in the filesystem of MFT record inode (NTFS), or -1. */
int64_t fsa_tsk_mft_fs_offset(fsa_tsk_fs *fs, uint64_t inode);

#endif
