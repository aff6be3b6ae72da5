/* libFuzzer harness for image opening: the input is a raw disk image held in memory (read
 * through tsk_img_open_external), run through partition-table and filesystem detection,
 * install discovery, and a bounded tour of win_fs (listing, lookups of the paths the analyzer
 * uses, stat with reparse parsing, ranged reads), and the same over the first and last shadow
 * copy of each volume that has some. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fsaccess/fsa.h"

/* How much of the fuzzed filesystem one input may make us touch. */
#define FUZZ_MAX_ENTRIES 64
#define FUZZ_READ_BYTES 65536

typedef struct {
    fsa_fs *fs;
    unsigned seen;
} tour;

static int visit(const fsa_dirent *e, void *ctx)
{
    tour *t = ctx;
    if (++t->seen > FUZZ_MAX_ENTRIES)
        return 1;
    fsa_stat st;
    char path[1200];
    snprintf(path, sizeof(path), "/%s", e->name);
    fsa_lookup(t->fs, path, &st);
    if (e->type == FSA_TYPE_FILE) {
        fsa_file *f = NULL;
        if (fsa_file_open(t->fs, path, &f) == 1) {
            static char buf[FUZZ_READ_BYTES];
            fsa_file_read(f, 0, buf, sizeof(buf));
            fsa_file_read(f, fsa_file_size(f) / 2, buf, 512);
            fsa_file_close(f);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "Windows/System32/config/SOFTWARE", "Windows/WinSxS",    "Windows/Logs/CBS/CBS.log",
        "Users/alex/Documents/Archive",     "WINDOWS\\system32",
    };
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    if (fsa_open_memory(data, size, "fuzz.img", d, &ev) == 0) {
        for (size_t i = 0; i < fsa_volume_count(ev); i++) {
            fsa_fs *fs = fsa_volume_fs(ev, i);
            if (!fs)
                continue;
            tour t = {.fs = fs};
            fsa_list_dir(fs, "", visit, &t);
            for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
                fsa_stat st;
                char name[256];
                fsa_lookup(fs, paths[k], &st);
                fsa_true_name(fs, paths[k], name, sizeof(name));
            }
            t.seen = 0;
            fsa_list_dir(fs, "Windows/WinSxS", visit, &t);
            /* the shadow copies (libvshadow over the volume): the first and the last store
             * read as a filesystem, as --snapshot and the per-snapshot checks do */
            const fsa_volume_info *v = fsa_volume(ev, i);
            for (size_t k = 0; v->n_shadows && k < 2; k++) {
                fsa_fs *snap = NULL;
                unsigned idx = k ? (unsigned)v->n_shadows : 1;
                if (fsa_shadow_fs(ev, i, idx, d, &snap) != 1)
                    continue;
                tour s = {.fs = snap};
                fsa_list_dir(snap, "", visit, &s);
                fsa_lookup(snap, paths[1], NULL);
            }
        }
    }
    fsa_close(ev);
    sxs_diag_free(d);
    return 0;
}
