/* rules/: what a placeholder value may be before it goes into a repair-plan command, and how a
 * value is shown when it may not. Plan commands are pasted into cmd.exe (or a PowerShell
 * prompt) on the rescue VM, and every value comes from evidence an attacker may have written,
 * so each placeholder has a kind with a strict allow-list (rules/README.md, "Placeholder
 * kinds"): a value that passes holds no character either shell treats specially where the
 * value sits; a value that fails is never substituted. Not for other modules. */
#ifndef RULE_QUOTE_H
#define RULE_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sxs_buf.h"

typedef enum {
    RULE_KIND_TEXT,        /* free text (titles, notes): never substituted into a command */
    RULE_KIND_DRIVE,       /* "F:" */
    RULE_KIND_WINDOWS_DIR, /* volume-relative directory of the install: "Windows" */
    RULE_KIND_INF,         /* INF file name: "ntprint4.inf", "oem12.inf" */
    RULE_KIND_FOLDER,      /* one WinSxS or DriverStore folder name, no separator */
    RULE_KIND_FILE,        /* one file name, no separator */
    RULE_KIND_VERSION,     /* dotted digits: "10.0.26100.5074", "26100" */
    RULE_KIND_KB,          /* "KB5034441" */
    RULE_KIND_PACKAGE,     /* CBS package / component identity: "Package_for_KB1~31bf...~~1.0" */
    RULE_KIND_SERVICE,     /* service key name: "wuauserv" */
    RULE_KIND_CONTROL_SET, /* "ControlSet001" */
    RULE_KIND_PATH,        /* Windows path, "X:\dir\dir" or volume-relative "Users\sam\Docs" */
    RULE_KIND_CODE,        /* error code: "0x80070003" or decimal */
    RULE_KIND_NUMBER,      /* unsigned decimal: a service Start value */
    RULE_KIND_GUID,        /* "{01234567-89ab-cdef-0123-456789abcdef}", braces optional */
} rule_kind;

/* "INF name", "Windows path", ... for messages. */
const char *rule_kind_name(rule_kind kind);

/* Checks value (len bytes, need not be NUL-terminated) against kind for use in a command.
 * quoted: the value sits between double quotes of the command, where a path may also hold
 * spaces and parentheses. 0 when the value may be substituted unchanged; -EINVAL when not,
 * with *ret_why (static text, e.g. "character not allowed") and *ret_pos (byte offset of the
 * offending character, or len when the value as a whole is wrong) set. */
int rule_quote_check(rule_kind kind, const char *value, size_t len, bool quoted,
                     const char **ret_why, size_t *ret_pos);

/* Appends value to out as inert data: between double quotes, '\\' and '"' escaped with a
 * backslash; control bytes, non-ASCII bytes and shell metacharacters (& | < > ^ % ! $ `) as
 * \xNN; at most RULE_QUOTE_SHOW bytes of the value, then "...(N bytes)". The result holds no
 * newline, and pasted into cmd.exe or PowerShell it runs nothing. 0 or -ENOMEM/-ENOSPC. */
int rule_quote_data(const char *value, size_t len, sxs_buf *out);

/* Appends value to out for report text (titles, steps, notes): unchanged except control
 * bytes (newline, CR, NUL, ESC, ...) as \xNN, so the value cannot split or recolour a report
 * line. 0 or -ENOMEM/-ENOSPC. */
int rule_quote_text(const char *value, size_t len, sxs_buf *out);

/* Bytes of a rejected value shown in a note: enough to recognise it, short enough that a
 * hostile 512-byte capture does not swamp the report. */
#define RULE_QUOTE_SHOW 128

#endif
