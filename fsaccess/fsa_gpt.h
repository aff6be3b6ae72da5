/* GPT header pre-validation: checks every GPT header libtsk's tsk_vs_gpt_open would read, before
 * it reads one, so a hostile header (4 billion partition entries) cannot keep libtsk busy for
 * minutes. Pure over a read callback, so the fuzz harness drives it from memory. */
#ifndef FSA_GPT_H
#define FSA_GPT_H

#include <stddef.h>
#include <stdint.h>

/* Largest partition entry array accepted: UEFI asks for at least 16 KiB and every
 * partitioning tool writes exactly that (128 entries of 128 bytes); 128 KiB leaves room for
 * bigger tables while keeping what libtsk reads and sorts small. */
#define FSA_GPT_MAX_ARRAY (128u * 1024u)

/* Reads len bytes at off into buf; 0 on success, negative errno otherwise (short read
 * included). */
typedef int (*fsa_gpt_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* Walks the headers in libtsk's order (primary at LBA 1, then the backup at the last LBA, each
 * at the image's sector size and then 512..8192) up to the first one libtsk would accept.
 * Returns 1 when that header is valid (or no header carries the "EFI PART" signature, which
 * libtsk refuses at once): libtsk's GPT open may run. Returns 0 when a header libtsk would
 * load is invalid, with what was wrong in why (e.g. "GPT header at LBA 1: 4294967295 partition
 * entries of 128 bytes (512 GiB) exceed the 128 KiB limit"). Negative errno on bad arguments. */
int fsa_gpt_precheck(fsa_gpt_read_fn read, void *ctx, uint64_t disk_size, unsigned sector_size,
                     char *why, size_t why_len);

/* One partition entry of the primary GPT (header at LBA 1 of sector_size). */
typedef struct {
    uint64_t first_lba;
    uint8_t type_guid[16]; /* as stored */
    uint8_t part_guid[16];
} fsa_gpt_entry;

/* Reads the primary header and its entry array (at most FSA_GPT_MAX_ARRAY bytes, entries of
 * 128 bytes or more) and calls cb for every used entry (type GUID not all zero) in table
 * order; cb returns non-zero to stop. 0 when done, -EBADMSG when the header is not a GPT
 * header or its array is out of bounds, -EIO on a read error, -ENOMEM. */
typedef int (*fsa_gpt_entry_cb)(const fsa_gpt_entry *e, void *ctx);
int fsa_gpt_entries(fsa_gpt_read_fn read, void *ctx, unsigned sector_size, fsa_gpt_entry_cb cb,
                    void *cb_ctx);

#endif
