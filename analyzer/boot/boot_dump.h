/* Crash dump collector: the bug checks recorded in Windows\MEMORY.DMP, Windows\Minidump\*.dmp,
 * Windows\LiveKernelReports\**\*.dmp and setup's setupmem.dmp, read from their headers only
 * (boot_dump_parse.c). Fact names: analyzer/facts-boot.md ("Crash dumps"). */
#ifndef BOOT_DUMP_H
#define BOOT_DUMP_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Adds the bugcheck.* facts for the install whose Windows folder is windows_dir. A dump that
 * cannot be read, or whose header is not a valid dump (cut short, never completed), is an
 * unread.dump fact with a message naming it, never a bug check. 0, or -ENOMEM. */
int an_boot_dumps_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
