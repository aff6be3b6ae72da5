/* Transaction-log replay against hives that Windows itself recovered (yarp's test hives) and
 * regipy's dirty hives with their published page counts; broken logs and hives must be refused
 * with a reason, never crash. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/registry/an_hive.h"
#include "analyzer/registry/an_hive_view.h"
#include "tests/support/corpus.h"
#include "tests/support/hive_mutate.h"

typedef struct {
    uint8_t *data;
    size_t len;
} blob;

static blob load(const char *rel)
{
    char *p = sxs_corpus_path(rel);
    if (!p)
        cr_skip_test("corpus file %s absent (set SXS_CORPUS_DIR / shared/corpus)", rel);
    blob b = {0};
    b.data = (uint8_t *)sxs_slurp(p, &b.len);
    cr_assert_not_null(b.data, "cannot read %s", p);
    free(p);
    return b;
}

static an_hive_log as_log(const blob *b, const char *name)
{
    return (an_hive_log){.data = b->data, .len = b->len, .name = name};
}

/* Opens hive bytes with the given logs (NULL = none). */
static an_hive *open_with(const blob *hive, const an_hive_log *l1, const an_hive_log *l2,
                          an_hive_status *st)
{
    an_hive *h = NULL;
    int r = an_hive_open_mem(hive->data, hive->len, NULL, l1, l2, "test", NULL, st, &h);
    cr_assert_eq(r, 0, "open failed (%d): %s", r, st->detail);
    return h;
}

static void assert_default_ones(an_hive *h, const char *key, size_t chars)
{
    static uint8_t buf[16384];
    size_t len = 0;
    uint32_t type = 0;
    cr_assert_eq(an_hive_get_data(h, key, "", buf, sizeof(buf), &len, &type), 1);
    cr_assert_eq(type, AN_REG_SZ);
    cr_assert_eq(len, chars * 2, "%s default value: %zu bytes", key, len);
    for (size_t i = 0; i + 1 < chars; i++)
        cr_assert(buf[2 * i] == '1' && buf[2 * i + 1] == 0, "char %zu", i);
    cr_assert(buf[len - 2] == 0 && buf[len - 1] == 0);
}

static void new_dirty1(bool reverse)
{
    blob hive = load("hives/yarp/NewDirtyHive1/NewDirtyHive");
    blob log1 = load("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1");
    blob log2 = load("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2");
    blob want = load("hives/yarp/NewDirtyHive1/RecoveredHive_Windows10");
    an_hive_status st;

    /* The primary alone: the state before the crash. */
    an_hive *h = open_with(&hive, NULL, NULL, &st);
    cr_assert_eq(st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_eq(an_hive_key_exists(h, "Key1"), 1);
    cr_assert_eq(an_hive_key_exists(h, "Key2\\Key2_1"), 1);
    cr_assert_eq(an_hive_key_exists(h, "key2\\KEY2_2"), 1);
    cr_assert_eq(an_hive_key_exists(h, "Key3"), 0);
    assert_default_ones(h, "Key1", 6001);
    char s[64];
    cr_assert_eq(an_hive_get_string(h, "KEY2", "v", s, sizeof(s)), 1);
    cr_assert_str_eq(s, "testTEST");
    an_hive_free(h);

    an_hive_log l1 = as_log(&log1, "LOG1"), l2 = as_log(&log2, "LOG2");
    h = reverse ? open_with(&hive, &l2, &l1, &st) : open_with(&hive, &l1, &l2, &st);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    cr_assert(st.new_format);
    cr_assert_eq(st.entries, 4);
    cr_assert_str_eq(st.logs, "LOG1+LOG2");
    cr_assert_eq(st.last_sequence, 5);
    size_t len = 0;
    const uint8_t *bytes = an_hive_bytes(h, &len);
    cr_assert_eq(len, want.len);
    cr_assert(memcmp(bytes + 4096, want.data + 4096, len - 4096) == 0,
              "replayed hive differs from RecoveredHive_Windows10 after the base block");
    cr_assert_eq(an_hive_key_exists(h, "Key1"), 0);
    cr_assert_eq(an_hive_key_exists(h, "Key2\\Key2_1"), 0);
    cr_assert_eq(an_hive_key_exists(h, "key2\\key2_2"), 0);
    cr_assert_eq(an_hive_key_exists(h, "Key3"), 1);
    cr_assert_eq(an_hive_key_exists(h, "Key3\\Key3_1"), 1);
    cr_assert_eq(an_hive_key_exists(h, "Key3\\Key3_2"), 1);
    cr_assert_eq(an_hive_key_exists(h, "key3\\key3_3"), 1);
    cr_assert_eq(an_hive_key_exists(h, "Key3\\Key3_2\\doesnt_exist"), 0);
    assert_default_ones(h, "Key3", 1441);
    an_hive_free(h);
    free(hive.data);
    free(log1.data);
    free(log2.data);
    free(want.data);
}

Test(replay, new_dirty_hive1_log1_then_log2_equals_windows_recovery)
{
    new_dirty1(false);
}

Test(replay, new_dirty_hive1_logs_swapped_same_result)
{
    new_dirty1(true);
}

Test(replay, new_dirty_hive2_only_log2_applies)
{
    blob hive = load("hives/yarp/NewDirtyHive2/NewDirtyHive");
    blob log1 = load("hives/yarp/NewDirtyHive2/NewDirtyHive.LOG1");
    blob log2 = load("hives/yarp/NewDirtyHive2/NewDirtyHive.LOG2");
    an_hive_log l1 = as_log(&log1, "LOG1"), l2 = as_log(&log2, "LOG2");
    an_hive_status st;
    an_hive *h = open_with(&hive, &l1, &l2, &st);
    cr_assert(st.base_block_valid);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED);
    cr_assert_str_eq(st.logs, "LOG2");
    cr_assert_eq(st.last_sequence, 5);
    cr_assert_eq(st.entries, 3);
    cr_assert(strstr(st.detail, "LOG1: older than the hive"), "%s", st.detail);
    size_t len;
    const uint8_t *b = an_hive_bytes(h, &len);
    /* Base block fixed up: both sequence numbers = the last applied entry. */
    cr_assert_eq(b[4] | b[5] << 8, 5);
    cr_assert_eq(b[8] | b[9] << 8, 5);
    an_hive_free(h);
    free(hive.data);
    free(log1.data);
    free(log2.data);
}

/* REG_MULTI_SZ ["a","bb","ccc",""] as stored. */
static const uint8_t MULTI_4500[] = {'a', 0, 0,   0, 'b', 0, 'b', 0, 0, 0,
                                     'c', 0, 'c', 0, 'c', 0, 0,   0, 0, 0};

Test(replay, old_dirty_hive_matches_windows7_recovery)
{
    blob hive = load("hives/yarp/OldDirtyHive/OldDirtyHive");
    blob log1 = load("hives/yarp/OldDirtyHive/OldDirtyHive.LOG1");
    char *rec_path = sxs_corpus_path("hives/yarp/OldDirtyHive/RecoveredHive_Windows7");
    cr_assert_not_null(rec_path);
    an_hive_status st;
    an_hive *h = open_with(&hive, NULL, NULL, &st);
    cr_assert_eq(an_hive_key_exists(h, "\\key_with_many_subkeys\\1"), 1);
    cr_assert_eq(an_hive_key_exists(h, "key_with_many_subkeys\\5000\\find_me_in_log"), 0);
    uint8_t buf[64];
    size_t len;
    uint32_t type;
    cr_assert_eq(
        an_hive_get_data(h, "key_with_many_subkeys\\4500", "v", buf, sizeof(buf), &len, &type), 0);
    an_hive_free(h);

    an_hive_log l1 = as_log(&log1, "LOG1");
    h = open_with(&hive, &l1, NULL, &st);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    cr_assert(!st.new_format);
    cr_assert_str_eq(st.logs, "LOG1");
    cr_assert_eq(st.pages, 64); /* 512-byte sectors set in the DIRT bitmap */
    an_hive_status rst;
    an_hive *rec = NULL;
    cr_assert_eq(an_hive_open_host(rec_path, NULL, &rst, &rec), 0);
    cr_assert_eq(rst.state, AN_HIVE_CLEAN);

    cr_assert_eq(an_hive_key_exists(h, "\\key_with_many_subkeys\\1"), 0);
    cr_assert_eq(an_hive_key_exists(rec, "\\key_with_many_subkeys\\1"), 0);
    uint64_t t1 = 0, t2 = 0;
    cr_assert_eq(an_hive_key_mtime(h, "key_with_many_subkeys\\5000\\find_me_in_log", &t1), 1);
    cr_assert_eq(an_hive_key_mtime(rec, "key_with_many_subkeys\\5000\\find_me_in_log", &t2), 1);
    cr_assert_eq(t1, t2);
    cr_assert_eq(t1, 131332436868856000ULL);
    cr_assert_eq(
        an_hive_get_data(h, "key_with_many_subkeys\\4500", "V", buf, sizeof(buf), &len, &type), 1);
    cr_assert_eq(type, AN_REG_MULTI_SZ);
    cr_assert_eq(len, sizeof(MULTI_4500));
    cr_assert(memcmp(buf, MULTI_4500, len) == 0);
    uint8_t rbuf[64];
    size_t rlen;
    cr_assert_eq(
        an_hive_get_data(rec, "key_with_many_subkeys\\4500", "v", rbuf, sizeof(rbuf), &rlen, &type),
        1);
    cr_assert_eq(rlen, len);
    cr_assert(memcmp(buf, rbuf, len) == 0);
    uint32_t n1 = 0, n2 = 0;
    cr_assert_eq(an_hive_subkey_count(h, "key_with_many_subkeys", &n1), 1);
    cr_assert_eq(an_hive_subkey_count(rec, "key_with_many_subkeys", &n2), 1);
    cr_assert_eq(n1, n2);
    /* Byte for byte, the replayed hive differs from Windows 7's own recovery only where Windows
     * wrote after recovering: the first bin's timestamp (4116..4120) and the cached largest
     * value name length of key 4500 (441800). The primary alone differs in 1109 bytes. */
    size_t blen = 0, rlen2 = 0;
    const uint8_t *ours = an_hive_bytes(h, &blen);
    const uint8_t *win = an_hive_bytes(rec, &rlen2);
    cr_assert_eq(blen, rlen2);
    size_t diffs = 0;
    for (size_t i = 4096; i < blen; i++) {
        if (ours[i] == win[i])
            continue;
        diffs++;
        cr_assert((i >= 4116 && i <= 4120) || i == 441800, "unexpected difference at %zu", i);
    }
    cr_assert_eq(diffs, 6);
    an_hive_free(h);
    an_hive_free(rec);
    free(rec_path);
    free(hive.data);
    free(log1.data);
}

static void bad_log(const char *dir, const char *reason, const char *key_after)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "hives/yarp/%s/BadLogHive", dir);
    char *path = sxs_corpus_path(rel);
    if (!path)
        cr_skip_test("corpus file %s absent", rel);
    an_hive_status st;
    an_hive *h = NULL;
    sxs_diag *d = sxs_diag_new();
    /* From host files: LOG1/LOG2 are found next to the hive. */
    cr_assert_eq(an_hive_open_host(path, d, &st, &h), 0, "%s", st.detail);
    cr_assert_eq(st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_eq(st.entries, 0);
    cr_assert_str_eq(st.logs, "");
    cr_assert(strstr(st.detail, reason), "detail: %s", st.detail);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_WARN), 1);
    /* The primary is still read. */
    cr_assert_eq(an_hive_key_exists(h, key_after), 1);
    an_hive_free(h);
    sxs_diag_free(d);
    free(path);
}

Test(replay, bad_log_hive1_refused_primary_read)
{
    bad_log("BadLogHive1", "LOG1: base block checksum mismatch", "key_with_many_subkeys\\1");
}

Test(replay, bad_log_hive2_refused_primary_read)
{
    bad_log("BadLogHive2", "LOG1: no DIRT dirty vector signature", "key_with_many_subkeys\\1");
}

Test(replay, bad_log_hive3_refused_primary_read)
{
    bad_log("BadLogHive3", "LOG2: base block checksum mismatch", "Key2\\Key2_1");
}

Test(replay, bad_base_block_recovered_from_log)
{
    char *path = sxs_corpus_path("hives/yarp/BadBaseBlockHive/BadBaseBlockHive");
    if (!path)
        cr_skip_test("corpus absent");
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(path, NULL, &st, &h), 0, "%s", st.detail);
    cr_assert(!st.base_block_valid);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED);
    cr_assert_str_eq(st.logs, "LOG1");
    cr_assert_eq(an_hive_key_exists(h, "key_with_many_subkeys"), 1);
    size_t len;
    const uint8_t *b = an_hive_bytes(h, &len);
    cr_assert_eq(b[24], 3, "minor version from the log's base block");
    an_hive_free(h);
    free(path);
}

Test(replay, truncated_dirty_hive_clear_error)
{
    char *path = sxs_corpus_path("hives/yarp/TruncatedDirtyHive");
    if (!path)
        cr_skip_test("corpus absent");
    an_hive_status st;
    an_hive *h = NULL;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_hive_open_host(path, d, &st, &h), -EBADMSG);
    cr_assert_null(h);
    cr_assert_eq(st.state, AN_HIVE_UNREADABLE);
    cr_assert_str_eq(st.detail,
                     "truncated: base block declares 487424 bytes of hive bins (field at offset "
                     "40), file holds 8192");
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_ERROR), 1);
    sxs_diag_free(d);
    free(path);
}

Test(replay, corrupted_system_hive_clear_error)
{
    char *path = sxs_corpus_path("hives/regipy/corrupted_system_hive.xz");
    if (!path)
        cr_skip_test("corpus absent");
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(path, NULL, &st, &h), -EBADMSG);
    cr_assert_eq(st.state, AN_HIVE_UNREADABLE);
    cr_assert(strstr(st.detail, "hive bin chain, which breaks at 102400"), "%s", st.detail);
    free(path);
}

static void regipy_replay(const char *hive, const char *log1, const char *log2, unsigned pages,
                          const char *logs)
{
    /* Decompress the logs first so they sit next to the hive. */
    char *l1 = sxs_corpus_path(log1), *l2 = sxs_corpus_path(log2);
    char *path = sxs_corpus_path(hive);
    if (!path || !l1 || !l2)
        cr_skip_test("corpus absent");
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(path, NULL, &st, &h), 0, "%s", st.detail);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    cr_assert_eq(st.pages, pages, "pages %u: %s", st.pages, st.detail);
    cr_assert_str_eq(st.logs, logs);
    an_hive_free(h);
    free(path);
    free(l1);
    free(l2);
}

Test(replay, regipy_system_b_315_pages)
{
    regipy_replay("hives/regipy/SYSTEM_B.xz", "hives/regipy/SYSTEM_B.LOG1.xz",
                  "hives/regipy/SYSTEM_B.LOG2.xz", 315, "LOG1+LOG2");
}

Test(replay, regipy_usrclass_158_pages)
{
    regipy_replay("hives/regipy/UsrClass.dat.xz", "hives/regipy/UsrClass.dat.LOG1.xz",
                  "hives/regipy/UsrClass.dat.LOG2.xz", 158, "LOG1+LOG2");
}

Test(replay, regipy_ntuser_older_log2_contributes_nothing)
{
    /* Lower-case log names as on a real disk: found case-insensitively. */
    regipy_replay("hives/regipy/transactions_NTUSER.DAT.xz",
                  "hives/regipy/transactions_ntuser.dat.log1.xz",
                  "hives/regipy/transactions_ntuser.dat.log2.xz", 132, "LOG1");
}

Test(replay, clean_hive_untouched)
{
    blob hive = load("hives/yarp/NewDirtyHive1/RecoveredHive_Windows10");
    an_hive_status st;
    an_hive *h = open_with(&hive, NULL, NULL, &st);
    cr_assert_eq(st.state, AN_HIVE_CLEAN);
    size_t len;
    const uint8_t *b = an_hive_bytes(h, &len);
    cr_assert_eq(len, hive.len);
    cr_assert(memcmp(b, hive.data, len) == 0);
    an_hive_free(h);
    free(hive.data);
}

/* Re-signs an HvLE entry after a test changed it, so only the change under test fails. */
static void resign_entry(uint8_t *e)
{
    uint32_t size = (uint32_t)(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
    uint64_t h1 = an_marvin32(e + 40, size - 40, 0x82EF4D887A4E55C5ULL);
    for (int i = 0; i < 8; i++)
        e[24 + i] = (uint8_t)(h1 >> (8 * i));
    uint64_t h2 = an_marvin32(e, 32, 0x82EF4D887A4E55C5ULL);
    for (int i = 0; i < 8; i++)
        e[32 + i] = (uint8_t)(h2 >> (8 * i));
}

static uint32_t entry_size(const uint8_t *e)
{
    return (uint32_t)(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
}

Test(replay, stops_at_first_entry_with_bad_hash)
{
    blob hive = load("hives/yarp/NewDirtyHive2/NewDirtyHive");
    blob log2 = load("hives/yarp/NewDirtyHive2/NewDirtyHive.LOG2");
    uint8_t *second = log2.data + 512 + entry_size(log2.data + 512);
    cr_assert(memcmp(second, "HvLE", 4) == 0);
    second[100] ^= 0xFF; /* page data of entry 2: hash-1 no longer matches */
    an_hive_log l2 = as_log(&log2, "LOG2");
    an_hive_status st;
    an_hive *h = open_with(&hive, NULL, &l2, &st);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED);
    cr_assert_eq(st.entries, 1);
    cr_assert_eq(st.last_sequence, 3);
    an_hive_free(h);
    free(hive.data);
    free(log2.data);
}

Test(replay, refuses_dirty_page_outside_hive_bins)
{
    blob hive = load("hives/yarp/NewDirtyHive2/NewDirtyHive");
    blob log2 = load("hives/yarp/NewDirtyHive2/NewDirtyHive.LOG2");
    uint8_t *e = log2.data + 512;
    /* First dirty page reference: offset far beyond the hive bins data size. */
    e[40] = 0;
    e[41] = 0;
    e[42] = 0;
    e[43] = 0x7F;
    resign_entry(e);
    an_hive_log l2 = as_log(&log2, "LOG2");
    an_hive_status st;
    an_hive *h = open_with(&hive, NULL, &l2, &st);
    cr_assert_eq(st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert(strstr(st.detail, "outside the 20480 bytes of hive bins"), "%s", st.detail);
    an_hive_free(h);
    free(hive.data);
    free(log2.data);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A dirty primary made here: base block (sequence 2/1) and `bins` bytes of hive bins, one
 * hbin header per 4 KiB and no keys (replay does not need any). */
static blob make_primary(uint32_t bins)
{
    blob b = {calloc(1, 4096 + bins), 4096 + bins};
    cr_assert_not_null(b.data);
    memcpy(b.data, "regf", 4);
    put32(b.data + 4, 2);
    put32(b.data + 8, 1);
    put32(b.data + 20, 1);
    put32(b.data + 24, 5);
    put32(b.data + 32, 1);
    put32(b.data + 40, bins);
    put32(b.data + 44, 1);
    hm_sign_base_block(b.data);
    for (uint32_t off = 0; off < bins; off += 4096) {
        memcpy(b.data + 4096 + off, "hbin", 4);
        put32(b.data + 4096 + off + 4, off);
        put32(b.data + 4096 + off + 8, 4096);
    }
    return b;
}

typedef hm_page page;

static blob make_log(uint32_t seq, uint32_t hbins, const page *pages, unsigned n)
{
    blob b = {0};
    b.data = hm_make_log(seq, hbins, pages, n, &b.len);
    cr_assert_not_null(b.data);
    return b;
}

/* Replays log1 into a copy of primary; returns the resulting length. */
static size_t replay_len(const blob *primary, const blob *log1, an_hive_status *st)
{
    uint8_t *copy = malloc(primary->len);
    cr_assert_not_null(copy);
    memcpy(copy, primary->data, primary->len);
    size_t len = primary->len;
    an_hive_log l1 = as_log(log1, "LOG1");
    cr_assert_eq(an_hive_replay(&copy, &len, 512u << 20, NULL, &l1, NULL, st), 0);
    free(copy);
    return len;
}

/* Growth carried by the entry's pages is applied: the new bins hold the logged bytes. */
Test(replay, entry_growing_the_hive_is_applied)
{
    blob hive = make_primary(8192);
    const page pages[2] = {{0, 4096, 0x11}, {8192, 8192, 0x22}};
    blob log = make_log(1, 16384, pages, 2);
    uint8_t *copy = malloc(hive.len);
    memcpy(copy, hive.data, hive.len);
    size_t len = hive.len;
    an_hive_log l1 = as_log(&log, "LOG1");
    an_hive_status st;
    cr_assert_eq(an_hive_replay(&copy, &len, 1 << 24, NULL, &l1, NULL, &st), 0);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    cr_assert_str_eq(st.detail, "dirty (2/1), replayed 1 entries, 2 pages from LOG1");
    cr_assert_eq(len, 4096 + 16384);
    cr_assert_eq(copy[4096 + 8192], 0x22);
    cr_assert_eq(copy[4096 + 16383], 0x22);
    cr_assert_eq(copy[4096 + 4096], 'h'); /* the primary's second bin, untouched */
    free(copy);
    free(hive.data);
    free(log.data);
}

/* Issue 17: a 5 KiB log claiming 0x1FFFE000 bytes of hive bins grew every hive to 512 MiB.
 * Growth the log does not carry is refused; the hive stays its size. */
Test(replay, entry_claiming_growth_it_does_not_carry_is_refused)
{
    blob hive = make_primary(4096);
    const page far[1] = {{0x1FFFD000u, 4096, 0x33}};
    blob log = make_log(1, 0x1FFFE000u, far, 1);
    cr_assert_eq(log.len, 512 + 4608);
    an_hive_status st;
    cr_assert_eq(replay_len(&hive, &log, &st), hive.len);
    cr_assert_eq(st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_str_eq(st.detail, "dirty (2/1): LOG1: entry at 512 claims 536862720 bytes of hive "
                                "bins, 536858624 more than the hive holds, but its dirty pages "
                                "carry only 4096 of them");
    free(log.data);

    /* Pages inside the primary carry none of the growth. */
    const page near[1] = {{0, 4096, 0x44}};
    log = make_log(1, 0x1FFFE000u, near, 1);
    cr_assert_eq(replay_len(&hive, &log, &st), hive.len);
    cr_assert_str_eq(st.detail, "dirty (2/1): LOG1: entry at 512 claims 536862720 bytes of hive "
                                "bins, 536858624 more than the hive holds, but its dirty pages "
                                "carry only 0 of them");
    free(log.data);

    /* Growth by one page more than the pages carry: refused too. */
    const page short_by_one[1] = {{4096, 4096, 0x55}};
    log = make_log(1, 12288, short_by_one, 1);
    cr_assert_eq(replay_len(&hive, &log, &st), hive.len);
    cr_assert_str_eq(st.detail, "dirty (2/1): LOG1: entry at 512 claims 12288 bytes of hive "
                                "bins, 8192 more than the hive holds, but its dirty pages carry "
                                "only 4096 of them");
    free(log.data);
    free(hive.data);
}

/* A shrinking entry (fewer bins than the file holds) never needs memory: applied as is. */
Test(replay, entry_within_the_primary_is_applied)
{
    blob hive = make_primary(16384);
    const page pages[1] = {{4096, 4096, 0x66}};
    blob log = make_log(1, 8192, pages, 1);
    an_hive_status st;
    cr_assert_eq(replay_len(&hive, &log, &st), hive.len);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    free(log.data);
    free(hive.data);
}

/* Old-format logs: a dirty vector may only grow the hive by the sectors it carries. */
Test(replay, old_format_growth_it_does_not_carry_is_refused)
{
    blob hive = make_primary(4096);
    /* Base block (type 1, hbins 1 MiB), "DIRT" + 256-byte bitmap with sector 0 dirty, one sector.
     */
    uint32_t hbins = 1u << 20;
    size_t vec = hbins / 4096, start = (512 + 4 + vec + 511) / 512 * 512;
    blob log = {calloc(1, start + 512), start + 512};
    memcpy(log.data, "regf", 4);
    put32(log.data + 4, 1);
    put32(log.data + 8, 1);
    put32(log.data + 12, 0xFFFFFFFFu); /* newer than the primary */
    put32(log.data + 20, 1);
    put32(log.data + 24, 3);
    put32(log.data + 28, 1);
    put32(log.data + 32, 1);
    put32(log.data + 40, hbins);
    put32(log.data + 44, 1);
    hm_sign_base_block(log.data);
    memcpy(log.data + 512, "DIRT", 4);
    log.data[516] = 0x01;
    an_hive_status st;
    cr_assert_eq(replay_len(&hive, &log, &st), hive.len);
    cr_assert_eq(st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_str_eq(st.detail, "dirty (2/1): LOG1: claims 1048576 bytes of hive bins, 1044480 "
                                "more than the hive holds, but its dirty sectors carry only 0 "
                                "of them");
    free(log.data);
    free(hive.data);
}

Test(replay, marvin32_reference)
{
    /* Published Marvin32 test vectors (seed 0x004FB61A001BDBCC, as in .NET's tests), which
     * also cover the 1-3 byte tails; and the log seed on 0..31 as yarp computes it. */
    const uint64_t seed = 0x004FB61A001BDBCCULL;
    const uint8_t af[] = {0xAF}, e70f[] = {0xE7, 0x0F}, three[] = {0x37, 0xF4, 0x95};
    cr_assert_eq(an_marvin32(af, 0, seed), 0x30ED35C100CD3C7DULL);
    cr_assert_eq(an_marvin32(af, 1, seed), 0x48E73FC77D75DDC1ULL);
    cr_assert_eq(an_marvin32(e70f, 2, seed), 0xB5F6E1FC485DBFF8ULL);
    cr_assert_eq(an_marvin32(three, 3, seed), 0xF0B07C789B8CF7E8ULL);
    uint8_t r[32];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)i;
    cr_assert_eq(an_marvin32(r, 32, 0x82EF4D887A4E55C5ULL), 0xC64FEEE425C2E24CULL);
}

Test(replay, not_a_hive)
{
    uint8_t junk[8192] = {'x'};
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_mem(junk, sizeof(junk), NULL, NULL, NULL, "junk", NULL, &st, &h),
                 -EBADMSG);
    cr_assert_eq(st.state, AN_HIVE_UNREADABLE);
    cr_assert_str_eq(st.detail, "not a registry hive (no regf signature)");
    cr_assert_eq(an_hive_open_mem(junk, 0, NULL, NULL, NULL, "empty", NULL, &st, &h), -EBADMSG);
}

Test(replay, bad_base_block_without_log_is_unreadable)
{
    blob hive = load("hives/yarp/BadBaseBlockHive/BadBaseBlockHive");
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_mem(hive.data, hive.len, NULL, NULL, NULL, "bad", NULL, &st, &h),
                 -EBADMSG);
    cr_assert_null(h);
    cr_assert_eq(st.state, AN_HIVE_UNREADABLE);
    cr_assert_str_eq(st.detail, "dirty (5/4, bad base block checksum): no usable log; corrupt: "
                                "base block damaged (version field 1.1) and no log to repair it");
    free(hive.data);
}

/* The view the replay writes into: writes go to an overlay of whole 4 KiB pages (only those
 * pages), reads see the overlay first, growth reads as zero, and the source is never written. */
static void check_view(an_hive_view *v, const uint8_t *orig, size_t len)
{
    cr_assert_eq(an_hive_view_size(v), len);
    cr_assert_eq(an_hive_view_overlay_pages(v), 0);
    uint8_t patch[10];
    memset(patch, 0xAB, sizeof(patch));
    cr_assert_eq(an_hive_view_write(v, 4096 - 5, patch, sizeof(patch)), 0); /* pages 0 and 1 */
    cr_assert_eq(an_hive_view_overlay_pages(v), 2);
    cr_assert_eq(an_hive_view_write(v, len - 1, patch, 2), -ERANGE);
    an_hive_view_grow(v, len + 8192);
    cr_assert_eq(an_hive_view_size(v), len + 8192);
    cr_assert_eq(an_hive_view_write(v, len + 4096, patch, 4), 0);
    cr_assert_eq(an_hive_view_overlay_pages(v), 3);
    uint8_t *all = malloc(len + 8192);
    cr_assert_eq(an_hive_view_read(v, 0, all, len + 8192), 0);
    for (size_t i = 0; i < len + 8192; i++) {
        uint8_t want = i >= 4096 - 5 && i < 4096 + 5       ? 0xAB
                       : i >= len + 4096 && i < len + 4100 ? 0xAB
                       : i < len                           ? orig[i]
                                                           : 0;
        cr_assert_eq(all[i], want, "byte %zu: 0x%02x, want 0x%02x", i, all[i], want);
    }
    /* a read across the overlay, the source and back */
    cr_assert_eq(an_hive_view_read(v, 4000, all, 9000), 0);
    cr_assert_eq(all[4096 - 4000 - 6], orig[4096 - 6]);
    cr_assert_eq(all[4096 - 4000], 0xAB);
    cr_assert_eq(all[4096 + 5 - 4000], orig[4096 + 5]);
    cr_assert_eq(all[8192 + 100 - 4000], orig[8192 + 100]);
    cr_assert_eq(an_hive_view_read(v, len + 8190, all, 4), -ERANGE);
    cr_assert_eq(an_hive_view_pread(v, len + 8190, all, 4), 2);
    free(all);
}

/* Pages written in any order (a hostile log may write them backwards) are each found again:
 * every other page of 40,000 (20,000 of them), highest first, then a read of the whole view. */
Test(replay, view_overlay_pages_in_any_order)
{
    const size_t pages = 40000, len = pages * 4096;
    an_hive_view *v = an_hive_view_mem(calloc(len, 1), len);
    cr_assert_not_null(v);
    for (size_t i = pages; i-- > 0;)
        if (i % 2 == 0) {
            uint8_t tag[8];
            memcpy(tag, &i, sizeof(tag));
            cr_assert_eq(an_hive_view_write(v, i * 4096 + 100, tag, sizeof(tag)), 0);
        }
    cr_assert_eq(an_hive_view_overlay_pages(v), pages / 2);
    uint8_t *all = malloc(len);
    cr_assert_eq(an_hive_view_read(v, 0, all, len), 0);
    for (size_t i = 0; i < pages; i++) {
        size_t got;
        memcpy(&got, all + i * 4096 + 100, sizeof(got));
        cr_assert_eq(got, i % 2 == 0 ? i : 0, "page %zu", i);
    }
    free(all);
    an_hive_view_free(v);
}

/* The bin headers the chain walk keeps for libregf's open: reads inside a kept range come from
 * memory (the caller's buffer changed behind the view shows it), others from the source; a
 * change of the overlay or an_hive_view_forget drops them. */
Test(replay, view_keeps_small_reads_until_forgotten)
{
    uint8_t src[3 * 4096];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)i;
    an_hive_view *v = an_hive_view_mem_ref(src, sizeof(src));
    cr_assert_not_null(v);
    uint8_t b[64];
    cr_assert_eq(an_hive_view_read_keep(v, 4096, b, 32), 0);
    cr_assert_eq(an_hive_view_read_keep(v, 8192, b, 16), 0);
    cr_assert_eq(an_hive_view_read_keep(v, 8192, b, 16), 0); /* not after the last: not kept */
    cr_assert_eq(an_hive_view_read_keep(v, 100, b, 8), 0);   /* nor this one */
    cr_assert_eq(an_hive_view_read_keep(v, 0, b, 33), -EINVAL);
    cr_assert_eq(an_hive_view_read_keep(v, sizeof(src) - 4, b, 8), -ERANGE);
    cr_assert_eq(an_hive_view_kept(v), 2);
    memset(src, 0xEE, sizeof(src)); /* behind the view's back */
    cr_assert_eq(an_hive_view_read(v, 4096 + 8, b, 24), 0);
    for (size_t i = 0; i < 24; i++)
        cr_assert_eq(b[i], (uint8_t)(4096 + 8 + i), "kept byte %zu", i);
    cr_assert_eq(an_hive_view_read(v, 8192 + 8, b, 8), 0);
    cr_assert_eq(b[7], (uint8_t)(8192 + 15));
    cr_assert_eq(an_hive_view_read(v, 8192 + 8, b, 9), 0); /* one byte past the kept 16 */
    cr_assert_eq(b[0], 0xEE);
    cr_assert_eq(an_hive_view_read(v, 4096 + 30, b, 4), 0); /* across the kept range's end */
    cr_assert_eq(b[0], 0xEE);
    cr_assert_eq(an_hive_view_read(v, 100, b, 8), 0);
    cr_assert_eq(b[0], 0xEE);
    uint8_t one = 1;
    cr_assert_eq(an_hive_view_write(v, 0, &one, 1), 0);
    cr_assert_eq(an_hive_view_kept(v), 0);
    cr_assert_eq(an_hive_view_read(v, 4096 + 8, b, 24), 0);
    cr_assert_eq(b[0], 0xEE);
    cr_assert_eq(an_hive_view_read_keep(v, 4096, b, 32), 0);
    cr_assert_eq(an_hive_view_kept(v), 1);
    an_hive_view_forget(v);
    cr_assert_eq(an_hive_view_kept(v), 0);
    /* a range that does not start a page is found too */
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)i;
    cr_assert_eq(an_hive_view_read_keep(v, 5000, b, 32), 0);
    memset(src, 0xEE, sizeof(src));
    cr_assert_eq(an_hive_view_read(v, 5008, b, 8), 0);
    cr_assert_eq(b[0], (uint8_t)5008);
    an_hive_view_free(v);
}

/* The subkey check walks keys in tree order, which in a real hive is not file order. Over a
 * real 15 MB SYSTEM hive (236 blocks of 64 KiB) the view's source cache must keep the walk to
 * about one read per block: 309 reads now, 1029 with the 2 MiB cache of before. */
Test(replay, subkey_check_reads_a_real_hive_about_once)
{
    char *p = sxs_corpus_path("hives/regipy/SYSTEM_WIN_10_1709.xz");
    if (!p)
        cr_skip_test("corpus file hives/regipy/SYSTEM_WIN_10_1709.xz absent (set "
                     "SXS_CORPUS_DIR / shared/corpus)");
    int fd = open(p, O_RDONLY);
    cr_assert_geq(fd, 0, "cannot open %s", p);
    struct stat sb;
    cr_assert_eq(fstat(fd, &sb), 0);
    an_hive_view *v = an_hive_view_fd(fd, (uint64_t)sb.st_size);
    cr_assert_not_null(v);
    uint32_t bad = 0;
    char why[256] = "";
    cr_assert_eq(an_hive_check_subkeys_view(v, &bad, why, sizeof(why)), 0, "%s", why);
    uint64_t blocks = ((uint64_t)sb.st_size + 65535) / 65536;
    uint64_t reads = an_hive_view_source_reads(v);
    cr_assert_geq(reads, blocks / 2, "%llu reads of %llu blocks: the walk skipped keys",
                  (unsigned long long)reads, (unsigned long long)blocks);
    cr_assert_leq(reads, blocks * 3 / 2, "%llu reads of %llu blocks", (unsigned long long)reads,
                  (unsigned long long)blocks);
    an_hive_view_free(v);
    free(p);
}

Test(replay, view_overlays_pages_and_never_writes_the_source)
{
    const size_t len = 5 * 4096 + 100; /* not page-aligned: the last page is partial */
    uint8_t *orig = malloc(len);
    for (size_t i = 0; i < len; i++)
        orig[i] = (uint8_t)(i * 31 + 7);
    uint8_t *copy = malloc(len);
    memcpy(copy, orig, len);

    an_hive_view *v = an_hive_view_mem_ref(copy, len);
    cr_assert_not_null(v);
    check_view(v, orig, len);
    an_hive_view_free(v);
    cr_assert_eq(memcmp(copy, orig, len), 0, "the buffer was written");

    char *dir = sxs_test_tmpdir("hive-view");
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/hive", dir) > 0);
    FILE *f = fopen(path, "wb");
    cr_assert_eq(fwrite(orig, 1, len, f), len);
    fclose(f);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    v = an_hive_view_fd(fd, len);
    check_view(v, orig, len);
    an_hive_view_free(v);
    size_t got = 0;
    uint8_t *after = (uint8_t *)sxs_slurp(path, &got);
    cr_assert_eq(got, len);
    cr_assert_eq(memcmp(after, orig, len), 0, "the file was written");
    free(after);
    free(path);
    free(dir);
    free(copy);
    free(orig);
}

/* ---- logs read by range (issue 16 item 2): a tiny log cache must change nothing ---------- */

typedef struct {
    an_hive_status st;
    uint8_t *bytes;
    size_t len;
    size_t overlay_pages;
    int r;
} replay_out;

/* Replays the logs (any NULL) into a view over hive with a log cache of slots blocks of block
 * bytes. */
static replay_out replay_cached(const blob *hive, const blob *log, const blob *log1,
                                const blob *log2, uint32_t block, uint32_t slots)
{
    replay_out o = {0};
    an_hive_view *v = an_hive_view_mem_ref(hive->data, hive->len);
    cr_assert_not_null(v);
    an_hive_log l[3] = {{0}};
    const blob *b[3] = {log, log1, log2};
    const char *names[3] = {"LOG", "LOG1", "LOG2"};
    for (int i = 0; i < 3; i++)
        if (b[i])
            l[i] = as_log(b[i], names[i]);
    o.r = an_hive_replay_view_cached(v, 512u << 20, &l[0], &l[1], &l[2], block, slots, &o.st);
    o.overlay_pages = an_hive_view_overlay_pages(v);
    cr_assert_eq(an_hive_view_flatten(v, &o.bytes, &o.len), 0);
    an_hive_view_free(v);
    return o;
}

static void assert_same_replay(const replay_out *a, const replay_out *b, const char *what)
{
    cr_assert_eq(a->r, b->r, "%s: return %d vs %d", what, a->r, b->r);
    cr_assert(memcmp(&a->st, &b->st, sizeof(a->st)) == 0, "%s: status differs: '%s' vs '%s'", what,
              a->st.detail, b->st.detail);
    cr_assert_eq(a->overlay_pages, b->overlay_pages, "%s: overlay %zu vs %zu pages", what,
                 a->overlay_pages, b->overlay_pages);
    cr_assert_eq(a->len, b->len, "%s: length %zu vs %zu", what, a->len, b->len);
    cr_assert(memcmp(a->bytes, b->bytes, a->len) == 0, "%s: replayed bytes differ", what);
}

/* Every cache shape against one block holding each log whole (what loading it whole did):
 * blocks of 1 byte (every field read byte by byte across blocks), of odd sizes that split
 * headers, page lists and pages anywhere, of a sector, and one slot shared by three logs. */
static void assert_window_invariant(const char *what, const blob *hive, const blob *log,
                                    const blob *log1, const blob *log2)
{
    size_t whole = 1;
    const blob *b[3] = {log, log1, log2};
    for (int i = 0; i < 3; i++)
        if (b[i] && b[i]->len > whole)
            whole = b[i]->len;
    replay_out ref = replay_cached(hive, log, log1, log2, (uint32_t)whole, 3);
    static const uint32_t shapes[][2] = {{1, 1},    {7, 2},    {40, 1},    {513, 3},
                                         {512, 16}, {4096, 1}, {65536, 16}};
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        replay_out o = replay_cached(hive, log, log1, log2, shapes[k][0], shapes[k][1]);
        char label[160];
        snprintf(label, sizeof(label), "%s, cache %u x %u B", what, shapes[k][1], shapes[k][0]);
        assert_same_replay(&ref, &o, label);
        free(o.bytes);
    }
    free(ref.bytes);
}

typedef struct {
    const char *hive, *log, *log1, *log2;
} corpus_set;

static const corpus_set CORPUS_WITH_LOGS[] = {
    {"hives/yarp/NewDirtyHive1/NewDirtyHive", NULL, "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1",
     "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2"},
    {"hives/yarp/NewDirtyHive2/NewDirtyHive", NULL, "hives/yarp/NewDirtyHive2/NewDirtyHive.LOG1",
     "hives/yarp/NewDirtyHive2/NewDirtyHive.LOG2"},
    {"hives/yarp/OldDirtyHive/OldDirtyHive", NULL, "hives/yarp/OldDirtyHive/OldDirtyHive.LOG1",
     NULL},
    {"hives/yarp/BadBaseBlockHive/BadBaseBlockHive", NULL,
     "hives/yarp/BadBaseBlockHive/BadBaseBlockHive.LOG1", NULL},
    {"hives/yarp/BadLogHive1/BadLogHive", NULL, "hives/yarp/BadLogHive1/BadLogHive.LOG1", NULL},
    {"hives/yarp/BadLogHive2/BadLogHive", NULL, "hives/yarp/BadLogHive2/BadLogHive.LOG1", NULL},
    {"hives/yarp/BadLogHive3/BadLogHive", NULL, "hives/yarp/BadLogHive3/BadLogHive.LOG1",
     "hives/yarp/BadLogHive3/BadLogHive.LOG2"},
    {"hives/regipy/SYSTEM_B.xz", NULL, "hives/regipy/SYSTEM_B.LOG1.xz",
     "hives/regipy/SYSTEM_B.LOG2.xz"},
    {"hives/regipy/UsrClass.dat.xz", NULL, "hives/regipy/UsrClass.dat.LOG1.xz",
     "hives/regipy/UsrClass.dat.LOG2.xz"},
    {"hives/regipy/transactions_NTUSER.DAT.xz", NULL,
     "hives/regipy/transactions_ntuser.dat.log1.xz",
     "hives/regipy/transactions_ntuser.dat.log2.xz"},
    {"hives/regf-samples/NT31_SOFTWARE", "hives/regf-samples/NT31_SOFTWARE.LOG", NULL, NULL},
    /* A log for a hive it does not belong to: classified and refused the same way. */
    {"hives/yarp/NewDirtyHive1/NewDirtyHive", NULL, NULL,
     "hives/regf-samples/W10_SOFTWARE.LOG1.xz"},
};

Test(replay, tiny_log_cache_same_replay_on_corpus_hives)
{
    unsigned replayed = 0;
    for (size_t i = 0; i < sizeof(CORPUS_WITH_LOGS) / sizeof(CORPUS_WITH_LOGS[0]); i++) {
        const corpus_set *s = &CORPUS_WITH_LOGS[i];
        blob hive = load(s->hive), log = {0}, log1 = {0}, log2 = {0};
        if (s->log)
            log = load(s->log);
        if (s->log1)
            log1 = load(s->log1);
        if (s->log2)
            log2 = load(s->log2);
        assert_window_invariant(s->hive, &hive, s->log ? &log : NULL, s->log1 ? &log1 : NULL,
                                s->log2 ? &log2 : NULL);
        replay_out o = replay_cached(&hive, s->log ? &log : NULL, s->log1 ? &log1 : NULL,
                                     s->log2 ? &log2 : NULL, 1, 1);
        replayed += o.st.state == AN_HIVE_REPLAYED;
        free(o.bytes);
        free(hive.data);
        free(log.data);
        free(log1.data);
        free(log2.data);
    }
    /* NewDirtyHive1/2, OldDirtyHive, BadBaseBlockHive, SYSTEM_B, UsrClass, NTUSER. */
    cr_assert_eq(replayed, 7, "%u corpus hives replayed", replayed);
}

/* A log of several entries rewriting and growing pages, made here: entries of many pages of
 * odd sizes, so page data straddles cache blocks anywhere. With grow, each entry also carries
 * a page of its own past the others, growing the hive further. */
static blob make_multi_entry_log(uint32_t seq, unsigned entries, bool grow)
{
    blob out = {0};
    for (unsigned k = 0; k < entries; k++) {
        const page pages[4] = {{0, 4096, (uint8_t)(0x30 + k)},
                               {4096 * (k % 2 + 1), 8192, (uint8_t)(0x40 + k)},
                               {16384, 8192, (uint8_t)(0x50 + k)},
                               {24576, 4096, 0x77}};
        size_t len = 0;
        uint8_t *one = hm_make_log(seq + k, grow ? 28672 : 24576, pages, grow ? 4 : 3, &len);
        cr_assert_not_null(one);
        size_t add = k == 0 ? len : len - 512; /* one base block, then the entries */
        uint8_t *grown = realloc(out.data, out.len + add);
        cr_assert_not_null(grown);
        memcpy(grown + out.len, k == 0 ? one : one + 512, add);
        out.data = grown;
        out.len += add;
        free(one);
    }
    return out;
}

Test(replay, tiny_log_cache_same_replay_on_generated_logs)
{
    blob hive = make_primary(16384);
    blob log1 = make_multi_entry_log(1, 5, false);
    blob log2 = make_multi_entry_log(6, 3, false); /* continues LOG1 */
    replay_out o = replay_cached(&hive, NULL, &log1, &log2, 1, 1);
    cr_assert_str_eq(o.st.detail, "dirty (2/1), replayed 8 entries, 24 pages from LOG1+LOG2");
    cr_assert_eq(o.len, 4096 + 24576);
    cr_assert_eq(o.bytes[4096 + 20480], 0x50 + 2); /* the last entry's page wins */
    cr_assert_eq(o.bytes[4096 + 4096], 0x40 + 2);
    cr_assert_eq(o.bytes[4096 + 12287], 0x40 + 2);
    cr_assert_eq(o.bytes[4096 + 12288], 0x40 + 1); /* LOG2's second entry, not rewritten */
    free(o.bytes);
    assert_window_invariant("generated LOG1+LOG2", &hive, NULL, &log1, &log2);
    /* Cut in the middle of LOG2's second entry: its first entry still applies. */
    log2.len = 512 + (log2.len - 512) / 3 + 4096;
    assert_window_invariant("generated, LOG2 cut", &hive, NULL, &log1, &log2);
    free(hive.data);
    free(log1.data);
    free(log2.data);
}

/* An entry running past the end of its log: stopped there with today's words, whatever the
 * cache, and nothing of it applied. */
Test(replay, entry_past_the_end_of_its_log)
{
    blob hive = make_primary(16384);
    blob log1 = make_multi_entry_log(1, 2, false);
    size_t first = entry_size(log1.data + 512);
    log1.len = 512 + first + 1024; /* the second entry's header is there, its pages are not */
    for (int shape = 0; shape < 2; shape++) {
        replay_out o = replay_cached(&hive, NULL, &log1, NULL, shape ? 1 : 65536, shape ? 1 : 16);
        cr_assert_str_eq(o.st.detail, "dirty (2/1), replayed 1 entries, 3 pages from LOG1");
        cr_assert_eq(o.st.last_sequence, 1);
        cr_assert_eq(o.bytes[4096], 0x30, "the first entry applied, not the second");
        cr_assert_eq(o.bytes[4096 + 12288], 'h', "the second entry not applied");
        free(o.bytes);
    }
    /* The first entry itself cut: no entry applies, and the detail says where and why. */
    log1.len = 512 + first - 512;
    replay_out o = replay_cached(&hive, NULL, &log1, NULL, 3, 2);
    char want[256];
    snprintf(want, sizeof(want), "dirty (2/1): LOG1: entry at 512 has invalid size %zu", first);
    cr_assert_str_eq(o.st.detail, want);
    cr_assert_eq(o.st.state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_eq(o.overlay_pages, 0);
    free(o.bytes);
    free(hive.data);
    free(log1.data);
}

/* ---- a log that cannot be read: as when it could not be loaded, the replay goes on without it */

typedef struct {
    const blob *b;
    uint64_t bad; /* a read covering this offset fails */
    unsigned failures;
} failing_log;

static int failing_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    failing_log *f = ctx;
    if (f->bad >= off && f->bad - off < len) {
        f->failures++;
        return -EIO;
    }
    memcpy(buf, f->b->data + off, len);
    return 0;
}

Test(replay, log_read_error_mid_replay_replays_without_that_log)
{
    blob hive = make_primary(16384);
    blob log1 = make_multi_entry_log(1, 5, false);
    blob log2 = make_multi_entry_log(6, 8, true); /* grows the hive */
    cr_assert_gt(log2.len, 2 * 65536, "LOG2 spans several default cache blocks");
    replay_out without = replay_cached(&hive, NULL, &log1, NULL, 65536, 16);
    cr_assert_str_eq(without.st.detail, "dirty (2/1), replayed 5 entries, 15 pages from LOG1");
    /* The bad byte in LOG2's sixth entry: five of its entries were applied when it is met. */
    size_t at = 512;
    for (int k = 0; k < 5; k++)
        at += entry_size(log2.data + at);
    static const uint32_t shapes[][2] = {{65536, 16}, {512, 2}, {1, 1}};
    for (size_t s = 0; s < 3; s++) {
        failing_log f = {&log2, at + 5000, 0};
        an_hive_log l1 = as_log(&log1, "LOG1");
        an_hive_log l2 = {.len = log2.len, .name = "LOG2", .read_at = failing_read, .ctx = &f};
        an_hive_view *v = an_hive_view_mem_ref(hive.data, hive.len);
        an_hive_status st;
        cr_assert_eq(an_hive_replay_view_cached(v, 512u << 20, NULL, &l1, &l2, shapes[s][0],
                                                shapes[s][1], &st),
                     0);
        cr_assert_eq(f.failures, 1, "read once, then dropped");
        cr_assert(memcmp(&st, &without.st, sizeof(st)) == 0, "'%s'", st.detail);
        uint8_t *bytes = NULL;
        size_t len = 0;
        cr_assert_eq(an_hive_view_flatten(v, &bytes, &len), 0);
        cr_assert_eq(len, without.len);
        cr_assert(memcmp(bytes, without.bytes, len) == 0, "LOG2's applied entries undone");
        cr_assert_eq(an_hive_view_overlay_pages(v), without.overlay_pages);
        free(bytes);
        an_hive_view_free(v);
    }
    free(without.bytes);
    free(hive.data);
    free(log1.data);
    free(log2.data);
}

/* Through fsaccess: an evidence file system serving the hive and its logs from memory, whose
 * LOG2 has an unreadable cluster. */
#include "fsaccess/fsa_backend.h"

typedef struct {
    fsa_fs base;
    const blob *hive, *log1, *log2;
    uint64_t bad; /* in LOG2 */
} mem_fs;

typedef struct {
    fsa_file base;
    mem_fs *fs;
    const blob *b;
} mem_file;

static long mem_file_read(fsa_file *ff, uint64_t off, void *buf, size_t len)
{
    mem_file *f = (mem_file *)ff;
    if (f->b == f->fs->log2 && f->fs->bad >= off && f->fs->bad - off < len) {
        snprintf(f->fs->base.damage, sizeof(f->fs->base.damage), "cannot read cluster 7 (test)");
        return -EIO;
    }
    memcpy(buf, f->b->data + off, len);
    return (long)len;
}

static void mem_file_close(fsa_file *f)
{
    free(f);
}

static const fsa_file_ops MEM_FILE_OPS = {mem_file_read, mem_file_close};

static int mem_fs_open(fsa_fs *fs, const char *path, fsa_file **ret_file)
{
    mem_fs *m = (mem_fs *)fs;
    const blob *b = strcmp(path, "SYSTEM") == 0        ? m->hive
                    : strcmp(path, "SYSTEM.LOG1") == 0 ? m->log1
                    : strcmp(path, "SYSTEM.LOG2") == 0 ? m->log2
                                                       : NULL;
    if (!b)
        return 0;
    mem_file *f = calloc(1, sizeof(*f));
    cr_assert_not_null(f);
    f->base.ops = &MEM_FILE_OPS;
    f->base.size = b->len;
    f->fs = m;
    f->b = b;
    *ret_file = &f->base;
    return 1;
}

static const fsa_fs_ops MEM_FS_OPS = {.file_open = mem_fs_open};

Test(replay, unreadable_log_on_the_evidence_named_and_left_out)
{
    blob hive = load("hives/yarp/NewDirtyHive1/NewDirtyHive");
    blob log1 = load("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1");
    blob log2 = load("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2");
    an_hive_status want;
    an_hive_log l1 = as_log(&log1, "LOG1");
    an_hive_free(open_with(&hive, &l1, NULL, &want)); /* LOG2 as if absent */
    cr_assert_str_eq(want.detail, "dirty (3/2), replayed 1 entries, 1 pages from LOG1");

    mem_fs fs = {.base = {.ops = &MEM_FS_OPS}, .hive = &hive, .log1 = &log1, .log2 = &log2};
    fs.bad = 512 + entry_size(log2.data + 512) + 100; /* in LOG2's second entry */
    sxs_diag *d = sxs_diag_new();
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_fsa(&fs.base, "SYSTEM", d, &st, &h), 0, "%s", st.detail);
    cr_assert(memcmp(&st, &want, sizeof(st)) == 0, "'%s' vs '%s'", st.detail, want.detail);
    cr_assert_geq(sxs_diag_count(d), 2);
    const sxs_diag_entry *e = sxs_diag_get(d, 0); /* before what the hive's replay says */
    cr_assert_eq(e->level, SXS_DIAG_WARN);
    cr_assert_str_eq(e->source, "SYSTEM.LOG2");
    /* LOG2 (64 KiB) is one block of the log cache, read at its start, as loading it was. */
    cr_assert_str_eq(e->message,
                     "transaction log not read: read error at offset 0: cannot read cluster 7 "
                     "(test)");
    an_hive_free(h);
    sxs_diag_free(d);
    free(hive.data);
    free(log1.data);
    free(log2.data);
}
