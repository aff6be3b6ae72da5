/* Test support implementation. Decompression shells out to xz/gzip (tests only), writing to a
 * temporary name and renaming so parallel test processes never see half a file. */
#include "tests/support/corpus.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *corpus_dir(void)
{
    const char *env = getenv("SXS_CORPUS_DIR");
    return (env && *env) ? env : SXS_CORPUS_DIR;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *decompress(const char *src, const char *tool, const char *base)
{
    char *dir = NULL, *dst = NULL, *tmp = NULL, *cmd = NULL;
    if (asprintf(&dir, "%s/corpus", SXS_TEST_WORK) < 0)
        return NULL;
    mkdir(SXS_TEST_WORK, 0755);
    mkdir(dir, 0755);
    const char *slash = strrchr(base, '/');
    const char *name = slash ? slash + 1 : base;
    /* Keep the relative directory in the name so equal file names do not collide. */
    char *flat = strdup(base);
    if (!flat)
        goto out;
    for (char *p = flat; *p; p++)
        if (*p == '/')
            *p = '_';
    (void)name;
    if (asprintf(&dst, "%s/%s", dir, flat) < 0)
        dst = NULL;
    free(flat);
    if (!dst)
        goto out;
    if (exists(dst))
        goto out;
    if (asprintf(&tmp, "%s.tmp.%d", dst, (int)getpid()) < 0 ||
        asprintf(&cmd, "%s -dc '%s' > '%s'", tool, src, tmp) < 0 || system(cmd) != 0 ||
        rename(tmp, dst) != 0) {
        if (tmp)
            unlink(tmp);
        free(dst);
        dst = NULL;
    }
out:
    free(dir);
    free(tmp);
    free(cmd);
    return dst;
}

char *sxs_corpus_path(const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", corpus_dir(), rel) < 0)
        return NULL;
    size_t n = strlen(rel);
    int is_xz = n > 3 && strcmp(rel + n - 3, ".xz") == 0;
    int is_gz = n > 3 && strcmp(rel + n - 3, ".gz") == 0;
    if (exists(p) && !is_xz && !is_gz)
        return p;
    if (exists(p)) {
        char *base = strndup(rel, n - 3);
        char *out = base ? decompress(p, is_xz ? "xz" : "gzip", base) : NULL;
        free(base);
        free(p);
        return out;
    }
    /* rel named the decompressed form: look for a compressed sibling. */
    static const char *const ext[2] = {".xz", ".gz"};
    static const char *const tool[2] = {"xz", "gzip"};
    for (int i = 0; i < 2; i++) {
        char *c = NULL;
        if (asprintf(&c, "%s%s", p, ext[i]) < 0)
            continue;
        if (exists(c)) {
            char *out = decompress(c, tool[i], rel);
            free(c);
            free(p);
            return out;
        }
        free(c);
    }
    free(p);
    return NULL;
}

char *sxs_test_tmpdir(const char *tag)
{
    static int counter;
    char *p = NULL;
    mkdir(SXS_TEST_WORK, 0755);
    if (asprintf(&p, "%s/%s.%d.%d", SXS_TEST_WORK, tag, (int)getpid(), counter++) < 0)
        return NULL;
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", p) >= 0) {
        if (system(cmd) != 0) {
            /* fall through: mkdir below reports the real problem */
        }
        free(cmd);
    }
    if (mkdir(p, 0755) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

int sxs_sha256_file(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        fclose(f);
        EVP_MD_CTX_free(ctx);
        return -ENOMEM;
    }
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    int err = ferror(f) ? -EIO : 0;
    fclose(f);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return err;
}

static int append(char **buf, size_t *len, const char *p, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (!nb)
        return -1;
    memcpy(nb + *len, p, n);
    *len += n;
    nb[*len] = '\0';
    *buf = nb;
    return 0;
}

int sxs_run(char *const argv[], char **ret_out, char **ret_err, int *ret_signal)
{
    int po[2], pe[2];
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    char *out = calloc(1, 1), *err = calloc(1, 1);
    size_t olen = 0, elen = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char buf[8192];
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0)
                append(&out, &olen, buf, (size_t)n);
            else
                append(&err, &elen, buf, (size_t)n);
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ret_out)
        *ret_out = out;
    else
        free(out);
    if (ret_err)
        *ret_err = err;
    else
        free(err);
    if (WIFSIGNALED(status)) {
        if (ret_signal)
            *ret_signal = WTERMSIG(status);
        return -1;
    }
    return WEXITSTATUS(status);
}

const char *sxs_binary(void)
{
    return SXS_BINARY_DIR "/cli/sxsdoctor";
}

char *sxs_slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        if (append(&buf, &len, tmp, n) < 0) {
            free(buf);
            fclose(f);
            return NULL;
        }
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    if (ret_len)
        *ret_len = len;
    return buf;
}

char *sxs_sample(const char *file)
{
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/sample-images/out/%s", SXS_BINARY_DIR, file) > 0);
    struct stat st;
    if (stat(p, &st) != 0)
        cr_skip_test("sample image %s not built (cmake --build BUILD --target sample_images)", p);
    return p;
}

int sxs_run_sample_json(const char *file, char **ret_out, char **ret_err)
{
    char *img = sxs_sample(file);
    char *argv[] = {(char *)sxs_binary(), "--json", img, NULL};
    int sig = 0;
    int rc = sxs_run(argv, ret_out, ret_err, &sig);
    cr_assert_eq(sig, 0, "sxsdoctor died with signal %d on %s", sig, file);
    free(img);
    return rc;
}

/* Writes doc to a file and prints the Python expression expr evaluated after load (which
 * binds the parsed document(s)). */
static char *python_query(const char *doc, const char *load, const char *expr)
{
    char *dir = sxs_test_tmpdir("json");
    char *path = NULL, *code = NULL;
    cr_assert(asprintf(&path, "%s/r.json", dir) > 0);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(doc, f);
    fclose(f);
    cr_assert(asprintf(&code, "import json,sys; %s; print(%s)", load, expr) > 0);
    char *argv[] = {"/usr/bin/python3", "-c", code, path, NULL};
    char *out = NULL, *err = NULL;
    int rc = sxs_run(argv, &out, &err, NULL);
    cr_assert_eq(rc, 0, "JSON query %s failed: %s", expr, err);
    unlink(path);
    rmdir(dir);
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    free(err);
    free(code);
    free(path);
    free(dir);
    return out;
}

char *sxs_json_query(const char *json, const char *expr)
{
    return python_query(json, "d=json.load(open(sys.argv[1]))", expr);
}

char *sxs_jsonl_query(const char *jsonl, const char *expr)
{
    /* every line a document, each ended by its newline (a missing last one fails) */
    return python_query(jsonl,
                        "t=open(sys.argv[1]).read(); assert t.endswith('\\n') or not t; "
                        "L=[json.loads(l) for l in t.split('\\n')[:-1]]",
                        expr);
}
