/* sxs-mkimage --tree: writes an NTFS partition's content as a plain directory tree, the way a
 * Linux rescue VM that mounted the Windows volume sees it, for tests of the directory
 * backend against the image backend on the same content. */
#include "sample-images/mkimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fd_sink {
    int fd;
};

static int fd_write(void *arg, const void *buf, size_t len, uint64_t off)
{
    struct fd_sink *s = arg;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(s->fd, (const char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}

/* mkdir -p of the directory part of path (or of path itself when whole is set). */
static int make_dirs(const char *root, const char *path, int whole)
{
    char *full;
    if (asprintf(&full, "%s/%s", root, path) < 0)
        return -ENOMEM;
    size_t skip = strlen(root) + 1;
    int r = 0;
    for (char *p = full + skip; r == 0; p++) {
        if (*p == '/' || (*p == '\0' && whole)) {
            char c = *p;
            *p = '\0';
            if (mkdir(full, 0755) < 0 && errno != EEXIST)
                r = -errno;
            else {
                struct stat st;
                if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
                    r = -ENOTDIR;
            }
            *p = c;
        }
        if (*p == '\0')
            break;
    }
    free(full);
    return r;
}

static int tree_file(const char *root, const char *path, const struct mki_node *n,
                     const char *from_file, const char *tmpdir)
{
    int r = make_dirs(root, path, 0);
    char *full;
    if (r < 0)
        return r;
    if (asprintf(&full, "%s/%s", root, path) < 0)
        return -ENOMEM;
    if (from_file) {
        r = rename(from_file, full) < 0 ? -errno : 0;
        free(full);
        return r;
    }
    int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    free(full);
    if (fd < 0)
        return -errno;
    struct fd_sink s = {fd};
    r = mki_write_content(n, tmpdir, fd_write, &s);
    if (r == 0 && n->filetime) {
        int64_t unix_secs = (int64_t)(n->filetime / 10000000ull) - 11644473600LL;
        struct timespec ts[2] = {{(time_t)unix_secs, 0}, {(time_t)unix_secs, 0}};
        if (futimens(fd, ts) < 0)
            r = -errno;
    }
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

int mki_build_tree(const struct mki_part *part, const char *dir, const char *tmpdir, char *errbuf,
                   size_t errlen)
{
    errbuf[0] = '\0';
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        int e = errno;
        snprintf(errbuf, errlen, "%s: %s", dir, strerror(e));
        return -e;
    }
    int r = 0;
    const char *what = "";
    for (size_t i = 0; r == 0 && i < part->n_nodes; i++) {
        const struct mki_node *n = part->nodes[i];
        what = n->path;
        if (n->gone || n->kind == MKI_NODE_DELETE) /* the tree is the volume now */
            continue;
        if (n->kind == MKI_NODE_DIR) {
            r = make_dirs(dir, n->path, 1);
        } else if (n->kind == MKI_NODE_FILE) {
            r = tree_file(dir, n->path, n, NULL, tmpdir);
        } else {
            char *full;
            r = make_dirs(dir, n->path, 0);
            if (r == 0 && asprintf(&full, "%s/%s", dir, n->path) >= 0) {
                r = symlink(n->target, full) < 0 ? -errno : 0;
                free(full);
            } else if (r == 0) {
                r = -ENOMEM;
            }
        }
    }
    for (size_t i = 0; r == 0 && i < part->n_hives; i++) {
        const struct mki_hive *h = &part->hives[i];
        char *file = NULL, *log = NULL, *vlog = NULL;
        what = h->path;
        if (asprintf(&file, "%s/hive%zu", tmpdir, i) < 0 ||
            asprintf(&log, "%s/hive%zu.LOG1", tmpdir, i) < 0 ||
            asprintf(&vlog, "%s.LOG1", h->path) < 0) {
            free(file);
            free(log);
            return -ENOMEM;
        }
        r = mki_build_hive(h, file, errbuf, errlen);
        if (r == 0)
            r = tree_file(dir, h->path, NULL, file, tmpdir);
        if (r == 0 && h->logged)
            r = tree_file(dir, vlog, NULL, log, tmpdir);
        if (r == 0 && h->logged) {
            struct mki_node empty = {.kind = MKI_NODE_FILE};
            vlog[strlen(vlog) - 1] = '2'; /* .LOG2, empty as Windows keeps it */
            r = tree_file(dir, vlog, &empty, NULL, tmpdir);
        }
        unlink(file);
        unlink(log);
        free(file);
        free(log);
        free(vlog);
    }
    if (r < 0 && !errbuf[0])
        snprintf(errbuf, errlen, "%s/%s: %s", dir, what, strerror(-r));
    return r;
}
