/* Reparse points in user libraries (BACKUP-REPARSE): junctions, mount points and symbolic
 * links in Users/<user>/{Documents,Pictures,Music,Videos,Desktop,Downloads,Favorites} (the
 * library folder and one level under it, never deeper) whose target is missing on this
 * volume or is the root of a volume. Also resolves "does this path exist on the volume",
 * following junctions on the way, for the other collectors. Fact names: analyzer/facts-fs.md. */
#ifndef AN_REPARSE_H
#define AN_REPARSE_H

#include <stddef.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Junction hops followed when resolving one path. Windows itself stops at 63 reparse points
 * per path; real profiles chain at most two or three ("Documents and Settings" -> Users). */
#define AN_REPARSE_MAX_HOPS 8

/* Entries examined under one library folder, and user profiles examined: a file server can
 * hold a few thousand profiles; a bigger count is reported and the rest skipped. */
#define AN_REPARSE_MAX_ENTRIES 100000
#define AN_REPARSE_MAX_USERS 10000

/* 0, or -ENOMEM. Unreadable parts are reported in diag. */
int an_reparse_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag);

/* Does the volume-relative path rel exist on this volume? Junctions and symbolic links met on
 * the way whose targets are on this volume (C:, relative) are followed, up to
 * AN_REPARSE_MAX_HOPS. 1 exists, 0 missing, 2 cannot be known offline (the way leads to another
 * volume), negative on read error. */
int an_reparse_path_exists(fsa_fs *fs, const char *rel, sxs_diag *diag);

typedef enum {
    AN_TARGET_THIS_VOLUME, /* resolved to a volume-relative path */
    AN_TARGET_VOLUME_ROOT, /* \??\Volume{GUID}\ or X:\ */
    AN_TARGET_OTHER,       /* another drive letter, volume GUID path, UNC, host path */
    AN_TARGET_NONE,        /* empty or unparsable */
} an_target_kind;

/* Classifies a reparse target as stored (NTFS substitute name "\??\C:\x", print name "C:\x",
 * "\??\Volume{GUID}\", a relative symlink "..\x" or "../x", ntfs-3g's "/.NTFS-3G/D:/x").
 * link_dir is the volume-relative folder holding the reparse point (for relative targets).
 * For AN_TARGET_THIS_VOLUME the volume-relative path ("/"-separated, "" = root) goes to out. */
an_target_kind an_reparse_classify(const char *target, const char *link_dir, char *out, size_t cap);

#endif
