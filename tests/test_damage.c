/* Damaged evidence, end to end (issue 17 items 2 and 3): a damaged directory index, MFT record,
 * runlist or hive is damage, never "missing", "empty" or HEALTHY. Each test damages a copy of a
 * sample image at a structure found with libtsk, runs sxsdoctor --json on it, and asserts the
 * exit code, the verdict, the error naming the part (path, MFT record, byte offset), the
 * unread.* facts, and that the image was not written to (read-only proof on damaged input). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsaccess/fsa.h"
#include "tests/support/corpus.h"
#include "tests/support/mutate.h"

/* sxsdoctor --json --verbose img under a 30 s timeout: no signal, no hang, the file hashed
 * (the image, or a file of a mounted-directory copy) unchanged. Returns the exit code;
 * *ret_out / *ret_err the output. */
static int run_damaged_hashing(const char *img, const char *hashed, char **ret_out, char **ret_err)
{
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(hashed, before), 0);
    char *argv[] = {"/usr/bin/timeout", "-s",        "KILL",      "30", (char *)sxs_binary(),
                    "--json",           "--verbose", (char *)img, NULL};
    int sig = 0;
    int rc = sxs_run(argv, ret_out, ret_err, &sig);
    cr_assert_eq(sig, 0, "%s: sxsdoctor died with signal %d", img, sig);
    cr_assert_neq(rc, 124, "%s: sxsdoctor hung", img);
    cr_assert(rc == 137 ? 0 : 1, "%s: sxsdoctor hung (killed)", img);
    cr_assert_eq(sxs_sha256_file(hashed, after), 0);
    cr_assert_str_eq(before, after, "%s changed during analysis", hashed);
    return rc;
}

static int run_damaged(const char *img, char **ret_out, char **ret_err)
{
    return run_damaged_hashing(img, img, ret_out, ret_err);
}

static sxs_ntfs_file find(const char *img, const char *path)
{
    sxs_ntfs_file f;
    cr_assert_eq(sxs_ntfs_find(img, path, &f), 0, "%s not found in %s", path, img);
    return f;
}

/* The common outcome of a damaged WinSxS listing on a healthy image: exit 3, unreadable, the
 * error on Windows/WinSxS naming the MFT record and the structure at the given image offset,
 * unread.winsxs, and no SSU-EMPTY, no missing/empty folder fact. */
static void assert_winsxs_unread(const char *img, uint64_t inode, int64_t at, const char *what)
{
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d, want 3; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "'Windows/WinSxS' in d['verdict']['summary']", "True");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    char *expr = NULL;
    cr_assert(asprintf(&expr,
                       "[e['level'] for e in d['errors'] if e['source'] == 'Windows/WinSxS' and "
                       "'MFT record %llu' in e['message'] and %s in e['message'] and "
                       "'at byte %lld of the image' in e['message']]",
                       (unsigned long long)inode, what, (long long)at) > 0);
    ASSERT_JSON(out, expr, "['error']");
    ASSERT_JSON(out,
                "[f['name'] for f in d['installs'][0]['facts'] if "
                "f['name'].startswith('winsxs.ssu_current.') and "
                "f['name'] != 'winsxs.ssu_current.version']",
                "[]");
    ASSERT_JSON(out,
                "[f['source'] for f in d['installs'][0]['facts'] if f['name'] == 'unread.winsxs']",
                "['Windows/WinSxS']");
    cr_assert_not_null(strstr(err, "Windows/WinSxS"), "%s", err);
    free(expr);
    free(out);
    free(err);
}

Test(damage, winsxs_index_block_zeroed_is_unreadable_not_missing)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "i30zero");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
    cr_assert_geq(blk, 0);
    cr_assert_eq(sxs_mut_fill(img, (uint64_t)blk, 0, 4096), 0);
    assert_winsxs_unread(img, f.inode, blk,
                         "'index block 0 (VCN 0)' in e['message'] and 'no INDX'");
    sxs_mut_discard(img);
    free(src);
}

Test(damage, winsxs_index_block_torn_update_sequence)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "i30torn");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
    cr_assert_eq(sxs_mut_tear_block(img, blk), 0);
    assert_winsxs_unread(img, f.inode, blk, "'update sequence mismatch (torn write)'");
    sxs_mut_discard(img);
    free(src);
}

Test(damage, winsxs_index_bitmap_zeroed)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "i30bitmap");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
    int64_t bm = sxs_ntfs_attr_record(img, &f, SXS_NTFS_BITMAP, "$I30");
    cr_assert_geq(bm, 0);
    cr_assert_eq(sxs_mut_zero_resident(img, bm), 0);
    assert_winsxs_unread(img, f.inode, blk, "'$BITMAP marks it free'");
    sxs_mut_discard(img);
    free(src);
}

/* The headline: on the SSU-EMPTY image a damaged listing must not be read as "the folder is
 * missing". The log lines alone still support SSU-EMPTY (medium), the folder check is named
 * as not read, and the plan does not name a folder that was never seen missing. */
Test(damage, ssu_empty_with_damaged_listing_does_not_claim_the_folder)
{
    char *src = sxs_sample("ssu-empty.raw");
    char *img = sxs_mut_copy(src, "ssui30");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
    cr_assert_eq(sxs_mut_fill(img, (uint64_t)blk, 0, 4096), 0);
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 1, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "findings");
    ASSERT_JSON(out, "'not read, so not checked: Windows/WinSxS' in d['verdict']['summary']",
                "True");
    ASSERT_JSON(out,
                "any(e['source'].startswith('Windows/WinSxS') for x in d['findings'] for e in "
                "x['evidence'])",
                "False");
    ASSERT_JSON(out,
                "[e['level'] for e in d['errors'] if e['source'] == 'Windows/WinSxS' and "
                "'no INDX signature' in e['message']]",
                "['error']");
    /* nothing is copied into WinSxS on the strength of a listing that was not read */
    ASSERT_JSON(out,
                "any('robocopy' in s['command'].lower() for x in d['findings'] for s in x['plan'])",
                "False");
    free(out);
    free(err);
    sxs_mut_discard(img);
    free(src);
}

Test(damage, winsxs_mft_record_torn)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "sxsrec");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    cr_assert_eq(sxs_mut_tear_record(img, f.rec_off), 0);
    assert_winsxs_unread(img, f.inode, f.rec_off, "'cannot be read' in e['message'] and 'MFT'");
    sxs_mut_discard(img);
    free(src);
}

Test(damage, winsxs_index_allocation_run_past_volume)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "i30run");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t ia = sxs_ntfs_attr_record(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30");
    cr_assert_eq(sxs_mut_run_past_volume(img, ia), 0);
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    char *expr = NULL;
    cr_assert(asprintf(&expr,
                       "[e['level'] for e in d['errors'] if e['source'] == 'Windows/WinSxS' and "
                       "'MFT record %llu' in e['message']]",
                       (unsigned long long)f.inode) > 0);
    ASSERT_JSON(out, expr, "['error']");
    ASSERT_JSON(out,
                "[f['source'] for f in d['installs'][0]['facts'] if f['name'] == 'unread.winsxs']",
                "['Windows/WinSxS']");
    free(expr);
    free(out);
    free(err);
    sxs_mut_discard(img);
    free(src);
}

/* Every log the healthy image holds, its data run moved past the end of the volume: each is
 * named as unread, the verdict is not HEALTHY. */
Test(damage, all_logs_with_runs_past_volume)
{
    static const char *const logs[] = {"Windows/Logs/CBS/CBS.log", "Windows/Logs/DISM/dism.log",
                                       "Windows/INF/setupapi.dev.log"};
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "logruns");
    for (size_t i = 0; i < 3; i++) {
        sxs_ntfs_file f = find(img, logs[i]);
        int64_t da = sxs_ntfs_attr_record(img, &f, SXS_NTFS_DATA, "");
        cr_assert_eq(sxs_mut_run_past_volume(img, da), 0, "%s", logs[i]);
    }
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out,
                "sorted(e['source'] for e in d['errors'] if e['level'] == 'error' and "
                "'MFT record' in e['message'])",
                "['Windows/INF/setupapi.dev.log', 'Windows/Logs/CBS/CBS.log', "
                "'Windows/Logs/DISM/dism.log']");
    ASSERT_JSON(out, "all(p in d['verdict']['summary'] for p in ('CBS.log', 'dism.log'))", "True");
    free(out);
    free(err);
    sxs_mut_discard(img);
    free(src);
}

/* A WinSxS index of 86 blocks (two-level tree): read whole when intact; one torn block in
 * the middle, or one in-use block marked free in $BITMAP, makes the whole listing damage. */
Test(damage, multi_block_index_intact_then_one_block_damaged)
{
    char *src = sxs_sample("damage-bigsxs.raw");
    char *out, *err;
    cr_assert_eq(run_damaged(src, &out, &err), 0, "%s", err);
    ASSERT_JSON(out, "d['verdict']['status']", "healthy");
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'winsxs.entries']",
                "['614']"); /* 14 of healthy.scn + 600 */
    free(out);
    free(err);

    char *img = sxs_mut_copy(src, "bigtorn");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 40 * 4096);
    cr_assert_geq(blk, 0);
    cr_assert_eq(sxs_mut_tear_block(img, blk), 0);
    assert_winsxs_unread(img, f.inode, blk,
                         "'index block 40 (VCN 40)' in e['message'] and 'torn write'");
    sxs_mut_discard(img);

    img = sxs_mut_copy(src, "bigbit");
    int64_t bm = sxs_ntfs_attr_record(img, &f, SXS_NTFS_BITMAP, "$I30");
    cr_assert_geq(bm, 0);
    uint8_t hdr[24], byte = 0;
    FILE *fp = fopen(img, "r+b");
    cr_assert_not_null(fp);
    cr_assert_eq(fseeko(fp, bm, SEEK_SET), 0);
    cr_assert_eq(fread(hdr, 1, sizeof(hdr), fp), sizeof(hdr));
    off_t bit40 = (off_t)bm + (hdr[0x14] | hdr[0x15] << 8) + 40 / 8;
    cr_assert_eq(fseeko(fp, bit40, SEEK_SET), 0);
    cr_assert_eq(fread(&byte, 1, 1, fp), 1);
    cr_assert_eq(byte & 1, 1, "block 40 in use in the pristine image");
    byte &= 0xFE; /* block 40 = bit 0 of byte 5 */
    cr_assert_eq(fseeko(fp, bit40, SEEK_SET), 0);
    cr_assert_eq(fwrite(&byte, 1, 1, fp), 1);
    fclose(fp);
    assert_winsxs_unread(img, f.inode, blk,
                         "'index block 40 (VCN 40)' in e['message'] and "
                         "'$BITMAP marks it free'");
    sxs_mut_discard(img);
    free(src);
}

static int count_cb(const fsa_dirent *e, void *ctx)
{
    (void)e;
    ++*(size_t *)ctx;
    return 0;
}

/* fsaccess itself: a damaged listing is an error, never a shorter listing, and the damage is
 * named with the record and the offset; the next call resets it. */
Test(damage, fsaccess_names_the_damaged_block)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "fsadmg");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t blk = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
    cr_assert_eq(sxs_mut_tear_block(img, blk), 0);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    fsa_fs *fs = fsa_install(ev, 0)->fs;
    size_t n = 0;
    cr_assert_eq(fsa_list_dir(fs, "Windows/WinSxS", count_cb, &n), -EBADMSG);
    cr_assert_eq(n, 0, "no partial listing");
    int64_t at = 0;
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "$I30 index block 0 (VCN 0) of MFT record %llu: update sequence "
                       "mismatch (torn write)",
                       (unsigned long long)f.inode) > 0);
    cr_assert_str_eq(fsa_fs_damage(fs, &at), want);
    cr_assert_eq(at, blk);
    cr_assert_eq(fsa_lookup(fs, "Windows/WinSxS/pending.xml", NULL), -EBADMSG);
    cr_assert_eq(fsa_lookup(fs, "Windows/System32", NULL), 1);
    cr_assert_str_eq(fsa_fs_damage(fs, &at), "");
    cr_assert_eq(at, -1);
    fsa_close(ev);
    sxs_diag_free(d);
    free(want);
    sxs_mut_discard(img);
    free(src);
}

/* A copy of healthy.E01 in which the chunk holding byte 0 of path's attribute (type, name)
 * fails its checksum: 16 bytes inside the chunk's stored data changed. Returns the copy;
 * *ret_chunk the chunk number (64 sectors of 512 bytes per chunk in the sample images). */
static char *e01_with_bad_chunk(const char *path, uint32_t type, const char *name,
                                uint64_t *ret_chunk)
{
    char *raw = sxs_sample("healthy.raw");
    char *src = sxs_sample("healthy.E01");
    sxs_ntfs_file f = find(raw, path);
    int64_t at = sxs_ntfs_attr_data(raw, &f, type, name, 0);
    cr_assert_geq(at, 0, "%s has no non-resident data", path);
    uint64_t chunk = (uint64_t)at / 32768, off = 0, len = 0;
    char *img = sxs_mut_copy(src, "e01crc");
    cr_assert_eq(sxs_ewf_chunk(img, chunk, &off, &len), 0);
    cr_assert_gt(len, 32);
    uint8_t junk[16];
    memset(junk, 0x5A, sizeof(junk));
    cr_assert_eq(sxs_mut_put(img, off + len / 2, junk, sizeof(junk)), 0);
    *ret_chunk = chunk;
    free(src);
    free(raw);
    return img;
}

/* Asserts an error on source whose message names the failing chunk, and the image-level
 * warning that the container is damaged. */
static void assert_chunk_named(const char *out, const char *source, uint64_t chunk)
{
    char *expr = NULL;
    cr_assert(asprintf(&expr,
                       "sorted(set(e['level'] for e in d['errors'] if e['source'] == '%s' and "
                       "'EWF chunk %llu (bytes %llu-%llu of the disk) fails its checksum' in "
                       "e['message']))",
                       source, (unsigned long long)chunk, (unsigned long long)(chunk * 32768),
                       (unsigned long long)(chunk * 32768 + 32767)) > 0);
    ASSERT_JSON(out, expr, "['error']");
    free(expr);
    cr_assert(asprintf(&expr,
                       "[e['level'] for e in d['errors'] if 'the image is damaged: 1 range of "
                       "EWF chunks fails their checksum (bytes %llu-%llu)' in e['message']]",
                       (unsigned long long)(chunk * 32768),
                       (unsigned long long)(chunk * 32768 + 32767)) > 0);
    ASSERT_JSON(out, expr, "['warning']");
    free(expr);
}

/* An E01 chunk that fails its checksum, in the WinSxS index block: the read is refused, the
 * listing is damage, and the error names the chunk of the container, not only the index. */
Test(damage, e01_chunk_failing_checksum_in_winsxs_index)
{
    uint64_t chunk = 0;
    char *img = e01_with_bad_chunk("Windows/WinSxS", SXS_NTFS_INDEX_ALLOC, "$I30", &chunk);
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    assert_chunk_named(out, "Windows/WinSxS", chunk);
    free(out);
    free(err);
    sxs_mut_discard(img);
}

/* The same with the EWF handle closed and reopened on nearly every read (one-chunk table
 * windows, SXS_TEST_EWF_WINDOW, test builds only): the failing chunk, first met by one handle,
 * is still refused and named by the next, and the report is byte for byte the one of the run
 * that never reopens. */
Test(damage, e01_chunk_failing_checksum_named_across_reopens)
{
    uint64_t chunk = 0;
    char *img = e01_with_bad_chunk("Windows/WinSxS", SXS_NTFS_INDEX_ALLOC, "$I30", &chunk);
    char *plain, *out, *err;
    int rc = run_damaged(img, &plain, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    free(err);
    cr_assert_eq(setenv("SXS_TEST_EWF_WINDOW", "1", 1), 0);
    rc = run_damaged(img, &out, &err);
    unsetenv("SXS_TEST_EWF_WINDOW");
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    assert_chunk_named(out, "Windows/WinSxS", chunk);
    cr_assert_str_eq(out, plain, "the report changed when the handle reopened");
    free(plain);
    free(out);
    free(err);
    sxs_mut_discard(img);
}

/* Two adjacent chunks c and c+1 of a 256 KiB file fail their checksums and libewf meets them
 * in two reads: libtsk fills its cache 64 KiB from the sector read, so a read at the start of
 * chunk c-1 brings in c, and one at the start of c+1 brings in c+1 and c+2. libewf merges the
 * second failure into the range of the first, so its count of ranges stays 1: the read of c+1
 * must still be refused, and the damage is one range of the two chunks. */
Test(damage, e01_adjacent_failing_chunks_both_refused)
{
    char *raw = sxs_sample("healthy.raw");
    char *src = sxs_sample("healthy.E01");
    const char *path = "Windows/System32/ntoskrnl.exe";
    sxs_ntfs_file nf = find(raw, path);
    int64_t at0 = sxs_ntfs_attr_data(raw, &nf, SXS_NTFS_DATA, "", 0);
    cr_assert_geq(at0, 0);
    uint64_t c = (uint64_t)at0 / 32768 + 2; /* chunk c-1 lies wholly in the file */
    uint64_t fo = c * 32768 - (uint64_t)at0;
    cr_assert_eq(sxs_ntfs_attr_data(raw, &nf, SXS_NTFS_DATA, "", fo - 32768),
                 (int64_t)(c * 32768 - 32768));
    cr_assert_eq(sxs_ntfs_attr_data(raw, &nf, SXS_NTFS_DATA, "", fo + 3 * 32768 - 1),
                 (int64_t)(c * 32768 + 3 * 32768 - 1), "the file is not contiguous there");
    char *img = sxs_mut_copy(src, "e01adj");
    uint8_t junk[16];
    memset(junk, 0x5A, sizeof(junk));
    for (uint64_t k = c; k <= c + 1; k++) {
        uint64_t off = 0, len = 0;
        cr_assert_eq(sxs_ewf_chunk(img, k, &off, &len), 0);
        cr_assert_gt(len, 32);
        cr_assert_eq(sxs_mut_put(img, off + len / 2, junk, sizeof(junk)), 0);
    }
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fsa_install(ev, 0)->fs, path, &f), 1);
    char buf[16];
    (void)fsa_file_read(f, fo - 32768, buf, sizeof(buf)); /* libewf meets chunk c */
    fsa_range bad[4];
    cr_assert_eq(fsa_container_damage(ev, bad, 4), 1);
    cr_assert_eq(bad[0].offset, c * 32768);
    cr_assert_eq(bad[0].size, 32768);
    cr_assert_lt(fsa_file_read(f, fo + 32768, buf, sizeof(buf)), 0, "chunk %llu read",
                 (unsigned long long)(c + 1));
    cr_assert_lt(fsa_file_read(f, fo + 100, buf, sizeof(buf)), 0, "chunk %llu read",
                 (unsigned long long)c);
    cr_assert_eq(fsa_container_damage(ev, bad, 4), 1);
    cr_assert_eq(bad[0].offset, c * 32768);
    cr_assert_eq(bad[0].size, 2 * 32768);
    fsa_file_close(f);
    fsa_close(ev);
    sxs_diag_free(d);
    sxs_mut_discard(img);
    free(src);
    free(raw);
}

/* The same in plain file data, where nothing structural notices: libtsk's own EWF reader
 * handed the chunk to the log reader as if it were the log. Now the read fails, the log is
 * named as read only up to there, and the verdict is not HEALTHY. */
Test(damage, e01_chunk_failing_checksum_in_cbs_log)
{
    uint64_t chunk = 0;
    char *img = e01_with_bad_chunk("Windows/Logs/CBS/CBS.log", SXS_NTFS_DATA, "", &chunk);
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    assert_chunk_named(out, "Windows/Logs/CBS/CBS.log", chunk);
    ASSERT_JSON(out,
                "[e['message'].startswith('read error (cannot read bytes 0-') "
                "for e in d['errors'] if e['source'] == 'Windows/Logs/CBS/CBS.log' and "
                "e['level'] == 'error']",
                "[True]");
    free(out);
    free(err);
    sxs_mut_discard(img);
}

/* And in the SOFTWARE hive: "not a registry hive" would blame the hive; the error names the
 * chunk of the image instead. */
Test(damage, e01_chunk_failing_checksum_in_software_hive)
{
    uint64_t chunk = 0;
    char *img = e01_with_bad_chunk("Windows/System32/config/SOFTWARE", SXS_NTFS_DATA, "", &chunk);
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    char *expr = NULL;
    cr_assert(asprintf(&expr,
                       "len([e for e in d['errors'] if 'SOFTWARE' in e['source'] and "
                       "'EWF chunk %llu ' in e['message']]) > 0",
                       (unsigned long long)chunk) > 0);
    ASSERT_JSON(out, expr, "True");
    free(expr);
    free(out);
    free(err);
    sxs_mut_discard(img);
}

/* A copy of the healthy sample's mounted-directory tree in a fresh test directory (returned,
 * malloc'd), and the path of its SOFTWARE hive (a plain file, to damage) in *ret_software. */
static char *healthy_tree_copy(const char *tag, char **ret_software)
{
    char *tree = sxs_sample("healthy.tree");
    char *dir = sxs_test_tmpdir(tag);
    char *cmd = NULL;
    cr_assert(asprintf(&cmd, "cp -r '%s/.' '%s/'", tree, dir) > 0);
    cr_assert_eq(system(cmd), 0);
    cr_assert(asprintf(ret_software, "%s/Windows/System32/config/SOFTWARE", dir) > 0);
    free(cmd);
    free(tree);
    return dir;
}

/* A SOFTWARE key whose subkey list points outside the hive: the CBS data is not read, and the
 * verdict says so instead of HEALTHY (mounted-directory copy: the hive is a plain file). */
Test(damage, software_cbs_key_unreadable_is_not_healthy)
{
    char *hive = NULL;
    char *dir = healthy_tree_copy("badkey", &hive);
    cr_assert_eq(
        sxs_mut_hive_key(hive, "Component Based Servicing", SXS_NK_SUBKEY_LIST, 0x7FFFFF00u), 0);
    char *out, *err;
    int rc = run_damaged_hashing(dir, hive, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out,
                "[f['source'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'unread.registry' and f['value'].startswith('Microsoft\\\\Windows\\\\"
                "CurrentVersion\\\\Component Based Servicing: ')]",
                "['Windows/System32/config/SOFTWARE']");
    ASSERT_JSON(out,
                "[e['level'] for e in d['errors'] if e['source'] == "
                "'Windows/System32/config/SOFTWARE' and 'Component Based Servicing' in "
                "e['message']]",
                "['error']");
    ASSERT_JSON(out, "'Windows/System32/config/SOFTWARE' in d['verdict']['summary']", "True");
    free(out);
    free(err);
    free(hive);
    free(dir);
}

/* ---- damage sweep ---------------------------------------------------------------------- */

typedef enum {
    TEAR_RECORD,   /* the MFT record's update sequence torn */
    ZERO_INDX,     /* the first $I30 index block zeroed */
    TEAR_INDX,     /* its update sequence torn */
    ZERO_BITMAP,   /* the $I30 $BITMAP value zeroed */
    BAD_ROOT,      /* the resident $INDEX_ROOT's index header: entries length out of range */
    RUN_PAST,      /* the $DATA (or $I30 allocation) runlist moved past the volume */
    BAD_ATTR_LEN,  /* the $DATA attribute record's length zeroed */
    ZERO_HBIN,     /* the hive's first bin header zeroed */
    ZERO_BASEBLOCK /* the hive's base block zeroed */
} damage_kind;

typedef struct {
    const char *image;
    const char *path;
    damage_kind kind;
} damage_case;

static const damage_case sweep[] = {
    {"healthy.raw", "Windows", TEAR_RECORD},
    {"healthy.raw", "Windows/System32", TEAR_RECORD},
    {"healthy.raw", "Windows/System32/config", TEAR_RECORD},
    {"healthy.raw", "Windows/System32/config/SOFTWARE", TEAR_RECORD},
    {"healthy.raw", "Windows/System32/config/SYSTEM", TEAR_RECORD},
    {"healthy.raw", "Windows/WinSxS", TEAR_RECORD},
    {"healthy.raw", "Windows/Logs/CBS", TEAR_RECORD},
    {"healthy.raw", "Windows/Logs/CBS/CBS.log", TEAR_RECORD},
    {"healthy.raw", "Windows", ZERO_INDX},
    {"healthy.raw", "Windows/System32", ZERO_INDX},
    {"healthy.raw", "Windows/WinSxS", ZERO_INDX},
    {"healthy.raw", "Windows", TEAR_INDX},
    {"healthy.raw", "Windows/System32", TEAR_INDX},
    {"healthy.raw", "Windows/System32", ZERO_BITMAP},
    {"healthy.raw", "Windows/System32/config", BAD_ROOT},
    {"healthy.raw", "Windows/Logs/CBS", BAD_ROOT},
    {"healthy.raw", "Windows/INF", BAD_ROOT},
    {"healthy.raw", "Windows/System32/config/SOFTWARE", RUN_PAST},
    {"healthy.raw", "Windows/System32/config/SYSTEM", RUN_PAST},
    {"healthy.raw", "Windows/Logs/CBS/CBS.log", RUN_PAST},
    {"healthy.raw", "Windows/System32", RUN_PAST},
    {"healthy.raw", "Windows/System32/config/SOFTWARE", BAD_ATTR_LEN},
    {"healthy.raw", "Windows/Logs/DISM/dism.log", BAD_ATTR_LEN},
    {"healthy.raw", "Windows/System32/config/SOFTWARE", ZERO_HBIN},
    {"healthy.raw", "Windows/System32/config/SYSTEM", ZERO_HBIN},
    {"healthy.raw", "Windows/System32/config/SOFTWARE", ZERO_BASEBLOCK},
    {"ssu-empty.raw", "Windows/WinSxS", TEAR_INDX},
    {"ssu-empty.raw", "Windows/WinSxS", ZERO_BITMAP},
    {"ssu-empty.raw", "Windows/WinSxS", TEAR_RECORD},
    {"driver-missing.raw", "Windows/System32/DriverStore/FileRepository", TEAR_RECORD},
};

static void apply(const char *img, const damage_case *c)
{
    sxs_ntfs_file f = find(img, c->path);
    int64_t at;
    switch (c->kind) {
    case TEAR_RECORD:
        cr_assert_eq(sxs_mut_tear_record(img, f.rec_off), 0);
        return;
    case ZERO_INDX:
    case TEAR_INDX:
        at = sxs_ntfs_attr_data(img, &f, SXS_NTFS_INDEX_ALLOC, "$I30", 0);
        cr_assert_geq(at, 0, "%s has no $I30 allocation", c->path);
        cr_assert_eq(c->kind == ZERO_INDX ? sxs_mut_fill(img, (uint64_t)at, 0, 4096)
                                          : sxs_mut_tear_block(img, at),
                     0);
        return;
    case ZERO_BITMAP:
        cr_assert_eq(
            sxs_mut_zero_resident(img, sxs_ntfs_attr_record(img, &f, SXS_NTFS_BITMAP, "$I30")), 0);
        return;
    case BAD_ROOT: {
        at = sxs_ntfs_attr_record(img, &f, SXS_NTFS_INDEX_ROOT, "$I30");
        cr_assert_geq(at, 0);
        uint8_t hdr[24];
        FILE *fp = fopen(img, "rb");
        cr_assert_not_null(fp);
        cr_assert_eq(fseeko(fp, at, SEEK_SET), 0);
        cr_assert_eq(fread(hdr, 1, sizeof(hdr), fp), sizeof(hdr));
        fclose(fp);
        uint64_t value = (uint64_t)at + (uint64_t)(hdr[0x14] | hdr[0x15] << 8);
        static const uint8_t used[4] = {0xF0, 0xFF, 0, 0}; /* entries "end" past the record */
        cr_assert_eq(sxs_mut_put(img, value + 16 + 4, used, 4), 0);
        return;
    }
    case RUN_PAST:
        at = sxs_ntfs_attr_record(
            img, &f,
            c->path[strlen(c->path) - 4] == '.' || strstr(c->path, "config/")
                ? SXS_NTFS_DATA
                : SXS_NTFS_INDEX_ALLOC,
            c->path[strlen(c->path) - 4] == '.' || strstr(c->path, "config/") ? "" : "$I30");
        cr_assert_eq(sxs_mut_run_past_volume(img, at), 0, "%s", c->path);
        return;
    case BAD_ATTR_LEN:
        at = sxs_ntfs_attr_record(img, &f, SXS_NTFS_DATA, "");
        cr_assert_eq(sxs_mut_fill(img, (uint64_t)at + 4, 0, 4), 0);
        return;
    case ZERO_HBIN:
    case ZERO_BASEBLOCK:
        at = sxs_ntfs_attr_data(img, &f, SXS_NTFS_DATA, "", c->kind == ZERO_HBIN ? 4096 : 0);
        cr_assert_geq(at, 0);
        cr_assert_eq(sxs_mut_fill(img, (uint64_t)at, 0, c->kind == ZERO_HBIN ? 32 : 512), 0);
        return;
    }
}

/* Each structure on the evidence paths, damaged alone: no crash, no hang (30 s), the image
 * unchanged, never HEALTHY, an error naming the damaged structure, and on the healthy image no
 * finding at all (none is true), except HIVE-DAMAGED for a hive whose base block is zeroed.
 * The SSU-EMPTY and DRIVER-MISSING images keep their log evidence, so their finding may stand,
 * but never from the folder facts of a listing that was not read (no servicing-stack folder
 * missing/empty, no INF package "no package folder"). */
Test(damage, sweep, .timeout = 240)
{
    for (size_t i = 0; i < sizeof(sweep) / sizeof(sweep[0]); i++) {
        const damage_case *c = &sweep[i];
        char *src = sxs_sample(c->image);
        char *img = sxs_mut_copy(src, "sweep");
        cr_assert_not_null(img);
        apply(img, c);
        char *out, *err;
        int rc = run_damaged(img, &out, &err);
        cr_assert(rc == 1 || rc == 3, "%s %s kind %d: exit %d; stderr: %s", c->image, c->path,
                  c->kind, rc, err);
        char *v =
            sxs_json_query(out, "d['verdict']['status'] + ' ' + str([f['id'] for f in "
                                "d['findings']]) + ' ' + str(any(f['name'].startswith('unread.') "
                                "for i in d['installs'] for f in i.get('facts', [])))");
        const char *nl = strchr(err, '\n');
        cr_log_info("%s %s kind %d: exit %d, %s; %.*s", c->image, c->path, c->kind, rc, v,
                    nl ? (int)(nl - err) : (int)strlen(err), err);
        bool healthy_image = strcmp(c->image, "healthy.raw") == 0;
        /* a hive whose base block is zeroed has no regf signature: damage the file's own bytes
         * show, so HIVE-DAMAGED is true (analyzer/facts-boot.md); every other case here is
         * damage only our reader meets, and gives no finding */
        bool hive_damaged = c->kind == ZERO_BASEBLOCK && strstr(c->path, "config/") != NULL;
        if (healthy_image && hive_damaged)
            cr_assert_str_eq(v, "findings ['HIVE-DAMAGED'] True", "%s %s kind %d; stderr: %s",
                             c->image, c->path, c->kind, err);
        else if (healthy_image)
            cr_assert(strcmp(v, "unreadable [] True") == 0 || strcmp(v, "unreadable [] False") == 0,
                      "%s %s kind %d: %s; stderr: %s", c->image, c->path, c->kind, v, err);
        else
            cr_assert_neq(strncmp(v, "healthy", 7), 0, "%s %s kind %d: %s", c->image, c->path,
                          c->kind, v);
        char *named =
            sxs_json_query(out, "any('MFT record' in e['message'] or 'hive' in e['message'] "
                                "for e in d['errors'])");
        cr_assert_str_eq(named, "True", "%s %s kind %d: no error names the damaged structure: %s",
                         c->image, c->path, c->kind, err);
        free(named);
        char *cur =
            sxs_json_query(out, "[f['name'] for i in d['installs'] for f in i.get('facts', []) "
                                "if f['name'] in ('winsxs.ssu_current.missing', "
                                "'winsxs.ssu_current.empty')]");
        cr_assert_str_eq(cur, "[]", "%s %s kind %d: folder facts from a damaged listing", c->image,
                         c->path, c->kind);
        free(cur);
        free(v);
        free(out);
        free(err);
        sxs_mut_discard(img);
        free(src);
    }
}

/* ---- BCD store damage ------------------------------------------------------------------- */

#include "tests/support/hive_mutate.h"

/* A copy of a sample image and where in it the BCD store's bytes are (the store is written
 * contiguously by sample-images); *ret_hive gets a copy of those bytes. */
static char *bcd_copy(const char *sample, const char *bcd_path, uint64_t *ret_off,
                      uint8_t **ret_hive, size_t *ret_len)
{
    char *src = sxs_sample(sample);
    char *dir = sxs_test_tmpdir("bcd-damage"), *img = NULL, *cmd = NULL;
    cr_assert(asprintf(&img, "%s/%s", dir, sample) > 0);
    cr_assert(asprintf(&cmd, "cp '%s' '%s'", src, img) > 0);
    cr_assert_eq(system(cmd), 0);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fsa_volume_fs(ev, 0), bcd_path, &f), 1);
    size_t len = (size_t)fsa_file_size(f);
    uint8_t *hive = malloc(len);
    cr_assert_eq(fsa_file_read(f, 0, hive, len), (long)len);
    fsa_file_close(f);
    /* search only the volume: the whole image is 64 MiB */
    uint64_t vol_off = fsa_volume(ev, 0)->offset;
    size_t vol_len = (size_t)fsa_volume(ev, 0)->size;
    fsa_close(ev);
    sxs_diag_free(d);
    uint8_t *raw = malloc(vol_len);
    FILE *fp = fopen(img, "rb");
    cr_assert(raw && fp);
    cr_assert_eq(fseeko(fp, (off_t)vol_off, SEEK_SET), 0);
    cr_assert_eq(fread(raw, 1, vol_len, fp), vol_len);
    fclose(fp);
    long at = hm_find_file(raw, vol_len, hive, len);
    cr_assert_geq(at, 0, "%s not stored contiguously in %s", bcd_path, sample);
    free(raw);
    *ret_off = vol_off + (uint64_t)at;
    *ret_hive = hive;
    *ret_len = len;
    free(cmd);
    free(dir);
    free(src);
    return img;
}

/* Damaged store: exit 3, an error naming the store, unread.bcd, no BOOT-CONFIG finding. */
static void assert_bcd_unread(const char *img, const char *source, const char *why)
{
    char *out, *err;
    int rc = run_damaged(img, &out, &err);
    cr_assert_eq(rc, 3, "exit %d, want 3; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out, "[f['id'] for f in d['findings']]", "[]");
    char *expr = NULL;
    cr_assert(asprintf(&expr,
                       "[f['source'] for f in d['installs'][0]['facts'] if f['name'] == "
                       "'unread.bcd' and %s in f['value']]",
                       why) > 0);
    char *want = NULL;
    cr_assert(asprintf(&want, "['%s']", source) > 0);
    ASSERT_JSON(out, expr, want);
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'boot.bcd.state']",
                "['unreadable']");
    free(expr);
    cr_assert(asprintf(&expr,
                       "any(e['level'] == 'error' and e['source'] == '%s' and 'BCD store' in "
                       "e['message'] for e in d['errors'])",
                       source) > 0);
    ASSERT_JSON(out, expr, "True");
    free(expr);
    cr_assert(asprintf(&expr, "'%s' in d['verdict']['summary']", source) > 0);
    ASSERT_JSON(out, expr, "True");
    free(expr);
    free(want);
    free(out);
    free(err);
}

Test(damage, bcd_base_block_zeroed_is_unreadable_not_missing)
{
    uint64_t off;
    uint8_t *hive;
    size_t len;
    char *img = bcd_copy("healthy.raw", "EFI/Microsoft/Boot/BCD", &off, &hive, &len);
    cr_assert_eq(sxs_mut_fill(img, off, 0, 4096), 0);
    assert_bcd_unread(img, "EFI/Microsoft/Boot/BCD on volume 1", "'regf'");
    free(hive);
    free(img);
}

Test(damage, bcd_objects_subkey_list_out_of_range)
{
    uint64_t off;
    uint8_t *hive;
    size_t len;
    char *img = bcd_copy("mbr-system-reserved.raw", "Boot/BCD", &off, &hive, &len);
    uint32_t nk = hm_find_key(hive, len, "Objects");
    cr_assert_gt(nk, 0);
    cr_assert_eq(hm_set_subkey_list(hive, len, nk, 0x7FFFFF00u, 2), 0);
    cr_assert_eq(sxs_mut_put(img, off, hive, len), 0);
    assert_bcd_unread(img, "Boot/BCD on volume 1", "'corrupt cell'");
    free(hive);
    free(img);
}

/* The WinSxS record's $INDEX_ROOT turned into an $ATTRIBUTE_LIST of garbage (what a damaged
 * attribute list looks like to a reader): the error names the MFT record and the attribute
 * list, not "Not a directory". */
Test(damage, winsxs_attribute_list_damaged)
{
    char *src = sxs_sample("healthy.raw");
    char *img = sxs_mut_copy(src, "attrlist");
    sxs_ntfs_file f = find(img, "Windows/WinSxS");
    int64_t ir = sxs_ntfs_attr_record(img, &f, SXS_NTFS_INDEX_ROOT, "$I30");
    cr_assert_geq(ir, 0);
    const uint8_t attrlist[4] = {SXS_NTFS_ATTR_LIST, 0, 0, 0};
    cr_assert_eq(sxs_mut_put(img, (uint64_t)ir, attrlist, sizeof(attrlist)), 0);
    assert_winsxs_unread(img, f.inode, f.rec_off, "'$ATTRIBUTE_LIST is damaged' in e['message']");
    sxs_mut_discard(img);
    free(src);
}

/* CBS\Version's value list pointing outside the hive: libregf reads the key as having no
 * values. That is not "no servicing stack registered" and not HEALTHY: the error says what is
 * corrupt (the value list of that key) and where (its key cell's offset). */
Test(damage, cbs_version_value_list_out_of_range_names_the_cell)
{
    char *hive = NULL;
    char *dir = healthy_tree_copy("badvers", &hive);
    cr_assert_eq(sxs_mut_hive_key(hive, "Version", SXS_NK_VALUE_LIST, 0x7FFFFF00u), 0);
    char *out, *err;
    int rc = run_damaged_hashing(dir, hive, &out, &err);
    cr_assert_eq(rc, 3, "exit %d; stderr: %s", rc, err);
    ASSERT_JSON(out, "d['verdict']['status']", "unreadable");
    ASSERT_JSON(out,
                "[f['value'] for f in d['installs'][0]['facts'] if f['name'] == "
                "'unread.registry']",
                "['key Microsoft\\\\Windows\\\\CurrentVersion\\\\Component Based Servicing\\\\"
                "Version (key cell at hive offset 0x5404) declares 1 value(s) and 0 subkey(s) but "
                "its value list could not be read']");
    ASSERT_JSON(out,
                "[e['level'] for e in d['errors'] if e['source'] == "
                "'Windows/System32/config/SOFTWARE' and 'hive offset 0x5404' in e['message']]",
                "['error']");
    free(out);
    free(err);
    free(hive);
    free(dir);
}
