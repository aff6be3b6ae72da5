/* Test support: deterministic damage to copies of sample images. The structures to damage
 * (an MFT record, an attribute record, the first byte of an attribute's data) are found with
 * libtsk in the pristine image, so a test names what it breaks, not a magic offset. */
#ifndef SXS_TEST_MUTATE_H
#define SXS_TEST_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#define SXS_NTFS_ATTR_LIST 0x20u
#define SXS_NTFS_DATA 0x80u
#define SXS_NTFS_INDEX_ROOT 0x90u
#define SXS_NTFS_INDEX_ALLOC 0xA0u
#define SXS_NTFS_BITMAP 0xB0u

/* One file or folder of the NTFS volume holding it. */
typedef struct {
    uint64_t vol_off;  /* byte offset of the volume in the image */
    uint32_t cluster;  /* bytes per cluster */
    uint32_t rec_size; /* bytes per MFT record */
    uint64_t inode;    /* its MFT record number */
    int64_t rec_off;   /* byte offset of that record in the image */
} sxs_ntfs_file;

/* Copies src into a fresh test directory (named after tag); malloc'd path of the copy. */
char *sxs_mut_copy(const char *src, const char *tag);

/* Removes a copy made by sxs_mut_copy and its directory (the copies are 64 MiB each). */
void sxs_mut_discard(char *img);

/* Overwrites len bytes at off with byte / with data. 0 or negative errno. */
int sxs_mut_fill(const char *img, uint64_t off, uint8_t byte, size_t len);
int sxs_mut_put(const char *img, uint64_t off, const void *data, size_t len);

/* Finds path (volume-relative, '/'-separated) on the first NTFS volume that holds it.
 * 0 or negative. */
int sxs_ntfs_find(const char *img, const char *path, sxs_ntfs_file *ret);

/* Image offset of byte file_off of the data of f's non-resident attribute type (name "" for
 * the unnamed one, e.g. "$I30"), or -1. */
int64_t sxs_ntfs_attr_data(const char *img, const sxs_ntfs_file *f, uint32_t type, const char *name,
                           uint64_t file_off);

/* Image offset of the attribute record (its header) of type/name, in the MFT record holding
 * it (the base record or, through $ATTRIBUTE_LIST, an extension record), or -1. */
int64_t sxs_ntfs_attr_record(const char *img, const sxs_ntfs_file *f, uint32_t type,
                             const char *name);

/* Damage recipes. Each returns 0 or negative. */
/* The record's first update-sequence check bytes (end of its first sector) changed: a torn
 * write, as Windows would see it. */
int sxs_mut_tear_record(const char *img, int64_t rec_off);
/* An INDX block or MFT record at off: its end-of-sector-1 bytes changed (torn update
 * sequence). */
int sxs_mut_tear_block(const char *img, int64_t off);
/* Rewrites the runlist of the non-resident attribute record at attr_off to one run of the
 * same length starting far past the end of any volume (cluster 0x7FFFFF). */
int sxs_mut_run_past_volume(const char *img, int64_t attr_off);
/* Zeroes the value of the resident attribute record at attr_off. */
int sxs_mut_zero_resident(const char *img, int64_t attr_off);

/* In a single-segment EWF (E01) file: the file offset and stored length of the data of chunk
 * number chunk, from the first table section (sample E01s have one). 0 or negative. */
int sxs_ewf_chunk(const char *e01, uint64_t chunk, uint64_t *ret_off, uint64_t *ret_len);

/* In a hive file (a mounted-directory copy): sets the 32-bit field at field_off of the named
 * key's nk record (from the "nk" signature: 28 subkey list, 40 value list, 20 subkey count)
 * of the first key named key_name. 0, -ENOENT when no such key, or negative. */
#define SXS_NK_SUBKEY_LIST 28
#define SXS_NK_VALUE_LIST 40
int sxs_mut_hive_key(const char *hive, const char *key_name, size_t field_off, uint32_t value);

#endif
