/* Last Known Good: SYSTEM\Select (Current, Default, Failed, LastKnownGood) and whether another
 * control set is there to boot from. Azure's "How to start Azure Windows VM with Last Known
 * Good Configuration" (KB 4016731) switches to the next control set offline by setting, for
 * Windows Server 2012 R2 and older, Current = Default = 2, Failed = 1, LastKnownGood = 3, and
 * for Windows 10 / Server 2016 and newer, Current = Default = 2, Failed = 1, LastKnownGood = 2
 * ("add 1 to all those values" when the VM already booted LKG once). Generalised: the target T
 * is the control set LastKnownGood names when it differs from Current and exists, else
 * Current + 1 when that exists; the values are Current = Default = T, Failed = the current
 * one, LastKnownGood = T + 1 (build < 10240) or T (10240 and later). Without a build (no
 * SOFTWARE) no value set is given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/boot_int.h"

int an_boot_select_facts(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    static const char *const names[] = {"Current", "Default", "Failed", "LastKnownGood"};
    static const char *const keys[] = {"current", "default", "failed", "last_known_good"};
    uint32_t v[4] = {0};
    bool have[4] = {false};
    for (int i = 0; i < 4; i++) {
        int r = an_hive_get_dword(h, "Select", names[i], &v[i]);
        if (r < 0 && an_boot_unread_reg("Select", names[i], r, facts, source, diag) < 0)
            return -ENOMEM;
        have[i] = r == 1;
        if (have[i] && an_facts_add_numf(facts, v[i], source, "boot.select.%s", keys[i]) < 0)
            return -ENOMEM;
    }
    if (!have[0] || v[0] < 1 || v[0] > 998)
        return an_facts_add_bool(facts, "boot.lkg.usable", false, source);
    uint32_t cur = v[0], target = 0;
    char cs[32];
    if (have[3] && v[3] >= 1 && v[3] <= 998) {
        snprintf(cs, sizeof(cs), "ControlSet%03u", v[3]);
        bool exists = an_hive_key_exists(h, cs) == 1;
        if (an_facts_add_str(facts, "boot.lkg.control_set", cs, source, -1) < 0 ||
            an_facts_add_bool(facts, "boot.lkg.exists", exists, source) < 0 ||
            an_facts_add_bool(facts, "boot.lkg.differs", v[3] != cur, source) < 0)
            return -ENOMEM;
        if (exists && v[3] != cur)
            target = v[3];
    }
    if (!target) {
        snprintf(cs, sizeof(cs), "ControlSet%03u", cur + 1);
        if (an_hive_key_exists(h, cs) == 1)
            target = cur + 1;
    }
    if (!target)
        return an_facts_add_bool(facts, "boot.lkg.usable", false, source);
    snprintf(cs, sizeof(cs), "ControlSet%03u", target);
    if (an_facts_add_bool(facts, "boot.lkg.usable", true, source) < 0 ||
        an_facts_add_str(facts, "boot.lkg.target", cs, source, -1) < 0)
        return -ENOMEM;
    const an_fact *b = an_facts_get(facts, "os.current_build");
    unsigned long build = b ? strtoul(b->value, NULL, 10) : 0;
    if (!build)
        return 0;
    bool win10 = build >= 10240;
    if (an_facts_add_str(facts, "boot.lkg.family",
                         win10 ? "Windows 10 / Server 2016 and newer"
                               : "Windows Server 2012 R2 and older",
                         source, -1) < 0 ||
        an_facts_add_num(facts, "boot.lkg.set.current", target, source, -1) < 0 ||
        an_facts_add_num(facts, "boot.lkg.set.failed", cur, source, -1) < 0 ||
        an_facts_add_num(facts, "boot.lkg.set.last_known_good", win10 ? target : target + 1, source,
                         -1) < 0)
        return -ENOMEM;
    return 0;
}
