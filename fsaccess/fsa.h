/* fsaccess: evidence opened read-only. One interface over two backends:
 *   - an image or block device through libtsk (raw, split raw, E01/Ex01, VHD, VHDX, VMDK),
 *     with its volumes (GPT, MBR incl. extended, none) and filesystems (NTFS, FAT, ...);
 *   - a directory holding a mounted Windows volume (one volume, the directory itself).
 * On top of a filesystem, the small "win_fs" API the analyzer uses: case-insensitive lookup,
 * stat, directory listing, ranged reads. Nothing here ever opens anything for writing, and no
 * call loads a whole file into memory.
 *
 * Conventions: functions return 0 or a negative errno-style code; lookups return 1 found,
 * 0 absent, negative on error. ret_* parameters are set only on success. Messages about the
 * evidence go to the caller's sxs_diag. */
#ifndef FSA_H
#define FSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sxs_diag.h"

typedef struct fsa_evidence fsa_evidence; /* an opened container and its volumes */
typedef struct fsa_fs fsa_fs;             /* one filesystem inside it (owned by the evidence) */
typedef struct fsa_file fsa_file;         /* one open file for ranged reads */

typedef enum {
    FSA_FMT_RAW,       /* single raw file */
    FSA_FMT_SPLIT_RAW, /* .001, .002, ... */
    FSA_FMT_EWF,       /* .E01 (+ .E02 ...) */
    FSA_FMT_VHD,
    FSA_FMT_VHDX,
    FSA_FMT_VMDK,
    FSA_FMT_DEVICE,    /* block device, e.g. /dev/sdc */
    FSA_FMT_DIRECTORY, /* mounted volume */
} fsa_format;

/* Name used in reports and JSON "evidence.format": "raw", "split-raw", "ewf", "vhd", "vhdx",
 * "vmdk", "device", "directory". */
const char *fsa_format_name(fsa_format f);

typedef struct {
    const char *path; /* as given by the user */
    fsa_format format;
    uint64_t media_size; /* bytes of the disk the container holds (0 for a directory) */
    unsigned sector_size;
    size_t segment_count; /* files making up the evidence (1 for most) */
    const char *const *segments;
    /* EWF acquisition metadata; each NULL when absent or not EWF. */
    const char *ewf_case_number;
    const char *ewf_evidence_number;
    const char *ewf_description;
    const char *ewf_examiner;
    const char *ewf_notes;
    const char *ewf_acquiry_date;
    const char *ewf_acquiry_software;
    const char *ewf_md5; /* stored hash, lower-case hex */
    const char *ewf_sha1;
} fsa_evidence_info;

/* One shadow copy (VSS store) of a volume, oldest first as the catalog lists them. */
typedef struct {
    unsigned index;       /* 1-based, as vshadowinfo and vshadowmount number them (vss1...) */
    char identifier[40];  /* the store's GUID, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
    char copy_set[40];    /* the shadow copy set's GUID */
    uint64_t created_ft;  /* creation time, FILETIME (100 ns since 1601, UTC) */
    int64_t created;      /* the same, Unix seconds */
    uint64_t volume_size; /* bytes of the volume as the snapshot shows it */
    uint64_t store_size;  /* bytes the store's own data takes (0 when unknown) */
} fsa_shadow_info;

typedef struct {
    unsigned index;    /* 0-based, in on-disk order */
    uint64_t offset;   /* bytes from the start of the disk */
    uint64_t size;     /* bytes */
    const char *fs;    /* "ntfs", "fat12", "fat16", "fat32", "exfat", "ext", "bitlocker" (locked),
                          "unknown";
                          named but not read (note "filesystem not supported"): "btrfs", "xfs",
                          "lvm2", "luks", "refs"; "directory" for the directory backend */
    const char *label; /* volume label or "" */
    const char *note;  /* human note ("BitLocker-encrypted", "EFI System", "no filesystem
                          recognised", ...) or "" */
    const char *partition_type; /* partition table description or "" (bare filesystem) */
    /* The identity Windows gives the partition, which BCD device elements and
     * SYSTEM\MountedDevices name: the GPT unique partition GUID, or the MBR disk signature
     * plus the partition's byte offset (offset above). */
    const char *table;      /* "gpt", "mbr", or "" (bare filesystem, directory) */
    bool has_guid;          /* GPT entry found: the two GUIDs below are set */
    uint8_t part_guid[16];  /* unique partition GUID, as stored (first 3 fields LE) */
    uint8_t type_guid[16];  /* partition type GUID, as stored */
    uint32_t mbr_signature; /* MBR disk signature (LBA 0, offset 0x1B8); 0 unless MBR */
    /* BitLocker: encryption is "bitlocker" for a BitLocker volume (fs is then "bitlocker" while
     * locked, or the filesystem read through the unlocked layer), else "". unlocked_with names
     * the kind of protector that unlocked it ("recovery password", "password", "startup key",
     * "clear key") or is "" (never the key itself); protectors lists what the volume offers
     * ("TPM, recovery password"), "" when unknown. */
    const char *encryption;
    const char *unlocked_with;
    const char *protectors;
    /* Shadow copies (NTFS volumes): n_shadows stores in shadows (NULL when none);
     * shadow_error says why the VSS catalog could not be read ("" when it could or there is
     * none). */
    size_t n_shadows;
    const fsa_shadow_info *shadows;
    const char *shadow_error;
    /* --snapshot (fsa_open_opts.snapshot): the shadow copy whose contents are read as this
     * volume (one of shadows), NULL when the volume is read as it is now. */
    const fsa_shadow_info *snapshot;
} fsa_volume_info;

typedef struct {
    unsigned index;  /* 0-based install number (the CLI's --install N is 1-based) */
    unsigned volume; /* index into the volumes */
    const char
        *windows_dir; /* the Windows directory as found on disk, e.g. "Windows" or "WINDOWS" */
    fsa_fs *fs;       /* filesystem holding it */
} fsa_install_info;

/* Opens evidence read-only. path is an image (first segment for split formats), a block
 * device or a directory. On failure returns negative and has put the reason (naming the file)
 * into diag. On success the volumes and installs are already enumerated; problems with single
 * volumes (corrupt NTFS, BitLocker) are in diag and in the volume's note, not failures.
 * A container that is valid in itself (E01, VHD, VMDK, device) but holds no partition table
 * or filesystem opens with 0 volumes and a warning; a plain file in which nothing is
 * recognised (random bytes, a zero-byte file) is an error: it is not a disk image. Missing or
 * truncated EWF segments and differencing VHD/VMDK disks (parent not available) are errors. */
int fsa_open(const char *path, sxs_diag *diag, fsa_evidence **ret_ev);

/* Key material for encrypted volumes, each NULL when not given. fsa_open_ex uses it only while
 * opening (the evidence keeps no pointer to it); the caller zeroes its buffers afterwards. No
 * message, diag or volume field ever contains it. */
typedef struct {
    const char *recovery_password; /* BitLocker: 48 digits, 8 groups of 6 joined by '-' */
    const char *password;          /* BitLocker: the user password */
    const char *startup_key_file;  /* BitLocker: a .BEK startup key file */
    /* Shadow copy to read instead of the volume (1-based, as fsa_shadow_info.index), 0 for
     * none: every volume with shadow copies is read as its store `snapshot` (read-only,
     * through libvshadow); a volume that has shadow copies but not that one is not read (an
     * error naming the stores it has); volumes without shadow copies are read as they are.
     * When no volume could be read as that snapshot, fsa_open_ex fails naming the stores. */
    unsigned snapshot;
} fsa_open_opts;

/* Volumes whose key protector accepts opts are unlocked: their filesystem is read through
 * the decrypted layer exactly as on a clear volume. A volume that stays locked (wrong key, a
 * protector not offered) is a warning naming the volume and its protectors, not a failure.
 * opts NULL is fsa_open. */
int fsa_open_ex(const char *path, const fsa_open_opts *opts, sxs_diag *diag, fsa_evidence **ret_ev);
void fsa_close(fsa_evidence *ev); /* NULL is fine */

/* Opens a raw disk image held in memory (read-only; the buffer must outlive the evidence).
 * name is used in messages. For tests and the fuzz harness. Same results as fsa_open. */
int fsa_open_memory(const void *data, size_t len, const char *name, sxs_diag *diag,
                    fsa_evidence **ret_ev);

const fsa_evidence_info *fsa_info(const fsa_evidence *ev);

/* A byte range of the disk. */
typedef struct {
    uint64_t offset, size;
} fsa_range;
/* Parts of the container that failed its own integrity check when read so far (E01 chunks
 * whose checksum does not match; reads covering them fail and name them): copies up to cap
 * ranges into out, returns how many there are. 0 for containers without checksums. */
size_t fsa_container_damage(const fsa_evidence *ev, fsa_range *out, size_t cap);
size_t fsa_volume_count(const fsa_evidence *ev);
const fsa_volume_info *fsa_volume(const fsa_evidence *ev, size_t i);
/* The filesystem of volume i, or NULL when it has none we can read. */
fsa_fs *fsa_volume_fs(fsa_evidence *ev, size_t i);
/* The filesystem of shadow copy `shadow` (1-based, fsa_shadow_info.index) of volume i, opened
 * read-only on first use and kept with the evidence (NTFS through libvshadow over the
 * volume). Nothing is read unless called. 1 with *ret_fs; 0 when the volume has no such shadow
 * copy; negative when it cannot be opened (a damaged store, no NTFS in it), with a diag naming
 * the volume and the store. */
int fsa_shadow_fs(fsa_evidence *ev, size_t i, unsigned shadow, sxs_diag *diag, fsa_fs **ret_fs);
size_t fsa_install_count(const fsa_evidence *ev);
const fsa_install_info *fsa_install(const fsa_evidence *ev, size_t i);

/* ---- win_fs ------------------------------------------------------------------------------
 * Paths are relative to the volume root, components separated by '/' or '\\', matched
 * case-insensitively (as Windows does), UTF-8. "" or "/" is the root. */

typedef enum {
    FSA_TYPE_FILE,
    FSA_TYPE_DIR,
    FSA_TYPE_OTHER,
} fsa_type;

#define FSA_REPARSE_MOUNT_POINT 0xA0000003u /* junctions and volume mount points */
#define FSA_REPARSE_SYMLINK 0xA000000Cu

typedef struct {
    uint64_t inode; /* MFT entry number (image backend) or st_ino (directory backend) */
    fsa_type type;
    uint64_t size; /* bytes of the default data stream */
    int64_t mtime; /* Unix seconds, UTC; 0 when unknown */
    int64_t crtime;
    int64_t atime;
    int64_t ctime;       /* metadata change time */
    uint32_t attributes; /* Windows FILE_ATTRIBUTE_* bits when known, else 0 */
    bool is_reparse;
    uint32_t reparse_tag;      /* 0 when not a reparse point */
    char reparse_target[1024]; /* junction/symlink substitute name, UTF-8, "" if none: on
                                  NTFS as stored (e.g. "\\??\\C:\\Data"); directory backend:
                                  the symlink's text */
} fsa_stat;

/* Resolves path; fills *ret_st when found. 1 found, 0 absent (any component missing),
 * negative on read error. A junction on the way is NOT followed: a path through a reparse
 * point (or through a file) is absent; looking up the reparse point itself reports its tag
 * and target. A directory's size is 0 on both backends. ret_st may be NULL. */
int fsa_lookup(fsa_fs *fs, const char *path, fsa_stat *ret_st);

/* The name of a path's last component as stored on disk (true case), for reports.
 * 1 found, 0 absent, negative on error. */
int fsa_true_name(fsa_fs *fs, const char *path, char *out, size_t out_cap);

typedef struct {
    const char *name; /* UTF-8, as stored */
    uint64_t inode;
    fsa_type type; /* from the directory entry; no extra metadata read */
} fsa_dirent;

/* Calls cb for every entry of the directory at path (not "." or ".."), reading only that
 * directory's index. cb returns 0 to go on, non-zero to stop (that value is returned).
 * Returns 0 when done, -ENOENT when path is absent, -ENOTDIR (also for a reparse point), or
 * another negative error. Entries come in on-disk order; deleted entries and DOS 8.3 aliases
 * are not listed; an NTFS root also lists its metadata files ($MFT, $Volume, ...). */
typedef int (*fsa_dir_cb)(const fsa_dirent *ent, void *ctx);
int fsa_list_dir(fsa_fs *fs, const char *path, fsa_dir_cb cb, void *ctx);

/* Opens a file's default data stream for reading. 1 opened, 0 absent, negative on error. */
int fsa_file_open(fsa_fs *fs, const char *path, fsa_file **ret_file);
uint64_t fsa_file_size(const fsa_file *f);
/* Reads up to len bytes at off. Returns bytes read (0 at or past the end), negative on error. */
long fsa_file_read(fsa_file *f, uint64_t off, void *buf, size_t len);
/* Reads [off, off + len) through fsa_file_read until len bytes are read or the file ends.
 * Returns 0 with *ret_got = the bytes read (less than len only at the end of the file), or
 * the negative error of the failed read with *ret_got = the bytes read before it
 * (fsa_file_damage then names what is damaged). */
int fsa_file_read_full(fsa_file *f, uint64_t off, void *buf, size_t len, size_t *ret_got);
void fsa_file_close(fsa_file *f); /* NULL is fine */
/* After a failed fsa_file_read: what is damaged ("cannot read bytes 0-65535 of MFT record 70:
 * EWF chunk 1201 (bytes ...) fails its checksum ..."), as fsa_fs_damage; "" when unknown. */
const char *fsa_file_damage(const fsa_file *f, int64_t *ret_offset);

/* ---- space -------------------------------------------------------------------------------- */

/* Size and free space of the filesystem, in bytes, measured from its own allocation map:
 * NTFS: the $Bitmap (MFT record 6), one bit per cluster, total = clusters x cluster size;
 * FAT12/16/32: the first FAT, free = clusters whose entry is 0, total = data clusters x
 * cluster size; directory backend: statvfs of the directory (f_blocks, f_bfree).
 * Reads the map in bounded chunks (a 100 GB NTFS volume has a 3 MB bitmap).
 * 0 on success; -ENOTSUP for other filesystems; -EIO when the map cannot be read;
 * -EBADMSG when it is inconsistent (shorter than the cluster count, boot sector or FAT
 * reserved entries marked free, more used clusters than exist): damaged evidence never yields
 * a number. */
int fsa_fs_space(fsa_fs *fs, uint64_t *ret_total, uint64_t *ret_free);

/* The evidence fs belongs to (its volumes, for resolving partition identities). */
const fsa_evidence *fsa_fs_evidence(const fsa_fs *fs);

/* The index of the volume fs lives on. */
unsigned fsa_fs_volume(const fsa_fs *fs);

/* The system partition of the disk fs lives on: the EFI System partition (GPT type), else a
 * volume labelled "System Reserved" (MBR installs), never fs's own volume. 1 found (index in
 * *ret_index, its filesystem in *ret_fs, NULL when unreadable), 0 none. */
int fsa_fs_system_volume(fsa_fs *fs, size_t *ret_index, fsa_fs **ret_fs);

/* When the last lookup, true-name, listing or open on fs failed because an on-disk structure
 * is damaged (a torn MFT record, an index block that fails its update sequence, a data run
 * past the end of the volume, ...): what is damaged, naming the MFT record, e.g. "$I30 index
 * block 0 (VCN 0) of MFT record 109: update sequence mismatch (torn write)"; "" when the
 * failure was not damage the backend can name. On directory evidence it also says what a
 * path that could not be opened is instead of a file ("is a symbolic link in the directory
 * evidence (links are not followed, ...)", "is a FIFO (named pipe), not a regular file").
 * *ret_offset (may be NULL) gets the byte offset
 * of the damage from the start of the disk image, or -1 when unknown. Each of those calls
 * resets it. */
const char *fsa_fs_damage(const fsa_fs *fs, int64_t *ret_offset);

/* A short description of the filesystem for messages: "volume 2 (ntfs at offset 1048576)". */
const char *fsa_fs_describe(const fsa_fs *fs);

#endif
