/* Every size limit of sxsdoctor in one place, each with the reason for its value. */
#ifndef SXS_LIMITS_H
#define SXS_LIMITS_H

/* Longest path we build or accept inside an image. NTFS allows 32767 UTF-16 units; in UTF-8
 * that is at most 3 bytes each. */
#define SXS_MAX_PATH 98304

/* Deepest directory nesting we descend. Windows paths deeper than 256 components do not occur
 * in servicing data; a deeper chain in evidence means a loop or corruption. */
#define SXS_MAX_PATH_DEPTH 256

/* Furthest a hive extends: a 4 KiB base block and at most 2^32 - 4096 bytes of hive bins (the
 * base block's bins size and every cell offset are 32-bit). Not a memory bound: hives are read by
 * range (analyzer/registry/an_hive_view.h), so any size is read in constant memory; the transaction-log
 * replay may not grow a hive beyond this, and a base block declaring more bins than the file
 * holds is damage (the field at offset 40). */
#define SXS_MAX_HIVE_EXTENT (4096ULL + 0xFFFFF000ULL)
/* Transaction logs (.LOG, .LOG1, .LOG2) have no size limit: the replay reads them by range
 * through a 1 MiB cache (analyzer/registry/an_hive_logread.h) and keeps only the pages they
 * change, which the extent above bounds; a bigger log only costs the time to hash its entries. */

/* Deepest key nesting we accept in a hive. Windows refuses to create keys more than 512 levels
 * deep; a deeper chain in a hive is corruption or a loop. */
#define SXS_MAX_KEY_DEPTH 512

/* Deepest nesting of subkey lists under one key. Windows writes at most two levels (an "ri"
 * index over lf/lh/li leaves); libregf 20201007 recurses once per level without a limit, so a
 * chain of indexes must stay short. 4 leaves room for writers we have not seen. */
#define SXS_MAX_SUBKEY_INDEX_DEPTH 4

/* Longest log line kept. Real CBS/Panther lines stay under 8 KiB; longer ones are cut and
 * marked so one binary blob cannot consume memory. */
#define SXS_MAX_LOG_LINE 16384

/* Chunk size for streaming reads (logs, applicationHost.config): small enough that the chunk
 * stays in the CPU's L2 cache between the read that fills it and the decoder and rule pass that
 * read it back (1 MiB made the copy into it and every later pass over it go to L3: pass_bench,
 * 300 MB CBS log, decode + all rules, medians of 11 interleaved, 0.238 s CPU at 1 MiB, 0.211 s
 * at 64 KiB; 32, 128 and 256 KiB were slower than 64), large
 * enough that the per-read cost (an fsaccess run lookup, an E01 chunk-cache probe) stays
 * small. A line longer than what is left of a chunk takes the carry path, whatever the size.
 * One page over 64 KiB: libtsk's tsk_img_read copies every read of up to 64 KiB
 * (TSK_IMG_INFO_CACHE_LEN) through its image cache, and reads a longer one straight into our
 * buffer; that copy was 4.4 % of sxsdoctor's CPU on the bench/scale.sh cbs-300M raw image
 * (raw, medians of 25 interleaved: 0.205 -> 0.197 s CPU; E01 and pass_bench unchanged). */
#define SXS_STREAM_CHUNK (64 * 1024 + 4096)

/* Most 2 GiB windows of an E01's media (65536 chunks, the size of libewf's largest chunk
 * table) read from one libewf handle before it is closed and opened again. libewf 20140813
 * keeps 8.4 MiB of table state per full table section read, until close; a window meets at
 * most two sections. 3 windows keep that state near 25 MiB (50 MiB at worst) whatever the
 * disk size, and the bench diagnosis (MFT, hives, logs: 3 windows) needs no reopen; with 2 it
 * reopens 4 times, 7 MiB less peak RSS for 1.08x the time (a reopen's cost grows with the
 * media: libewf's open walks every chunk). */
#define SXS_EWF_MAX_TABLE_WINDOWS 3

/* Most entries we accept from one directory listing. WinSxS holds ~15k-80k folders. */
#define SXS_MAX_DIR_ENTRIES 1000000

/* Most volumes per disk we report (GPT allows 128 by default; extended MBR chains can loop). */
#define SXS_MAX_VOLUMES 256

/* Largest decompressed CbsPersist .cab we expand in memory. */
#define SXS_MAX_CAB_OUTPUT (1024ULL * 1024 * 1024)

/* Most diagnostics kept: a corrupt image could otherwise produce millions of messages. */
#define SXS_MAX_DIAGS 10000

/* Largest SetupDiag results file (SetupDiagResults.xml / .log) we read into memory. Real ones
 * are a few KiB to a few hundred KiB (FailureData quotes some log lines); a bigger one is not
 * SetupDiag output, and the whole file must be in memory for the XML parser. */
#define SXS_MAX_SETUPDIAG_FILE (4 * 1024 * 1024)

/* Longest text field kept from a SetupDiag result (one FailureData, an operation name); the
 * rest is cut and the cut is marked, so one hostile value cannot fill the fact store. */
#define SXS_MAX_SETUPDIAG_TEXT 8192

/* Most FailureData / Remediation entries kept from one SetupDiag result. Real results carry
 * 2-6 FailureData entries and 0-2 remediations. */
#define SXS_MAX_SETUPDIAG_LIST 32

/* Most strings taken from one REG_MULTI_SZ value (class UpperFilters/LowerFilters). Real filter
 * lists hold 1-4 drivers; a longer list is cut, and the cut is reported. */
#define SXS_MAX_MULTI_SZ_ITEMS 64

/* Longest string of a REG_MULTI_SZ we keep, in UTF-16 units: a service key name is at most
 * 255 characters, so a longer one cannot name a service and is reported as such. */
#define SXS_MAX_MULTI_SZ_ITEM 255

/* Most evidence in one run (arguments and --from lines together). A lab's image library or a
 * fleet after a bad patch night is hundreds to a few thousand disks; the list is held in
 * memory and checked before any work, so it stays bounded. */
#define SXS_MAX_BATCH 100000

/* Most evidence analysed at once (--jobs). Each worker is a process within the 64 MiB budget;
 * more than this on one machine only thrashes the disk being read. */
#define SXS_MAX_JOBS 64

/* Largest report one worker may hand back. Real reports are tens to hundreds of KiB; the
 * parent holds at most --jobs of them to print in input order. */
#define SXS_MAX_REPORT_SIZE (16U * 1024 * 1024)

#endif
