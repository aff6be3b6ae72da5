/* Runs the file-system collectors in turn; each reads only what it needs (DESIGN.md budget). */
#include "analyzer/fs/an_fscollect.h"

#include <errno.h>

#include "analyzer/fs/an_driverstore.h"
#include "analyzer/fs/an_fsfacts.h"
#include "analyzer/fs/an_reparse.h"
#include "analyzer/fs/an_space.h"
#include "analyzer/fs/an_winsxs.h"

int an_fs_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    int (*const collectors[])(fsa_fs *, const char *, an_facts *, sxs_diag *) = {
        an_winsxs_collect,  an_driverstore_collect, an_reparse_collect,
        an_fsfacts_collect, an_space_collect,
    };
    if (!fs || !windows_dir || !facts)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(collectors) / sizeof(collectors[0]); i++) {
        int r = collectors[i](fs, windows_dir, facts, diag);
        if (r < 0)
            return r;
    }
    return 0;
}
