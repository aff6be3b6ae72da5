/* File-system collectors, the smaller checks: single files and folders (spupdsvc.exe,
 * wimmount.sys, Windows Update cache, Panther upgrade folders) and IIS applicationHost.config
 * physical paths. Also the small helpers the other file-system collectors (an_winsxs.c,
 * an_driverstore.c, an_reparse.c) share: path joining, checked lookups, a capped list of
 * names. Fact names: analyzer/facts-fs.md. */
#ifndef AN_FSFACTS_H
#define AN_FSFACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Longest volume-relative path the file-system collectors build: a Windows directory, a few
 * fixed components and one on-disk name (FSA_MAX_NAME is 768 bytes) fit with room to spare;
 * anything longer in evidence is reported and skipped rather than truncated. */
#define AN_FS_PATH_MAX 4096

/* Longest physicalPath value we check from applicationHost.config. Windows paths beyond
 * MAX_PATH are rare for IIS sites; a longer value is cut, reported and not checked. */
#define AN_IIS_MAX_VALUE 4096

/* Most physicalPath attributes examined in one applicationHost.config. Large hosting servers
 * carry a few thousand sites; a bigger count means a hostile or corrupt file. */
#define AN_IIS_MAX_PATHS 20000

/* Spupdsvc.exe, wimmount.sys, WU cache, Panther folders and IIS paths. 0, or -ENOMEM. Evidence
 * that cannot be read is reported in diag and the facts concerned are left out. */
int an_fsfacts_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* ---- helpers shared by the file-system collectors (not for other modules) --------------- */

/* out = a "/" b (either may be "" ). 0, or -ENAMETOOLONG. */
int an_fs_join(char *out, size_t cap, const char *a, const char *b);

/* fsa_lookup with a diagnostic on read errors. 1 found, 0 absent, negative on error. */
int an_fs_stat(fsa_fs *fs, const char *path, fsa_stat *ret_st, sxs_diag *diag);

/* Adds name = true/false when the lookup of path succeeded (found or absent) and returns the
 * lookup result (st filled when 1). want_dir: present means a directory (or a reparse point,
 * whose type depends on the backend); else present means not a directory. 1/0 present or
 * not, negative -ENOMEM or a read error (diagnosed, no fact added). */
int an_fs_presence_fact(fsa_fs *fs, const char *path, bool want_dir, const char *name,
                        an_facts *facts, sxs_diag *diag, fsa_stat *st);

/* Why a read on fs failed with err, for messages: the damaged structure fsaccess names (with
 * "at byte N of the image" when known), else strerror. Returns out. */
const char *an_fs_reason(fsa_fs *fs, int err, char *out, size_t cap);

/* Evidence a rule needs could not be read: adds the fact unread.<what> (value: the reason,
 * source: path, offset: byte offset of the damage in the image or -1; see
 * analyzer/facts-fs.md) and an error naming path, the volume and the reason, followed by
 * consequence (what is not concluded from it; may be NULL). Call right after the failed
 * fsaccess call (the reason is that call's). 0 or -ENOMEM. */
int an_fs_unread(fsa_fs *fs, const char *path, int err, const char *what, const char *consequence,
                 an_facts *facts, sxs_diag *diag);

/* ASCII case-insensitive: does s start with prefix? */
bool an_fs_has_prefix_ci(const char *s, const char *prefix);

/* A list of owned strings with a maximum length (evidence cannot make it grow unbounded). */
typedef struct {
    char **items;
    size_t count;
    size_t cap;
    size_t max;
    size_t dropped; /* appends refused past max */
} an_strlist;

void an_strlist_init(an_strlist *l, size_t max);
void an_strlist_free(an_strlist *l);
/* 0, -ENOSPC past max (counted in dropped), -ENOMEM. */
int an_strlist_add(an_strlist *l, const char *s);

#endif
