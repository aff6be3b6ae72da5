/* BCD device elements and MountedDevices values (boot_bcd_device.h).
 *
 * BCD device element layout (all little-endian), from ReactOS boot/environ/include/bl.h
 * (BCD_DEVICE_OPTION, BL_DEVICE_DESCRIPTOR, BL_LOCAL_DEVICE, BL_HARDDISK_DEVICE) and the bytes
 * jpz4085/BCD-SYS (Linux/update_device.sh) writes for 11000001/21000001, which bcdedit reads:
 *   0x00 GUID   associated options object (zero unless ramdisk/vhd options)
 *   0x10 u32    DeviceType: 0 block I/O (local device below), 2 legacy partition, 3 serial,
 *               4 UDP, 5 boot, 6 partition (qualified, "PartitionEx"), 8 locate, ...
 *   0x14 u32    flags
 *   0x18 u32    size of the descriptor from 0x10 (0x48 for a partition)
 *   0x1C u32    reserved
 *   type 6 (partition):
 *   0x20 16 B   GPT: unique partition GUID; MBR: u64 partition byte offset, zero-padded
 *   0x30 u32    local device type (0 = hard disk)
 *   0x34 u32    partition style: 0 GPT, 1 MBR, 2 raw
 *   0x38 16 B   GPT: disk GUID; MBR: u32 disk signature; raw: u32 disk number
 *   type 0 (block I/O): 0x20 u32 local device type: 3 ramdisk, 5 file, 6 virtual disk.
 * MountedDevices (libyal dtformats, mounted_devices.yaml): 12 bytes = u32 MBR disk signature
 * + u64 partition byte offset; 24 bytes = "DMIO:ID:" + the GPT unique partition GUID. */
#include "analyzer/boot/boot_bcd_device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/sxs_checked.h"

#define BCD_DESC_AT 0x10u
#define BCD_PART_MIN 0x48u /* descriptor bytes a partition needs, from 0x10 */

const char *boot_dev_kind_name(boot_dev_kind k)
{
    switch (k) {
    case BOOT_DEV_PARTITION_GPT:
    case BOOT_DEV_PARTITION_MBR:
    case BOOT_DEV_PARTITION_RAW:
        return "partition";
    case BOOT_DEV_PARTITION_LEGACY:
        return "legacy-partition";
    case BOOT_DEV_BOOT:
        return "boot";
    case BOOT_DEV_LOCATE:
        return "locate";
    case BOOT_DEV_RAMDISK:
        return "ramdisk";
    case BOOT_DEV_FILE:
        return "file";
    case BOOT_DEV_OTHER:
        return "other";
    case BOOT_DEV_INVALID:
        break;
    }
    return "invalid";
}

int boot_bcd_device_decode(const uint8_t *data, size_t len, boot_device *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->kind = BOOT_DEV_INVALID;
    if (!data || len < BCD_DESC_AT + 0x10)
        return -EBADMSG;
    uint32_t type = sxs_le32(data + 0x10);
    uint32_t size = sxs_le32(data + 0x18);
    ret->device_type = type;
    if (size < 0x10 || size > len - BCD_DESC_AT)
        return -EBADMSG; /* the descriptor claims more bytes than the value holds */
    const uint8_t *d = data + BCD_DESC_AT;
    switch (type) {
    case 6: {
        if (size < BCD_PART_MIN)
            return -EBADMSG;
        uint32_t style = sxs_le32(d + 0x24);
        if (style == 0) {
            ret->kind = BOOT_DEV_PARTITION_GPT;
            memcpy(ret->part_guid, d + 0x10, 16);
            memcpy(ret->disk_guid, d + 0x28, 16);
        } else if (style == 1) {
            ret->kind = BOOT_DEV_PARTITION_MBR;
            ret->part_offset = sxs_le64(d + 0x10);
            ret->mbr_signature = sxs_le32(d + 0x28);
        } else if (style == 2) {
            ret->kind = BOOT_DEV_PARTITION_RAW;
        } else {
            return -EBADMSG;
        }
        return 0;
    }
    case 2:
        ret->kind = BOOT_DEV_PARTITION_LEGACY;
        return 0;
    case 5:
        ret->kind = BOOT_DEV_BOOT;
        return 0;
    case 8:
        ret->kind = BOOT_DEV_LOCATE;
        return 0;
    case 0: {
        if (size < 0x14)
            return -EBADMSG;
        uint32_t local = sxs_le32(d + 0x10);
        ret->kind = local == 3                   ? BOOT_DEV_RAMDISK
                    : (local == 5 || local == 6) ? BOOT_DEV_FILE
                                                 : BOOT_DEV_OTHER;
        return 0;
    }
    default:
        ret->kind = BOOT_DEV_OTHER;
        return 0;
    }
}

int boot_mounted_device_decode(const uint8_t *data, size_t len, boot_device *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->kind = BOOT_DEV_INVALID;
    if (!data)
        return -EBADMSG;
    if (len == 12) {
        ret->kind = BOOT_DEV_PARTITION_MBR;
        ret->mbr_signature = sxs_le32(data);
        ret->part_offset = sxs_le64(data + 4);
        return 0;
    }
    if (len == 24 && memcmp(data, "DMIO:ID:", 8) == 0) {
        ret->kind = BOOT_DEV_PARTITION_GPT;
        memcpy(ret->part_guid, data + 8, 16);
        return 0;
    }
    if (len < 12)
        return -EBADMSG;
    ret->kind = BOOT_DEV_OTHER;
    return 0;
}

void boot_guid_text(const uint8_t g[16], char out[39])
{
    snprintf(out, 39, "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

void boot_device_describe(const boot_device *d, char *out, size_t cap)
{
    char g[39];
    switch (d->kind) {
    case BOOT_DEV_PARTITION_GPT:
        boot_guid_text(d->part_guid, g);
        snprintf(out, cap, "gpt %s", g);
        return;
    case BOOT_DEV_PARTITION_MBR:
        snprintf(out, cap, "mbr 0x%08x+%llu", d->mbr_signature, (unsigned long long)d->part_offset);
        return;
    case BOOT_DEV_PARTITION_RAW:
        snprintf(out, cap, "raw-disk partition");
        return;
    case BOOT_DEV_OTHER:
        snprintf(out, cap, "other (device type %u)", d->device_type);
        return;
    default:
        snprintf(out, cap, "%s", boot_dev_kind_name(d->kind));
        return;
    }
}

int boot_device_resolve(const fsa_evidence *ev, const boot_device *d, size_t *ret_index)
{
    if (d->kind != BOOT_DEV_PARTITION_GPT && d->kind != BOOT_DEV_PARTITION_MBR)
        return -ENODATA;
    bool identity = false;
    for (size_t i = 0; i < fsa_volume_count(ev); i++) {
        const fsa_volume_info *v = fsa_volume(ev, i);
        if (v->table[0])
            identity = true;
        bool match = d->kind == BOOT_DEV_PARTITION_GPT
                         ? v->has_guid && memcmp(v->part_guid, d->part_guid, 16) == 0
                         : strcmp(v->table, "mbr") == 0 && v->mbr_signature == d->mbr_signature &&
                               v->offset == d->part_offset;
        if (match) {
            if (ret_index)
                *ret_index = i;
            return 1;
        }
    }
    return identity ? 0 : -ENODATA;
}
