/* Where the shipped rule pack is. An installed binary must read the rules installed with it,
 * a build-tree binary the source tree's, and neither may need a --rules option:
 *  1. BINDIR-relative: <dir of /proc/self/exe>/SXS_RULES_DIR_FROM_BINDIR (by default
 *     ../share/sxsdoctor/rules.d). Finds the pack of a DESTDIR, .deb or relocated install.
 *  2. SXS_SOURCE_RULES_DIR, the source tree (the binary runs from the build tree).
 *  3. SXS_INSTALLED_RULES_DIR, CMAKE_INSTALL_FULL_DATADIR/sxsdoctor/rules.d, compiled in;
 *     returned even when absent so that the error names where the pack was expected. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rule.h"

#ifndef SXS_SOURCE_RULES_DIR
#error "SXS_SOURCE_RULES_DIR must be defined by rules/CMakeLists.txt"
#endif
#ifndef SXS_INSTALLED_RULES_DIR
#error "SXS_INSTALLED_RULES_DIR must be defined by rules/CMakeLists.txt"
#endif
#ifndef SXS_RULES_DIR_FROM_BINDIR
#error "SXS_RULES_DIR_FROM_BINDIR must be defined by rules/CMakeLists.txt"
#endif

static char pack_dir[PATH_MAX];
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 and the pack next to the running binary in ret (PATH_MAX), 0 when there is none. */
static int bindir_relative(char *ret)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    char joined[PATH_MAX];
    int len = snprintf(joined, sizeof(joined), "%s/%s", exe, SXS_RULES_DIR_FROM_BINDIR);
    if (len < 0 || (size_t)len >= sizeof(joined) || !is_dir(joined))
        return 0;
    return realpath(joined, ret) != NULL; /* messages show /usr/share/..., not bin/../share */
}

static void find_pack_dir(void)
{
    if (bindir_relative(pack_dir))
        return;
    const char *d = is_dir(SXS_SOURCE_RULES_DIR) ? SXS_SOURCE_RULES_DIR : SXS_INSTALLED_RULES_DIR;
    snprintf(pack_dir, sizeof(pack_dir), "%s", d);
}

const char *rule_builtin_dir(void)
{
    pthread_once(&pack_once, find_pack_dir);
    return pack_dir;
}
