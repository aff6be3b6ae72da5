/* EWF (E01) segment checks and acquisition metadata, read with libewf directly (read-only).
 * libtsk and libewf both open an incomplete segment set without complaint and then return
 * zeros or fail on reads, so the set is checked here first: a missing middle segment or a
 * truncated last segment is an error naming the file. */
#include <errno.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsaccess/fsa_tsk.h"

/* How far past the last segment found we look for strays that reveal a missing one. */
#define FSA_EWF_STRAY_LOOKAHEAD 4

static const char *ewf_err(libewf_error_t *e, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (e) {
        if (libewf_error_sprint(e, buf, cap) < 0)
            buf[0] = '\0';
        libewf_error_free(&e);
    }
    /* keep only the first line: the rest is libewf's internal call chain */
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "unknown libewf error";
}

/* Name of segment number k (1-based) in the set path belongs to, for k <= 99
 * (".E01".. ".E99", any letter and case). 0 or -EINVAL when path has no such extension. */
static int segment_name(const char *path, unsigned k, char *out, size_t cap)
{
    size_t n = strlen(path);
    if (n < 4 || path[n - 4] != '.' || k > 99 || n + 1 > cap)
        return -EINVAL;
    char c = path[n - 3];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) || path[n - 2] < '0' ||
        path[n - 2] > '9' || path[n - 1] < '0' || path[n - 1] > '9')
        return -EINVAL;
    memcpy(out, path, n + 1);
    out[n - 2] = (char)('0' + k / 10);
    out[n - 1] = (char)('0' + k % 10);
    return 0;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A segment after the last one globbed exists: the one right after it is missing. */
static int check_stray_segments(const char *path, int n, sxs_diag *diag)
{
    char missing[4096], stray[4096];
    if (segment_name(path, (unsigned)n + 1, missing, sizeof(missing)) < 0)
        return 0;
    for (unsigned k = (unsigned)n + 2; k <= (unsigned)n + 1 + FSA_EWF_STRAY_LOOKAHEAD; k++) {
        if (segment_name(path, k, stray, sizeof(stray)) < 0)
            break;
        if (exists(stray)) {
            sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                         "%s: EWF segment %s is missing (%s is present): the image is "
                         "incomplete",
                         path, missing, stray);
            return -ENOENT;
        }
    }
    return 0;
}

static const char *header_value(fsa_evidence *ev, libewf_handle_t *h, const char *id)
{
    uint8_t buf[1024];
    libewf_error_t *e = NULL;
    int r = libewf_handle_get_utf8_header_value(h, (const uint8_t *)id, strlen(id), buf,
                                                sizeof(buf), &e);
    if (e)
        libewf_error_free(&e);
    if (r != 1)
        return NULL;
    buf[sizeof(buf) - 1] = '\0';
    return fsa_ev_strdup(ev, (const char *)buf);
}

static const char *hash_value(fsa_evidence *ev, libewf_handle_t *h, const char *id)
{
    uint8_t buf[256];
    libewf_error_t *e = NULL;
    int r =
        libewf_handle_get_utf8_hash_value(h, (const uint8_t *)id, strlen(id), buf, sizeof(buf), &e);
    if (e)
        libewf_error_free(&e);
    if (r != 1)
        return NULL;
    buf[sizeof(buf) - 1] = '\0';
    for (uint8_t *p = buf; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (uint8_t)(*p + 32);
    /* libewf reports an all-zero digest when none was stored */
    if (strspn((const char *)buf, "0") == strlen((const char *)buf))
        return NULL;
    return fsa_ev_strdup(ev, (const char *)buf);
}

static int read_metadata(fsa_evidence *ev, libewf_handle_t *h, const char *path, sxs_diag *diag)
{
    libewf_error_t *e = NULL;
    char eb[512];
    size64_t media = 0;
    uint32_t bps = 0;
    if (libewf_handle_get_media_size(h, &media, &e) != 1) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: EWF media size unreadable: %s", path,
                     ewf_err(e, eb, sizeof(eb)));
        return -EIO;
    }
    if (libewf_handle_get_bytes_per_sector(h, &bps, &e) != 1) {
        ewf_err(e, eb, sizeof(eb));
        bps = 512;
    }
    ev->info.media_size = media;
    ev->info.sector_size = bps;
    ev->info.ewf_case_number = header_value(ev, h, "case_number");
    ev->info.ewf_evidence_number = header_value(ev, h, "evidence_number");
    ev->info.ewf_description = header_value(ev, h, "description");
    ev->info.ewf_examiner = header_value(ev, h, "examiner_name");
    ev->info.ewf_notes = header_value(ev, h, "notes");
    ev->info.ewf_acquiry_date = header_value(ev, h, "acquiry_date");
    ev->info.ewf_acquiry_software = header_value(ev, h, "acquiry_software_version");
    ev->info.ewf_md5 = hash_value(ev, h, "MD5");
    ev->info.ewf_sha1 = hash_value(ev, h, "SHA1");
    return 0;
}

int fsa_tsk_ewf_prepare(fsa_evidence *ev, const char *path, sxs_diag *diag)
{
    char **names = NULL;
    int n = 0;
    libewf_error_t *e = NULL;
    char eb[512];
    if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n, &e) != 1 || n < 1) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: cannot find the EWF segments: %s", path,
                     ewf_err(e, eb, sizeof(eb)));
        return -EINVAL;
    }
    int r = check_stray_segments(path, n, diag);
    libewf_handle_t *h = NULL;
    if (r == 0 && libewf_handle_initialize(&h, &e) != 1) {
        ewf_err(e, eb, sizeof(eb));
        r = -ENOMEM;
    }
    if (r == 0 && libewf_handle_open(h, names, n, LIBEWF_OPEN_READ, &e) != 1) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: not a readable EWF image: %s", path,
                     ewf_err(e, eb, sizeof(eb)));
        r = -EINVAL;
    }
    if (r == 0) {
        int c = libewf_handle_segment_files_corrupted(h, &e);
        if (c != 0) {
            if (e)
                ewf_err(e, eb, sizeof(eb));
            sxs_diag_add(diag, SXS_DIAG_ERROR, names[n - 1], -1,
                         "%s: EWF segment %s ends without its closing section: it is "
                         "truncated or the segment after it is missing (%d segment%s found)",
                         path, names[n - 1], n, n == 1 ? "" : "s");
            r = -EIO;
        }
    }
    if (r == 0)
        r = read_metadata(ev, h, path, diag);
    if (r == 0)
        r = fsa_ev_set_segments(ev, (const char *const *)names, (size_t)n);
    if (h) {
        libewf_handle_close(h, NULL);
        libewf_handle_free(&h, NULL);
    }
    libewf_glob_free(names, n, NULL);
    return r;
}

/* Only on a damage path: opens the segments again (their paths are in ev), reads the one
 * chunk holding disk_off and asks libewf whether it failed its checksum (libewf then hands
 * out zeros, which the filesystem layer sees as a zeroed structure). */
int fsa_tsk_ewf_chunk_check(const fsa_evidence *ev, uint64_t disk_off, char *out, size_t cap)
{
    if (ev->info.format != FSA_FMT_EWF || ev->nsegments == 0)
        return 0;
    libewf_handle_t *h = NULL;
    int bad = 0;
    uint32_t spc = 0, bps = 0;
    if (libewf_handle_initialize(&h, NULL) != 1)
        return 0;
    if (libewf_handle_open(h, ev->segments, (int)ev->nsegments, LIBEWF_OPEN_READ, NULL) == 1 &&
        libewf_handle_get_sectors_per_chunk(h, &spc, NULL) == 1 &&
        libewf_handle_get_bytes_per_sector(h, &bps, NULL) == 1 && spc && bps &&
        (uint64_t)spc * bps <= 16u * 1024 * 1024) { /* a chunk is 32 KiB; EnCase allows 1 MiB */
        uint64_t csize = (uint64_t)spc * bps, chunk = disk_off / csize;
        uint8_t *buf = malloc(csize);
        if (buf && libewf_handle_read_random(h, buf, csize, (off64_t)(chunk * csize), NULL) >= 0) {
            uint32_t nerr = 0;
            if (libewf_handle_get_number_of_checksum_errors(h, &nerr, NULL) == 1 && nerr > 0) {
                snprintf(out, cap,
                         "EWF chunk %llu (bytes %llu-%llu of the disk) fails its checksum: the "
                         "image file is damaged there, not the filesystem",
                         (unsigned long long)chunk, (unsigned long long)(chunk * csize),
                         (unsigned long long)((chunk + 1) * csize - 1));
                bad = 1;
            }
        }
        free(buf);
        libewf_handle_close(h, NULL);
    }
    libewf_handle_free(&h, NULL);
    return bad;
}
