/* The servicing history's invariants, shared by the fuzz harnesses that build one
 * (fuzz_history, fuzz_evtx_map): bounded counts, NUL-terminated fields, evidence within its
 * cap, resolved_by pointing at a later success, only failures resolved. A violation aborts. */
#ifndef SXS_FUZZ_HISTORY_CHECK_H
#define SXS_FUZZ_HISTORY_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "analyzer/history/an_history.h"

static inline void sxs_check_history(const an_history *h)
{
    size_t n = an_history_count(h);
    if (n > AN_HISTORY_MAX_ATTEMPTS)
        abort();
    for (size_t i = 0; i < n; i++) {
        const an_attempt *a = an_history_at(h, i);
        if (!memchr(a->package, 0, sizeof(a->package)) ||
            !memchr(a->client, 0, sizeof(a->client)) ||
            !memchr(a->operation, 0, sizeof(a->operation)) ||
            !memchr(a->phase, 0, sizeof(a->phase)) || !memchr(a->kb, 0, sizeof(a->kb)) ||
            !memchr(a->target_build, 0, sizeof(a->target_build)))
            abort();
        if (a->nev > AN_HISTORY_MAX_EVIDENCE || (unsigned)a->kind >= AN_ATT_KIND_COUNT)
            abort();
        for (size_t e = 0; e < a->nev; e++)
            if (!a->ev[e].text || !a->ev[e].source || strlen(a->ev[e].text) > AN_HISTORY_MAX_TEXT)
                abort();
        if (a->resolved_by >= 0) {
            if ((size_t)a->resolved_by <= i || (size_t)a->resolved_by >= n || !a->resolved)
                abort();
            const an_attempt *r = an_history_at(h, (size_t)a->resolved_by);
            if (r->status != AN_ATT_SUCCEEDED && r->status != AN_ATT_PENDING)
                abort();
        }
        if (a->resolved && a->status != AN_ATT_FAILED)
            abort();
    }
}

#endif
