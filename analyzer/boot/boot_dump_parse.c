/* Crash dump header decoder (see boot_dump_parse.h).
 *
 * Layouts, all little-endian, offsets from the start of the file. Sources: Volatility's
 * crash_vtypes.py (_DMP_HEADER, _DMP_HEADER64), rizin's librz/bin/format/dmp/dmp_specs.h and
 * dmp64.c (TRIAGE_DUMP32/64, DUMP_DRIVER_ENTRY32/64, KLDR_DATA_TABLE_ENTRY32/64, DUMP_STRING),
 * the Windows Research Kernel's triage.h, and Microsoft's MINIDUMP_HEADER ("MDMP") reference.
 *
 * DUMP_HEADER64 (0x2000 bytes)        DUMP_HEADER32 (0x1000 bytes)
 *   0x000 Signature    "PAGE"           0x000 Signature    "PAGE"
 *   0x004 ValidDump    "DU64"           0x004 ValidDump    "DUMP"
 *   0x008 MajorVersion (0xF free)       0x008 MajorVersion
 *   0x00C MinorVersion (build)          0x00C MinorVersion (build)
 *   0x038 BugCheckCode (u32)            0x028 BugCheckCode
 *   0x040 BugCheckParameter1..4 (u64)   0x02C BugCheckParameter1..4 (u32)
 *   0xF98 DumpType                      0xF88 DumpType
 *   0xFA8 SystemTime (FILETIME)         0xFC0 SystemTime
 * A triage dump (DumpType 4) has a TRIAGE_DUMP header right after it (0x2000 / 0x1000), whose
 * fields are file offsets: +0x30 DriverListOffset, +0x34 DriverCount, +0x38 StringPoolOffset,
 * +0x3C StringPoolSize. The driver list is an array of DUMP_DRIVER_ENTRY:
 *   64-bit, 0x90 bytes: +0x00 DriverNameOffset (u32), +0x08 KLDR_DATA_TABLE_ENTRY64 with
 *     DllBase (u64) at +0x30 and SizeOfImage (u32) at +0x40 of the entry;
 *   32-bit, 0x4C bytes: +0x00 DriverNameOffset, +0x04 KLDR_DATA_TABLE_ENTRY32 with DllBase at
 *     +0x18 and SizeOfImage at +0x20.
 * DriverNameOffset points to a DUMP_STRING: Length (u32, in UTF-16 units, without the NUL),
 * then the UTF-16LE name. Windows fills unused header fields with the bytes "PAGE". */
#include "analyzer/boot/boot_dump_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/sxs_utf16.h"

/* A real triage dump lists a few hundred drivers; more is corruption, and the bound keeps a
 * hostile count from making the search quadratic in anything but this constant. */
#define DUMP_MAX_DRIVERS 4096u
/* Driver names are file names (storport.sys); DUMP_STRING lengths beyond this are corrupt. */
#define DUMP_MAX_NAME_UNITS 260u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return -EBADMSG;
}

static void note(boot_dump_info *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(boot_dump_info *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->note, sizeof(d->note), fmt, ap);
    va_end(ap);
}

const char *boot_dump_type_name(uint32_t t)
{
    static const char *const names[] = {"unknown", "full",        "kernel",        "header",
                                        "triage",  "bitmap-full", "bitmap-kernel", "automatic"};
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

bool boot_filetime_to_unix(uint64_t ft, int64_t *ret_unix)
{
    /* 100 ns ticks since 1601-01-01; 11644473600 s from then to 1970; 253402300800 is 10000 */
    const uint64_t epoch = 116444736000000000ull;
    if (ft <= epoch)
        return false;
    uint64_t s = (ft - epoch) / 10000000ull;
    if (s >= 253402300800ull)
        return false;
    *ret_unix = (int64_t)s;
    return true;
}

/* The driver list of a triage dump; the header at buf[0, hdr) is already decoded. */
static void parse_drivers(const uint8_t *buf, size_t len, size_t triage, boot_dump_info *d)
{
    const bool b64 = d->bits == 64;
    const size_t stride = b64 ? 0x90 : 0x4C;
    const size_t base_at = b64 ? 0x38 : 0x1C, size_at = b64 ? 0x48 : 0x24;
    if (len < triage + 0x40) {
        note(d, "the triage header at byte %zu is past the end of the dump (%zu bytes)", triage,
             len);
        return;
    }
    uint32_t list = le32(buf + triage + 0x30), count = le32(buf + triage + 0x34);
    if (count == 0 || count > DUMP_MAX_DRIVERS) {
        note(d, "the triage header gives %u drivers (at most %u are expected)", count,
             DUMP_MAX_DRIVERS);
        return;
    }
    /* count <= 4096, stride <= 0x90: no overflow in size_t */
    if (list < triage || list > len || (size_t)count * stride > len - list) {
        note(d, "the driver list (%u entries at byte %u) lies outside the dump (%zu bytes)", count,
             list, len);
        return;
    }
    d->drivers_read = true;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = buf + list + (size_t)i * stride;
        uint64_t base = b64 ? le64(e + base_at) : le32(e + base_at);
        uint32_t size = le32(e + size_at);
        d->driver_count++;
        if (d->driver[0] || size == 0 || base > UINT64_MAX - size)
            continue;
        unsigned hit = 0;
        for (unsigned p = 0; p < 4 && !hit; p++)
            if (d->param[p] >= base && d->param[p] - base < size)
                hit = p + 1;
        if (!hit)
            continue;
        uint32_t name = le32(e);
        if (name > len || len - name < 4) {
            note(d, "the name of the driver at 0x%llx lies outside the dump",
                 (unsigned long long)base);
            continue;
        }
        uint32_t units = le32(buf + name);
        if (units == 0 || units > DUMP_MAX_NAME_UNITS || (len - name - 4) / 2 < units) {
            note(d, "the name of the driver at 0x%llx is cut or too long (%u characters)",
                 (unsigned long long)base, units);
            continue;
        }
        if (sxs_utf16le_to_utf8(buf + name + 4, units, 1, d->driver, sizeof(d->driver)) <= 0) {
            d->driver[0] = '\0';
            continue;
        }
        d->driver_param = hit;
        d->driver_base = base;
        d->driver_size = size;
    }
}

int boot_dump_parse(const uint8_t *buf, size_t len, boot_dump_info *ret, char *why, size_t why_cap)
{
    boot_dump_info d;
    memset(&d, 0, sizeof(d));
    if (len >= 4 && memcmp(buf, "MDMP", 4) == 0) {
        d.kind = BOOT_DUMP_USER;
        *ret = d;
        return 0;
    }
    if (len < 8 || memcmp(buf, "PAGE", 4) != 0)
        return fail(why, why_cap, "not a crash dump (no \"PAGE\" or \"MDMP\" signature)");
    if (memcmp(buf + 4, "DU64", 4) == 0)
        d.bits = 64;
    else if (memcmp(buf + 4, "DUMP", 4) == 0)
        d.bits = 32;
    else
        return fail(why, why_cap,
                    "not a valid kernel dump (\"PAGE\" without \"DU64\" or \"DUMP\": the dump "
                    "was never completed)");
    size_t hdr = d.bits == 64 ? 0x2000 : 0x1000;
    size_t need = d.bits == 64 ? 0xFB0 : 0xFC8; /* through SystemTime */
    if (len < need)
        return fail(why, why_cap, "kernel dump header cut short: %zu of %zu bytes", len, need);
    d.kind = BOOT_DUMP_KERNEL;
    d.major = le32(buf + 0x08);
    d.build = le32(buf + 0x0C);
    if (d.bits == 64) {
        d.code = le32(buf + 0x38);
        for (unsigned p = 0; p < 4; p++)
            d.param[p] = le64(buf + 0x40 + 8 * p);
        d.dump_type = le32(buf + 0xF98);
        d.system_time = le64(buf + 0xFA8);
    } else {
        d.code = le32(buf + 0x28);
        for (unsigned p = 0; p < 4; p++)
            d.param[p] = le32(buf + 0x2C + 4 * p);
        d.dump_type = le32(buf + 0xF88);
        d.system_time = le64(buf + 0xFC0);
    }
    if (memcmp(buf + 0x0C, "PAGE", 4) == 0)
        d.build = 0;
    if (d.system_time == 0x4547415045474150ull) /* "PAGEPAGE": not recorded */
        d.system_time = 0;
    if (d.dump_type == BOOT_DUMP_TYPE_TRIAGE)
        parse_drivers(buf, len, hdr, &d);
    *ret = d;
    return 0;
}
