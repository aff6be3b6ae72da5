/* Bug check codes: the symbolic name and what Microsoft's bug check reference
 * (learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2) says to
 * check, for the codes seen when a machine fails to boot or crashes during servicing. A small
 * table of its own: HRESULTs live in common/sxs_errcode.c. */
#ifndef BOOT_BUGCHECK_H
#define BOOT_BUGCHECK_H

#include <stdint.h>

typedef struct {
    uint32_t code;
    const char *name;  /* INACCESSIBLE_BOOT_DEVICE */
    const char *check; /* one or two sentences: what to check */
} boot_bugcheck;

/* The entry for code, or NULL. The 0x1000xxxx forms the kernel writes for the same stop
 * (0x1000007E = 0x7E with extended parameters) map to the base code. */
const boot_bugcheck *boot_bugcheck_lookup(uint32_t code);

#endif
