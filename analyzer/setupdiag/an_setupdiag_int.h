/* SetupDiag reader internals shared by an_setupdiag*.c: setting result fields with a priority
 * (an explicit field beats a sentence that mentions the same thing), the statements SetupDiag
 * writes into FailureData / FailureDetails / its text report, its time formats, and decoding
 * of the file bytes. Not for other modules. */
#ifndef AN_SETUPDIAG_INT_H
#define AN_SETUPDIAG_INT_H

#include "analyzer/setupdiag/an_setupdiag.h"

/* Which kind of statement set a field; a higher one replaces a lower one, an equal one
 * replaces the earlier (SetupDiag: "the last failure in the log file is the fatal error").
 * Odd values are the weaker single-code form of the tier above (a lone "Error: 0x.." must not
 * split a result from the extend code of an "Error = 0xA-0xB" pair). */
enum {
    SD_PRIO_HEADING = 2,  /* "Phase Name:" under "Last Setup Phase:" in the text report */
    SD_PRIO_SENTENCE = 4, /* "Last Phase = ..", "Error = 0xA-0xB" in FailureData / report */
    SD_PRIO_DETAILS = 6,  /* FailureDetails "Err = .., ExtendedCode = .., LastPhase = .." */
    SD_PRIO_FIELD = 8,    /* an element or registry value of its own (Setup360Result) */
};

/* Sets t from s[0..n) when prio >= t->prio: trimmed, line breaks joined with "; ", control
 * characters and invalid UTF-8 replaced, cut at SXS_MAX_SETUPDIAG_TEXT. An empty value leaves
 * t as it is. 0 or -ENOMEM. */
int sd_text_set(an_setupdiag_text *t, const char *s, size_t n, int64_t line, int prio);
/* Appends one entry (same cleaning) to a list of SXS_MAX_SETUPDIAG_LIST; beyond that, or when
 * empty, nothing. 0 or -ENOMEM. */
int sd_list_add(an_setupdiag_text *list, size_t *count, const char *s, size_t n, int64_t line);
void sd_code_set(an_setupdiag_code *c, uint32_t v, int64_t line, int prio);

/* "0x" followed by 1-8 hex digits at s (after blanks); *ret_used = bytes consumed. */
bool sd_parse_hex(const char *s, size_t n, uint32_t *ret, size_t *ret_used);
/* SetupDiag's time formats: ISO 8601 ("2019-06-06T21:19:10", optional fraction, "Z" or
 * offset), US "5/23/2023 12:21:30 AM" / "01/18/2025 13:55:27" (M/D/Y unless the first number
 * is over 12), and "23.05.2023 00:32:46" (D.M.Y). Year 1 ("0001-01-01", SetupDiag's "never")
 * and anything before 1970 are not a time: false. */
bool sd_parse_time(const char *s, size_t n, an_setupdiag_time *ret);
void sd_time_set(an_setupdiag_time *t, const char *s, size_t n, int64_t line);

/* One line of SetupDiag prose (a FailureData line, a line of the text report): last phase,
 * last operation, "Error = 0xA-0xB" / "Error: 0xA", "DiskSpace = N". prio is the tier. */
int sd_scan_line(an_setupdiag_result *r, const char *s, size_t n, int64_t line, int prio);
/* Every line of a multi-line value (FailureData), line numbers from first_line (-1: none). */
int sd_scan_text(an_setupdiag_result *r, const char *s, size_t n, int64_t first_line, int prio);
/* FailureDetails: "Key = value, Key = value" with keys Err, ErrorCode, RollbackErrorCode,
 * ExtendedCode, LastOperation, LastPhase, DiskSpace (values may hold commas). */
int sd_scan_details(an_setupdiag_result *r, const char *s, size_t n, int64_t line);

/* File bytes to UTF-8: UTF-16LE (BOM, or none when the second byte is 0), UTF-16BE with BOM,
 * UTF-8 with or without BOM. *ret is malloc'd and NUL-terminated; *ret_len excludes the NUL
 * (UTF-16 text stops at a NUL unit). 0 or -ENOMEM. */
int sd_decode(const uint8_t *data, size_t len, char **ret, size_t *ret_len);
/* The file cap (SXS_MAX_SETUPDIAG_FILE, a warning naming the file and what it is: "report",
 * "results file") and then sd_decode. -EFBIG, -ENOMEM or 0. */
int sd_load(const uint8_t *data, size_t len, const char *name, const char *what, sxs_diag *diag,
            char **ret, size_t *ret_len);

#endif
