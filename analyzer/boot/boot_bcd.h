/* BOOT-CONFIG evidence: the BCD store (a regf hive) of the disk a Windows install lives on.
 * Finds it on the system partition (EFI\Microsoft\Boot\BCD on the ESP, Boot\BCD on System
 * Reserved), else in the Windows volume's own Boot\BCD; reads {bootmgr}, its default OS
 * loader (device, osdevice, path, systemroot, safeboot, recoveryenabled, bootstatuspolicy),
 * the OS loaders no menu lists; resolves device/osdevice to volumes of this disk and checks
 * path and systemroot there. Facts: analyzer/facts-boot.md. */
#ifndef BOOT_BCD_H
#define BOOT_BCD_H

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* win_fs: the filesystem of the install. Returns 0 (damaged or missing evidence is a fact
 * and a diag message, not a failure) or -ENOMEM. */
int boot_bcd_collect(fsa_fs *win_fs, an_facts *facts, sxs_diag *diag);

#endif
