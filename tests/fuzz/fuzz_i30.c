/* libFuzzer harness for the NTFS $I30 index reader over mutated index blocks
 * (fsaccess/fsa_tsk_ntfs_index.c): a real multi-block WinSxS index (the i30fuzz sample image,
 * a two-level tree of 11 INDX blocks, tests/data/damage/i30fuzz.scn) is held in memory; each
 * input picks a block (first byte) and XORs the rest of the input into it, so every mutation
 * is a corruption of a valid block: torn update sequences, wrong VCNs, entry lengths, child
 * pointers. The directory is then listed and looked up. Never a crash or a hang; a failed
 * listing names its damage in bounded text; an input that changes no byte lists exactly the
 * entries of the pristine image (counted once at start-up). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BLOCK 4096
#define MAX_BLOCKS 256

static uint8_t *image;
static size_t image_len;
static size_t blocks[MAX_BLOCKS];
static size_t nblocks;
static uint8_t saved[BLOCK];
static size_t pristine_entries; /* entries of Windows/WinSxS in the unmutated image */

static int count(const fsa_dirent *e, void *ctx)
{
    (void)e;
    (*(size_t *)ctx)++;
    return 0;
}

/* Entries listed in Windows/WinSxS of the first volume that has it; -1 when none could list. */
static long list_winsxs(void)
{
    long found = -1;
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    if (d && fsa_open_memory(image, image_len, "fuzz-i30.raw", d, &ev) == 0) {
        for (size_t v = 0; v < fsa_volume_count(ev) && found < 0; v++) {
            fsa_fs *fs = fsa_volume_fs(ev, v);
            size_t entries = 0;
            if (fs && fsa_list_dir(fs, "Windows/WinSxS", count, &entries) == 0)
                found = (long)entries;
        }
    }
    fsa_close(ev);
    sxs_diag_free(d);
    return found;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("SXS_FUZZ_I30_IMAGE");
    if (!path)
        path = SXS_FUZZ_I30_IMAGE;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_i30: cannot open %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    image_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    image = malloc(image_len);
    if (!image || fread(image, 1, image_len, f) != image_len)
        abort();
    fclose(f);
    for (size_t off = 0; off + BLOCK <= image_len && nblocks < MAX_BLOCKS; off += 512)
        if (memcmp(image + off, "INDX", 4) == 0)
            blocks[nblocks++] = off;
    long n = list_winsxs();
    if (nblocks < 2 || n <= 0) {
        fprintf(stderr, "fuzz_i30: %s has %zu INDX blocks and %ld listable entries\n", path,
                nblocks, n);
        abort();
    }
    pristine_entries = (size_t)n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t b = size ? blocks[data[0] % nblocks] : blocks[0];
    size_t n = size > 1 ? size - 1 : 0;
    if (n > BLOCK)
        n = BLOCK;
    memcpy(saved, image + b, BLOCK);
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        image[b + i] ^= data[1 + i];
        changed |= data[1 + i] != 0;
    }
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    if (d && fsa_open_memory(image, image_len, "fuzz-i30.raw", d, &ev) == 0) {
        for (size_t v = 0; v < fsa_volume_count(ev); v++) {
            fsa_fs *fs = fsa_volume_fs(ev, v);
            if (!fs)
                continue;
            size_t entries = 0;
            int r = fsa_list_dir(fs, "Windows/WinSxS", count, &entries);
            fsa_stat st;
            fsa_lookup(fs, "Windows/WinSxS/Manifests", &st);
            int64_t off;
            const char *why = fsa_fs_damage(fs, &off);
            if (r < 0 && why && strlen(why) > 4096)
                abort();
            if (!changed && (r < 0 || entries != pristine_entries)) {
                fprintf(stderr, "fuzz_i30: unmutated image listed %zu entries (r=%d), not %zu\n",
                        entries, r, pristine_entries);
                abort();
            }
        }
    }
    fsa_close(ev);
    sxs_diag_free(d);
    memcpy(image + b, saved, BLOCK);
    return 0;
}
