/* sxs-mkimage: shadow copies (VSS stores) of an NTFS volume, as libvshadow's documentation of
 * the format describes them ("Volume Shadow Snapshot (VSS) format", libyal/libvshadow).
 *
 * Each `snapshot` line of a partition is one state of the volume (the nodes and hive ops
 * declared before it); the current volume is everything. Every state is built as its own
 * NTFS file, all with the same reserved files written first
 * (System Volume Information\{3808876b-...} for the catalog and {STORE-ID}{3808876b-...} per
 * store), so that the reservations sit at the same clusters everywhere; the current volume
 * keeps them, the snapshots' volumes delete them again (free space, as at snapshot time).
 * Store k then holds the old contents of the 16 KiB blocks in which the volume of snapshot k
 * differs from that of snapshot k+1 (the newest store: from the current volume), written into
 * 16 KiB-aligned slots of its reserved file:
 *   slot 0       store header (record type 4) + store information (identifiers, flags, the
 *                operating and service machine names)
 *   slots 1..L   block list (type 3): 32-byte block descriptors {original offset, store-relative
 *                offset, volume offset, flags 0}
 *   slot L+1     block range list (type 5): the store's own extents {volume, relative, size}
 *   next B       store bitmap (type 6), all bits clear (every block in use: nothing zero-fills)
 *   the rest     data blocks
 * The catalog (type 2) lists each store with a type 0x02 entry (volume size, identifier,
 * creation time) and a type 0x03 entry (the offsets above), oldest first; the volume header
 * (type 1) at 0x1e00 of the volume points to it. Block 0 (NTFS boot sector and the VSS
 * header) always goes into the newest store, so a snapshot's volume has no VSS header.
 * The reservations start at 1 MiB per store and grow (rebuilding every state) until the
 * differing blocks fit. With SXS_MKIMAGE_VSS_STATES=DIR the snapshots' volumes are kept as
 * DIR/stateN (N = 1, the oldest, ...) and DIR/slots lists the blocks the stores took (volume
 * offsets), for tests/check_mkvss.sh to compare vssN with stateN outside of them.
 * Test tooling only. */
#include "sample-images/mkimage.h"
#include "sample-images/mki_le.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VSS_BLOCK 0x4000u
#define VSS_HDR 128u
#define VSS_VOLUME_HEADER_OFFSET 0x1e00u
#define VSS_DESCS_PER_BLOCK ((VSS_BLOCK - VSS_HDR) / 32u)
#define VSS_RANGES_PER_BLOCK ((VSS_BLOCK - VSS_HDR) / 24u)
#define VSS_BITS_PER_BLOCK ((uint64_t)(VSS_BLOCK - VSS_HDR) * 8u)
#define VSS_GUID_TEXT "{3808876b-c176-4e48-b7ae-04046e6cc752}"
enum {
    REC_VOLUME = 1,
    REC_CATALOG = 2,
    REC_BLOCK_LIST = 3,
    REC_STORE_HEADER = 4,
    REC_RANGE_LIST = 5,
    REC_BITMAP = 6
};
/* {3808876b-c176-4e48-b7ae-04046e6cc752} as stored */
static const uint8_t vss_id[16] = {0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
                                   0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52};
/* System Restore's shadow copies: VSS_CTX_CLIENT_ACCESSIBLE_WRITERS; persistent,
 * client-accessible, no auto release, differential, auto-recovered */
#define VSS_CONTEXT 0x0000000du
#define VSS_ATTRIBUTES 0x0042000du
#define VSS_MACHINE "DESKTOP-SXS01"

/* The 128-byte header every VSS block starts with. */
static void block_header(uint8_t *b, uint32_t type, uint64_t rel, uint64_t off, uint64_t next)
{
    memcpy(b, vss_id, 16);
    mki_put32(b + 16, 1);
    mki_put32(b + 20, type);
    mki_put64(b + 24, rel);
    mki_put64(b + 32, off);
    mki_put64(b + 40, next);
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0)
            return -errno;
        if (k == 0) { /* past the end of a sparse file: zeros */
            memset((char *)buf + done, 0, n - done);
            return 0;
        }
        done += (size_t)k;
    }
    return 0;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0)
            return -errno;
        done += (size_t)k;
    }
    return 0;
}

/* The 16 KiB-aligned whole blocks of a reservation's extents (volume offsets). */
static size_t slots_of(const struct mki_resv *rv, uint64_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < rv->n_ext; i++) {
        uint64_t a = (rv->ext[i].off + VSS_BLOCK - 1) / VSS_BLOCK * VSS_BLOCK;
        for (; a + VSS_BLOCK <= rv->ext[i].off + rv->ext[i].len; a += VSS_BLOCK) {
            if (out && n < cap)
                out[n] = a;
            n++;
        }
    }
    return n;
}

struct store_plan {
    uint64_t *slots; /* volume offsets of its 16 KiB slots */
    size_t n_slots;
    uint64_t *diff; /* volume offsets of the blocks it keeps the old contents of */
    size_t n_diff;
    size_t n_list, n_bitmap; /* block list and bitmap blocks */
};

static size_t store_need(const struct store_plan *sp, uint64_t vol_size)
{
    size_t n_list = (sp->n_diff + VSS_DESCS_PER_BLOCK - 1) / VSS_DESCS_PER_BLOCK;
    uint64_t blocks = (vol_size + VSS_BLOCK - 1) / VSS_BLOCK;
    size_t n_bitmap = (size_t)((blocks + VSS_BITS_PER_BLOCK - 1) / VSS_BITS_PER_BLOCK);
    return 1 + (n_list ? n_list : 1) + 1 + n_bitmap + sp->n_diff;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The blocks in which `old` and `new` differ, outside the excluded (sorted) slots. */
static int diff_blocks(int fd_old, int fd_new, uint64_t vol_size, const uint64_t *excl,
                       size_t n_excl, int force_first, uint64_t **ret, size_t *ret_n)
{
    uint8_t *a = malloc(VSS_BLOCK), *b = malloc(VSS_BLOCK);
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    int r = a && b ? 0 : -ENOMEM;
    for (uint64_t off = 0; r == 0 && off + VSS_BLOCK <= vol_size; off += VSS_BLOCK) {
        if (bsearch(&off, excl, n_excl, sizeof *excl, cmp_u64))
            continue;
        if ((r = pread_all(fd_old, a, VSS_BLOCK, off)) < 0 ||
            (r = pread_all(fd_new, b, VSS_BLOCK, off)) < 0)
            break;
        if (!(off == 0 && force_first) && memcmp(a, b, VSS_BLOCK) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            uint64_t *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                r = -ENOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = off;
    }
    free(a);
    free(b);
    if (r < 0) {
        free(v);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

/* Writes store k (its header, block list, range list, bitmap and data) into its slots of the
 * current volume (fd), the old block contents read from the snapshot's volume (fd_old). */
static int write_store(int fd, int fd_old, const struct mki_snapshot *s, struct store_plan *sp,
                       uint64_t vol_size, uint8_t *blk)
{
    size_t n_list = (sp->n_diff + VSS_DESCS_PER_BLOCK - 1) / VSS_DESCS_PER_BLOCK;
    if (!n_list)
        n_list = 1;
    uint64_t blocks = (vol_size + VSS_BLOCK - 1) / VSS_BLOCK;
    size_t n_bitmap = (size_t)((blocks + VSS_BITS_PER_BLOCK - 1) / VSS_BITS_PER_BLOCK);
    size_t first_data = 1 + n_list + 1 + n_bitmap;
    sp->n_list = n_list;
    sp->n_bitmap = n_bitmap;
    int r = 0;
    /* store header + information */
    memset(blk, 0, VSS_BLOCK);
    block_header(blk, REC_STORE_HEADER, 0, sp->slots[0], 0);
    uint8_t *info = blk + VSS_HDR;
    memcpy(info, s->id, 16); /* unknown (identifier?): the store's own */
    memcpy(info + 16, s->copy, 16);
    memcpy(info + 32, s->set, 16);
    mki_put32(info + 48, VSS_CONTEXT);
    mki_put32(info + 52, 0);
    mki_put32(info + 56, VSS_ATTRIBUTES);
    size_t p = 64;
    for (int m = 0; m < 2; m++) { /* operating machine, service machine */
        size_t len = strlen(VSS_MACHINE);
        info[p] = (uint8_t)(2 * len);
        info[p + 1] = 0;
        p += 2;
        for (size_t i = 0; i < len; i++, p += 2)
            info[p] = (uint8_t)VSS_MACHINE[i];
    }
    mki_put64(blk + 48, p); /* size of the store information */
    if ((r = pwrite_all(fd, blk, VSS_BLOCK, sp->slots[0])) < 0)
        return r;
    /* block list */
    for (size_t l = 0; l < n_list; l++) {
        size_t slot = 1 + l;
        memset(blk, 0, VSS_BLOCK);
        block_header(blk, REC_BLOCK_LIST, (uint64_t)slot * VSS_BLOCK, sp->slots[slot],
                     l + 1 < n_list ? sp->slots[slot + 1] : 0);
        for (size_t d = 0; d < VSS_DESCS_PER_BLOCK; d++) {
            size_t i = l * VSS_DESCS_PER_BLOCK + d;
            if (i >= sp->n_diff)
                break;
            uint8_t *e = blk + VSS_HDR + 32 * d;
            size_t ds = first_data + i;
            mki_put64(e, sp->diff[i]);
            mki_put64(e + 8, (uint64_t)ds * VSS_BLOCK);
            mki_put64(e + 16, sp->slots[ds]);
            mki_put32(e + 24, 0);
            mki_put32(e + 28, 0);
        }
        if ((r = pwrite_all(fd, blk, VSS_BLOCK, sp->slots[slot])) < 0)
            return r;
    }
    /* block range list: the store's extents (runs of volume-contiguous slots) */
    size_t used = first_data + sp->n_diff, range_slot = 1 + n_list;
    memset(blk, 0, VSS_BLOCK);
    block_header(blk, REC_RANGE_LIST, (uint64_t)range_slot * VSS_BLOCK, sp->slots[range_slot], 0);
    size_t n_ranges = 0;
    for (size_t i = 0; i < used;) {
        size_t j = i + 1;
        while (j < used && sp->slots[j] == sp->slots[j - 1] + VSS_BLOCK)
            j++;
        if (n_ranges == VSS_RANGES_PER_BLOCK)
            return -E2BIG;
        uint8_t *e = blk + VSS_HDR + 24 * n_ranges++;
        mki_put64(e, sp->slots[i]);
        mki_put64(e + 8, (uint64_t)i * VSS_BLOCK);
        mki_put64(e + 16, (uint64_t)(j - i) * VSS_BLOCK);
        i = j;
    }
    if ((r = pwrite_all(fd, blk, VSS_BLOCK, sp->slots[range_slot])) < 0)
        return r;
    /* bitmap: no bit set, every block counts as in use */
    for (size_t m = 0; m < n_bitmap; m++) {
        size_t slot = 2 + n_list + m;
        memset(blk, 0, VSS_BLOCK);
        block_header(blk, REC_BITMAP, (uint64_t)slot * VSS_BLOCK, sp->slots[slot],
                     m + 1 < n_bitmap ? sp->slots[slot + 1] : 0);
        if ((r = pwrite_all(fd, blk, VSS_BLOCK, sp->slots[slot])) < 0)
            return r;
    }
    /* data: the old contents */
    for (size_t i = 0; i < sp->n_diff; i++) {
        if ((r = pread_all(fd_old, blk, VSS_BLOCK, sp->diff[i])) < 0 ||
            (r = pwrite_all(fd, blk, VSS_BLOCK, sp->slots[first_data + i])) < 0)
            return r;
    }
    return 0;
}

static int write_catalog(int fd, const struct mki_part *part, const struct store_plan *sp,
                         const struct mki_resv *resv, uint64_t cat_off, uint8_t *blk)
{
    memset(blk, 0, VSS_BLOCK);
    block_header(blk, REC_CATALOG, 0, cat_off, 0);
    for (size_t k = 0; k < part->n_snaps; k++) {
        const struct mki_snapshot *s = &part->snaps[k];
        uint8_t *e2 = blk + VSS_HDR + 256 * k, *e3 = e2 + 128;
        mki_put64(e2, 2);
        mki_put64(e2 + 8, part->size);
        memcpy(e2 + 16, s->id, 16);
        mki_put64(e2 + 32, k + 1); /* sequence number */
        mki_put64(e2 + 40, 0x40);
        mki_put64(e2 + 48, s->filetime);
        mki_put64(e3, 3);
        mki_put64(e3 + 8, sp[k].slots[1]);
        memcpy(e3 + 16, s->id, 16);
        mki_put64(e3 + 32, sp[k].slots[0]);
        mki_put64(e3 + 40, sp[k].slots[1 + sp[k].n_list]);
        mki_put64(e3 + 48, sp[k].slots[2 + sp[k].n_list]);
        mki_put64(e3 + 56, resv[1 + k].mft_ref);
        mki_put64(e3 + 64, resv[1 + k].size);
        mki_put64(e3 + 72, 0); /* no previous bitmap */
        mki_put64(e3 + 80, k + 1);
    }
    int r = pwrite_all(fd, blk, VSS_BLOCK, cat_off);
    if (r < 0)
        return r;
    /* the volume header: one sector at 0x1e00 */
    uint8_t h[512] = {0};
    block_header(h, REC_VOLUME, VSS_VOLUME_HEADER_OFFSET, VSS_VOLUME_HEADER_OFFSET, 0);
    mki_put64(h + 48, cat_off);
    mki_put64(h + 56, 0);                   /* unbounded */
    memcpy(h + 64, part->snaps[0].set, 16); /* volume identifier: any stable GUID */
    memcpy(h + 80, part->snaps[0].set, 16);
    return pwrite_all(fd, h, sizeof h, VSS_VOLUME_HEADER_OFFSET);
}

/* SXS_MKIMAGE_VSS_STATES=DIR: the snapshots' volumes and the stores' blocks, for tests. */
static int keep_states(const struct mki_part *part, char **files, const uint64_t *excl,
                       size_t n_excl)
{
    const char *dir = getenv("SXS_MKIMAGE_VSS_STATES");
    if (!dir || !*dir)
        return 0;
    int r = 0;
    for (size_t k = 0; r == 0 && k < part->n_snaps; k++) {
        char *to;
        if (asprintf(&to, "%s/state%zu", dir, k + 1) < 0)
            return -ENOMEM;
        /* a copy (cp keeps it sparse): the directory may be on another filesystem */
        char *argv[] = {"cp", "--sparse=always", files[k], to, NULL};
        r = mki_run(argv, NULL) == 0 ? 0 : -EIO;
        free(to);
    }
    char *list;
    if (r == 0 && asprintf(&list, "%s/slots", dir) >= 0) {
        FILE *f = fopen(list, "we");
        free(list);
        if (!f)
            return -errno;
        for (size_t i = 0; i < n_excl; i++)
            fprintf(f, "%llu\n", (unsigned long long)excl[i]);
        if (fclose(f) != 0)
            r = -EIO;
    }
    return r;
}

int mki_build_vss(const struct mki_part *part, const char *path, const char *tmpdir, char *errbuf,
                  size_t errlen)
{
    const size_t n = part->n_snaps;
    struct mki_resv resv[1 + MKI_MAX_SNAPSHOTS] = {{0}};
    char *names[1 + MKI_MAX_SNAPSHOTS] = {0}, *files[MKI_MAX_SNAPSHOTS] = {0};
    struct store_plan sp[MKI_MAX_SNAPSHOTS] = {{0}};
    int fds[MKI_MAX_SNAPSHOTS + 1];
    uint8_t *blk = malloc(VSS_BLOCK);
    int r = blk ? 0 : -ENOMEM;
    for (size_t k = 0; k <= n; k++)
        fds[k] = -1;
    if (r == 0 && asprintf(&names[0], "System Volume Information/%s", VSS_GUID_TEXT) < 0)
        r = -ENOMEM;
    resv[0].size = 4 * VSS_BLOCK; /* the catalog: holds one whole aligned block */
    for (size_t k = 0; r == 0 && k < n; k++) {
        char g[39];
        mki_guid_text(part->snaps[k].id, g);
        if (asprintf(&names[1 + k], "System Volume Information/%s%s", g, VSS_GUID_TEXT) < 0 ||
            asprintf(&files[k], "%s/vss-state%zu", tmpdir, k + 1) < 0)
            r = -ENOMEM;
        resv[1 + k].size = MKI_MIB;
    }
    for (size_t k = 0; k <= n; k++)
        resv[k].path = names[k];
    for (int attempt = 0; r == 0; attempt++) {
        /* every state, then the current volume (which keeps the reservations) */
        for (size_t k = 0; r == 0 && k <= n; k++) {
            struct mki_ntfs_state st = {.resv = resv, .n_resv = 1 + n, .keep_resv = k == n};
            if (k < n) {
                st.n_nodes = part->snaps[k].n_nodes;
                st.n_hives = part->snaps[k].n_hives;
                st.hive_ops = part->snaps[k].hive_ops;
            } else {
                st.n_nodes = part->n_nodes;
                st.n_hives = part->n_hives;
            }
            r = mki_build_ntfs_state(part, k < n ? files[k] : path, tmpdir, &st, errbuf, errlen);
        }
        if (r < 0)
            break;
        /* the slots of every reservation are left out of the comparison */
        size_t n_excl = 0;
        for (size_t k = 0; k <= n; k++)
            n_excl += slots_of(&resv[k], NULL, 0);
        uint64_t *excl = calloc(n_excl ? n_excl : 1, sizeof *excl);
        if (!excl) {
            r = -ENOMEM;
            break;
        }
        size_t at = 0;
        for (size_t k = 0; k <= n; k++)
            at += slots_of(&resv[k], excl + at, n_excl - at);
        qsort(excl, n_excl, sizeof *excl, cmp_u64);
        for (size_t k = 0; r == 0 && k <= n; k++) {
            fds[k] = open(k < n ? files[k] : path, (k < n ? O_RDONLY : O_RDWR) | O_CLOEXEC);
            if (fds[k] < 0)
                r = -errno;
        }
        int grow = 0;
        for (size_t k = 0; r == 0 && k < n; k++) {
            free(sp[k].diff);
            sp[k].diff = NULL;
            r = diff_blocks(fds[k], fds[k + 1], part->size, excl, n_excl, k + 1 == n, &sp[k].diff,
                            &sp[k].n_diff);
            if (r < 0)
                break;
            free(sp[k].slots);
            sp[k].n_slots = slots_of(&resv[1 + k], NULL, 0);
            sp[k].slots = calloc(sp[k].n_slots ? sp[k].n_slots : 1, sizeof *sp[k].slots);
            if (!sp[k].slots) {
                r = -ENOMEM;
                break;
            }
            slots_of(&resv[1 + k], sp[k].slots, sp[k].n_slots);
            size_t need = store_need(&sp[k], part->size);
            if (need > sp[k].n_slots) {
                /* room for what differs now, and a quarter more: a rebuild moves times */
                resv[1 + k].size = ((uint64_t)need * 5 / 4 + 8) * VSS_BLOCK;
                grow = 1;
            }
        }
        if (r == 0 && !grow)
            r = keep_states(part, files, excl, n_excl);
        free(excl);
        uint64_t cat[1];
        if (r == 0 && !grow && slots_of(&resv[0], cat, 1) < 1)
            r = -ENOSPC;
        if (r == 0 && !grow) {
            for (size_t k = 0; r == 0 && k < n; k++)
                r = write_store(fds[n], fds[k], &part->snaps[k], &sp[k], part->size, blk);
            if (r == 0)
                r = write_catalog(fds[n], part, sp, resv, cat[0], blk);
            if (r < 0)
                snprintf(errbuf, errlen, "VSS stores of %s: %s", path, strerror(-r));
        }
        for (size_t k = 0; k <= n; k++) {
            if (fds[k] >= 0 && close(fds[k]) < 0 && r == 0)
                r = -errno;
            fds[k] = -1;
        }
        if (r < 0 || !grow)
            break;
        if (attempt == 4) {
            snprintf(errbuf, errlen, "VSS stores of %s: the differences keep growing", path);
            r = -ENOSPC;
        }
    }
    if (r < 0 && !errbuf[0])
        snprintf(errbuf, errlen, "VSS stores of %s: %s", path, strerror(-r));
    for (size_t k = 0; k < n; k++) {
        if (files[k])
            unlink(files[k]);
        free(files[k]);
        free(sp[k].slots);
        free(sp[k].diff);
    }
    for (size_t k = 0; k <= n; k++) {
        free(names[k]);
        free(resv[k].ext);
    }
    free(blk);
    return r;
}
