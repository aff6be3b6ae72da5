/* sxs-mkimage SCENARIO.scn OUTPUT: builds a test disk image from a scenario file (or
 * converts a built DISK.raw, so that all formats of a scenario hold the same bytes). Lays out
 * the partition table with sfdisk, builds each partition in a plain file (mkfs.fat for the
 * ESP, mkntfs + libntfs-3g for NTFS, for "bitlocker" a BitLocker-looking header or, with
 * key options, that NTFS encrypted as BitLocker does (mkimage_bde.c)), copies it
 * into the disk sparsely, then converts to the format OUTPUT's extension names: .raw, .E01
 * (ewfacquire; --segment-size splits it), .vhdx or .vhd (qemu-img). No root needed. */
#include "sample-images/mkimage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

enum fmt { FMT_RAW, FMT_E01, FMT_VHDX, FMT_VHD, FMT_VMDK, FMT_SPLIT_RAW };
enum { COPY_CHUNK = 1024 * 1024 };

/* Tools such as mkntfs chat on stderr even when all is well: their stderr is kept aside
 * and shown only when they fail. */
int mki_run(char *const argv[], const char *stdin_path)
{
    FILE *err = tmpfile();
    if (!err)
        return -errno;
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        fclose(err);
        return -e;
    }
    if (pid == 0) {
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(fileno(err), 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st, r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        r = -errno;
    else
        r = WIFEXITED(st) ? WEXITSTATUS(st) : -EINTR;
    if (r != 0) {
        char buf[4096];
        size_t n;
        rewind(err);
        fprintf(stderr, "sxs-mkimage: %s failed:\n", argv[0]);
        while ((n = fread(buf, 1, sizeof buf, err)) > 0)
            fwrite(buf, 1, n, stderr);
    }
    fclose(err);
    return r;
}

static int zero_block(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Copies src into dst at offset, writing only non-zero blocks so that dst stays sparse. */
static int copy_sparse(const char *src, int dst, uint64_t offset)
{
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    uint8_t *buf = malloc(COPY_CHUNK);
    int r = buf ? 0 : -ENOMEM;
    off_t pos = 0;
    while (r == 0) {
        off_t data = lseek(fd, pos, SEEK_DATA);
        if (data < 0) {
            if (errno != ENXIO)
                r = -errno;
            break;
        }
        off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0) {
            r = -errno;
            break;
        }
        for (off_t o = data; r == 0 && o < hole;) {
            size_t want = (size_t)(hole - o < COPY_CHUNK ? hole - o : COPY_CHUNK);
            ssize_t n = pread(fd, buf, want, o);
            if (n <= 0) {
                r = n < 0 ? -errno : -EIO;
                break;
            }
            for (size_t b = 0; b < (size_t)n; b += 4096) {
                size_t len = (size_t)n - b < 4096 ? (size_t)n - b : 4096;
                if (zero_block(buf + b, len))
                    continue;
                if (pwrite(dst, buf + b, len, (off_t)(offset + (uint64_t)o + b)) != (ssize_t)len) {
                    r = -EIO;
                    break;
                }
            }
            o += n;
        }
        pos = hole;
    }
    free(buf);
    close(fd);
    return r;
}

/* Type GUIDs and deterministic partition/disk GUIDs, so rebuilt images are identical in
 * their tables. */
static const char *gpt_type(enum mki_part_kind k)
{
    switch (k) {
    case MKI_PART_ESP:
        return "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    case MKI_PART_MSR:
        return "E3C9E316-0B5C-4DB8-817D-F92DF00215AE";
    default:
        return "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"; /* Basic data */
    }
}

static const char *gpt_name(enum mki_part_kind k)
{
    switch (k) {
    case MKI_PART_ESP:
        return "EFI system partition";
    case MKI_PART_MSR:
        return "Microsoft reserved partition";
    default:
        return "Basic data partition";
    }
}

static const char *mbr_type(enum mki_part_kind k)
{
    return k == MKI_PART_ESP ? "ef" : "7";
}

static int write_table(const struct mki_scenario *scn, const char *disk, const char *tmpdir)
{
    char *script;
    if (asprintf(&script, "%s/sfdisk.txt", tmpdir) < 0)
        return -ENOMEM;
    FILE *f = fopen(script, "we");
    if (!f) {
        free(script);
        return -errno;
    }
    char uuid[37];
    mki_disk_uuid(scn, uuid);
    if (scn->table == MKI_TABLE_GPT)
        fprintf(f, "label: gpt\nlabel-id: %s\nunit: sectors\n", uuid);
    else
        fprintf(f, "label: dos\nlabel-id: 0x%08x\nunit: sectors\n", mki_mbr_signature(scn));
    for (size_t i = 0; i < scn->n_parts; i++) {
        const struct mki_part *p = &scn->parts[i];
        fprintf(f, "start=%llu, size=%llu, ", (unsigned long long)(p->start / MKI_SECTOR),
                (unsigned long long)(p->size / MKI_SECTOR));
        mki_part_uuid(scn, i + 1, uuid);
        if (scn->table == MKI_TABLE_GPT)
            fprintf(f, "type=%s, uuid=%s, name=\"%s\"\n", gpt_type(p->kind), uuid,
                    gpt_name(p->kind));
        else /* the first partition is the active one (System Reserved on BIOS systems) */
            fprintf(f, "type=%s%s\n", mbr_type(p->kind), i == 0 ? ", bootable" : "");
    }
    int r = fclose(f) ? -errno : 0;
    if (r == 0) {
        char *argv[] = {"sfdisk", "-q", "--no-reread", "--no-tell-kernel", (char *)disk, NULL};
        int st = mki_run(argv, script);
        r = st == 0 ? 0 : -EIO;
    }
    unlink(script);
    free(script);
    return r;
}

/* mtools (mmd, mcopy) put files into the FAT image without mounting it: the directories of
 * vol_path, then host_path (or an empty file) at vol_path. */
static int esp_put(const char *img, const char *vol_path, const char *host_path, const char *tmpdir,
                   char (*made)[256], size_t *n_made)
{
    char *dirs = strdup(vol_path);
    if (!dirs)
        return -ENOMEM;
    int r = 0;
    for (char *s = strchr(dirs, '/'); s && r == 0; s = strchr(s + 1, '/')) {
        *s = '\0';
        int seen = 0;
        for (size_t k = 0; k < *n_made; k++)
            seen |= strcmp(made[k], dirs) == 0;
        if (seen || *n_made >= 16) {
            *s = '/';
            continue;
        }
        snprintf(made[(*n_made)++], 256, "%s", dirs);
        char *target;
        if (asprintf(&target, "::/%s", dirs) < 0) {
            r = -ENOMEM;
            break;
        }
        char *argv[] = {"mmd", "-D", "s", "-i", (char *)img, target, NULL};
        r = mki_run(argv, NULL) == 0 ? 0 : -EIO;
        free(target);
        *s = '/';
    }
    free(dirs);
    char *empty = NULL, *target = NULL;
    if (r == 0 && !host_path) {
        if (asprintf(&empty, "%s/esp-empty", tmpdir) < 0)
            return -ENOMEM;
        FILE *f = fopen(empty, "we");
        if (f) {
            fputs("sxs sample boot manager\n", f);
            fclose(f);
        }
        host_path = empty;
    }
    if (r == 0 && asprintf(&target, "::/%s", vol_path) < 0)
        r = -ENOMEM;
    if (r == 0) {
        char *argv[] = {"mcopy", "-o", "-i", (char *)img, (char *)host_path, target, NULL};
        r = mki_run(argv, NULL) == 0 ? 0 : -EIO;
    }
    if (empty)
        unlink(empty);
    free(empty);
    free(target);
    return r;
}

/* The ESP's content: the boot manager and the BCD store when the scenario has a `bcd`. */
static int fill_esp(const struct mki_scenario *scn, const struct mki_part *p, const char *img,
                    const char *tmpdir, char *errbuf, size_t errlen)
{
    if (!scn->bcd.present || &scn->parts[scn->bcd.on] != p)
        return 0;
    char made[16][256];
    size_t n_made = 0;
    int r = esp_put(img, "EFI/Microsoft/Boot/bootmgfw.efi", NULL, tmpdir, made, &n_made);
    for (size_t i = 0; r == 0 && i < p->n_hives; i++) {
        char *file;
        if (asprintf(&file, "%s/esp-hive", tmpdir) < 0)
            return -ENOMEM;
        r = mki_build_hive(&p->hives[i], file, errbuf, errlen);
        if (r == 0)
            r = esp_put(img, p->hives[i].path, file, tmpdir, made, &n_made);
        unlink(file);
        free(file);
    }
    return r;
}

static int build_esp(const struct mki_scenario *scn, const struct mki_part *p, const char *file,
                     int disk, const char *tmpdir, char *errbuf, size_t errlen)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int r = ftruncate(fd, (off_t)p->size) < 0 ? -errno : 0;
    close(fd);
    char hidden[32];
    snprintf(hidden, sizeof hidden, "%llu", (unsigned long long)(p->start / MKI_SECTOR));
    char *argv[] = {"mkfs.fat", "-i",   "5A5A0E5F",   "-n", p->label ? p->label : "SYSTEM",
                    "-h",       hidden, (char *)file, NULL};
    if (r == 0 && mki_run(argv, NULL) != 0)
        r = -EIO;
    if (r == 0)
        r = fill_esp(scn, p, file, tmpdir, errbuf, errlen);
    if (r == 0)
        r = copy_sparse(file, disk, p->start);
    unlink(file);
    return r;
}

/* A volume header as BitLocker writes it (signature "-FVE-FS-" at offset 3, the BitLocker
 * GUID at 0xA0, three FVE metadata offsets at 0xB0) and encrypted-looking data after it. */
static int build_bitlocker(const struct mki_part *p, int disk)
{
    enum { HEAD = 256 * 1024 };
    uint8_t *buf = malloc(HEAD);
    if (!buf)
        return -ENOMEM;
    mki_fill_bytes(MKI_FILL_RANDOM, p->start, 0, buf, HEAD);
    static const uint8_t jump[11] = {0xEB, 0x58, 0x90, '-', 'F', 'V', 'E', '-', 'F', 'S', '-'};
    memset(buf, 0, 512);
    memcpy(buf, jump, sizeof jump);
    buf[11] = 0x00; /* 512 bytes per sector */
    buf[12] = 0x02;
    buf[13] = 8;    /* sectors per cluster */
    buf[21] = 0xF8; /* fixed disk */
    buf[24] = 63;
    buf[26] = 255;
    uint32_t hidden = (uint32_t)(p->start / MKI_SECTOR);
    memcpy(buf + 28, &hidden, 4);
    static const uint8_t guid[16] = {0x3B, 0xD6, 0x67, 0x49, 0x29, 0x2E, 0xD8, 0x4A,
                                     0x83, 0x99, 0xF6, 0xA3, 0x39, 0xE3, 0xD0, 0x01};
    memcpy(buf + 0xA0, guid, sizeof guid);
    uint64_t meta[3] = {0x10000, 0x20000, 0x30000};
    memcpy(buf + 0xB0, meta, sizeof meta);
    for (int i = 0; i < 3; i++) {
        uint8_t *m = buf + meta[i];
        memset(m, 0, 64);
        memcpy(m, "-FVE-FS-", 8);
        m[8] = 0x40; /* block size */
        m[10] = 2;   /* version 2 (Windows 7 and later) */
    }
    buf[510] = 0x55;
    buf[511] = 0xAA;
    int r = pwrite(disk, buf, HEAD, (off_t)p->start) == HEAD ? 0 : -EIO;
    free(buf);
    return r;
}

static int remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p;
                if (asprintf(&p, "%s/%s", dir, e->d_name) >= 0) {
                    unlink(p);
                    free(p);
                }
            }
        closedir(d);
    }
    return rmdir(dir) ? -errno : 0;
}

static int build_raw(const struct mki_scenario *scn, const char *raw, const char *tmpdir,
                     char *errbuf, size_t errlen)
{
    int disk = open(raw, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (disk < 0 || ftruncate(disk, (off_t)scn->disk_size) < 0) {
        int e = errno;
        snprintf(errbuf, errlen, "%s: %s", raw, strerror(e));
        if (disk >= 0)
            close(disk);
        return -e;
    }
    int r = scn->table == MKI_TABLE_NONE ? 0 : write_table(scn, raw, tmpdir);
    if (r < 0)
        snprintf(errbuf, errlen, "sfdisk failed on %s", raw);
    for (size_t i = 0; r == 0 && i < scn->n_parts; i++) {
        const struct mki_part *p = &scn->parts[i];
        char *file;
        if (asprintf(&file, "%s/part%zu", tmpdir, i + 1) < 0) {
            r = -ENOMEM;
            break;
        }
        switch (p->kind) {
        case MKI_PART_ESP:
            r = build_esp(scn, p, file, disk, tmpdir, errbuf, errlen);
            if (r < 0 && !errbuf[0])
                snprintf(errbuf, errlen, "ESP (partition %zu): %s", i + 1, strerror(-r));
            break;
        case MKI_PART_MSR:
            break;
        case MKI_PART_BITLOCKER:
            if (mki_part_is_real_bde(p)) {
                /* the NTFS of the content, then encrypted into the disk (mkimage_bde.c) */
                r = mki_build_bde(p, file, tmpdir, disk, errbuf, errlen);
                if (r < 0 && !errbuf[0])
                    snprintf(errbuf, errlen, "BitLocker (partition %zu): %s", i + 1, strerror(-r));
                unlink(file);
                break;
            }
            r = build_bitlocker(p, disk);
            if (r < 0)
                snprintf(errbuf, errlen, "BitLocker (partition %zu): %s", i + 1, strerror(-r));
            break;
        case MKI_PART_NTFS:
            r = p->n_snaps ? mki_build_vss(p, file, tmpdir, errbuf, errlen)
                           : mki_build_ntfs(p, file, tmpdir, errbuf, errlen);
            if (r == 0 && (r = copy_sparse(file, disk, p->start)) < 0)
                snprintf(errbuf, errlen, "copy partition %zu: %s", i + 1, strerror(-r));
            unlink(file);
            break;
        }
        free(file);
    }
    if (close(disk) < 0 && r == 0)
        r = -errno;
    return r;
}

static void remove_segments(const char *base)
{
    for (int i = 1; i <= 99; i++) {
        char *p;
        if (asprintf(&p, "%s.E%02d", base, i) < 0)
            return;
        int gone = unlink(p) < 0;
        free(p);
        if (gone && i > 1)
            return;
    }
}

/* Split raw: OUTPUT is name.001; pieces .001, .002, ... of `segment` bytes (one piece when 0),
 * zero blocks left as holes. */
static int split_raw(const char *raw, const char *output, unsigned long long segment)
{
    int in = open(raw, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    off_t size = lseek(in, 0, SEEK_END);
    uint64_t piece = segment ? segment : (uint64_t)size;
    size_t stem = strlen(output) - 4;
    uint8_t *buf = malloc(COPY_CHUNK);
    int r = buf ? 0 : -ENOMEM;
    for (unsigned n = 1; r == 0 && (uint64_t)(n - 1) * piece < (uint64_t)size; n++) {
        if (n > 999) {
            r = -EFBIG;
            break;
        }
        char *name;
        if (asprintf(&name, "%.*s.%03u", (int)stem, output, n) < 0) {
            r = -ENOMEM;
            break;
        }
        uint64_t start = (uint64_t)(n - 1) * piece;
        uint64_t len = (uint64_t)size - start < piece ? (uint64_t)size - start : piece;
        int out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(name);
        if (out < 0 || ftruncate(out, (off_t)len) < 0) {
            r = -errno;
            if (out >= 0)
                close(out);
            break;
        }
        for (uint64_t o = 0; r == 0 && o < len; o += COPY_CHUNK) {
            size_t want = (size_t)(len - o < COPY_CHUNK ? len - o : COPY_CHUNK);
            if (pread(in, buf, want, (off_t)(start + o)) != (ssize_t)want) {
                r = -EIO;
                break;
            }
            for (size_t b = 0; b < want; b += 4096) {
                size_t bl = want - b < 4096 ? want - b : 4096;
                if (!zero_block(buf + b, bl) &&
                    pwrite(out, buf + b, bl, (off_t)(o + b)) != (ssize_t)bl) {
                    r = -EIO;
                    break;
                }
            }
        }
        if (close(out) < 0 && r == 0)
            r = -errno;
    }
    free(buf);
    close(in);
    return r;
}

static int convert(enum fmt fmt, const char *name, const char *raw, const char *output,
                   unsigned long long segment, int fixed)
{
    if (fmt == FMT_SPLIT_RAW)
        return split_raw(raw, output, segment);
    if (fmt == FMT_E01) {
        char *base = strndup(output, strlen(output) - 4);
        char *desc = NULL, *notes = NULL;
        if (!base || asprintf(&desc, "sxsdoctor sample image %s", name) < 0 ||
            asprintf(&notes, "built by sxs-mkimage from %s.scn", name) < 0) {
            free(base);
            return -ENOMEM;
        }
        remove_segments(base);
        char seg[32];
        snprintf(seg, sizeof seg, "%llu", segment ? segment : 1500ull * MKI_MIB);
        char *argv[] = {"ewfacquire",  "-u", "-q",           "-t",        base,         "-f",
                        "encase6",     "-c", "deflate:fast", "-S",        seg,          "-C",
                        "SXS-TEST-1",  "-D", desc,           "-E",        (char *)name, "-e",
                        "sxs-mkimage", "-N", notes,          "-m",        "fixed",      "-M",
                        "physical",    "-d", "sha1",         (char *)raw, NULL};
        int st = mki_run(argv, NULL);
        free(base);
        free(desc);
        free(notes);
        return st == 0 ? 0 : -EIO;
    }
    /* a monolithic sparse VMDK names its own file in its descriptor: no temp name for it */
    char *tmp;
    if (fmt == FMT_VMDK) {
        unlink(output);
        tmp = strdup(output);
    } else if (asprintf(&tmp, "%s.tmp", output) < 0) {
        tmp = NULL;
    }
    if (!tmp)
        return -ENOMEM;
    char *vhdx[] = {"qemu-img", "convert", "-q", "-f", "raw", "-O", "vhdx", (char *)raw, tmp, NULL};
    char *vhd[] = {"qemu-img",
                   "convert",
                   "-q",
                   "-f",
                   "raw",
                   "-O",
                   "vpc",
                   "-o",
                   fixed ? "subformat=fixed,force_size=on" : "subformat=dynamic,force_size=on",
                   (char *)raw,
                   tmp,
                   NULL};
    char *vmdk[] = {"qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", (char *)raw, tmp, NULL};
    int st = mki_run(fmt == FMT_VHDX ? vhdx : fmt == FMT_VMDK ? vmdk : vhd, NULL);
    int r = st == 0 ? 0 : -EIO;
    if (r == 0 && fmt != FMT_VMDK && rename(tmp, output) < 0)
        r = -errno;
    if (r < 0)
        unlink(tmp);
    free(tmp);
    return r;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: sxs-mkimage [--segment-size BYTES] SCENARIO.scn OUTPUT\n"
            "       sxs-mkimage [--segment-size BYTES] DISK.raw OUTPUT   (convert only)\n"
            "       sxs-mkimage --check SCENARIO.scn                     (parse only)\n"
            "       sxs-mkimage --tree [--volume N] SCENARIO.scn NEW_DIR (N-th NTFS volume\n"
            "                   as a plain directory tree, as a mounted volume looks)\n"
            "OUTPUT's extension picks the format: .raw .E01 .vhdx .vhd\n");
    return 2;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int parse_format(const char *output, enum fmt *ret)
{
    if (ends_with(output, ".raw"))
        *ret = FMT_RAW;
    else if (ends_with(output, ".E01"))
        *ret = FMT_E01;
    else if (ends_with(output, ".vhdx"))
        *ret = FMT_VHDX;
    else if (ends_with(output, ".vhd"))
        *ret = FMT_VHD;
    else if (ends_with(output, ".vmdk"))
        *ret = FMT_VMDK;
    else if (ends_with(output, ".001"))
        *ret = FMT_SPLIT_RAW;
    else
        return -EINVAL;
    return 0;
}

/* Converts an existing raw disk: the same bytes in every container format. */
static int convert_only(const char *raw, const char *output, enum fmt fmt,
                        unsigned long long segment, int fixed)
{
    if (fmt == FMT_RAW) {
        fprintf(stderr, "sxs-mkimage: %s is raw already\n", raw);
        return 2;
    }
    const char *base = strrchr(raw, '/');
    base = base ? base + 1 : raw;
    char *name = strndup(base, strlen(base) - 4);
    int r = name ? convert(fmt, name, raw, output, segment, fixed) : -ENOMEM;
    if (r < 0)
        fprintf(stderr, "sxs-mkimage: writing %s from %s: %s\n", output, raw, strerror(-r));
    free(name);
    return r < 0 ? 1 : 0;
}

static int build_tree(const char *scn_path, const char *dir, unsigned long volume)
{
    char err[1024] = "";
    struct mki_scenario scn;
    int r = mki_parse_file(scn_path, 0, &scn, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "sxs-mkimage: %s\n", err);
        return 1;
    }
    if (mki_layout(&scn, err, sizeof err) < 0 || mki_bcd_apply(&scn, err, sizeof err) < 0) {
        fprintf(stderr, "sxs-mkimage: %s\n", err);
        mki_scenario_free(&scn);
        return 1;
    }
    const struct mki_part *part = NULL;
    for (size_t i = 0, seen = 0; i < scn.n_parts && !part; i++)
        if ((scn.parts[i].kind == MKI_PART_NTFS || mki_part_is_real_bde(&scn.parts[i])) &&
            ++seen == volume) /* a BitLocker volume as it looks once unlocked */
            part = &scn.parts[i];
    char *tmpdir = NULL;
    if (!part) {
        fprintf(stderr, "sxs-mkimage: %s has no NTFS volume %lu\n", scn_path, volume);
        r = -EINVAL;
    } else if (rmdir(dir) < 0 && errno != ENOENT) {
        fprintf(stderr, "sxs-mkimage: %s exists and is not an empty directory\n", dir);
        r = -EEXIST;
    } else if (asprintf(&tmpdir, "%s.build-XXXXXX", dir) < 0 || !mkdtemp(tmpdir)) {
        fprintf(stderr, "sxs-mkimage: no temporary directory next to %s\n", dir);
        r = -EIO;
    } else if ((r = mki_build_tree(part, dir, tmpdir, err, sizeof err)) < 0) {
        fprintf(stderr, "sxs-mkimage: %s: %s\n", scn_path, err);
    }
    if (tmpdir) {
        remove_tree(tmpdir);
        free(tmpdir);
    }
    mki_scenario_free(&scn);
    return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    unsigned long long segment = 0;
    int check = 0, tree = 0, fixed = 0, i = 1;
    unsigned long volume = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--segment-size") == 0 && i + 1 < argc) {
            char *end;
            segment = strtoull(argv[++i], &end, 0);
            if (*end || segment < MKI_MIB) {
                fprintf(stderr, "sxs-mkimage: --segment-size must be at least 1048576\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "--fixed") == 0) {
            fixed = 1;
        } else if (strcmp(argv[i], "--tree") == 0) {
            tree = 1;
        } else if (strcmp(argv[i], "--volume") == 0 && i + 1 < argc) {
            char *end;
            volume = strtoul(argv[++i], &end, 10);
            if (*end || volume == 0)
                return usage();
        } else {
            return usage();
        }
    }
    if (argc - i != (check ? 1 : 2))
        return usage();
    const char *scn_path = argv[i], *output = check ? NULL : argv[i + 1];
    if (tree)
        return build_tree(scn_path, output, volume);
    enum fmt fmt = FMT_RAW;
    if (output && parse_format(output, &fmt) < 0) {
        fprintf(stderr,
                "sxs-mkimage: %s: extension must be .raw, .001, .E01, .vhdx, .vhd or .vmdk\n",
                output);
        return 2;
    }
    if (output && ends_with(scn_path, ".raw"))
        return convert_only(scn_path, output, fmt, segment, fixed);
    char err[1024] = "";
    struct mki_scenario scn;
    int r = mki_parse_file(scn_path, check, &scn, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "sxs-mkimage: %s\n", err);
        return 1;
    }
    r = mki_layout(&scn, err, sizeof err);
    if (r == 0)
        r = mki_bcd_apply(&scn, err, sizeof err);
    if (r < 0 || check) {
        if (r < 0)
            fprintf(stderr, "sxs-mkimage: %s\n", err);
        mki_scenario_free(&scn);
        return r < 0 ? 1 : 0;
    }
    char *tmpdir = NULL, *raw = NULL;
    if (asprintf(&tmpdir, "%s.build-XXXXXX", output) < 0 || !mkdtemp(tmpdir)) {
        fprintf(stderr, "sxs-mkimage: cannot make a temporary directory next to %s: %s\n", output,
                strerror(errno));
        mki_scenario_free(&scn);
        return 1;
    }
    if (asprintf(&raw, "%s/disk.raw", tmpdir) < 0)
        raw = NULL;
    r = raw ? build_raw(&scn, raw, tmpdir, err, sizeof err) : -ENOMEM;
    if (r == 0) {
        if (fmt == FMT_RAW)
            r = rename(raw, output) < 0 ? -errno : 0;
        else
            r = convert(fmt, scn.name, raw, output, segment, fixed);
        if (r < 0)
            snprintf(err, sizeof err, "writing %s: %s", output, strerror(-r));
        else /* a startup key's .BEK only once its image is complete */
            r = mki_bde_write_startup_keys(&scn, output, err, sizeof err);
    }
    if (r < 0)
        fprintf(stderr, "sxs-mkimage: %s: %s\n", scn_path, err[0] ? err : strerror(-r));
    if (raw)
        unlink(raw);
    remove_tree(tmpdir);
    free(raw);
    free(tmpdir);
    mki_scenario_free(&scn);
    return r < 0 ? 1 : 0;
}
