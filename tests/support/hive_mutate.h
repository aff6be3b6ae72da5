/* Test support: small, deterministic mutations of registry hive bytes (regf) for damage tests:
 * find a key by path, find its subkey list, rewrite a list as an "ri" index or point a list
 * element elsewhere. Cell offsets are as the hive stores them (from the start of the hive bins,
 * file offset - 4096). Test tooling only; inputs are test-made or corpus hives. */
#ifndef SXS_TEST_HIVE_MUTATE_H
#define SXS_TEST_HIVE_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/* Cell offset of the key (nk) at key_path ('\\'-separated, "" = the root key), matched
 * ASCII-case-insensitively through the subkey lists; 0 when absent. */
uint32_t hm_find_key(const uint8_t *hive, size_t len, const char *key_path);

/* Cell offset of the subkey list of the key at nk; 0 when it has none. */
uint32_t hm_subkey_list(const uint8_t *hive, size_t len, uint32_t nk);

/* Rewrites the list cell at list as an ri index of the n given lists. 0, or -ENOSPC when the
 * cell is too small, -EINVAL when list is not a cell. */
int hm_make_ri(uint8_t *hive, size_t len, uint32_t list, const uint32_t *targets, unsigned n);

/* Points element i of the leaf list (lf, lh, li) at list to target. 0 or -EINVAL. */
int hm_set_leaf(uint8_t *hive, size_t len, uint32_t list, unsigned i, uint32_t target);

/* Points the key at nk at another subkey list, claiming count subkeys. 0 or -EINVAL. */
int hm_set_subkey_list(uint8_t *hive, size_t len, uint32_t nk, uint32_t list, uint32_t count);

/* One dirty page of a transaction-log entry: hive-bins offset, size, fill byte of its data. */
typedef struct {
    uint32_t off, size;
    uint8_t fill;
} hm_page;

/* A new-format transaction log: base block (file type 6, sequence seq, both equal) and one
 * "HvLE" entry with sequence seq, claiming hbins bytes of hive bins, carrying the n pages
 * (hashes computed). malloc'd; *ret_len its size; NULL when out of memory. */
uint8_t *hm_make_log(uint32_t seq, uint32_t hbins, const hm_page *pages, unsigned n,
                     size_t *ret_len);

/* Recomputes a base block's checksum (XOR of its first 508 bytes, at offset 508). */
void hm_sign_base_block(uint8_t *bb);

/* Makes a hive dirty as a crash leaves it: primary sequence number one ahead of the secondary.
 * Returns the secondary sequence number (what a log continuing the hive carries). */
uint32_t hm_mark_dirty(uint8_t *hive);

/* Sets the value count of the key at nk (its value list stays). 0 or -EINVAL. */
int hm_set_value_count(uint8_t *hive, size_t len, uint32_t nk, uint32_t count);

/* Finds needle (a whole file, e.g. a hive) stored contiguously in hay (e.g. a raw disk image
 * built by sample-images); its offset in hay, or -1. */
long hm_find_file(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t needle_len);

#endif
