/* Why a machine no longer boots (issue 13): the boot collectors of analyzer/boot/ for one
 * install, in one call. Facts: analyzer/facts-boot.md. */
#ifndef AN_BOOT_H
#define AN_BOOT_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* After the registry and file-system collectors (it reads their system.control_set,
 * os.current_build and cbs facts): boot-critical drivers, Last Known Good, CrowdStrike,
 * RegBack (boot_collect.c), crash dumps (boot_dump.c), pending.xml (boot_pending_xml.c),
 * Startup Repair (boot_srt.c) and the BCD store (boot_bcd.c). Evidence that cannot be read
 * becomes unread.* facts and diags, never a failure. 0, or -ENOMEM. */
int an_boot_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
