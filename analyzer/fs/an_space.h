/* Free-space collector: size and free space of the Windows volume and of the system partition
 * (EFI System or System Reserved) of the same disk, measured from each filesystem's allocation
 * map through fsa_fs_space. Fact names: analyzer/facts-fs.md ("Free space"). */
#ifndef AN_SPACE_H
#define AN_SPACE_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Adds volume.windows.{total_bytes,free_bytes,free_percent} for fs and
 * volume.system.{total_bytes,free_bytes,free_percent} for the system partition when there is
 * one. A map that cannot be read or is damaged is reported in diag and its facts are left out
 * (never a guessed number). 0, or -ENOMEM. */
int an_space_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
