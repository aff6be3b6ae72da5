/* analyzer/history/: the second stage after the log pass: the driver packages that failed
 * driver-update attempts name (CBS "Doqe: ... for Inf: X.inf", setupapi "!!!" lines naming
 * DriverStore\FileRepository\<inf>_<arch>_<hash>) are looked up in the install's driver store,
 * once, and become facts (history.driver.missing / .present). The rules judge those facts and
 * do no I/O of their own. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_driverstore.h"
#include "analyzer/history/hist_int.h"

/* "ntprint4.inf_amd64_0d8d54d5a0c2ad4b" -> "ntprint4.inf"; "x.inf" -> "x.inf"; else "". */
static void inf_part(const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = strcasestr(name, ".inf");
    if (!p || (p[4] != '\0' && p[4] != '_'))
        return;
    const char *b = strrchr(name, '\\');
    b = b ? b + 1 : name;
    if (b > p)
        return;
    hist_copy(out, cap, b, (size_t)(p + 4 - b));
}

int an_history_driver_facts(const an_history *h, fsa_fs *fs, const char *windows_dir,
                            an_facts *facts, sxs_diag *diag)
{
    if (!h || !fs || !facts)
        return 0;
    an_driverstore *ds = NULL;
    int r = 0;
    for (size_t i = 0; i < h->n && r == 0; i++) {
        const an_attempt *a = &h->att[i];
        if (a->kind != AN_ATT_DRIVER_UPDATE || a->status != AN_ATT_FAILED || a->resolved ||
            !a->package[0])
            continue;
        char inf[256];
        inf_part(a->package, inf, sizeof(inf));
        if (!inf[0])
            continue;
        if (!ds && (r = an_driverstore_open(fs, windows_dir, diag, &ds)) < 0)
            break;
        if (!an_driverstore_present(ds))
            break; /* no store at all: the file-system facts say so */
        char folder[512];
        int f = an_driverstore_find(ds, inf, folder, sizeof(folder));
        if (f < 0)
            continue;
        /* a named package folder must be that folder, not another version of the INF */
        bool named_folder = strcasecmp(inf, a->package) != 0;
        bool present = f == 1 && (!named_folder || strcasecmp(folder, a->package) == 0);
        const an_history_evidence *e =
            a->result_ev >= 0 ? &a->ev[a->result_ev] : (a->nev ? &a->ev[a->nev - 1] : NULL);
        const char *src = e ? e->source : NULL;
        int64_t off = e ? e->offset : -1, line = e ? e->line : -1;
        if (present) {
            r = an_facts_add_str_at(facts, "history.driver.present", inf, src, off, line);
            if (r == 0) /* paired with the fact before it */
                r = an_facts_add_str_at(facts, "history.driver.present_folder", folder, src, off,
                                        line);
        } else {
            r = an_facts_add_str_at(facts, "history.driver.missing", inf, src, off, line);
            if (r == 0 && named_folder)
                r = an_facts_add_str_at(facts, "history.driver.missing_folder", a->package, src,
                                        off, line);
        }
    }
    an_driverstore_free(ds);
    return r;
}
