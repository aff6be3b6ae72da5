/* Crash dump header decoder: the bug check a Windows kernel dump records, read from the dump's
 * first bytes without a debugger. Pure and bounded: works on a byte buffer (the first bytes of
 * the file, or all of a small triage dump), never reads outside it, allocates nothing, so the
 * fuzz harness (tests/fuzz/fuzz_dump.c) drives it directly. Layouts: boot_dump_parse.c. */
#ifndef BOOT_DUMP_PARSE_H
#define BOOT_DUMP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes that hold every header field decoded here: DUMP_HEADER64 is one 0x2000-byte block
 * (DUMP_HEADER32 0x1000); the TRIAGE_DUMP header follows it in a triage dump. */
#define BOOT_DUMP_HEADER_BYTES 0x2100u

/* DUMP_TYPE values (DumpType field). */
enum {
    BOOT_DUMP_TYPE_FULL = 1,
    BOOT_DUMP_TYPE_SUMMARY = 2, /* kernel memory dump */
    BOOT_DUMP_TYPE_HEADER = 3,
    BOOT_DUMP_TYPE_TRIAGE = 4, /* small memory dump (Minidump\*.dmp) */
    BOOT_DUMP_TYPE_BITMAP_FULL = 5,
    BOOT_DUMP_TYPE_BITMAP_KERNEL = 6,
    BOOT_DUMP_TYPE_AUTOMATIC = 7,
};

typedef enum {
    BOOT_DUMP_KERNEL = 1, /* "PAGE" + "DU64" / "DUMP": a bug check (or live kernel) dump */
    BOOT_DUMP_USER = 2,   /* "MDMP": a user-mode minidump, named but not decoded */
} boot_dump_kind;

typedef struct {
    boot_dump_kind kind;
    unsigned bits;        /* 64 or 32 (kernel) */
    uint32_t major;       /* 0xF free build, 0xC checked build */
    uint32_t build;       /* MinorVersion: the OS build number, e.g. 19045 */
    uint32_t code;        /* BugCheckCode */
    uint64_t param[4];    /* BugCheckParameter1..4 */
    uint64_t system_time; /* FILETIME (UTC), 0 when not recorded */
    uint32_t dump_type;   /* DUMP_TYPE_* */
    /* triage dumps only: the loaded-driver list */
    bool drivers_read;     /* the list was within the buffer and decoded */
    uint32_t driver_count; /* entries decoded */
    char driver[128];      /* UTF-8 name of the driver a parameter points into, "" if none */
    unsigned driver_param; /* which parameter (1..4), 0 if none */
    uint64_t driver_base;  /* its image base and size */
    uint32_t driver_size;
    char note[160]; /* why the driver list could not be used, "" if it could */
} boot_dump_info;

/* Decodes buf[0, len): a kernel dump's header and, for a triage dump whose driver list lies
 * within buf, the driver a bug-check parameter points into (parameters 1 to 4 in order; the
 * first driver whose [base, base + size) holds one). A driver list that does not fit is not an
 * error: ret->note says why and the header fields stand. Returns 0 decoded (a kernel or user
 * dump: ret->kind), -EBADMSG when buf is not a dump or its header is cut short (why, which may
 * be NULL, gets the reason). */
int boot_dump_parse(const uint8_t *buf, size_t len, boot_dump_info *ret, char *why, size_t why_cap);

/* "full", "kernel", "header", "triage", "bitmap-full", "bitmap-kernel", "automatic" or
 * "unknown". */
const char *boot_dump_type_name(uint32_t dump_type);

/* FILETIME to Unix seconds; false for 0 or a time before 1970 or after 9999. */
bool boot_filetime_to_unix(uint64_t ft, int64_t *ret_unix);

#endif
