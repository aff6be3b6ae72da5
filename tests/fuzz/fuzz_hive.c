/* libFuzzer harness: hive load + transaction-log replay + libregf reads, all from memory.
 * Input framing: a hive followed by up to three logs, simply concatenated. A new part starts
 * wherever "regf" appears at a 512-byte aligned offset after the first 4096 bytes (every hive
 * and log starts with a "regf" base block, and logs are sector multiples); the parts after the
 * hive are LOG1, LOG2, LOG in that order. So `cat hive hive.LOG1 hive.LOG2 > seed` is a seed,
 * and a plain hive file is one too.
 * Before replay the harness re-signs every log (base block checksum, HvLE Marvin32 hashes) so
 * mutations reach the page-application code instead of dying at the hash checks.
 * The last two bytes of the hive part steer a structural mutation of its subkey graph, so the
 * fuzzer reaches the loops the subkey check must catch (libregf 20201007 recurses without end
 * into them): byte -1 % 4 picks none / an ri index listing itself / an ri 2-cycle / a leaf
 * list naming its own key, byte -2 which key (the n-th key cell with subkeys in the bins).
 * Oracles besides the sanitizers: the check names a cell inside the bins and says why; replay
 * never grows the hive by more than the logs carry; the logs are read by range through a block
 * cache (an_hive_logread.h), and a replay through tiny ones (blocks of 1 to 4096 bytes, 1 to 3
 * slots, picked by the input size, so log reads cross blocks and logs share slots) gives the
 * same status and bytes as the default cache, which holds these small logs in one block each. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/registry/an_hive.h"
#include "analyzer/registry/an_hive_view.h"
#include "tests/support/hive_mutate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t g_sink;

typedef struct {
    an_hive *h;
    int depth;
    unsigned budget;   /* keys visited, so one input cannot run for seconds */
    unsigned siblings; /* visited at the current level */
    char path[512];
} walk_ctx;

static int on_value(const char *name, uint32_t type, const uint8_t *vdata, size_t len, void *ctx)
{
    (void)name;
    (void)type;
    (void)ctx;
    for (size_t i = 0; i < len && i < 64; i++)
        g_sink ^= vdata[i]; /* touch the data so reads are not optimised away */
    return 0;
}

static int on_subkey(an_hive_key *sub, const char *name, void *vctx)
{
    walk_ctx *w = vctx;
    if (w->budget == 0 || w->siblings >= 6)
        return 1;
    w->budget--;
    w->siblings++;
    char s[256];
    uint32_t dw;
    an_hive_key_get_string(sub, "", s, sizeof(s));
    an_hive_key_get_dword(sub, "Start", &dw);
    size_t used = strlen(w->path);
    int n = snprintf(w->path + used, sizeof(w->path) - used, "%s%s", used ? "\\" : "", name);
    if (n < 0 || (size_t)n >= sizeof(w->path) - used) {
        w->path[used] = '\0';
        return 0;
    }
    if (w->depth < 3) {
        unsigned saved = w->siblings;
        uint64_t ft;
        an_hive_list_values(w->h, w->path, on_value, NULL);
        an_hive_key_mtime(w->h, w->path, &ft);
        w->depth++;
        w->siblings = 0;
        an_hive_each_subkey(w->h, w->path, on_subkey, w);
        w->depth--;
        w->siblings = saved;
    }
    w->path[used] = '\0';
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void resign_log(uint8_t *d, size_t len)
{
    if (len < 512)
        return;
    uint32_t sum = 0;
    for (size_t i = 0; i < 508; i += 4)
        sum ^= le32(d + i);
    sum = sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum;
    for (int i = 0; i < 4; i++)
        d[508 + i] = (uint8_t)(sum >> (8 * i));
    for (size_t pos = 512; pos + 40 <= len && memcmp(d + pos, "HvLE", 4) == 0;) {
        uint32_t esize = le32(d + pos + 4);
        if (esize < 40 || esize > len - pos)
            break;
        put64(d + pos + 24, an_marvin32(d + pos + 40, esize - 40, 0x82EF4D887A4E55C5ULL));
        put64(d + pos + 32, an_marvin32(d + pos, 32, 0x82EF4D887A4E55C5ULL));
        pos += esize;
    }
}

/* Cell offset of the n-th (mod the number found) key cell with a subkey list, scanning the
 * bins at cell alignment; 0 when there is none. */
static uint32_t nth_key_with_subkeys(const uint8_t *h, size_t len, unsigned n)
{
    uint32_t found[64];
    unsigned count = 0;
    for (size_t off = 32; 4096 + off + 8 <= len && count < 64; off += 8) {
        const uint8_t *p = h + 4096 + off;
        if (p[4] == 'n' && p[5] == 'k' && hm_subkey_list(h, len, (uint32_t)off))
            found[count++] = (uint32_t)off;
    }
    return count ? found[n % count] : 0;
}

static void loop_subkeys(uint8_t *h, size_t len)
{
    if (len < 4096 + 4096)
        return;
    unsigned mode = h[len - 1] % 4, which = h[len - 2];
    if (mode == 0)
        return;
    uint32_t nk = nth_key_with_subkeys(h, len, which);
    uint32_t list = nk ? hm_subkey_list(h, len, nk) : 0;
    if (!list)
        return;
    if (mode == 1) {
        hm_make_ri(h, len, list, &list, 1);
    } else if (mode == 2) {
        uint32_t other = hm_subkey_list(h, len, nth_key_with_subkeys(h, len, which + 1u));
        if (other && other != list) {
            hm_make_ri(h, len, list, &other, 1);
            hm_make_ri(h, len, other, &list, 1);
        }
    } else {
        hm_set_leaf(h, len, list, 0, nk);
    }
}

static void check_graph(const uint8_t *h, size_t len)
{
    uint32_t cell = 0;
    char why[256] = "";
    int r = an_hive_check_subkeys(h, len, &cell, why, sizeof(why));
    if (r == -EBADMSG && (!why[0] || len < 4096 || cell >= len - 4096))
        abort(); /* a refusal must name a cell of the bins and say why */
    if (r != 0 && r != -EBADMSG && r != -ENOMEM)
        abort();
}

/* Replays the logs into a view over the hive bytes with the given log cache; the flattened
 * result in *ret (NULL when the replay or the flattening ran out of memory). */
static int replay_with_cache(const uint8_t *hive, size_t len, const an_hive_log logs[3],
                             uint32_t block, uint32_t slots, an_hive_status *st, uint8_t **ret,
                             size_t *ret_len)
{
    *ret = NULL;
    *ret_len = 0;
    an_hive_view *v = an_hive_view_mem_ref(hive, len);
    if (!v)
        return -ENOMEM;
    int r = an_hive_replay_view_cached(v, 1u << 26, &logs[2], &logs[0], &logs[1], block, slots, st);
    if (r == 0 && an_hive_view_flatten(v, ret, ret_len) < 0)
        r = -ENOMEM;
    an_hive_view_free(v);
    return r;
}

/* The replay through a cache of slots blocks of block bytes must equal the default one. */
static void check_cache_shape(const uint8_t *hive, size_t len, const an_hive_log logs[3], int ra,
                              const an_hive_status *a, const uint8_t *ba, size_t la, uint32_t block,
                              uint32_t slots)
{
    an_hive_status b;
    uint8_t *bb = NULL;
    size_t lb = 0;
    int rb = replay_with_cache(hive, len, logs, block, slots, &b, &bb, &lb);
    if (ra != -ENOMEM && rb != -ENOMEM &&
        (ra != rb || memcmp(a, &b, sizeof(b)) != 0 || la != lb || (la && memcmp(ba, bb, la) != 0)))
        abort(); /* the cache shape changed the replay */
    free(bb);
}

/* Two tiny shapes picked by the input size: 1 to 3 slots of 1 to 613 bytes (every field
 * crosses blocks), and one slot of 512 B to 4 KiB shared by all logs (their base blocks, read
 * one after the other, meet in it). */
static void check_tiny_cache(const uint8_t *hive, size_t len, const an_hive_log logs[3],
                             size_t size)
{
    an_hive_status a;
    uint8_t *ba = NULL;
    size_t la = 0;
    int ra = replay_with_cache(hive, len, logs, 64u * 1024, 16, &a, &ba, &la);
    check_cache_shape(hive, len, logs, ra, &a, ba, la, 1 + (uint32_t)(size % 613),
                      1 + (uint32_t)(size % 3));
    check_cache_shape(hive, len, logs, ra, &a, ba, la, 512 + (uint32_t)(size / 7 % 3585), 1);
    free(ba);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    if (!data)
        return 0;
    memcpy(data, input, size);
    size_t starts[4] = {0, size, size, size};
    int parts = 1;
    for (size_t off = 4096; off + 4 <= size && parts < 4; off += 512)
        if (memcmp(data + off, "regf", 4) == 0)
            starts[parts++] = off;
    size_t ends[4];
    for (int i = 0; i < 4; i++)
        ends[i] = i + 1 < parts ? starts[i + 1] : size;
    an_hive_log logs[3] = {{0}};
    const char *names[3] = {"LOG1", "LOG2", "LOG"};
    for (int i = 1; i < parts; i++) {
        resign_log(data + starts[i], ends[i] - starts[i]);
        logs[i - 1] = (an_hive_log){
            .data = data + starts[i], .len = ends[i] - starts[i], .name = names[i - 1]};
    }

    loop_subkeys(data, ends[0]);
    check_graph(data, ends[0]);
    check_tiny_cache(data, ends[0], logs, size);
    size_t carried = 0;
    for (int i = 0; i < 3; i++)
        carried += logs[i].len;

    an_hive_status st;
    an_hive *h = NULL;
    sxs_diag *diag = sxs_diag_new();
    if (an_hive_open_mem(data, ends[0], &logs[2], &logs[0], &logs[1], "fuzz", diag, &st, &h) == 0) {
        size_t replayed = 0;
        const uint8_t *bytes = an_hive_bytes(h, &replayed);
        if (replayed > ends[0] + carried)
            abort(); /* growth beyond what the logs carry: memory amplification */
        check_graph(bytes, replayed);
        walk_ctx w = {.h = h, .budget = 60};
        an_hive_each_subkey(h, "", on_subkey, &w);
        char s[128];
        an_hive_get_string(h, "Select", "Current", s, sizeof(s));
        an_hive_free(h);
    }
    sxs_diag_free(diag);
    free(data);
    return 0;
}
