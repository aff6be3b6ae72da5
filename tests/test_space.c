/* Free space (fsaccess fsa_fs_space, analyzer an_space.c) on the sample images and on FAT
 * images made here, compared with independent tools: ntfsinfo -m (ntfs-3g reads $Bitmap on its
 * own), fsck.fat -n -v (dosfstools walks the FAT on its own). A wiped $Bitmap must give an
 * error, not a number. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <tsk/libtsk.h>

#include "analyzer/fs/an_space.h"
#include "fsaccess/fsa.h"

static char *sample(const char *name)
{
    static char p[4096];
    snprintf(p, sizeof(p), "%s/%s", SXS_SAMPLE_OUT, name);
    if (access(p, R_OK) != 0)
        return NULL;
    return p;
}

static bool have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Copies bytes [off, off+len) of img to a temporary file; returns its path (static). */
static const char *extract(const char *img, uint64_t off, uint64_t len)
{
    static char tmp[64];
    snprintf(tmp, sizeof(tmp), "/tmp/sxs-space-XXXXXX");
    int fd = mkstemp(tmp);
    cr_assert_geq(fd, 0);
    FILE *in = fopen(img, "rb");
    cr_assert_not_null(in);
    cr_assert_eq(fseeko(in, (off_t)off, SEEK_SET), 0);
    static char buf[1 << 16];
    while (len) {
        size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
        cr_assert_eq(fread(buf, 1, n, in), n);
        cr_assert_eq(write(fd, buf, n), (ssize_t)n);
        len -= n;
    }
    fclose(in);
    close(fd);
    return tmp;
}

/* The number after key in the output of cmd, -1 when absent. */
static long long tool_number(const char *cmd, const char *key)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[512];
    long long v = -1;
    while (fgets(line, sizeof(line), p)) {
        char *k = strstr(line, key);
        if (k && v < 0)
            v = strtoll(k + strlen(key), NULL, 10);
    }
    pclose(p);
    return v;
}

typedef struct {
    uint64_t total, free_bytes;
} space;

static space ntfsinfo_space(const char *part)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ntfsinfo -m -f %s 2>/dev/null", part);
    long long cs = tool_number(cmd, "Cluster Size: ");
    long long nc = tool_number(cmd, "Volume Size in Clusters: ");
    long long fc = tool_number(cmd, "Free Clusters: ");
    cr_assert(cs > 0 && nc > 0 && fc >= 0, "ntfsinfo output parsed");
    return (space){(uint64_t)(nc * cs), (uint64_t)(fc * cs)};
}

/* fsck.fat -n -v: "N bytes per cluster", "... files, USED/TOTAL clusters". */
static space fsck_fat_space(const char *part)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "fsck.fat -n -v %s 2>/dev/null", part);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[512];
    long long bpc = -1, used = -1, total = -1;
    while (fgets(line, sizeof(line), p)) {
        char *k;
        if ((k = strstr(line, " bytes per cluster")))
            bpc = strtoll(line, NULL, 10);
        if ((k = strstr(line, " files, ")))
            sscanf(k + 8, "%lld/%lld", &used, &total);
    }
    pclose(p);
    cr_assert(bpc > 0 && total > 0 && used >= 0, "fsck.fat output parsed");
    return (space){(uint64_t)(total * bpc), (uint64_t)((total - used) * bpc)};
}

static space oracle(const char *img, const fsa_volume_info *v)
{
    const char *part = extract(img, v->offset, v->size);
    space s = strcmp(v->fs, "ntfs") == 0 ? ntfsinfo_space(part) : fsck_fat_space(part);
    unlink(part);
    return s;
}

static void check_image(const char *name, unsigned want_volumes_measured)
{
    char *img = sample(name);
    if (!img)
        cr_skip_test("%s not built", name);
    if (!have("ntfsinfo") || !have("fsck.fat"))
        cr_skip_test("ntfs-3g or dosfstools missing");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    unsigned measured = 0;
    for (size_t i = 0; i < fsa_volume_count(ev); i++) {
        const fsa_volume_info *v = fsa_volume(ev, i);
        fsa_fs *fs = fsa_volume_fs(ev, i);
        if (!fs || (strcmp(v->fs, "ntfs") != 0 && strncmp(v->fs, "fat", 3) != 0))
            continue;
        uint64_t total = 0, free_bytes = 0;
        cr_assert_eq(fsa_fs_space(fs, &total, &free_bytes), 0, "%s volume %zu", name, i);
        space o = oracle(img, v);
        cr_assert_eq(total, o.total, "%s volume %zu (%s) total", name, i, v->fs);
        cr_assert_eq(free_bytes, o.free_bytes, "%s volume %zu (%s) free", name, i, v->fs);
        measured++;
    }
    cr_assert_eq(measured, want_volumes_measured);
    fsa_close(ev);
    sxs_diag_free(d);
}

Test(space, healthy_gpt_esp_and_windows_match_tools)
{
    check_image("healthy.raw", 2); /* FAT ESP + NTFS Windows (MSR has no filesystem) */
}

Test(space, mbr_system_reserved_match_tools)
{
    check_image("mbr-system-reserved.raw", 2);
}

/* FAT12/16/32 with files on them (made here with mkfs.fat and mtools) against fsck.fat. */
static void check_fat(const char *mkfs_args, unsigned mib, unsigned nfiles)
{
    if (!have("mkfs.fat") || !have("mcopy") || !have("fsck.fat"))
        cr_skip_test("dosfstools or mtools missing");
    char img[] = "/tmp/sxs-fat-XXXXXX", cmd[1024];
    int fd = mkstemp(img);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)mib << 20), 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "mkfs.fat %s -n TESTFAT %s >/dev/null 2>&1", mkfs_args, img);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    for (unsigned i = 0; i < nfiles; i++) {
        snprintf(cmd, sizeof(cmd),
                 "head -c %u /dev/urandom > %s.f && MTOOLS_SKIP_CHECK=1 mcopy -i %s %s.f "
                 "::F%u.BIN",
                 (i + 1) * 37000u, img, img, img, i);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
    }
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    cr_assert_eq(fsa_volume_count(ev), 1);
    uint64_t total = 0, free_bytes = 0;
    cr_assert_eq(fsa_fs_space(fsa_volume_fs(ev, 0), &total, &free_bytes), 0);
    space o = fsck_fat_space(img);
    cr_assert_eq(total, o.total, "%s total", mkfs_args);
    cr_assert_eq(free_bytes, o.free_bytes, "%s free", mkfs_args);
    cr_assert_lt(free_bytes, total, "the files take space");
    fsa_close(ev);
    sxs_diag_free(d);
    snprintf(cmd, sizeof(cmd), "%s.f", img);
    unlink(cmd);
    unlink(img);
}

Test(space, fat12_with_files)
{
    check_fat("-F 12", 4, 5);
}

Test(space, fat16_with_files)
{
    check_fat("-F 16", 24, 9);
}

Test(space, fat32_with_files)
{
    check_fat("-F 32 -s 1", 48, 7);
}

/* The $Bitmap clusters of the Windows volume of healthy.raw, found with libtsk directly. */
typedef struct {
    uint64_t addr[64];
    size_t n;
} blocks;

static TSK_WALK_RET_ENUM collect_block(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf,
                                       size_t size, TSK_FS_BLOCK_FLAG_ENUM flags, void *ctx)
{
    (void)f, (void)off, (void)buf, (void)size, (void)flags;
    blocks *b = ctx;
    if (b->n < 64)
        b->addr[b->n++] = addr;
    return TSK_WALK_CONT;
}

Test(space, wiped_bitmap_is_an_error_not_a_number)
{
    char *img = sample("healthy.raw");
    if (!img)
        cr_skip_test("healthy.raw not built");
    FILE *in = fopen(img, "rb");
    cr_assert_not_null(in);
    fseeko(in, 0, SEEK_END);
    size_t len = (size_t)ftello(in);
    rewind(in);
    unsigned char *data = malloc(len);
    cr_assert_not_null(data);
    cr_assert_eq(fread(data, 1, len, in), len);
    fclose(in);

    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open_memory(data, len, "healthy.raw", d, &ev), 0);
    const fsa_volume_info *v = fsa_volume(ev, 2);
    cr_assert_str_eq(v->fs, "ntfs");
    uint64_t voff = v->offset;
    fsa_close(ev);

    TSK_IMG_INFO *ti = tsk_img_open_sing(img, TSK_IMG_TYPE_RAW, 0);
    cr_assert_not_null(ti);
    TSK_FS_INFO *tfs = tsk_fs_open_img(ti, (TSK_OFF_T)voff, TSK_FS_TYPE_NTFS);
    cr_assert_not_null(tfs);
    TSK_FS_FILE *bm = tsk_fs_file_open_meta(tfs, NULL, 6);
    cr_assert_not_null(bm);
    blocks b = {.n = 0};
    cr_assert_eq(tsk_fs_file_walk(bm, TSK_FS_FILE_WALK_FLAG_AONLY, collect_block, &b), 0);
    unsigned csize = tfs->block_size;
    tsk_fs_file_close(bm);
    tsk_fs_close(tfs);
    tsk_img_close(ti);
    cr_assert_gt(b.n, 0);

    for (size_t i = 0; i < b.n; i++)
        memset(data + voff + b.addr[i] * csize, 0, csize);
    cr_assert_eq(fsa_open_memory(data, len, "wiped.raw", d, &ev), 0);
    uint64_t total = 7, free_bytes = 7;
    cr_assert_eq(fsa_fs_space(fsa_volume_fs(ev, 2), &total, &free_bytes), -EBADMSG);
    cr_assert_eq(total, 7, "ret_ untouched on failure");
    cr_assert_eq(free_bytes, 7);
    /* the analyzer leaves the facts out and says why */
    an_facts *facts = an_facts_new();
    cr_assert_eq(an_space_collect(fsa_volume_fs(ev, 2), "Windows", facts, d), 0);
    cr_assert_null(an_facts_get(facts, "volume.windows.free_bytes"));
    cr_assert_not_null(an_facts_get(facts, "volume.system.free_bytes"), "the ESP still counts");
    bool said = false;
    for (size_t i = 0; i < sxs_diag_count(d); i++)
        said |= strstr(sxs_diag_get(d, i)->message, "allocation map damaged") != NULL;
    cr_assert(said);
    an_facts_free(facts);
    fsa_close(ev);
    sxs_diag_free(d);
    free(data);
}

static int64_t num(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    cr_assert_not_null(x, "%s", name);
    cr_assert(x->has_num);
    return x->num;
}

static void check_facts(const char *name, size_t sys_volume)
{
    char *img = sample(name);
    if (!img)
        cr_skip_test("%s not built", name);
    if (!have("ntfsinfo") || !have("fsck.fat"))
        cr_skip_test("ntfs-3g or dosfstools missing");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *in = fsa_install(ev, 0);
    size_t idx = 99;
    fsa_fs *sys = NULL;
    cr_assert_eq(fsa_fs_system_volume(in->fs, &idx, &sys), 1);
    cr_assert_eq(idx, sys_volume);
    cr_assert_not_null(sys);
    an_facts *facts = an_facts_new();
    cr_assert_eq(an_space_collect(in->fs, in->windows_dir, facts, d), 0);
    space w = oracle(img, fsa_volume(ev, in->volume));
    space s = oracle(img, fsa_volume(ev, sys_volume));
    cr_assert_eq(num(facts, "volume.windows.total_bytes"), (int64_t)w.total);
    cr_assert_eq(num(facts, "volume.windows.free_bytes"), (int64_t)w.free_bytes);
    cr_assert_eq(num(facts, "volume.windows.free_percent"),
                 (int64_t)(w.free_bytes * 100 / w.total));
    cr_assert_eq(num(facts, "volume.system.total_bytes"), (int64_t)s.total);
    cr_assert_eq(num(facts, "volume.system.free_bytes"), (int64_t)s.free_bytes);
    cr_assert_eq(num(facts, "volume.system.free_percent"), (int64_t)(s.free_bytes * 100 / s.total));
    an_facts_free(facts);
    fsa_close(ev);
    sxs_diag_free(d);
}

Test(space, facts_gpt_esp)
{
    check_facts("healthy.raw", 0);
}

Test(space, facts_mbr_system_reserved)
{
    check_facts("mbr-system-reserved.raw", 0);
}
