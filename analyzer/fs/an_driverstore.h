/* Driver store collector (DRIVER-MISSING): is System32/DriverStore/FileRepository there, how
 * many driver packages it holds, and, for the rules, which package folder belongs to an INF
 * named in CBS.log ("Doqe: Recording result: 0x80070003, for Inf: X.inf"). FileRepository is
 * listed once per an_driverstore and the folder names cached, because rules may ask for
 * several INFs. Fact names: analyzer/facts-fs.md. */
#ifndef AN_DRIVERSTORE_H
#define AN_DRIVERSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Package folders cached from FileRepository. A heavily used workstation holds 1,000-3,000;
 * more than this is reported and the rest ignored. */
#define AN_DRIVERSTORE_MAX_PACKAGES 100000

typedef struct an_driverstore an_driverstore;

/* Lists <windows_dir>/System32/DriverStore/FileRepository once. An absent driver store is not
 * an error (an_driverstore_present() says false, every find returns 0). 0, or -ENOMEM; a read
 * error is reported in diag and gives an empty store. */
int an_driverstore_open(fsa_fs *fs, const char *windows_dir, sxs_diag *diag,
                        an_driverstore **ret_ds);
void an_driverstore_free(an_driverstore *ds); /* NULL is fine */

bool an_driverstore_present(const an_driverstore *ds);
size_t an_driverstore_packages(const an_driverstore *ds);

/* The package folder of inf_name ("ntprint4.inf", any case; a path before it is ignored):
 * the first folder whose name starts with "<inf_name>_", e.g. "ntprint4.inf_amd64_<hash>".
 * 1 found (copied to ret_folder), 0 absent, -ENODATA when not in a listing that was cut
 * (too many packages: absence unknown), -EINVAL for an empty name, -ENAMETOOLONG when
 * ret_folder is too small. Note: published names (oem12.inf) are not FileRepository names. */
int an_driverstore_find(const an_driverstore *ds, const char *inf_name, char *ret_folder,
                        size_t cap);

/* One-shot form (lists FileRepository on every call; keep an an_driverstore for several). */
int an_driverstore_find_inf(fsa_fs *fs, const char *windows_dir, const char *inf_name,
                            char *ret_folder, size_t cap);

/* driverstore.present, driverstore.packages. 0 or -ENOMEM. */
int an_driverstore_add_facts(const an_driverstore *ds, an_facts *facts);

/* Open, add facts, free. 0 or -ENOMEM. */
int an_driverstore_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

#endif
