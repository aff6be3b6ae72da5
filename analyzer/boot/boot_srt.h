/* Startup Repair's own conclusion: Windows\System32\LogFiles\Srt\SrtTrail.txt, the log the
 * Windows Recovery Environment's Startup Repair writes (UTF-16LE with a BOM, CRLF; UTF-8/ANSI
 * accepted). Its "Root cause found:" blocks and "Repair action:" / "Result:" lines become
 * facts (analyzer/facts-boot.md, "Startup Repair"). The parser is pure (tests, fuzzing). */
#ifndef BOOT_SRT_H
#define BOOT_SRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Root causes and repair actions kept per file: a session names a handful. */
#define BOOT_SRT_MAX_ITEMS 32
#define BOOT_SRT_TEXT 512

typedef struct {
    char text[BOOT_SRT_TEXT]; /* the root cause sentence, or "action: result" */
    int64_t line;             /* 1-based line of the "Root cause found:" / "Repair action:" */
    unsigned session;         /* 1-based session it belongs to */
    bool success;             /* repair actions: "Result: Completed successfully" */
} boot_srt_item;

typedef struct {
    unsigned sessions; /* "Session details" blocks (1 when the file has none) */
    int64_t attempts;  /* "Number of repair attempts: N", -1 when absent */
    boot_srt_item causes[BOOT_SRT_MAX_ITEMS];
    size_t n_causes;
    boot_srt_item repairs[BOOT_SRT_MAX_ITEMS];
    size_t n_repairs;
    size_t dropped; /* items beyond the caps */
} boot_srt_result;

/* Parses text (UTF-8, any line ends, not NUL-terminated) into ret. 0, or -EBADMSG when the
 * text is not a Startup Repair log (no "Startup Repair" header and no root cause line). */
int boot_srt_parse(const char *text, size_t len, boot_srt_result *ret);

/* The kind of a root cause sentence: "patch", "boot-file", "boot-config", "registry",
 * "bugcheck", "disk" or "other". */
const char *boot_srt_cause_kind(const char *cause);

/* Adds the srt.* facts for the install. 0, or -ENOMEM. */
int an_boot_srt_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
