/* Entry point of the file-system evidence collectors for one Windows install: WinSxS and the
 * servicing stack (an_winsxs.h), the driver store (an_driverstore.h), reparse points in user
 * libraries (an_reparse.h) and the smaller checks (an_fsfacts.h). Fact names:
 * analyzer/facts-fs.md. */
#ifndef AN_FSCOLLECT_H
#define AN_FSCOLLECT_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Runs every file-system collector over the install whose Windows directory is windows_dir
 * (as found on disk, e.g. "Windows") on fs. Run it after the registry collector: it reads the
 * cbs.ssu.folder / cbs.ssu.version facts already in facts. Returns 0, -EINVAL for a NULL
 * argument, or -ENOMEM; evidence that cannot be read is reported in diag and the facts
 * concerned are left out. */
int an_fs_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
