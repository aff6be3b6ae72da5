/* Drive letters: SYSTEM\MountedDevices maps each \DosDevices\X: to a volume (an MBR disk
 * signature + partition offset, or "DMIO:ID:" + a GPT partition GUID); each letter is
 * resolved to a volume of this disk, so a path on D: can be told to be on this disk or not.
 * Facts: analyzer/facts-boot.md. */
#ifndef BOOT_MOUNTED_H
#define BOOT_MOUNTED_H

#include "analyzer/an_facts.h"
#include "analyzer/registry/an_hive.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* system: the open SYSTEM hive (source names it); ev: the evidence the install is on (NULL:
 * letters are decoded but not resolved). 0, or -ENOMEM. A MountedDevices key that cannot be
 * read is an unread.registry fact. */
int boot_mounted_collect(an_hive *system, const char *source, const fsa_evidence *ev,
                         an_facts *facts, sxs_diag *diag);

#endif
