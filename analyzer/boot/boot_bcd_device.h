/* Decoders for the two binary forms Windows uses to name a partition: a BCD device element
 * (the Element value of 11000001 "device", 21000001 "osdevice", ...) and a
 * SYSTEM\MountedDevices value. Pure and bounds-checked over untrusted bytes (the fuzz harness
 * tests/fuzz/fuzz_bcd.c drives them), and a resolver that finds the named partition among the
 * volumes of the evidence. */
#ifndef BOOT_BCD_DEVICE_H
#define BOOT_BCD_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "fsaccess/fsa.h"

typedef enum {
    BOOT_DEV_INVALID,          /* too short, sizes that do not fit: damaged or not a device */
    BOOT_DEV_PARTITION_GPT,    /* a GPT partition by its unique GUID (and its disk's GUID) */
    BOOT_DEV_PARTITION_MBR,    /* an MBR partition by disk signature and byte offset */
    BOOT_DEV_PARTITION_RAW,    /* a partition of a raw disk, by disk number: not resolvable */
    BOOT_DEV_PARTITION_LEGACY, /* the pre-Windows 8 partition form: not resolved here */
    BOOT_DEV_BOOT,             /* "boot": the device the boot manager was started from */
    BOOT_DEV_LOCATE,           /* "locate": the boot manager searches the disks for the path */
    BOOT_DEV_RAMDISK,          /* "ramdisk=[...]\x.wim" */
    BOOT_DEV_FILE,             /* a file-backed device ("vhd=[...]\x.vhdx") */
    BOOT_DEV_OTHER,            /* a kind named by number (serial, UDP, URI, composite, ...) */
} boot_dev_kind;

typedef struct {
    boot_dev_kind kind;
    uint32_t device_type;  /* raw DeviceType (BCD) or 0 */
    uint8_t part_guid[16]; /* GPT: unique partition GUID, as stored */
    uint8_t disk_guid[16]; /* GPT: the disk's GUID, as stored (BCD only) */
    uint32_t mbr_signature;
    uint64_t part_offset; /* MBR: bytes from the start of the disk */
} boot_device;

/* "partition", "boot", "locate", ... ; "invalid" for BOOT_DEV_INVALID. */
const char *boot_dev_kind_name(boot_dev_kind k);

/* Decodes a BCD device element. Always fills *ret (kind INVALID when the bytes are not a
 * device element we can read); returns 0, or -EBADMSG for INVALID. */
int boot_bcd_device_decode(const uint8_t *data, size_t len, boot_device *ret);

/* Decodes a MountedDevices value: 12 bytes (MBR signature + offset), "DMIO:ID:" + a GPT
 * partition GUID (24 bytes); anything else (a device path in UTF-16 for removable media,
 * CD drives, ...) is BOOT_DEV_OTHER. Returns 0, or -EBADMSG when it is neither and shorter
 * than any form (INVALID). */
int boot_mounted_device_decode(const uint8_t *data, size_t len, boot_device *ret);

/* Text for facts and messages: "gpt {0f1e2d3c-...}", "mbr 0x5a3c9e01+1048576", "boot". */
void boot_device_describe(const boot_device *d, char *out, size_t cap);

/* GUID bytes as stored (first three fields little-endian) to "{xxxxxxxx-xxxx-...}", lower
 * case, 39 bytes with the NUL. */
void boot_guid_text(const uint8_t g[16], char out[39]);

/* The volume of ev a partition device names: 1 and *ret_index when one matches, 0 when the
 * device names a partition no volume of this disk is, -ENODATA when it cannot be checked
 * (not a partition kind, or the evidence carries no partition identity at all: a directory,
 * a bare filesystem). */
int boot_device_resolve(const fsa_evidence *ev, const boot_device *d, size_t *ret_index);

#endif
