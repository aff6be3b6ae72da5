/* Entry points of the analyzer/boot collectors for one install (an_boot.h): the driver part
 * reads SYSTEM (opened again, quietly: the registry collector already reported its state),
 * then the file evidence (CrowdStrike channel files, RegBack copies); an_boot_collect runs
 * every boot collector. */
#include <errno.h>
#include <stdio.h>

#include "analyzer/an_boot.h"
#include "analyzer/boot/boot_bcd.h"
#include "analyzer/boot/boot_dump.h"
#include "analyzer/boot/boot_int.h"
#include "analyzer/boot/boot_pending_xml.h"
#include "analyzer/boot/boot_srt.h"

int an_boot_collect_drivers(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    int r;
    const an_fact *cs = an_facts_get(facts, "system.control_set");
    if (cs) {
        char path[512];
        snprintf(path, sizeof(path), "%s/System32/config/SYSTEM", windows_dir);
        sxs_diag *quiet = sxs_diag_new();
        if (!quiet)
            return -ENOMEM;
        an_hive_status st;
        an_hive *h = NULL;
        r = an_hive_open_fsa(fs, path, quiet, &st, &h);
        sxs_diag_free(quiet);
        if (r == -ENOMEM)
            return r;
        if (r == 0) {
            r = an_boot_drivers_from_hive(h, cs->source ? cs->source : path, cs->value, fs,
                                          windows_dir, facts, diag);
            an_hive_free(h);
            if (r < 0)
                return r;
        }
    }
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
