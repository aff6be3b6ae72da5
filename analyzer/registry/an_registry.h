/* Registry collector: reads SOFTWARE, SYSTEM and COMPONENTS of one Windows install (after
 * transaction-log replay, see an_hive.h) and writes the facts listed in
 * analyzer/facts-registry.md, plus the time zone the log collectors need. */
#ifndef AN_REGISTRY_H
#define AN_REGISTRY_H

#include "analyzer/an_facts.h"
#include "analyzer/registry/an_hive.h"
#include "analyzer/an_tz.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

enum { AN_HIVE_SOFTWARE, AN_HIVE_SYSTEM, AN_HIVE_COMPONENTS, AN_HIVE_COUNT };

/* Per-hive outcome for the report. state: "clean", "replayed", "dirty-not-replayed",
 * "unreadable", "absent". logs: e.g. "LOG1+LOG2". */
typedef struct {
    char name[16]; /* "SOFTWARE", "SYSTEM", "COMPONENTS" */
    char state[24];
    char detail[512];
    unsigned entries, pages;
    char logs[64];
} an_hive_report;

/* Reads <windows_dir>/System32/config/{SOFTWARE,SYSTEM,COMPONENTS} (+ logs) from fs. Missing or
 * unreadable hives are reported in ret_reports and diag, not failures. *ret_tz is always set
 * (known = false when SYSTEM gave no time zone). Returns 0, or -ENOMEM. */
int an_registry_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, an_tz *ret_tz,
                        an_hive_report ret_reports[3], sxs_diag *diag);

/* The same from hives already opened (any may be NULL: absent or unreadable); sources[i] names
 * hive i in provenance (may be NULL). Used by an_registry_collect and by tests. Fills only the
 * content facts, not hive.<name>.* (see an_registry_report_facts). */
int an_registry_collect_hives(an_hive *const hives[3], const char *const sources[3],
                              an_facts *facts, an_tz *ret_tz, sxs_diag *diag);

/* Writes hive.<name>.state / replay_entries / replay_pages / logs for the three reports. */
int an_registry_report_facts(const an_hive_report reports[3], const char *const sources[3],
                             an_facts *facts);

/* Fills a report from an open attempt's status (rc -ENOENT: "absent"). */
void an_registry_report_from_status(an_hive_report *rep, const char *name, int rc,
                                    const an_hive_status *st);

#endif
