/* WinSxS collector: the component store's top level, the servicing-stack folders in it, and
 * whether the servicing stack the registry names (CBS Version key, facts cbs.ssu.folder) and
 * its sibling variants of the same version are present and non-empty (SSU-EMPTY). Also
 * pending.xml and poqexec.log. WinSxS is listed exactly once and never recursed.
 * Fact names: analyzer/facts-fs.md. */
#ifndef AN_WINSXS_H
#define AN_WINSXS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Servicing-stack folder names kept from the WinSxS listing. A machine keeps one set of about
 * six per servicing-stack version it ever had (a long-lived server: a few hundred); more is
 * reported and the rest only counted. */
#define AN_WINSXS_MAX_SSU_FOLDERS 4096

/* cbs.ssu.folder facts examined: the CBS Version key holds one value per installed servicing
 * stack, in practice one to a handful. */
#define AN_WINSXS_MAX_CURRENT 64

/* Reads cbs.ssu.folder / cbs.ssu.version facts already in facts. 0, or -ENOMEM. Evidence
 * that cannot be read is reported in diag and the facts concerned are left out. */
int an_winsxs_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* Splits a WinSxS folder name <arch>_<name>_<publickeytoken>_<version>_<language>_<hash>,
 * parsing from the right (names may hold '_'). Sets *ret_ver and *ret_ver_len to the version
 * field. true when the name has that shape and the version is digits and dots. */
bool an_winsxs_folder_version(const char *folder, const char **ret_ver, size_t *ret_ver_len);

#endif
