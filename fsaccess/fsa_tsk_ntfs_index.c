/* NTFS directory index ($I30) reader: the entries of one directory straight
 * from its $INDEX_ROOT and the in-use blocks of $INDEX_ALLOCATION (per
 * $BITMAP), with update-sequence fixups and bounds checks on every offset.
 * Names and types come from the index entries' $FILE_NAME copies, so listing a
 * directory reads no MFT record but its own. DOS 8.3 aliases are skipped (the
 * long name of the same file is listed).
 * A listing is read whole or not at all: an in-use block that fails its update
 * sequence, a corrupt entry, or a block some entry points at that $BITMAP marks
 * free (or that is not an index block) is damage, reported with the block, the
 * MFT record and the byte offset, never a shorter listing: callers conclude
 * "absent" from a listing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "common/sxs_utf16.h"
#include "fsaccess/fsa_tsk.h"

#define NTFS_INDEX_ENTRY_NODE 0x01u /* the entry points at a child block */
#define NTFS_INDEX_ENTRY_LAST 0x02u
#define NTFS_FN_NAMESPACE_DOS 2
#define NTFS_FN_FLAG_DIRECTORY 0x10000000u
#define NTFS_FN_FLAG_REPARSE 0x00000400u
/* Largest index block NTFS uses is 4 KiB; allow up to 64 KiB for odd formats.
 */
#define NTFS_MAX_INDEX_BLOCK 65536u
/* $INDEX_ROOT is resident, so it fits in an MFT record (at most 4 KiB, 64 KiB
 * allowed). */
#define NTFS_MAX_INDEX_ROOT 65536u
/* Most $INDEX_ALLOCATION we walk: an 80k-entry WinSxS index is about 30 MiB; a corrupt size
 * must not make us read gigabytes of blocks that hold nothing. */
#define NTFS_MAX_INDEX_ALLOC (512ull * 1024 * 1024)
/* Largest $BITMAP we read: one bit per index block; 1 MiB covers 32 GiB of
 * index. */
#define NTFS_MAX_INDEX_BITMAP (1024u * 1024)

static const TSK_FS_ATTR *find_i30(TSK_FS_FILE *f, TSK_FS_ATTR_TYPE_ENUM type)
{
    int n = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < n; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (a && a->type == type && a->name && !strcmp(a->name, "$I30"))
            return a;
    }
    return NULL;
}

static bool has_attr(TSK_FS_FILE *f, TSK_FS_ATTR_TYPE_ENUM type)
{
    int n = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < n; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (a && a->type == type)
            return true;
    }
    return false;
}

/* Reads a whole (small, bounded) attribute. malloc'd buffer or NULL. */
static uint8_t *read_attr(const TSK_FS_ATTR *a, size_t max, size_t *ret_len)
{
    if (!a || a->size <= 0 || (uint64_t)a->size > max)
        return NULL;
    size_t len = (size_t)a->size;
    uint8_t *buf = malloc(len);
    if (!buf)
        return NULL;
    if (tsk_fs_attr_read(a, 0, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE) != (ssize_t)len) {
        free(buf);
        tsk_error_reset();
        return NULL;
    }
    *ret_len = len;
    return buf;
}

/* One listing being read: where damage is reported, and which blocks the entries point at. */
typedef struct {
    fsa_tsk_fs *fs;
    TSK_FS_FILE *dir;
    fsa_tsk_dir *d;
    const TSK_FS_ATTR *alloc; /* $INDEX_ALLOCATION, NULL for a small directory */
    uint32_t bs;              /* index block size */
    uint32_t vcn_bytes;       /* bytes per VCN unit in child pointers */
    uint64_t nblocks;
    uint8_t *wanted; /* bit per block: some entry points at it */
    uint8_t *done;   /* bit per block: read and parsed */
} index_walk;

static uint64_t dir_inode(const index_walk *w)
{
    return w->dir->meta ? (uint64_t)w->dir->meta->addr : 0;
}

/* "$INDEX_ROOT" or "index block N (VCN v)" for messages. */
static const char *where(const index_walk *w, int64_t blk, char *buf, size_t cap)
{
    if (blk < 0)
        snprintf(buf, cap, "$I30 $INDEX_ROOT");
    else
        snprintf(buf, cap, "$I30 index block %lld (VCN %llu)", (long long)blk,
                 (unsigned long long)((uint64_t)blk * w->bs / w->vcn_bytes));
    return buf;
}

/* Filesystem byte offset of byte off of block blk (blk < 0: the root, in the MFT record). */
static int64_t fs_offset(index_walk *w, int64_t blk, uint64_t off)
{
    if (blk < 0)
        return fsa_tsk_mft_fs_offset(w->fs, dir_inode(w));
    int64_t at = fsa_tsk_attr_fs_offset(w->alloc, (uint64_t)blk * w->bs);
    return at < 0 ? at : at + (int64_t)off;
}

static int damaged(index_walk *w, int64_t blk, uint64_t off, int err, const char *why)
{
    char wb[64];
    fsa_tsk_damage(w->fs, fs_offset(w, blk, off), "%s of MFT record %llu: %s",
                   where(w, blk, wb, sizeof(wb)), (unsigned long long)dir_inode(w), why);
    return err;
}

/* Notes that an entry points at child VCN vcn; -EBADMSG when no block of ours holds it. */
static int want_child(index_walk *w, int64_t blk, uint64_t pos, uint64_t vcn)
{
    if (!w->alloc)
        return damaged(w, blk, pos, -EBADMSG,
                       "an entry points at a child index block, but the directory has no "
                       "$INDEX_ALLOCATION");
    uint64_t at = vcn * w->vcn_bytes; /* vcn < 2^48 (checked), vcn_bytes <= 64 KiB */
    if (at % w->bs || at / w->bs >= w->nblocks)
        return damaged(w, blk, pos, -EBADMSG,
                       "an entry points at a child index block past the end of "
                       "$INDEX_ALLOCATION");
    uint64_t b = at / w->bs;
    w->wanted[b / 8] |= (uint8_t)(1u << (b % 8));
    return 0;
}

static int add_name(index_walk *w, const uint8_t *e, uint16_t clen)
{
    if (clen < 66)
        return 0;
    const uint8_t *fn = e + 16;
    uint8_t nlen = fn[64], ns = fn[65];
    if (66u + 2u * nlen > clen || ns == NTFS_FN_NAMESPACE_DOS)
        return 0;
    char name[FSA_MAX_NAME + 1];
    long n = sxs_utf16le_to_utf8(fn + 66, nlen, 0, name, sizeof(name));
    uint32_t fl = sxs_le32(fn + 56);
    if (n <= 0 || strcmp(name, ".") == 0)
        return 0;
    return fsa_tsk_dir_add(w->d, name, (size_t)n, sxs_le64(e) & 0xFFFFFFFFFFFFull,
                           (fl & NTFS_FN_FLAG_DIRECTORY) ? FSA_TYPE_DIR : FSA_TYPE_FILE,
                           (fl & NTFS_FN_FLAG_REPARSE) != 0);
}

/* Walks the entries behind an index header at hdr (avail bytes from hdr to the end of the
 * buffer; base: offset of hdr in the block, for messages). The node must end with its last
 * entry: a walk that runs out of bytes first is damage. */
static int parse_entries(index_walk *w, int64_t blk, uint64_t base, const uint8_t *hdr,
                         size_t avail)
{
    if (avail < 16)
        return damaged(w, blk, base, -EBADMSG, "index header truncated");
    uint64_t first = sxs_le32(hdr), used = sxs_le32(hdr + 4);
    if (used > avail || first < 16 || first > used)
        return damaged(w, blk, base, -EBADMSG, "index header offsets out of range");
    uint64_t pos = first;
    while (pos + 16 <= used) {
        const uint8_t *e = hdr + pos;
        uint16_t elen = sxs_le16(e + 8), clen = sxs_le16(e + 10);
        uint32_t flags = sxs_le32(e + 12);
        if (elen < 16 || !sxs_range_ok(pos, elen, used) || (uint64_t)clen + 16 > elen)
            return damaged(w, blk, base + pos, -EBADMSG, "index entry length out of range");
        if (flags & NTFS_INDEX_ENTRY_NODE) {
            if (elen < 24 || (uint64_t)clen + 24 > elen)
                return damaged(w, blk, base + pos, -EBADMSG,
                               "index entry too short for its child pointer");
            uint64_t vcn = sxs_le64(e + elen - 8);
            if (vcn >> 48)
                return damaged(w, blk, base + pos, -EBADMSG, "child VCN out of range");
            int r = want_child(w, blk, base + pos, vcn);
            if (r < 0)
                return r;
        }
        if (flags & NTFS_INDEX_ENTRY_LAST)
            return 0;
        int r = add_name(w, e, clen);
        if (r < 0)
            return r;
        pos += elen;
    }
    return damaged(w, blk, base + pos, -EBADMSG, "index entries end without a last entry");
}

/* Checks the INDX record and applies its update sequence (one fixup per 512
 * bytes). NULL when fine, else what is wrong. */
static const char *fixup_indx(uint8_t *b, size_t bs, uint64_t want_vcn)
{
    if (memcmp(b, "INDX", 4) != 0)
        return "no INDX signature (block zeroed or overwritten)";
    uint16_t usa_ofs = sxs_le16(b + 4), usa_cnt = sxs_le16(b + 6);
    if (usa_cnt < 2 || !sxs_range_ok(usa_ofs, 2ull * usa_cnt, bs) ||
        (uint64_t)(usa_cnt - 1) * 512 > bs)
        return "update sequence array out of range";
    const uint8_t *usa = b + usa_ofs;
    for (unsigned i = 1; i < usa_cnt; i++) {
        uint8_t *tailp = b + (size_t)i * 512 - 2;
        if (tailp[0] != usa[0] || tailp[1] != usa[1])
            return "update sequence mismatch (torn write)";
        tailp[0] = usa[2 * i];
        tailp[1] = usa[2 * i + 1];
    }
    if (sxs_le64(b + 0x10) != want_vcn)
        return "the block names another VCN than its place";
    return NULL;
}

static int read_block(index_walk *w, uint64_t b, uint8_t *blk)
{
    uint64_t vcn = b * w->bs / w->vcn_bytes;
    ssize_t n = tsk_fs_attr_read(w->alloc, (TSK_OFF_T)(b * w->bs), (char *)blk, w->bs,
                                 TSK_FS_FILE_READ_FLAG_NONE);
    if (n != (ssize_t)w->bs) {
        char why[200];
        snprintf(why, sizeof(why), "cannot be read (%s)", fsa_tsk_errstr());
        tsk_error_reset();
        return damaged(w, (int64_t)b, 0, -EIO, why);
    }
    const char *bad = fixup_indx(blk, w->bs, vcn);
    if (bad)
        return damaged(w, (int64_t)b, 0, -EBADMSG, bad);
    int r = parse_entries(w, (int64_t)b, 0x18, blk + 0x18, w->bs - 0x18);
    if (r == 0)
        w->done[b / 8] |= (uint8_t)(1u << (b % 8));
    return r;
}

/* Blocks in on-disk order (the listing order callers see): those $BITMAP marks in use, then
 * any block an entry points at that was not read (damage: the bitmap lies or the block is
 * gone). */
static int read_allocation(index_walk *w)
{
    size_t bmlen = 0;
    /* Without a readable $BITMAP every block an entry points at is read: the tree alone says
     * what is in use. */
    uint8_t *bm =
        read_attr(find_i30(w->dir, TSK_FS_ATTR_TYPE_NTFS_BITMAP), NTFS_MAX_INDEX_BITMAP, &bmlen);
    uint8_t *blk = malloc(w->bs);
    if (!blk) {
        free(bm);
        return -ENOMEM;
    }
    int r = 0;
    for (uint64_t b = 0; b < w->nblocks && r == 0; b++) {
        if (!bm || b / 8 >= bmlen || !(bm[b / 8] & (1u << (b % 8))))
            continue; /* free block: stale entries of deleted files */
        r = read_block(w, b, blk);
    }
    /* Without $BITMAP a block read here may point at an earlier one: repeat until a pass
     * reads nothing (each pass reads at least one block, so at most nblocks passes). */
    for (bool again = true; again && r == 0;) {
        again = false;
        for (uint64_t b = 0; b < w->nblocks && r == 0; b++) {
            uint8_t bit = (uint8_t)(1u << (b % 8));
            if (!(w->wanted[b / 8] & bit) || (w->done[b / 8] & bit))
                continue;
            if (bm)
                r = damaged(w, (int64_t)b, 0, -EBADMSG,
                            "an entry points at it but $BITMAP marks it free ($BITMAP damaged)");
            else
                r = read_block(w, b, blk);
            again = true;
        }
    }
    free(blk);
    free(bm);
    return r;
}

int fsa_ntfs_read_index(fsa_tsk_fs *fs, TSK_FS_FILE *dir, fsa_tsk_dir *d)
{
    index_walk w = {.fs = fs, .dir = dir, .d = d};
    size_t rlen = 0;
    const TSK_FS_ATTR *root_attr = find_i30(dir, TSK_FS_ATTR_TYPE_NTFS_IDXROOT);
    if (!root_attr) {
        /* A directory record whose attributes are spread over extension records reaches them
         * through its $ATTRIBUTE_LIST: when that list is damaged, the index is what is lost. */
        if (has_attr(dir, TSK_FS_ATTR_TYPE_NTFS_ATTRLIST))
            return damaged(&w, -1, 0, -EBADMSG,
                           "no $INDEX_ROOT: the record's $ATTRIBUTE_LIST is damaged or does not "
                           "lead to one");
        return damaged(&w, -1, 0, -EBADMSG, "no $INDEX_ROOT");
    }
    uint8_t *root = read_attr(root_attr, NTFS_MAX_INDEX_ROOT, &rlen);
    if (!root)
        return damaged(&w, -1, 0, -EIO, "cannot be read");
    int r = -EBADMSG;
    if (rlen < 32) {
        damaged(&w, -1, 0, r, "too short");
        goto out;
    }
    w.bs = sxs_le32(root + 8);
    uint32_t csize = fs->tfs->block_size;
    if (w.bs < 512 || w.bs > NTFS_MAX_INDEX_BLOCK || (w.bs & (w.bs - 1)) != 0 || csize == 0) {
        damaged(&w, -1, 8, r, "index block size out of range");
        goto out;
    }
    /* Child pointers count clusters when a block spans at least one, else 512-byte units. */
    w.vcn_bytes = w.bs >= csize ? csize : 512;
    w.alloc = find_i30(dir, TSK_FS_ATTR_TYPE_NTFS_IDXALLOC);
    if (w.alloc && w.alloc->size > 0) {
        uint64_t span = (uint64_t)w.alloc->size < NTFS_MAX_INDEX_ALLOC ? (uint64_t)w.alloc->size
                                                                       : NTFS_MAX_INDEX_ALLOC;
        w.nblocks = span / w.bs;
        w.wanted = calloc(w.nblocks / 8 + 1, 1);
        w.done = calloc(w.nblocks / 8 + 1, 1);
        if (!w.wanted || !w.done) {
            r = -ENOMEM;
            goto out;
        }
    } else {
        w.alloc = NULL; /* small directory: everything is in the root */
    }
    r = parse_entries(&w, -1, 16, root + 16, rlen - 16);
    if (r == 0 && w.alloc)
        r = read_allocation(&w);
out:
    free(w.wanted);
    free(w.done);
    free(root);
    return r;
}
