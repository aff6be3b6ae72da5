/* mkhive: creates Windows registry hives (regf) for test images and tests. hivex cannot
 * create a hive from nothing, so mkhive writes a minimal valid regf file (base block, one
 * hbin with a root key and a security cell) and then adds keys and values through hivex.
 * Test tooling only: never used on evidence. Functions return 0 or a negative errno. */
#ifndef SXS_MKHIVE_H
#define SXS_MKHIVE_H

#include <stddef.h>
#include <stdint.h>

/* Registry value types (winnt.h numbering). */
enum {
    MKHIVE_REG_NONE = 0,
    MKHIVE_REG_SZ = 1,
    MKHIVE_REG_EXPAND_SZ = 2,
    MKHIVE_REG_BINARY = 3,
    MKHIVE_REG_DWORD = 4,
    MKHIVE_REG_MULTI_SZ = 7,
    MKHIVE_REG_QWORD = 11,
};

/* Writes an empty hive (root key only) at path, replacing any file there. */
int mkhive_create(const char *path);

/* Sets one value. key_path is backslash separated, relative to the root ("" = the root);
 * missing keys are created. value_name "" is the default value. data is stored as given
 * (strings must already be UTF-16LE with their terminating NUL: use the helpers below).
 * The hive is created first when path does not exist. Opens and commits the hive once per
 * call: for many values use the batch API. */
int mkhive_set(const char *path, const char *key_path, const char *value_name, int type,
               const void *data, size_t len);
int mkhive_set_sz(const char *path, const char *key_path, const char *value_name, const char *utf8);
int mkhive_set_expand_sz(const char *path, const char *key_path, const char *value_name,
                         const char *utf8);
int mkhive_set_dword(const char *path, const char *key_path, const char *value_name,
                     uint32_t value);

/* Batch API: open once, many puts, commit once. */
typedef struct mkhive mkhive;

/* Opens path for writing, creating an empty hive first when it does not exist. */
int mkhive_open(const char *path, mkhive **ret_hive);
/* Creates key_path (and its parents) when missing. */
int mkhive_put_key(mkhive *hive, const char *key_path);
int mkhive_put(mkhive *hive, const char *key_path, const char *value_name, int type,
               const void *data, size_t len);
int mkhive_put_sz(mkhive *hive, const char *key_path, const char *value_name, int type,
                  const char *utf8); /* type: REG_SZ or REG_EXPAND_SZ */
int mkhive_put_dword(mkhive *hive, const char *key_path, const char *value_name, uint32_t value);
/* REG_MULTI_SZ from `count` UTF-8 strings. */
int mkhive_put_multi_sz(mkhive *hive, const char *key_path, const char *value_name,
                        const char *const *strings, size_t count);
/* Writes the changes to the file and frees the handle (also on error). A hive holding a value
 * over 16344 bytes is marked version 1.3: hivex stores such values in one cell, the 1.3
 * layout, not in the "db" lists version 1.4+ requires. */
int mkhive_commit(mkhive *hive);
/* Frees the handle without writing. Accepts NULL. */
void mkhive_close(mkhive *hive);

/* Makes a committed hive "dirty" the way a crash leaves it: the primary sequence number
 * is one ahead of the secondary (checksum recomputed). */
int mkhive_mark_dirty(const char *path);

/* Crash state with a new-format (Windows 8.1+) transaction log: given the committed hive at
 * primary_path (state before the last changes) and the same hive with those changes at
 * final_path, writes log_path as a log base block (file type 6) plus one "HvLE" entry holding
 * every 4 KiB page that differs (Marvin32 hashes, sequence number = the primary's), and makes
 * the primary dirty (primary sequence one ahead). Replaying the log turns the primary into
 * final_path's content. */
int mkhive_make_dirty_with_log(const char *primary_path, const char *final_path,
                               const char *log_path);

/* UTF-8 to UTF-16LE with a terminating NUL (what REG_SZ holds). *ret_buf is malloc'd. */
int mkhive_utf16le(const char *utf8, uint8_t **ret_buf, size_t *ret_len);

#endif
