/* Boot-critical drivers and the registry's way back (issue 13, BOOT-DRIVER and HIVE-DAMAGED
 * evidence): the storage stack's services and the disk/volume class filters in the control set
 * Select\Current names (boot_drivers.c), the Select values and Last Known Good
 * (boot_select.c), CrowdStrike's channel file 291 (boot_crowdstrike.c) and the RegBack
 * copies of the hives (boot_regback.c). Fact names: analyzer/facts-boot.md. */
#ifndef AN_BOOT_DRIVERS_H
#define AN_BOOT_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "analyzer/registry/an_hive.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* The file evidence for one install: CrowdStrike channel files and the RegBack copies. The
 * SYSTEM part is an_boot_drivers_from_hive, which an_registry_collect calls on the SYSTEM hive
 * it has open (after it wrote system.control_set and os.current_build). 0, or -ENOMEM. */
int an_boot_collect_drivers(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* The SYSTEM part over an open hive: storage stack, boot-start miniports, class filters,
 * Select/LKG. fs may be
 * NULL (tests over a bare hive): then no file is looked up and no *.image_present fact is written.
 * control_set is the key Select\Current named ("ControlSet001"). 0, or -ENOMEM. */
int an_boot_drivers_from_hive(an_hive *h, const char *source, const char *control_set, fsa_fs *fs,
                              const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* Select\Current/Default/Failed/LastKnownGood and the control set Last Known Good would boot
 * (boot.lkg.*), with Azure's value sets by build. 0, or -ENOMEM. */
int an_boot_select_facts(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag);

/* System32\drivers\CrowdStrike: one listing; C-00000291*.sys files and their times. */
int an_boot_crowdstrike_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* System32\config\RegBack copies of SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT (size, time,
 * whether a real hive) and the times of the hives themselves. */
int an_boot_regback_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* ---- REG_MULTI_SZ ------------------------------------------------------------------------ */

/* One string of a REG_MULTI_SZ: UTF-8, NUL-terminated; too_long when the string had more
 * than SXS_MAX_MULTI_SZ_ITEM units (then name holds its first units). */
typedef int (*an_multi_sz_cb)(const char *name, bool too_long, void *ctx);

/* Decodes REG_MULTI_SZ data (UTF-16LE strings, each ended by a NUL unit, the list by an empty
 * string) as Windows reads it: the list ends at the first empty string or at the end of the
 * data (a missing final NUL is tolerated, an odd last byte ignored). Calls cb for each string
 * in order, at most SXS_MAX_MULTI_SZ_ITEMS times. Returns the number of strings passed to cb,
 * cb's non-zero return when it stopped, or -E2BIG when strings were left after the maximum
 * (cb saw the first SXS_MAX_MULTI_SZ_ITEMS). */
int an_multi_sz_each(const uint8_t *data, size_t len, an_multi_sz_cb cb, void *ctx);

#endif
