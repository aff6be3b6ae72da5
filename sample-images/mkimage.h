/* sxs-mkimage internals: the in-memory model of a scenario (disk, partitions, the tree of
 * files/directories/junctions and the registry hives of each NTFS volume), shared by the
 * parser (mkimage_scn.c), the NTFS writer (mkimage_ntfs.c) and the disk assembler
 * (mkimage.c). Test tooling only. */
#ifndef SXS_MKIMAGE_H
#define SXS_MKIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define MKI_SECTOR 512u
#define MKI_MIB (1024u * 1024u)

enum mki_table { MKI_TABLE_GPT, MKI_TABLE_MBR, MKI_TABLE_NONE };
enum mki_part_kind { MKI_PART_ESP, MKI_PART_MSR, MKI_PART_NTFS, MKI_PART_BITLOCKER };
/* MKI_NODE_DELETE: a `delete PATH` line (the path and what lies below it go away there; the
 * nodes it removes stay in the list, flagged `gone`, for the snapshot states before it). */
enum mki_node_kind {
    MKI_NODE_DIR,
    MKI_NODE_FILE,
    MKI_NODE_JUNCTION,
    MKI_NODE_SYMLINK,
    MKI_NODE_DELETE
};
enum mki_encoding { MKI_ENC_UTF8, MKI_ENC_UTF8_BOM, MKI_ENC_UTF16LE, MKI_ENC_UTF16LE_BOM };
enum mki_fill { MKI_FILL_PATTERN, MKI_FILL_RANDOM, MKI_FILL_ZERO };

/* Growable byte buffer (test tooling: no cap beyond memory). */
struct mki_bytes {
    char *data;
    size_t len, cap;
};
int mki_bytes_append(struct mki_bytes *b, const void *p, size_t n);

struct mki_node {
    enum mki_node_kind kind;
    char *path; /* volume-relative, '/' separated, no leading '/' */
    /* FILE with text: UTF-8 text with '\n' line ends, encoded on write. */
    struct mki_bytes text;
    int is_filler; /* FILE of filler_size bytes of `fill` instead of text */
    uint64_t filler_size;
    enum mki_fill fill;
    enum mki_encoding enc;
    int crlf;
    char *target;      /* JUNCTION/SYMLINK: C:\Data\Old, \??\Volume{GUID}\, ..\x */
    int link_is_dir;   /* SYMLINK: a directory symlink (mklink /D) */
    char *cab_name;    /* FILE stored as a cabinet (MSZIP) holding the content as this name */
    uint64_t filetime; /* FILE/JUNCTION times (FILETIME, UTC); 0: the time of the build */
    int gone;          /* removed by a later `delete` line: not in the current volume */
    size_t state;      /* the number of `snapshot` lines of its partition before it */
    struct mki_node *hash_next;
};

/* A crash dump file the `crashdump` line describes (mkimage_dump.c writes its bytes). */
#define MKI_DUMP_MAX_DRIVERS 16
struct mki_dump_driver {
    char name[64]; /* ASCII, e.g. storahci.sys */
    uint64_t base;
    uint32_t size;
};
struct mki_dump_spec {
    enum {
        MKI_DUMP_FULL = 1,
        MKI_DUMP_KERNEL = 2,
        MKI_DUMP_TRIAGE = 4,
        MKI_DUMP_USER = 100,
        MKI_DUMP_UNFINISHED = 101
    } kind;
    unsigned bits; /* 64 (default) or 32 */
    uint32_t code, build;
    uint64_t param[4];
    uint64_t time; /* FILETIME; 0: "PAGEPAGE" (not recorded) */
    struct mki_dump_driver drivers[MKI_DUMP_MAX_DRIVERS];
    size_t n_drivers;
    uint32_t list_offset; /* 0: where the writer puts it; else forced (damage tests) */
    uint64_t cut;         /* 0: whole; else the file is cut to this many bytes */
};
/* Appends the dump's bytes to out. 0 or -ENOMEM. */
int mki_dump_bytes(const struct mki_dump_spec *s, struct mki_bytes *out);

struct mki_regop {
    char *key;  /* backslash separated */
    char *name; /* NULL: only create the key */
    int type;
    uint8_t *data;
    size_t len;
};

struct mki_hive {
    char *path; /* volume-relative file path */
    int dirty;
    uint64_t filetime; /* `hive NAME time=...`: the file's times; 0: the time of the build */
    int logged;        /* ops from logged_from on reach the primary only through .LOG1 */
    size_t logged_from;
    struct mki_regop *ops;
    size_t n_ops, cap_ops;
};

/* `snapshot` line: the volume as declared so far is what a shadow copy (VSS store) holds;
 * the lines after it are what changed since (mkimage_vss.c writes the stores). */
#define MKI_MAX_SNAPSHOTS 3
struct mki_snapshot {
    uint64_t filetime;         /* creation time (FILETIME, UTC) */
    uint8_t id[16];            /* store identifier (catalog, store file name), GUID as stored */
    uint8_t copy[16], set[16]; /* shadow copy and shadow copy set identifiers */
    size_t n_nodes;            /* nodes[0..n_nodes) make the volume of this snapshot */
    size_t n_hives;            /* hives[0..n_hives) existed, with hive_ops[i] of their ops */
    size_t *hive_ops;
};

/* A real BitLocker volume (`partition bitlocker` with key options): the NTFS of the partition's
 * content encrypted as Windows 8+ does (mkimage_bde.c). No option: a fake header only. */
struct mki_bde_spec {
    char *recovery_password; /* 48 digits in 8 groups, or NULL */
    char *password;          /* user password (BitLocker "password" protector), or NULL */
    char *startup_key;       /* a startup-key VMK: where its .BEK file goes (relative: next to
                              * the image), or NULL */
    int clear_key;           /* a clear-key VMK: protection suspended */
};

struct mki_part {
    enum mki_part_kind kind;
    uint64_t size;  /* bytes; 0 = rest of the disk */
    uint64_t start; /* bytes, computed by the layout */
    char *label;
    struct mki_bde_spec bde; /* BITLOCKER: any key option set makes the volume real */
    struct mki_node **nodes; /* in declaration order */
    size_t n_nodes, cap_nodes;
    struct mki_node **hash; /* case-insensitive path index */
    size_t hash_size;
    struct mki_hive *hives;
    size_t n_hives;
    struct mki_snapshot snaps[MKI_MAX_SNAPSHOTS]; /* oldest first */
    size_t n_snaps;
};

/* `bcd` directive: a BCD store the build writes (mkimage_bcd.c). Device specs: "volume:N"
 * (1-based partition), "guid:XXXXXXXX-..." (a GPT partition GUID), "mbr:0xSIG+OFFSET",
 * "boot", "locate", "garbage" (7 bytes that are no device), "missing" (element left out);
 * NULL: the default (system partition for {bootmgr}, the last NTFS partition for the loader). */
struct mki_bcd {
    int present;
    size_t on;  /* 0-based partition holding the store */
    char *path; /* volume-relative, '/' separated */
    int uefi;
    int store_missing; /* only the boot manager, no store */
    int no_default;    /* {bootmgr} has no default element */
    char *device, *osdevice, *winload, *systemroot;
    int safeboot;    /* -1 none, else the value (0 minimal, 1 network) */
    unsigned leaked; /* extra OS loaders no menu lists */
};

struct mki_scenario {
    char *name; /* file name without .scn */
    struct mki_bcd bcd;
    uint64_t disk_size;
    enum mki_table table;
    struct mki_part *parts;
    size_t n_parts;
};

/* Parses a scenario file. On error writes "file:line: message" to errbuf and returns a
 * negative errno. check_only: validate everything but keep no file contents. */
int mki_parse_file(const char *path, int check_only, struct mki_scenario *ret_scn, char *errbuf,
                   size_t errlen);
void mki_scenario_free(struct mki_scenario *scn);
/* Computes partition starts (1 MiB aligned) and "rest" sizes. */
int mki_layout(struct mki_scenario *scn, char *errbuf, size_t errlen);

/* Formats (mkntfs) and fills the NTFS partition file at path. tmpdir is for hive files. */
int mki_build_ntfs(const struct mki_part *part, const char *path, const char *tmpdir, char *errbuf,
                   size_t errlen);

/* One state of an NTFS partition: the nodes and hive ops it holds, and the files reserved
 * for VSS, written first (so that every state has them at the same clusters) and kept
 * (the current volume) or deleted at the end (a snapshot's volume). */
struct mki_extent {
    uint64_t off, len; /* bytes, relative to the volume */
};
struct mki_resv {
    const char *path; /* volume-relative */
    uint64_t size;
    /* out, when kept: the file's clusters and its MFT reference */
    struct mki_extent *ext;
    size_t n_ext;
    uint64_t mft_ref;
};
struct mki_ntfs_state {
    size_t n_nodes;         /* nodes[0..n_nodes) */
    size_t n_hives;         /* hives[0..n_hives) */
    const size_t *hive_ops; /* their ops counts; NULL: all */
    struct mki_resv *resv;
    size_t n_resv;
    int keep_resv;
};
/* mki_build_ntfs for one state (st NULL: everything, no reservations). */
int mki_build_ntfs_state(const struct mki_part *part, const char *path, const char *tmpdir,
                         struct mki_ntfs_state *st, char *errbuf, size_t errlen);
/* Builds the NTFS partition file at path with the VSS stores of part->snaps (mkimage_vss.c). */
int mki_build_vss(const struct mki_part *part, const char *path, const char *tmpdir, char *errbuf,
                  size_t errlen);
/* A BITLOCKER partition that holds a real (decryptable) NTFS volume. */
int mki_part_is_real_bde(const struct mki_part *p);
/* Checks a recovery password's form (8 groups of 6 digits, each a multiple of 11 below
 * 720896) and returns its 16-byte binary key. 0 or -EINVAL. */
int mki_bde_recovery_key(const char *text, uint8_t ret_key[16]);
/* Builds p's NTFS in the file ntfs_path (scratch) and writes it into disk at p->start as a
 * BitLocker volume (mkimage_bde.c). 0 or negative errno, message in errbuf. */
int mki_build_bde(const struct mki_part *p, const char *ntfs_path, const char *tmpdir, int disk,
                  char *errbuf, size_t errlen);
/* Writes the .BEK file of each startup-key protector of scn (laid out), once the image is at
 * output: a relative startup-key= path is taken from output's folder. 0 or negative errno,
 * message in errbuf. */
int mki_bde_write_startup_keys(const struct mki_scenario *scn, const char *output, char *errbuf,
                               size_t errlen);

/* Runs argv; stdin from stdin_path (or /dev/null), stdout to /dev/null. Returns the exit
 * status, or a negative errno when it could not run. */
int mki_run(char *const argv[], const char *stdin_path);

/* Receives a file's bytes slice by slice: 0 or a negative errno. */
typedef int (*mki_sink)(void *arg, const void *buf, size_t len, uint64_t off);
/* Produces the bytes of a FILE node (encoded text or filler, or a cabinet of them) through
 * sink. tmpdir is scratch space for the cabinet case. */
int mki_write_content(const struct mki_node *n, const char *tmpdir, mki_sink sink, void *arg);

/* Writes the content of an NTFS partition as a plain directory tree under dir (what a Linux
 * rescue VM that mounted the volume shows): directories, files, hives; a junction becomes a
 * symlink whose target is the Windows path. */
int mki_build_tree(const struct mki_part *part, const char *dir, const char *tmpdir, char *errbuf,
                   size_t errlen);

/* Builds a hive of part into file (a fresh path), and file.LOG1 when the hive has a `logged`
 * part (the volume then gets <hive>.LOG1 and an empty <hive>.LOG2, as Windows keeps both).
 * 0 or negative errno, message in errbuf. */
int mki_build_hive(const struct mki_hive *h, const char *file, char *errbuf, size_t errlen);

/* Pseudo value type of `value NAME mounted SPEC` (a MountedDevices value naming a partition
 * of this disk by SPEC, as for bcd devices): turned into REG_BINARY after the layout. */
#define MKI_REG_MOUNTED 0x10000

/* Partition identity as the build writes it into the table (and BCD device elements):
 * partition n's GPT unique GUID, the disk GUID, the MBR disk signature. */
void mki_part_uuid(const struct mki_scenario *scn, size_t n, char out[37]);
void mki_disk_uuid(const struct mki_scenario *scn, char out[37]);
uint32_t mki_mbr_signature(const struct mki_scenario *scn);
/* Parses the `bcd` directive's options (after the word). 0, or -EINVAL with errbuf set. */
int mki_bcd_parse(struct mki_scenario *scn, const char *opts, char *errbuf, size_t errlen);
/* After the layout: turns scn->bcd into a hive of the partition that holds it (and for an
 * ESP, the boot manager file is added by the ESP build). 0 or negative errno. */
int mki_bcd_apply(struct mki_scenario *scn, char *errbuf, size_t errlen);
void mki_bcd_free(struct mki_bcd *b);

/* Deterministic filler bytes for offset `off` of a file with seed `seed`. */
void mki_fill_bytes(enum mki_fill fill, uint64_t seed, uint64_t off, uint8_t *buf, size_t n);
uint64_t mki_hash_str(const char *s);

#endif
