/* Our EWF1 reader (fsaccess/fsa_ewf1.c) against libewf: every byte of the media, random reads
 * across chunk, table and segment boundaries, the metadata the report shows, damaged chunks
 * (compressed and not) reported as the same damage, and the sets it must leave to libewf
 * (truncated, a segment missing, a damaged table) still giving libewf's errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"
#include "fsaccess/fsa_ewf1.h"
#include "fsaccess/fsa_tsk.h"
#include "tests/support/corpus.h"
#include "tests/support/mutate.h"

#define EWFACQUIRE "/usr/bin/ewfacquire"

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    cr_assert_geq(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

/* A raw disk of len bytes: runs of zeros, of text (compresses) and of noise (does not, so
 * ewfacquire stores those chunks uncompressed with their Adler-32). */
static void write_mixed_raw(const char *path, size_t len, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    uint32_t x = seed | 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t run = (i / 40000) % 3;
        int c = run == 0 ? 0 : run == 1 ? "WinSxS component manifest "[i % 26] : (int)(x & 0xff);
        fputc(c, f);
    }
    cr_assert_eq(fclose(f), 0);
}

/* ewfacquire raw into dir/name.E01 (and more segments) with the extra options given. */
static char *acquire(const char *dir, const char *name, const char *raw, const char *fmt,
                     const char *comp, const char *seg, const char *sectors)
{
    if (access(EWFACQUIRE, X_OK) != 0)
        cr_skip_test("ewfacquire not installed (ewf-tools)");
    char *target = path_in(dir, name);
    char *argv[] = {EWFACQUIRE,   "-u",        "-q",        "-f", (char *)fmt,     "-c",
                    (char *)comp, "-S",        (char *)seg, "-b", (char *)sectors, "-C",
                    "CASE-1",     "-e",        "Ex Aminer", "-d", "sha1",          "-t",
                    target,       (char *)raw, NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "ewfacquire %s failed", name);
    char *e01 = NULL;
    cr_assert_geq(asprintf(&e01, "%s.E01", target), 0);
    free(target);
    return e01;
}

typedef struct {
    libewf_handle_t *h;
    fsa_ewf1 *r;
    char **names;
    int n;
    uint64_t size;
} pair;

static void pair_open(pair *p, const char *e01)
{
    memset(p, 0, sizeof(*p));
    cr_assert_eq(libewf_glob(e01, strlen(e01), LIBEWF_FORMAT_UNKNOWN, &p->names, &p->n, NULL), 1);
    cr_assert_eq(libewf_handle_initialize(&p->h, NULL), 1);
    cr_assert_eq(libewf_handle_open(p->h, p->names, p->n, LIBEWF_OPEN_READ, NULL), 1, "%s", e01);
    char why[512];
    int r = fsa_ewf1_open((const char *const *)p->names, (size_t)p->n, &p->r, why, sizeof(why));
    cr_assert_eq(r, 0, "%s declined: %s", e01, why);
    size64_t size = 0;
    cr_assert_eq(libewf_handle_get_media_size(p->h, &size, NULL), 1);
    p->size = size;
    cr_assert_eq(fsa_ewf1_info_of(p->r)->media_size, p->size, "%s", e01);
}

static void pair_close(pair *p)
{
    libewf_handle_close(p->h, NULL);
    libewf_handle_free(&p->h, NULL);
    libewf_glob_free(p->names, p->n, NULL);
    fsa_ewf1_close(p->r);
}

/* Reads len bytes at off through both readers and asserts they agree. */
static void same_read(pair *p, uint64_t off, size_t len, uint8_t *a, uint8_t *b, const char *e01)
{
    ssize_t na = libewf_handle_read_random(p->h, a, len, (off64_t)off, NULL);
    ssize_t nb = fsa_ewf1_read(p->r, off, b, len, NULL, NULL);
    cr_assert_eq(nb, na, "%s: read %zu at %llu: %zd, libewf %zd", e01, len, (unsigned long long)off,
                 nb, na);
    cr_assert(na <= 0 || memcmp(a, b, (size_t)na) == 0, "%s: bytes differ in %zu at %llu", e01, len,
              (unsigned long long)off);
}

/* Every byte, in reads of an odd size (so each crosses chunk boundaries at a new place), then
 * random reads, many of them starting just before a chunk, table (every 16375 or 65534
 * chunks) or the media end. */
static void compare_all(const char *e01)
{
    pair p;
    pair_open(&p, e01);
    size_t big = (1u << 20) + 4097;
    uint8_t *a = malloc(big), *b = malloc(big);
    cr_assert(a && b);
    for (uint64_t off = 0; off < p.size; off += big)
        same_read(&p, off, big, a, b, e01);
    uint64_t cs = (uint64_t)fsa_ewf1_info_of(p.r)->sectors_per_chunk *
                  fsa_ewf1_info_of(p.r)->bytes_per_sector;
    uint64_t chunks = fsa_ewf1_info_of(p.r)->chunk_count;
    static const uint64_t table_sizes[] = {16375, 65534};
    uint32_t x = 12345;
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint64_t off;
        switch (i % 4) {
        case 0: /* anywhere */
            off = ((uint64_t)x * 2654435761u) % p.size;
            break;
        case 1: /* just before a chunk boundary */
            off = (x % chunks) * cs;
            off = off > 7 ? off - 7 : 0;
            break;
        case 2: { /* just before a table boundary */
            uint64_t t = table_sizes[x & 1], k = chunks / t;
            off = k ? ((x >> 1) % k + 1) * t * cs - 3 : 0;
            break;
        }
        default: /* near the end, reads running past it */
            off = p.size > 100000 ? p.size - (x % 100000) : 0;
        }
        size_t len = 1 + (x >> 7) % (3 * cs < big ? 3 * cs : big);
        same_read(&p, off, len, a, b, e01);
    }
    same_read(&p, p.size, 10, a, b, e01); /* at the end: 0 bytes */
    free(a);
    free(b);
    pair_close(&p);
}

static const char *const SAMPLE_E01[] = {"healthy.E01", "ssu-empty.E01", "ssu-empty-split.E01"};
static const char *const CORPUS_E01[] = {
    "images/plaso_image-split.E01", "images/tsk_imageformat_mmls_1.E01", "images/dissect_ewf.E01"};

Test(ewf1, sample_and_corpus_images_read_as_libewf_reads_them)
{
    for (size_t i = 0; i < sizeof(SAMPLE_E01) / sizeof(SAMPLE_E01[0]); i++) {
        char *p = sxs_sample(SAMPLE_E01[i]);
        compare_all(p);
        free(p);
    }
    for (size_t i = 0; i < sizeof(CORPUS_E01) / sizeof(CORPUS_E01[0]); i++) {
        char *p = sxs_corpus_path(CORPUS_E01[i]);
        if (p)
            compare_all(p);
        free(p);
    }
}

/* Each format ewfacquire writes as EWF1, compressed or not, small chunks and large, many
 * segments, and a media size that leaves the last chunk short. */
Test(ewf1, ewfacquire_formats_read_as_libewf_reads_them)
{
    char *dir = sxs_test_tmpdir("ewf1-formats");
    char *raw = path_in(dir, "src.raw");
    write_mixed_raw(raw, 5u * 1024 * 1024 + 3 * 512, 7);
    static const char *const v[][5] = {
        {"e6", "encase6", "fast", "1048576", "64"},
        {"e5", "encase5", "best", "1048576", "64"},
        {"e7", "encase7", "fast", "100000000", "16"},
        {"ftk", "ftk", "fast", "1048576", "128"},
        {"none", "encase6", "none", "1048576", "64"},
        {"big", "encase6", "fast", "2097152", "2048"},
        /* 8 MiB chunks: one cache slot (EWF1_CHUNK_CACHE_BYTES), the media a single short chunk */
        {"huge", "encase6", "fast", "100000000", "16384"},
        {"e4", "encase4", "empty-block", "1048576", "64"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *e01 = acquire(dir, v[i][0], raw, v[i][1], v[i][2], v[i][3], v[i][4]);
        compare_all(e01);
        free(e01);
    }
    /* more segments than the reader keeps open at once (16): its descriptors are reused */
    char *raw2 = path_in(dir, "src2.raw");
    write_mixed_raw(raw2, 20u * 1024 * 1024 + 1000, 9);
    char *e01 = acquire(dir, "many", raw2, "encase6", "none", "1048576", "64");
    char *e20 = path_in(dir, "many.E20");
    cr_assert_eq(access(e20, R_OK), 0, "fewer than 20 segments");
    compare_all(e01);
    free(e20);
    free(e01);
    free(raw2);
    free(raw);
    free(dir);
}

static void same_str(const char *a, const char *b, const char *what, const char *img)
{
    if (!a || !b)
        cr_assert_eq(a, b, "%s %s: %s vs libewf %s", img, what, a ? a : "NULL", b ? b : "NULL");
    else
        cr_assert_str_eq(a, b, "%s %s: [%s] vs libewf [%s]", img, what, a, b);
}

/* What fsa_open reports of a set, through our reader and through libewf (test hook). */
static void compare_info(const char *img)
{
    sxs_diag *d1 = sxs_diag_new(), *d2 = sxs_diag_new();
    fsa_evidence *own = NULL, *lib = NULL;
    cr_assert_eq(fsa_open(img, d1, &own), 0, "%s", img);
    cr_assert_eq(setenv("SXS_TEST_EWF_LIBEWF", "1", 1), 0);
    cr_assert_eq(fsa_open(img, d2, &lib), 0, "%s", img);
    unsetenv("SXS_TEST_EWF_LIBEWF");
    cr_assert(fsa_tsk_ewf_own_reader(own), "%s not read by our reader", img);
    cr_assert(!fsa_tsk_ewf_own_reader(lib), "%s: the hook did not pick libewf", img);
    const fsa_evidence_info *a = fsa_info(own), *b = fsa_info(lib);
    cr_assert_eq(a->media_size, b->media_size);
    cr_assert_eq(a->sector_size, b->sector_size);
    cr_assert_eq(a->segment_count, b->segment_count);
    same_str(a->ewf_case_number, b->ewf_case_number, "case", img);
    same_str(a->ewf_evidence_number, b->ewf_evidence_number, "evidence", img);
    same_str(a->ewf_description, b->ewf_description, "description", img);
    same_str(a->ewf_examiner, b->ewf_examiner, "examiner", img);
    same_str(a->ewf_notes, b->ewf_notes, "notes", img);
    same_str(a->ewf_acquiry_date, b->ewf_acquiry_date, "date", img);
    same_str(a->ewf_acquiry_software, b->ewf_acquiry_software, "software", img);
    same_str(a->ewf_md5, b->ewf_md5, "md5", img);
    same_str(a->ewf_sha1, b->ewf_sha1, "sha1", img);
    cr_assert_eq(fsa_volume_count(own), fsa_volume_count(lib), "%s", img);
    fsa_close(own);
    fsa_close(lib);
    sxs_diag_free(d1);
    sxs_diag_free(d2);
}

Test(ewf1, metadata_as_libewf_reports_it)
{
    for (size_t i = 0; i < sizeof(SAMPLE_E01) / sizeof(SAMPLE_E01[0]); i++) {
        char *p = sxs_sample(SAMPLE_E01[i]);
        compare_info(p);
        free(p);
    }
    for (size_t i = 0; i < sizeof(CORPUS_E01) / sizeof(CORPUS_E01[0]); i++) {
        char *p = sxs_corpus_path(CORPUS_E01[i]);
        if (p)
            compare_info(p);
        free(p);
    }
    char *dir = sxs_test_tmpdir("ewf1-meta");
    char *raw = path_in(dir, "src.raw");
    write_mixed_raw(raw, 300000, 3);
    static const char *const fmts[] = {"encase6", "encase5", "encase4", "ftk", "encase7"};
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        char *e01 = acquire(dir, fmts[i], raw, fmts[i], "fast", "1048576", "64");
        compare_info(e01);
        free(e01);
    }
    free(raw);
    free(dir);
}

/* ---- damage ---- */

static void copy_file(const char *from, const char *to)
{
    size_t n = 0;
    char *b = sxs_slurp(from, &n);
    cr_assert_not_null(b, "%s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    free(b);
}

static void flip_byte(const char *path, uint64_t off)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseeko(f, (off_t)off, SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    cr_assert_eq(fseeko(f, (off_t)off, SEEK_SET), 0);
    fputc(c ^ 0x5a, f);
    cr_assert_eq(fclose(f), 0);
}

typedef struct {
    uint64_t off, len;
    int n;
} bad_seen;

static void note_bad(void *ctx, uint64_t off, uint64_t len)
{
    bad_seen *s = ctx;
    s->off = off;
    s->len = len;
    s->n++;
}

/* In a one-segment E01 of the mixed disk, chunk k's stored data gets one byte flipped: reading
 * it reports exactly that chunk (reads as zeros), every other chunk still reads as the raw
 * disk, and fsa_open's damage ranges equal the libewf path's. */
static void damaged_chunk(const char *dir, const char *raw, const char *comp, bool want_compressed)
{
    char *e01 = acquire(dir, comp, raw, "encase6", comp, "100000000", "64");
    /* the first chunk stored the way asked for (a noise chunk is never compressed, a text one
     * is under -c fast) */
    uint64_t k = 0, off = 0, len = 0;
    for (;; k++) {
        cr_assert_eq(sxs_ewf_chunk(e01, k, &off, &len), 0, "no %s chunk", comp);
        bool compressed = len != 32768 + 4;
        if (compressed == want_compressed && k * 32768 % 120000 > 40000)
            break;
    }
    flip_byte(e01, off + len / 2);
    size_t rl = 0;
    uint8_t *want = (uint8_t *)sxs_slurp(raw, &rl);
    char *names[1] = {e01};
    fsa_ewf1 *r = NULL;
    char why[256];
    cr_assert_eq(fsa_ewf1_open((const char *const *)names, 1, &r, why, sizeof(why)), 0, "%s", why);
    uint8_t *got = malloc(rl);
    bad_seen s = {0};
    cr_assert_eq(fsa_ewf1_read(r, 0, got, rl, note_bad, &s), (ssize_t)rl);
    cr_assert_eq(s.n, 1, "%s: %d chunks reported", comp, s.n);
    cr_assert_eq(s.off, k * 32768);
    cr_assert_eq(s.len, 32768);
    for (uint64_t c = 0; c * 32768 < rl; c++) {
        size_t n = rl - c * 32768 < 32768 ? rl - c * 32768 : 32768;
        if (c == k) {
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(got[c * 32768 + i], 0);
        } else {
            cr_assert(memcmp(got + c * 32768, want + c * 32768, n) == 0, "chunk %llu",
                      (unsigned long long)c);
        }
    }
    fsa_ewf1_close(r);
    /* through fsa_open, both readers: the same damage range */
    fsa_range dmg[2][4];
    size_t nd[2];
    for (int lib = 0; lib < 2; lib++) {
        if (lib)
            cr_assert_eq(setenv("SXS_TEST_EWF_LIBEWF", "1", 1), 0);
        sxs_diag *d = sxs_diag_new();
        fsa_evidence *ev = NULL;
        cr_assert_eq(fsa_open(e01, d, &ev), 0);
        unsetenv("SXS_TEST_EWF_LIBEWF");
        cr_assert_eq(fsa_tsk_ewf_own_reader(ev), !lib);
        char out[256];
        /* a read of the chunk goes through the libtsk image; fsa_tsk_ewf_chunk_check then
         * knows it */
        char buf[512];
        const fsa_tsk_ev *tev = ev->backend;
        cr_assert_lt(tsk_img_read(tev->img, (TSK_OFF_T)(k * 32768 + 512), buf, sizeof(buf)), 0);
        cr_assert_eq(fsa_tsk_ewf_chunk_check(ev, k * 32768 + 100, out, sizeof(out)), 1);
        cr_assert_eq(fsa_tsk_ewf_chunk_check(ev, (k + 1) * 32768 + 100, out, sizeof(out)), 0);
        nd[lib] = fsa_container_damage(ev, dmg[lib], 4);
        fsa_close(ev);
        sxs_diag_free(d);
    }
    cr_assert_eq(nd[0], 1);
    cr_assert_eq(nd[1], 1);
    cr_assert_eq(dmg[0][0].offset, dmg[1][0].offset);
    cr_assert_eq(dmg[0][0].size, dmg[1][0].size);
    free(got);
    free(want);
    free(e01);
}

Test(ewf1, damaged_compressed_chunk_is_that_chunk_only)
{
    char *dir = sxs_test_tmpdir("ewf1-dmgz");
    char *raw = path_in(dir, "src.raw");
    write_mixed_raw(raw, 1u << 20, 11);
    damaged_chunk(dir, raw, "fast", true);
    free(raw);
    free(dir);
}

Test(ewf1, damaged_uncompressed_chunk_is_that_chunk_only)
{
    char *dir = sxs_test_tmpdir("ewf1-dmgu");
    char *raw = path_in(dir, "src.raw");
    write_mixed_raw(raw, 1u << 20, 13);
    damaged_chunk(dir, raw, "none", false);
    free(raw);
    free(dir);
}

/* ---- sets left to libewf ---- */

static int own_open(const char *e01, size_t nseg, const char *const *names)
{
    fsa_ewf1 *r = NULL;
    char why[512];
    int rc = fsa_ewf1_open(names, nseg, &r, why, sizeof(why));
    fsa_ewf1_close(r);
    cr_assert(rc != 0 || r, "%s", e01);
    return rc;
}

static bool diag_has(sxs_diag *d, const char *what)
{
    for (size_t i = 0; i < sxs_diag_count(d); i++)
        if (strstr(sxs_diag_get(d, i)->message, what))
            return true;
    return false;
}

/* A truncated last segment, a missing middle one, a table whose checksum fails: our reader
 * declines each, and fsa_open gives libewf's error naming the segment. */
Test(ewf1, incomplete_or_damaged_sets_are_left_to_libewf)
{
    char *dir = sxs_test_tmpdir("ewf1-sets");
    char *raw = path_in(dir, "src.raw");
    write_mixed_raw(raw, 2816u * 1024, 5);
    char *e01 = acquire(dir, "disk", raw, "encase6", "none", "1048576", "64");
    char *e02 = path_in(dir, "disk.E02"), *e03 = path_in(dir, "disk.E03");
    const char *const set[3] = {e01, e02, e03};
    cr_assert_eq(own_open(e01, 3, set), 0);
    /* E03 cut in half */
    size_t n = 0;
    char *b = sxs_slurp(e03, &n);
    cr_assert_not_null(b);
    cr_assert_eq(truncate(e03, (off_t)(n / 2)), 0);
    cr_assert_eq(own_open(e01, 3, set), 1);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_lt(fsa_open(e01, d, &ev), 0);
    cr_assert(diag_has(d, "truncated"), "no 'truncated' error");
    cr_assert(diag_has(d, "disk.E03"));
    sxs_diag_free(d);
    FILE *f = fopen(e03, "wb");
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
    free(b);
    /* E02 missing: E01 alone ends in "next" */
    cr_assert_eq(own_open(e01, 1, set), 1);
    char *moved = path_in(dir, "away.E02");
    cr_assert_eq(rename(e02, moved), 0);
    d = sxs_diag_new();
    cr_assert_lt(fsa_open(e01, d, &ev), 0);
    cr_assert(diag_has(d, "disk.E02 is missing"));
    sxs_diag_free(d);
    cr_assert_eq(rename(moved, e02), 0);
    /* one table entry of E01 changed: its checksum fails, libewf reads it (from table2) */
    uint64_t off = 0, len = 0;
    cr_assert_eq(sxs_ewf_chunk(e01, 0, &off, &len), 0);
    char *copy = path_in(dir, "t.E01");
    copy_file(e01, copy);
    /* the table's first entry: found again by its value after the chunk data */
    size_t cn = 0;
    uint8_t *cb = (uint8_t *)sxs_slurp(copy, &cn);
    size_t at = 0;
    for (size_t i = off + len; i + 4 <= cn; i++)
        if (!memcmp(cb + i, "table", 6)) {
            at = i + 76 + 24; /* descriptor, table header: entry 0 */
            break;
        }
    free(cb);
    cr_assert_neq(at, 0);
    flip_byte(copy, at + 1);
    char *c2 = path_in(dir, "t.E02"), *c3 = path_in(dir, "t.E03");
    copy_file(e02, c2);
    copy_file(e03, c3);
    const char *const tset[3] = {copy, c2, c3};
    cr_assert_eq(own_open(copy, 3, tset), 1);
    d = sxs_diag_new();
    ev = NULL;
    int r = fsa_open(copy, d, &ev);
    cr_assert_eq(r, 0, "libewf path: %s", sxs_diag_count(d) ? sxs_diag_get(d, 0)->message : "");
    cr_assert(!fsa_tsk_ewf_own_reader(ev));
    fsa_close(ev);
    sxs_diag_free(d);
    free(moved);
    free(copy);
    free(c2);
    free(c3);
    free(e01);
    free(e02);
    free(e03);
    free(raw);
    free(dir);
}

/* Segment file that is not EWF1 at all, and no segments: declined, no crash. */
Test(ewf1, not_ewf1)
{
    char *dir = sxs_test_tmpdir("ewf1-not");
    char *p = path_in(dir, "x.E01");
    FILE *f = fopen(p, "wb");
    fputs("EVF2\r\n\x81", f);
    for (int i = 0; i < 200; i++)
        fputc(i, f);
    fclose(f);
    const char *const set[1] = {p};
    cr_assert_eq(own_open(p, 1, set), 1);
    cr_assert_eq(own_open(p, 0, set), 1);
    free(p);
    free(dir);
}
