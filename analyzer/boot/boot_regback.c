/* HIVE-DAMAGED evidence: the copies in System32\config\RegBack and the hives' own times.
 * Since Windows 10 1803 the scheduled RegIdleBackup task no longer copies the hives there
 * (Microsoft, "The system registry is no longer backed up to the RegBack folder starting in
 * Windows 10 version 1803", KB 4509719): the folder holds 0-byte files, and copying those over
 * a damaged hive leaves a machine without a registry. A copy is "real" when it is at least one
 * base block long and starts with the "regf" signature.
 *
 * For SYSTEM and SOFTWARE it also says whether the hive file's own bytes show damage
 * (hive.<name>.damage): 0 bytes, no "regf" signature, or shorter than the hive-bins size its
 * base block declares. Only such objective damage lets HIVE-DAMAGED fire on a hive the
 * registry collector could not open: a hive refused by our own reader (libregf, the subkey
 * graph check, a size limit) or one that could not be read from the image stays "unread"
 * (verdict UNREADABLE), because that says nothing about the hive Windows would read. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/boot/boot_int.h"

static const char *const HIVES[] = {"SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULT"};

/* a regf base block is 4096 bytes */
#define REGF_BASE_BLOCK 4096

/* 1 the file starts with "regf", 0 not, negative on a read error. */
static int has_regf(fsa_fs *fs, const char *path)
{
    fsa_file *f = NULL;
    int r = fsa_file_open(fs, path, &f);
    if (r <= 0)
        return r < 0 ? r : 0;
    char sig[4];
    long n = fsa_file_read(f, 0, sig, sizeof(sig));
    fsa_file_close(f);
    if (n < 0)
        return (int)n;
    return n == 4 && memcmp(sig, "regf", 4) == 0;
}

/* The damage the hive's bytes show, or "" when none of these. 0, or a read error. */
static int hive_damage(fsa_fs *fs, const char *path, uint64_t size, char *out, size_t cap)
{
    out[0] = '\0';
    if (size == 0) {
        snprintf(out, cap, "the file is 0 bytes");
        return 0;
    }
    fsa_file *f = NULL;
    int r = fsa_file_open(fs, path, &f);
    if (r <= 0)
        return r < 0 ? r : 0;
    uint8_t bb[48];
    long n = fsa_file_read(f, 0, bb, sizeof(bb));
    fsa_file_close(f);
    if (n < 0)
        return (int)n;
    if (n < 4 || memcmp(bb, "regf", 4) != 0) {
        snprintf(out, cap, "no regf signature at the start of the file");
        return 0;
    }
    if (n < (long)sizeof(bb) || size < REGF_BASE_BLOCK) {
        snprintf(out, cap, "truncated: %llu bytes, shorter than its base block",
                 (unsigned long long)size);
        return 0;
    }
    uint64_t bins =
        (uint64_t)bb[40] | (uint64_t)bb[41] << 8 | (uint64_t)bb[42] << 16 | (uint64_t)bb[43] << 24;
    if (REGF_BASE_BLOCK + bins > size)
        snprintf(out, cap,
                 "truncated: the base block declares %llu bytes of hive bins, the file holds "
                 "%llu after its base block",
                 (unsigned long long)bins, (unsigned long long)(size - REGF_BASE_BLOCK));
    return 0;
}

static int one(fsa_fs *fs, const char *windows_dir, const char *name, an_facts *facts,
               sxs_diag *diag)
{
    char lname[16], hive[512], copy[512], when[21];
    an_boot_lower(name, lname, sizeof(lname));
    snprintf(hive, sizeof(hive), "%s/System32/config/%s", windows_dir, name);
    snprintf(copy, sizeof(copy), "%s/System32/config/RegBack/%s", windows_dir, name);
    fsa_stat st;
    int r = fsa_lookup(fs, hive, &st);
    if (r < 0)
        return an_boot_unread_file(fs, hive, r, facts, diag);
    if (r == 1 && st.mtime) {
        an_boot_utc(st.mtime, when);
        if (an_facts_add_strf(facts, when, hive, "hive.%s.mtime", lname) < 0)
            return -ENOMEM;
    }
    if (r == 1 && st.type == FSA_TYPE_FILE &&
        (strcmp(name, "SYSTEM") == 0 || strcmp(name, "SOFTWARE") == 0)) {
        char dmg[256];
        int d = hive_damage(fs, hive, st.size, dmg, sizeof(dmg));
        if (d < 0)
            return an_boot_unread_file(fs, hive, d, facts, diag);
        if (dmg[0] && an_facts_add_strf(facts, dmg, hive, "hive.%s.damage", lname) < 0)
            return -ENOMEM;
    }
    r = fsa_lookup(fs, copy, &st);
    if (r < 0)
        return an_boot_unread_file(fs, copy, r, facts, diag);
    bool present = r == 1 && st.type == FSA_TYPE_FILE;
    if (an_facts_add_strf(facts, present ? "true" : "false", copy, "hive.regback.%s.present",
                          lname) < 0)
        return -ENOMEM;
    if (!present)
        return 0;
    an_boot_utc(st.mtime, when);
    if (an_facts_add_numf(facts, (int64_t)st.size, copy, "hive.regback.%s.size", lname) < 0 ||
        (st.mtime && an_facts_add_strf(facts, when, copy, "hive.regback.%s.mtime", lname) < 0))
        return -ENOMEM;
    int sig = st.size >= REGF_BASE_BLOCK ? has_regf(fs, copy) : 0;
    if (sig < 0)
        return an_boot_unread_file(fs, copy, sig, facts, diag);
    return an_facts_add_strf(facts, sig ? "true" : "false", copy, "hive.regback.%s.real", lname);
}

int an_boot_regback_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    for (size_t i = 0; i < sizeof(HIVES) / sizeof(HIVES[0]); i++) {
        int r = one(fs, windows_dir, HIVES[i], facts, diag);
        if (r < 0)
            return r;
    }
    return 0;
}
