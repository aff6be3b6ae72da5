/* Windows Update's history database of an install (SoftwareDistribution\DataStore\
 * DataStore.edb, names matched case-insensitively) into its servicing history: the tbHistory
 * rows read with an_edb.h and mapped by an_history_edb_row. Writes edb.file, edb.state,
 * edb.history_table, edb.history_rows, edb.history_unreadable (analyzer/facts-history.md). A
 * database libesedb cannot open, evidence that cannot be read, or rows it lists and cannot
 * read are an unread.edb fact and a diagnostic naming the file and what failed; a dirty
 * database (not shut down cleanly: a crash) is read as it is, with a diagnostic. Nothing is
 * concluded from what is not there. */
#ifndef AN_WUDB_H
#define AN_WUDB_H

#include "analyzer/an_facts.h"
#include "analyzer/history/an_history.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* 0 (also when there is no DataStore.edb), or -ENOMEM. */
int an_wudb_collect(fsa_fs *fs, const char *windows_dir, an_history *h, an_facts *facts,
                    sxs_diag *diag);

/* One database already open (for tests): the same facts and history rows. 0 read (even
 * damaged or without the table), -EBADMSG / -EIO unreadable (unread.edb written), -ENOMEM. */
int an_wudb_read_file(fsa_file *f, const char *path, an_history *h, an_facts *facts,
                      sxs_diag *diag);

#endif
