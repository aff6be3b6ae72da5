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

#include "common/sxs_limits.h"
#include "fsaccess/fsa_ewf1.h"
#include "fsaccess/fsa_tsk.h"

/* How far past the last segment found we look for strays that reveal a missing one. */
#define FSA_EWF_STRAY_LOOKAHEAD 4
/* Failing-chunk ranges kept for messages and overlap checks (libewf merges adjacent chunks,
 * so this is ranges, not chunks; an image with more is reported by count). */
#define FSA_EWF_MAX_BAD 64

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

/* ---- the E01 as a libtsk image, read through our own libewf handle ----
 *
 * libtsk's own EWF reader hides checksum failures: libewf hands out the chunk (or zeros) and
 * records the failure in a list libtsk never reads, so damaged image data reached the
 * filesystem and the collectors as if it were evidence. Here every read asks libewf whether a
 * chunk it touched failed its checksum, and a read that covers such a chunk fails with a
 * libtsk error naming the chunk. libtsk then retries a failed cache fill with exactly the
 * caller's range (img_io.c, tsk_img_read), so a clean read next to a bad chunk still works:
 * only the data inside a failing chunk is refused. libtsk 4.11 loses the failure of an
 * uncached read whose length is not a whole number of sectors (tsk_img_read_no_cache returns
 * the length asked for), so refusals are also counted, for the file reader to check, and the
 * buffer of a refused read is zeroed. The handle is also the one the segment checks and the
 * metadata used: the set is opened once.
 *
 * Memory: libewf 20140813 reads a table section (the offsets of up to 65534 chunks) on the
 * first read of any chunk it covers, keeps ~128 bytes per chunk of it (8.4 MiB per full
 * table) until the handle is closed, and has no call that bounds or drops that state (the
 * open-handle limit is about file descriptors; the chunk cache is separate and small). A run
 * that reads here and there on a large disk would so grow with each table it touched. So the
 * media is cut into windows of 65536 chunks, the size of the largest table, and when a read
 * would make more than SXS_EWF_MAX_TABLE_WINDOWS windows live the handle is closed and opened
 * again on the same segment names: no glob, no segment check, no metadata read. Our own state
 * (the failing chunks seen, the refusal count) lives here, not in libewf, so it survives the
 * reopen. A reopen costs 50-100 ms on a 40 GiB image (open, then each table refilled when next
 * read): the limit is set so that reading one piece of evidence at a time never needs one.
 * Not bounded by that: libewf's open itself allocates 8 bytes per chunk of the media (13 MiB
 * for 40 GiB, 265 MiB for 1 TB), whatever is read. So a clean EWF version 1 set is read by our
 * own reader (fsa_ewf1.c, memory fixed whatever the media size), which libewf never opens;
 * libewf reads only what that declines (EWF2, SMART, L01, a damaged or incomplete set: libewf's
 * open then also gives the errors below). The damage contract is the same on both paths: a
 * failing chunk is kept as the sector range libewf records for it. */

/* Chunks per window: EWF_MAXIMUM_OFFSETS_IN_TABLE_ENCASE6 (65534) rounded up, so that one
 * window meets at most two table sections. */
#define FSA_EWF_WINDOW_CHUNKS 65536ULL
/* Most windows tracked (a 128 KiB bitmap): 2 PiB of media at 2 GiB per window. */
#define FSA_EWF_MAX_WINDOWS (1ULL << 20)

typedef struct {
    TSK_IMG_INFO img;   /* first: libtsk treats this struct as its TSK_IMG_INFO */
    fsa_ewf1 *r;        /* our reader; when set, h is never opened */
    libewf_handle_t *h; /* NULL after a failed reopen */
    char **names;       /* the segment set (libewf_glob), for reopening */
    int nnames;
    uint64_t chunk_size; /* bytes; 0 when libewf did not say */
    fsa_range bad[FSA_EWF_MAX_BAD];
    size_t nbad;      /* failing ranges kept (merged, the first FSA_EWF_MAX_BAD) */
    size_t unkept;    /* most ranges one look at libewf's list could not keep */
    uint64_t refused; /* reads refused so far (see fsa_tsk_ewf_refused) */
    char last_refused[256];
    uint64_t window_bytes; /* media bytes per window */
    uint8_t *live;         /* bitmap: windows read since the handle was opened */
    size_t nwindows, nlive;
    uint64_t reopens;     /* see fsa_tsk_ewf_reopens */
    uint64_t last_unkept; /* our reader: the last failing chunk not kept, counted once */
} ewf_img;

/* Adds [off, off+size) to the kept ranges, merging it with one it overlaps or touches.
 * 0 when kept, -ENOSPC when the list is full. */
static int keep_bad(ewf_img *w, uint64_t off, uint64_t size)
{
    for (size_t i = 0; i < w->nbad; i++) {
        fsa_range *b = &w->bad[i];
        if (off <= b->offset + b->size && b->offset <= off + size) {
            uint64_t end = off + size > b->offset + b->size ? off + size : b->offset + b->size;
            b->offset = off < b->offset ? off : b->offset;
            b->size = end - b->offset;
            return 0;
        }
    }
    if (w->nbad == FSA_EWF_MAX_BAD)
        return -ENOSPC;
    w->bad[w->nbad++] = (fsa_range){.offset = off, .size = size};
    return 0;
}

/* Merges libewf's list of checksum errors into ours (which a reopen keeps). The list is read
 * whole after every read while it is not empty: libewf keeps it as a range list that may merge
 * a new failing chunk into a range it touches, so its count alone does not show that a range
 * grew. The list only ever has entries on a damaged image. */
static void refresh_bad(ewf_img *w)
{
    uint32_t n = 0;
    if (!w->h || libewf_handle_get_number_of_checksum_errors(w->h, &n, NULL) != 1 || n == 0)
        return;
    unsigned ss = w->img.sector_size ? w->img.sector_size : 512;
    size_t unkept = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t first = 0, count = 0;
        if (libewf_handle_get_checksum_error(w->h, i, &first, &count, NULL) != 1 || count == 0 ||
            first > UINT64_MAX / ss || count > (UINT64_MAX - first * ss) / ss)
            continue;
        if (keep_bad(w, first * ss, count * ss) < 0)
            unkept++;
    }
    if (unkept > w->unkept)
        w->unkept = unkept;
}

static const fsa_range *bad_overlap(const ewf_img *w, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < w->nbad; i++)
        if (off < w->bad[i].offset + w->bad[i].size && w->bad[i].offset < off + len)
            return &w->bad[i];
    return NULL;
}

/* The chunk numbers and disk bytes of a failing range, for messages. */
static void describe_bad(const ewf_img *w, const fsa_range *b, char *out, size_t cap)
{
    uint64_t cs = w->chunk_size ? w->chunk_size : 1;
    unsigned long long c0 = b->offset / cs, c1 = (b->offset + b->size - 1) / cs;
    unsigned long long first = b->offset, last = b->offset + b->size - 1;
    if (c0 == c1)
        snprintf(out, cap,
                 "EWF chunk %llu (bytes %llu-%llu of the disk) fails its checksum: the image "
                 "file is damaged there, not the filesystem",
                 c0, first, last);
    else
        snprintf(out, cap,
                 "EWF chunks %llu-%llu (bytes %llu-%llu of the disk) fail their checksums: the "
                 "image file is damaged there, not the filesystem",
                 c0, c1, first, last);
}

/* Closes the handle and opens the same segments again, dropping libewf's table state.
 * 0, or -1 with a libtsk error set (w->h is then NULL; the next read tries again). */
static int reopen(ewf_img *w)
{
    libewf_error_t *e = NULL;
    char eb[256];
    if (w->h) {
        libewf_handle_close(w->h, NULL);
        libewf_handle_free(&w->h, NULL);
    }
    memset(w->live, 0, (w->nwindows + 7) / 8);
    w->nlive = 0;
    w->reopens++;
    if (libewf_handle_initialize(&w->h, &e) == 1 &&
        libewf_handle_open(w->h, w->names, w->nnames, LIBEWF_OPEN_READ, &e) == 1)
        return 0;
    if (w->h)
        libewf_handle_free(&w->h, NULL);
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_IMG_OPEN);
    tsk_error_set_errstr("EWF segment set %s could not be opened again: %s", w->names[0],
                         ewf_err(e, eb, sizeof(eb)));
    return -1;
}

/* Marks the windows [off, off+len) touches as live, reopening the handle first when that
 * would make more than SXS_EWF_MAX_TABLE_WINDOWS live. 0 or -1 (libtsk error set). */
static int touch_windows(ewf_img *w, uint64_t off, size_t len)
{
    if (len == 0 || w->nwindows == 0)
        return w->h ? 0 : reopen(w);
    size_t first = (size_t)(off / w->window_bytes),
           last = (size_t)((off + len - 1) / w->window_bytes);
    if (last >= w->nwindows)
        last = w->nwindows - 1;
    if (first > last)
        first = last;
    size_t fresh = 0;
    for (size_t i = first; i <= last; i++)
        fresh += !(w->live[i / 8] & (1u << (i % 8)));
    if (!w->h || (fresh && w->nlive && w->nlive + fresh > SXS_EWF_MAX_TABLE_WINDOWS)) {
        if (reopen(w) < 0)
            return -1;
        fresh = last - first + 1;
    }
    for (size_t i = first; i <= last; i++)
        w->live[i / 8] |= (uint8_t)(1u << (i % 8));
    w->nlive += fresh;
    return 0;
}

/* Our reader's report of a failing chunk, kept as libewf's list would have it. */
static void own_bad(void *ctx, uint64_t off, uint64_t len)
{
    ewf_img *w = ctx;
    if (keep_bad(w, off, len) < 0 && off + 1 != w->last_unkept) {
        w->last_unkept = off + 1;
        w->unkept++;
    }
}

static ssize_t own_read(ewf_img *w, TSK_OFF_T off, char *buf, size_t len)
{
    ssize_t n = off < 0 ? -1 : fsa_ewf1_read(w->r, (uint64_t)off, buf, len, own_bad, w);
    if (n < 0) {
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("EWF read at byte %lld of the disk failed: %s", (long long)off,
                             fsa_ewf1_error(w->r));
    }
    return n;
}

static ssize_t ewf_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    ewf_img *w = (ewf_img *)img;
    libewf_error_t *e = NULL;
    ssize_t n;
    if (w->r) {
        if ((n = own_read(w, off, buf, len)) < 0)
            return -1;
    } else if (off < 0 || touch_windows(w, (uint64_t)off, len) < 0) {
        return -1;
    } else if ((n = libewf_handle_read_random(w->h, buf, len, (off64_t)off, &e)) < 0) {
        char eb[256];
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("EWF read at byte %lld of the disk failed: %s", (long long)off,
                             ewf_err(e, eb, sizeof(eb)));
        return -1;
    }
    if (!w->r)
        refresh_bad(w);
    const fsa_range *b = n > 0 ? bad_overlap(w, (uint64_t)off, (uint64_t)n) : NULL;
    if (b) {
        describe_bad(w, b, w->last_refused, sizeof(w->last_refused));
        w->refused++;
        memset(buf, 0, len);
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("%s", w->last_refused);
        return -1;
    }
    return n;
}

static void ewf_free(ewf_img *w)
{
    if (!w)
        return;
    if (w->h) {
        libewf_handle_close(w->h, NULL);
        libewf_handle_free(&w->h, NULL);
    }
    if (w->names)
        libewf_glob_free(w->names, w->nnames, NULL);
    fsa_ewf1_close(w->r);
    free(w->live);
    free(w);
}

static void ewf_close(TSK_IMG_INFO *img)
{
    ewf_free((ewf_img *)img);
}

static void ewf_imgstat(TSK_IMG_INFO *img, FILE *out)
{
    fprintf(out, "EWF image, %lld bytes\n", (long long)img->size);
}

/* The window bitmap for a media of size bytes. 0 or -ENOMEM. */
static int init_windows(ewf_img *w, uint64_t size)
{
    uint64_t chunks = FSA_EWF_WINDOW_CHUNKS;
#ifdef SXS_TEST_HOOKS
    /* Test builds only: SXS_TEST_EWF_WINDOW=N makes a window N chunks, so that a small image
     * reopens its handle often and the tests can compare what it reads with a run that does
     * not. Never honoured in a build for users. */
    const char *t = getenv("SXS_TEST_EWF_WINDOW");
    if (t && strtoull(t, NULL, 10) > 0)
        chunks = strtoull(t, NULL, 10);
#endif
    uint64_t cs = w->chunk_size ? w->chunk_size : 32768;
    w->window_bytes = chunks > UINT64_MAX / cs ? UINT64_MAX : chunks * cs;
    /* the media size is the image's word: a huge one makes windows larger, not the bitmap */
    if (size / w->window_bytes >= FSA_EWF_MAX_WINDOWS)
        w->window_bytes = size / (FSA_EWF_MAX_WINDOWS - 1);
    w->nwindows = (size_t)(size / w->window_bytes + 1);
    w->live = calloc((w->nwindows + 7) / 8, 1);
    return w->live ? 0 : -ENOMEM;
}

static const char *own_str(fsa_evidence *ev, const char *s)
{
    return s ? fsa_ev_strdup(ev, s) : NULL;
}

/* Opens the set with our reader and takes its metadata. 0, 1 when it declines the set (libewf
 * is then to open it), or negative. */
static int open_own(fsa_evidence *ev, ewf_img *w, char **names, int n)
{
#ifdef SXS_TEST_HOOKS
    /* Test builds only: SXS_TEST_EWF_LIBEWF=1 reads every set with libewf, for the tests that
     * compare the two readers; the window override is about libewf's handle, so it does too. */
    if (getenv("SXS_TEST_EWF_LIBEWF") || getenv("SXS_TEST_EWF_WINDOW"))
        return 1;
#endif
    char why[512];
    int r = fsa_ewf1_open((const char *const *)names, (size_t)n, &w->r, why, sizeof(why));
    if (r != 0)
        return r;
    const fsa_ewf1_info *in = fsa_ewf1_info_of(w->r);
    ev->info.media_size = in->media_size;
    ev->info.sector_size = in->bytes_per_sector;
    ev->info.ewf_case_number = own_str(ev, in->case_number);
    ev->info.ewf_evidence_number = own_str(ev, in->evidence_number);
    ev->info.ewf_description = own_str(ev, in->description);
    ev->info.ewf_examiner = own_str(ev, in->examiner);
    ev->info.ewf_notes = own_str(ev, in->notes);
    ev->info.ewf_acquiry_date = own_str(ev, in->acquiry_date);
    ev->info.ewf_acquiry_software = own_str(ev, in->acquiry_software);
    ev->info.ewf_md5 = own_str(ev, in->md5);
    ev->info.ewf_sha1 = own_str(ev, in->sha1);
    w->chunk_size = (uint64_t)in->sectors_per_chunk * in->bytes_per_sector;
    return 0;
}

/* The libewf handle path: open, segment checks, metadata. */
static int open_libewf(fsa_evidence *ev, ewf_img *w, char **names, int n, const char *path,
                       sxs_diag *diag)
{
    libewf_error_t *e = NULL;
    char eb[512];
    int r = 0;
    if (libewf_handle_initialize(&w->h, &e) != 1) {
        ewf_err(e, eb, sizeof(eb));
        return -ENOMEM;
    }
    if (libewf_handle_open(w->h, names, n, LIBEWF_OPEN_READ, &e) != 1) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: not a readable EWF image: %s", path,
                     ewf_err(e, eb, sizeof(eb)));
        return -EINVAL;
    }
    int c = libewf_handle_segment_files_corrupted(w->h, &e);
    if (c != 0) {
        if (e)
            ewf_err(e, eb, sizeof(eb));
        sxs_diag_add(diag, SXS_DIAG_ERROR, names[n - 1], -1,
                     "%s: EWF segment %s ends without its closing section: it is "
                     "truncated or the segment after it is missing (%d segment%s found)",
                     path, names[n - 1], n, n == 1 ? "" : "s");
        return -EIO;
    }
    r = read_metadata(ev, w->h, path, diag);
    uint32_t spc = 0;
    if (r == 0 && libewf_handle_get_sectors_per_chunk(w->h, &spc, NULL) == 1)
        w->chunk_size = (uint64_t)spc * (ev->info.sector_size ? ev->info.sector_size : 512);
    if (r == 0)
        r = init_windows(w, ev->info.media_size);
    return r;
}

int fsa_tsk_ewf_open(fsa_evidence *ev, const char *path, sxs_diag *diag, TSK_IMG_INFO **ret_img)
{
    *ret_img = NULL;
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
    ewf_img *w = r == 0 ? calloc(1, sizeof(*w)) : NULL;
    if (r == 0 && !w)
        r = -ENOMEM;
    if (r == 0)
        r = open_own(ev, w, names, n);
    if (r == 1)
        r = open_libewf(ev, w, names, n, path, diag);
    if (r == 0)
        r = fsa_ev_set_segments(ev, (const char *const *)names, (size_t)n);
    if (w) {
        w->names = names; /* kept for reopening; freed with w */
        w->nnames = n;
    } else {
        libewf_glob_free(names, n, NULL);
    }
    TSK_IMG_INFO *img = NULL;
    if (r == 0) {
        img = tsk_img_open_external(w, (TSK_OFF_T)ev->info.media_size,
                                    ev->info.sector_size ? ev->info.sector_size : 512, ewf_read,
                                    ewf_close, ewf_imgstat);
        if (!img) {
            sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s", path, fsa_tsk_errstr());
            r = -EINVAL;
        }
    }
    if (r < 0)
        ewf_free(w);
    *ret_img = img;
    return r;
}

static const ewf_img *ewf_of(const fsa_evidence *ev)
{
    if (!ev || ev->info.format != FSA_FMT_EWF || !ev->backend)
        return NULL;
    const fsa_tsk_ev *tev = ev->backend;
    return (const ewf_img *)tev->img;
}

int fsa_tsk_ewf_chunk_check(const fsa_evidence *ev, uint64_t disk_off, char *out, size_t cap)
{
    const ewf_img *w = ewf_of(ev);
    const fsa_range *b = w ? bad_overlap(w, disk_off, 1) : NULL;
    if (!b)
        return 0;
    describe_bad(w, b, out, cap);
    return 1;
}

uint64_t fsa_tsk_ewf_refused(const fsa_evidence *ev, const char **ret_what)
{
    const ewf_img *w = ewf_of(ev);
    if (ret_what)
        *ret_what = w ? w->last_refused : "";
    return w ? w->refused : 0;
}

size_t fsa_container_damage(const fsa_evidence *ev, fsa_range *out, size_t cap)
{
    const ewf_img *w = ewf_of(ev);
    if (!w)
        return 0;
    for (size_t i = 0; i < w->nbad && i < cap; i++)
        out[i] = w->bad[i];
    return w->nbad + w->unkept;
}

uint64_t fsa_tsk_ewf_reopens(const fsa_evidence *ev)
{
    const ewf_img *w = ewf_of(ev);
    return w ? w->reopens : 0;
}

bool fsa_tsk_ewf_own_reader(const fsa_evidence *ev)
{
    const ewf_img *w = ewf_of(ev);
    return w && w->r;
}
