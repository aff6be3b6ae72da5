/* Per-snapshot checks: what the shadow copies of an install's volume hold of the things its
 * findings depend on (the servicing-stack folders the CBS Version key names, the Start values of
 * disabled services, the DriverStore packages a failed driver update names). Only those paths
 * are read, in each store, and only when the live facts show the trouble. Fact names:
 * analyzer/facts-fs.md, "Shadow copies". */
#ifndef AN_SNAPSHOTS_H
#define AN_SNAPSHOTS_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* For install in of ev: nothing at all unless its volume has shadow copies (and is not itself
 * read as one, --snapshot); else the checks on every store, newest first. Run after the
 * registry, file-system and history collectors (it reads their facts). 0 or -ENOMEM; a store
 * that cannot be read is a diag and its facts are left out. */
int an_snapshots_collect(fsa_evidence *ev, const fsa_install_info *in, an_facts *facts,
                         sxs_diag *diag);

/* The checks on one snapshot's filesystem snap (sh: which shadow copy it is), driven by the
 * live facts live, adding to out (may be live). Exposed for tests. 0 or -ENOMEM. */
int an_snapshot_check(fsa_fs *snap, const fsa_shadow_info *sh, const char *windows_dir,
                      const an_facts *live, an_facts *out, sxs_diag *diag);

#endif
