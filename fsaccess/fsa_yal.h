/* fsaccess internal: the layers built on libyal libraries (fsa_bde.c: BitLocker through libbde;
 * fsa_vss.c: shadow copies through libvshadow; fsa_vhdi.c/fsa_vmdk.c: VHD/VHDX/VMDK containers
 * through libvhdi and libvmdk). Each .c file lives in a libyal island (fsaccess/CMakeLists.txt):
 * only the fsa_bde_*, fsa_vss_*, fsa_vhdi_* and fsa_vmdk_* names below are global, and no libyal
 * type crosses this header. The volume layers read the underlying volume through the caller's read
 * function (libtsk at the partition offset), never through a file of their own; the containers read
 * their image files, read-only. */
#ifndef FSA_YAL_H
#define FSA_YAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads len bytes at off of the underlying volume: 0, or negative (short reads are errors). */
typedef int (*fsa_yal_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* ---- BitLocker (fsa_bde.c) ---- */

typedef struct fsa_bde fsa_bde;

/* Key material, each NULL when not given. Never copied beyond what libbde keeps while open. */
typedef struct {
    const char *recovery_password; /* 48 digits in 8 groups of 6 joined by '-' */
    const char *password;
    const char *startup_key_file; /* a .BEK file */
} fsa_bde_keys;

/* Opens the BitLocker volume of size bytes read through read(ctx). Tries the clear key
 * (protection suspended) first, then each key given, in the order of fsa_bde_keys. 0 when
 * unlocked (*ret set); -EACCES when still locked (why: the protectors the volume lists,
 * e.g. "protectors: TPM, recovery password"); -EINVAL when the metadata cannot be read (why:
 * libbde's reason); -ENOMEM. why never holds key material. */
int fsa_bde_open(fsa_yal_read_fn read, void *ctx, uint64_t size, const fsa_bde_keys *keys,
                 fsa_bde **ret, char *why, size_t why_cap);
/* The kind of protector that unlocked it: "clear key", "recovery password", "password",
 * "startup key". */
const char *fsa_bde_unlocked_with(const fsa_bde *b);
/* The protectors the volume lists, e.g. "TPM, recovery password" ("" when none). */
const char *fsa_bde_protectors(const fsa_bde *b);
/* Bytes of the decrypted volume. */
uint64_t fsa_bde_size(const fsa_bde *b);
/* Decrypted bytes at off: count read (0 at the end), negative on error. */
ssize_t fsa_bde_read(fsa_bde *b, uint64_t off, void *buf, size_t len);
void fsa_bde_close(fsa_bde *b); /* NULL is fine */

/* ---- shadow copies (fsa_vss.c) ---- */

typedef struct {
    uint8_t identifier[16];          /* the store's GUID, as stored */
    uint8_t copy_set_identifier[16]; /* the shadow copy set's GUID */
    uint64_t creation_filetime;      /* 100 ns since 1601, UTC */
    uint64_t volume_size;            /* bytes of the volume the snapshot shows */
    uint64_t store_size;             /* bytes the store's own data takes */
} fsa_vss_store;

/* 1 when the volume's VSS header (offset 0x1e00) carries the VSS identifier, else 0: the one
 * read that decides whether a volume has shadow copies at all. */
int fsa_vss_has_header(fsa_yal_read_fn read, void *ctx);
/* Lists the stores of the volume: up to cap into out, *ret_n how many there are. 0, or
 * negative with why (libvshadow's reason: a damaged catalog or store). */
int fsa_vss_list(fsa_yal_read_fn read, void *ctx, uint64_t size, fsa_vss_store *out, size_t cap,
                 size_t *ret_n, char *why, size_t why_cap);

/* One store read as the volume it preserves: reads of blocks the store kept come from the
 * store, the rest from the volume (libvshadow), read-only. */
typedef struct fsa_vss_snap fsa_vss_snap;
/* Opens store index (1-based, as fsa_vss_list numbers them). 0; -ENOENT when the volume has
 * no such store (why: how many it has); -EBADMSG with libvshadow's reason (damaged catalog or
 * store); -ENOMEM. */
int fsa_vss_snap_open(fsa_yal_read_fn read, void *ctx, uint64_t size, unsigned index,
                      fsa_vss_snap **ret, char *why, size_t why_cap);
/* Bytes of the volume as the snapshot shows it. */
uint64_t fsa_vss_snap_size(const fsa_vss_snap *s);
/* Bytes at off: count read (0 at the end), negative on error. */
ssize_t fsa_vss_snap_read(fsa_vss_snap *s, uint64_t off, void *buf, size_t len);
void fsa_vss_snap_close(fsa_vss_snap *s); /* NULL is fine */

/* ---- virtual disk containers (fsa_vhdi.c: VHD and VHDX; fsa_vmdk.c: VMDK) ---- */

/* Each opens the image at path read-only: 0 (*ret set); -ENOENT for a differencing disk (why
 * says which parent it needs); -EINVAL when the image cannot be read (why: the library's
 * reason, first line); -ENOMEM. _read gives the disk's bytes at off: the count read (0 at the
 * end), negative with why on error. _close takes NULL. */
typedef struct fsa_vhdi fsa_vhdi;
int fsa_vhdi_open(const char *path, fsa_vhdi **ret, char *why, size_t why_cap);
uint64_t fsa_vhdi_size(const fsa_vhdi *d);
ssize_t fsa_vhdi_read(fsa_vhdi *d, uint64_t off, void *buf, size_t len, char *why, size_t why_cap);
void fsa_vhdi_close(fsa_vhdi *d);

typedef struct fsa_vmdk fsa_vmdk;
int fsa_vmdk_open(const char *path, fsa_vmdk **ret, char *why, size_t why_cap);
uint64_t fsa_vmdk_size(const fsa_vmdk *d);
ssize_t fsa_vmdk_read(fsa_vmdk *d, uint64_t off, void *buf, size_t len, char *why, size_t why_cap);
void fsa_vmdk_close(fsa_vmdk *d);

#endif
