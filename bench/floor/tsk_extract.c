/* The floor of the scale benchmark (issue 16): one process that does with libtsk the least
 * any analysis of the evidence must do. It opens the image (raw, or E01 through libtsk's own
 * libewf), the NTFS volume at SECTOR, reads every FILE given whole (discarding the bytes) and
 * lists the names in DIR, then exits. No parsing, no rules: sxsdoctor's time over this is the
 * cost of its analysis. Missing files are skipped with a note on stderr.
 *   tsk_extract IMAGE SECTOR DIR [FILE...]        (paths relative to the volume, '/') */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

static unsigned long long read_whole(TSK_FS_INFO *fs, const char *path)
{
    TSK_FS_FILE *f = tsk_fs_file_open(fs, NULL, path);
    if (!f) {
        fprintf(stderr, "tsk_extract: %s: not found\n", path);
        return 0;
    }
    static char buf[1 << 20];
    unsigned long long total = 0;
    for (TSK_OFF_T off = 0;;) {
        ssize_t n = tsk_fs_file_read(f, off, buf, sizeof(buf), TSK_FS_FILE_READ_FLAG_NONE);
        if (n <= 0)
            break;
        off += n;
        total += (unsigned long long)n;
    }
    tsk_fs_file_close(f);
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tsk_extract IMAGE SECTOR DIR [FILE...]\n");
        return 2;
    }
    TSK_IMG_INFO *img = tsk_img_open_utf8_sing(argv[1], TSK_IMG_TYPE_DETECT, 0);
    if (!img) {
        fprintf(stderr, "tsk_extract: %s: %s\n", argv[1], tsk_error_get());
        return 1;
    }
    TSK_FS_INFO *fs = tsk_fs_open_img(img, (TSK_OFF_T)strtoull(argv[2], NULL, 0) * 512,
                                      TSK_FS_TYPE_NTFS);
    if (!fs) {
        fprintf(stderr, "tsk_extract: %s: no NTFS at sector %s: %s\n", argv[1], argv[2],
                tsk_error_get());
        tsk_img_close(img);
        return 1;
    }
    unsigned long long bytes = 0;
    for (int i = 4; i < argc; i++)
        bytes += read_whole(fs, argv[i]);
    size_t names = 0;
    TSK_FS_DIR *d = tsk_fs_dir_open(fs, argv[3]);
    if (d) {
        size_t n = tsk_fs_dir_getsize(d);
        for (size_t i = 0; i < n; i++) { /* names only, as a listing needs: no MFT entry */
            const TSK_FS_NAME *e = tsk_fs_dir_get_name(d, i);
            names += e && e->name && e->name[0];
        }
        tsk_fs_dir_close(d);
    } else {
        fprintf(stderr, "tsk_extract: %s: directory not found\n", argv[3]);
    }
    printf("%llu bytes read, %zu names listed\n", bytes, names);
    tsk_fs_close(fs);
    tsk_img_close(img);
    return 0;
}
