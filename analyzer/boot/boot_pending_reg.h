/* Pending-operation state in the registry that the PENDING-STUCK rules read beyond what the
 * hive collectors already give: COMPONENTS PoqexecFailure and AdvancedInstallersNeedResolving,
 * SYSTEM Session Manager PendingFileRenameOperations(2). Called by the registry collector with
 * the open hives (after the SYSTEM collector set system.control_set). Fact names:
 * analyzer/facts-boot.md ("Pending operations"). */
#ifndef BOOT_PENDING_REG_H
#define BOOT_PENDING_REG_H

#include "analyzer/an_facts.h"
#include "analyzer/registry/an_hive.h"
#include "common/sxs_diag.h"

/* Either hive may be NULL (not loaded). 0, or -ENOMEM. */
int an_boot_pending_registry(an_hive *system, const char *system_source, an_hive *components,
                             const char *components_source, an_facts *facts, sxs_diag *diag);

/* Splits REG_MULTI_SZ data (UTF-16LE) of PendingFileRenameOperations into (from, to) pairs:
 * calls cb for each pair with UTF-8 strings (to "" = delete), up to the end of data. Returns
 * the number of pairs, or the callback's negative value. Pure: the tests call it directly. */
typedef int (*an_boot_rename_cb)(const char *from, const char *to, void *ctx);
long an_boot_rename_pairs(const uint8_t *data, size_t len, an_boot_rename_cb cb, void *ctx);

#endif
