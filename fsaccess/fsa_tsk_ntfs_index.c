/* NTFS directory index ($I30) reader: the entries of one directory straight
 * from its $INDEX_ROOT and the in-use blocks of $INDEX_ALLOCATION (per
 * $BITMAP), with update-sequence fixups and bounds checks on every offset.
 * Names and types come from the index entries' $FILE_NAME copies, so listing a
 * directory reads no MFT record but its own. DOS 8.3 aliases are skipped (the
 * long name of the same file is listed). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "common/sxs_utf16.h"
#include "fsaccess/fsa_tsk.h"

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

/* Walks the entries behind an index header at hdr (avail bytes from hdr to the
 * end of the buffer). Corrupt entries end the walk; what was read so far stays.
 */
static int parse_entries(const uint8_t *hdr, size_t avail, fsa_tsk_dir *d)
{
    if (avail < 16)
        return 0;
    uint64_t first = sxs_le32(hdr), used = sxs_le32(hdr + 4);
    uint64_t end = used < avail ? used : avail;
    uint64_t pos = first;
    while (pos + 16 <= end) {
        const uint8_t *e = hdr + pos;
        uint16_t elen = sxs_le16(e + 8), clen = sxs_le16(e + 10);
        uint32_t flags = sxs_le32(e + 12);
        if (flags & NTFS_INDEX_ENTRY_LAST)
            break;
        if (elen < 16 || !sxs_range_ok(pos, elen, end) || (uint64_t)clen + 16 > elen)
            break;
        if (clen >= 66) {
            const uint8_t *fn = e + 16;
            uint8_t nlen = fn[64], ns = fn[65];
            if (66u + 2u * nlen <= clen && ns != NTFS_FN_NAMESPACE_DOS) {
                char name[FSA_MAX_NAME + 1];
                long n = sxs_utf16le_to_utf8(fn + 66, nlen, 0, name, sizeof(name));
                uint32_t fl = sxs_le32(fn + 56);
                if (n > 0 && strcmp(name, ".") != 0) {
                    int r = fsa_tsk_dir_add(d, name, (size_t)n, sxs_le64(e) & 0xFFFFFFFFFFFFull,
                                            (fl & NTFS_FN_FLAG_DIRECTORY) ? FSA_TYPE_DIR
                                                                          : FSA_TYPE_FILE,
                                            (fl & NTFS_FN_FLAG_REPARSE) != 0);
                    if (r < 0)
                        return r;
                }
            }
        }
        pos += elen;
    }
    return 0;
}

/* Checks the INDX record and applies its update sequence (one fixup per 512
 * bytes). */
static bool fixup_indx(uint8_t *b, size_t bs)
{
    if (memcmp(b, "INDX", 4) != 0)
        return false;
    uint16_t usa_ofs = sxs_le16(b + 4), usa_cnt = sxs_le16(b + 6);
    if (usa_cnt < 2 || !sxs_range_ok(usa_ofs, 2ull * usa_cnt, bs) ||
        (uint64_t)(usa_cnt - 1) * 512 > bs)
        return false;
    const uint8_t *usa = b + usa_ofs;
    for (unsigned i = 1; i < usa_cnt; i++) {
        uint8_t *tailp = b + (size_t)i * 512 - 2;
        if (tailp[0] != usa[0] || tailp[1] != usa[1])
            return false; /* torn write or not an index block */
        tailp[0] = usa[2 * i];
        tailp[1] = usa[2 * i + 1];
    }
    return true;
}

static int read_allocation(TSK_FS_FILE *dir, uint32_t bs, fsa_tsk_dir *d)
{
    const TSK_FS_ATTR *alloc = find_i30(dir, TSK_FS_ATTR_TYPE_NTFS_IDXALLOC);
    if (!alloc || alloc->size <= 0)
        return 0; /* small directory: everything is in the root */
    size_t bmlen = 0;
    /* Without a readable $BITMAP (corruption) every block with a valid INDX
     * header is used: better a few stale names than a directory that cannot be
     * listed at all. */
    uint8_t *bm =
        read_attr(find_i30(dir, TSK_FS_ATTR_TYPE_NTFS_BITMAP), NTFS_MAX_INDEX_BITMAP, &bmlen);
    uint8_t *blk = malloc(bs);
    if (!blk) {
        free(bm);
        return -ENOMEM;
    }
    int r = 0;
    uint64_t span =
        (uint64_t)alloc->size < NTFS_MAX_INDEX_ALLOC ? (uint64_t)alloc->size : NTFS_MAX_INDEX_ALLOC;
    uint64_t nblocks = span / bs;
    for (uint64_t b = 0; b < nblocks && r == 0; b++) {
        if (bm && b / 8 >= bmlen)
            break;
        if (bm && !(bm[b / 8] & (1u << (b % 8))))
            continue; /* free block: stale entries of deleted files */
        ssize_t n = tsk_fs_attr_read(alloc, (TSK_OFF_T)(b * bs), (char *)blk, bs,
                                     TSK_FS_FILE_READ_FLAG_NONE);
        if (n != (ssize_t)bs) {
            tsk_error_reset();
            r = -EIO;
            break;
        }
        if (!fixup_indx(blk, bs))
            continue;
        r = parse_entries(blk + 0x18, bs - 0x18, d);
    }
    free(blk);
    free(bm);
    return r;
}

int fsa_ntfs_read_index(TSK_FS_FILE *dir, fsa_tsk_dir *d)
{
    size_t rlen = 0;
    const TSK_FS_ATTR *root_attr = find_i30(dir, TSK_FS_ATTR_TYPE_NTFS_IDXROOT);
    if (!root_attr)
        return -ENOTDIR;
    uint8_t *root = read_attr(root_attr, NTFS_MAX_INDEX_ROOT, &rlen);
    if (!root)
        return -EIO;
    int r = -EIO;
    if (rlen >= 32) {
        uint32_t bs = sxs_le32(root + 8);
        r = parse_entries(root + 16, rlen - 16, d);
        if (r == 0 && bs >= 512 && bs <= NTFS_MAX_INDEX_BLOCK && (bs & (bs - 1)) == 0)
            r = read_allocation(dir, bs, d);
    }
    free(root);
    return r;
}
