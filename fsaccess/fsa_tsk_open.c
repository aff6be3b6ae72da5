/* fsaccess libtsk backend: container detection and opening (placeholder until the image
 * backend lands; the directory backend works already). */
#include <errno.h>

#include "fsaccess/fsa_backend.h"

int fsa_tsk_open(fsa_evidence *ev, const char *path, const struct stat *st, sxs_diag *diag)
{
    (void)ev;
    (void)st;
    sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: image evidence is not supported yet", path);
    return -ENOTSUP;
}
