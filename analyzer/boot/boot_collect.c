/* Entry points of the analyzer/boot collectors for one install (an_boot.h). The SYSTEM part of
 * the driver evidence runs inside the registry collector, on the hive it has open; here the
 * file evidence (CrowdStrike channel files, RegBack copies), then every other boot collector. */
#include <errno.h>
#include <stdio.h>

#include "analyzer/boot/an_boot.h"
#include "analyzer/boot/boot_bcd.h"
#include "analyzer/boot/boot_dump.h"
#include "analyzer/boot/boot_int.h"
#include "analyzer/boot/boot_pending_xml.h"
#include "analyzer/boot/boot_srt.h"

int an_boot_collect_drivers(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    /* the SYSTEM part (an_boot_drivers_from_hive) runs inside an_registry_collect, on the
     * hive it already has open and replayed: here only the file evidence */
    int r;
    if ((r = an_boot_crowdstrike_facts(fs, windows_dir, facts, diag)) < 0 ||
        (r = an_boot_regback_facts(fs, windows_dir, facts, diag)) < 0)
        return r;
    return 0;
}

int an_boot_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    int r;
    if ((r = an_boot_collect_drivers(fs, windows_dir, facts, diag)) < 0 ||
        (r = an_boot_dumps_collect(fs, windows_dir, facts, diag)) < 0 ||
        (r = an_boot_pending_xml_collect(fs, windows_dir, facts, diag)) < 0 ||
        (r = an_boot_srt_collect(fs, windows_dir, facts, diag)) < 0 ||
        (r = boot_bcd_collect(fs, facts, diag)) < 0)
        return r;
    return 0;
}
