/* The event logs of an install into its servicing history: System, Setup, Application and
 * Microsoft-Windows-WindowsUpdateClient%4Operational under System32\winevt\Logs, read with
 * an_evtx.h and mapped by an_history_evtx_record. Writes, per log read, evtx.log (the path),
 * evtx.records / evtx.recovered / evtx.unreadable / evtx.chunks / evtx.bad_chunks / evtx.dirty
 * (analyzer/facts-history.md); a log that cannot be read, or is damaged, is an unread.evtx
 * fact and a diagnostic naming the file and the damaged chunks: nothing is concluded from
 * what is not there. */
#ifndef AN_EVTLOG_H
#define AN_EVTLOG_H

#include "analyzer/an_facts.h"
#include "analyzer/history/an_history.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* 0 (also when there are no event logs), or -ENOMEM. */
int an_evtlog_collect(fsa_fs *fs, const char *windows_dir, an_history *h, an_facts *facts,
                      sxs_diag *diag);

/* One log already open (for tests): the same facts and history records. 0 read (even
 * damaged), -EBADMSG / -EIO unreadable (unread.evtx written), -ENOMEM. */
int an_evtlog_read_file(fsa_file *f, const char *path, an_history *h, an_facts *facts,
                        sxs_diag *diag);

#endif
