/* Free-space collector (see an_space.h). Percentages are whole percent rounded down, so that
 * "free_percent < 5" holds exactly when free space is under 5 % of the volume. */
#include "analyzer/fs/an_space.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static int add_space(fsa_fs *fs, const char *prefix, an_facts *facts, sxs_diag *diag)
{
    uint64_t total, free_bytes;
    int r = fsa_fs_space(fs, &total, &free_bytes);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        sxs_diag_add(diag, r == -ENOTSUP ? SXS_DIAG_INFO : SXS_DIAG_WARN, fsa_fs_describe(fs), -1,
                     "free space of %s not measured: %s", fsa_fs_describe(fs),
                     r == -ENOTSUP   ? "filesystem without a supported allocation map"
                     : r == -EBADMSG ? "allocation map damaged"
                                     : strerror(-r));
        return 0;
    }
    if (total == 0 || total > (uint64_t)INT64_MAX)
        return 0;
    const char *src = fsa_fs_describe(fs);
    /* free <= total <= INT64_MAX; the second form only for volumes beyond 92 PB */
    uint64_t pct =
        free_bytes <= UINT64_MAX / 100 ? free_bytes * 100 / total : free_bytes / (total / 100);
    if ((r = an_facts_add_numf(facts, (int64_t)total, src, "volume.%s.total_bytes", prefix)) < 0 ||
        (r = an_facts_add_numf(facts, (int64_t)free_bytes, src, "volume.%s.free_bytes", prefix)) <
            0 ||
        (r = an_facts_add_numf(facts, (int64_t)pct, src, "volume.%s.free_percent", prefix)) < 0)
        return r;
    return 0;
}

int an_space_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    (void)windows_dir;
    int r = add_space(fs, "windows", facts, diag);
    if (r < 0)
        return r;
    size_t idx;
    fsa_fs *sys = NULL;
    if (fsa_fs_system_volume(fs, &idx, &sys) == 1 && sys)
        return add_space(sys, "system", facts, diag);
    return 0;
}
