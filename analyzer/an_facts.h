/* Facts: what the collectors learned about one Windows install, each with where it came from.
 * The rules engine reads only facts (and log lines); collectors only write them.
 *
 * A fact is (name, value, provenance). Names are dotted lower-case paths, stable because rule
 * files use them; the full list is in analyzer/FACTS.md. A name may carry several facts
 * (e.g. one "winsxs.ssu_folder.empty" per empty folder). Values are strings; integers (DWORDs,
 * counts) are also kept as numbers. */
#ifndef AN_FACTS_H
#define AN_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;
    const char *value; /* never NULL; "" for an empty value */
    bool has_num;
    int64_t num;        /* valid when has_num */
    const char *source; /* e.g. "Windows/System32/config/SYSTEM" or NULL */
    int64_t offset;     /* byte offset in source, or -1 */
    int64_t line;       /* line in source, or -1 */
} an_fact;

typedef struct an_facts an_facts;

an_facts *an_facts_new(void);
void an_facts_free(an_facts *f);

/* Each returns 0 or -ENOMEM. Strings are copied. source may be NULL. */
int an_facts_add_str(an_facts *f, const char *name, const char *value, const char *source,
                     int64_t offset);
/* The same with the byte offset and line number of the log line the value was read from. */
int an_facts_add_str_at(an_facts *f, const char *name, const char *value, const char *source,
                        int64_t offset, int64_t line);
int an_facts_add_num(an_facts *f, const char *name, int64_t value, const char *source,
                     int64_t offset);
int an_facts_add_bool(an_facts *f, const char *name, bool value, const char *source);
/* The same with a line number of source as provenance (line -1: none); offset stays -1. */
int an_facts_add_str_line(an_facts *f, const char *name, const char *value, const char *source,
                          int64_t line);
int an_facts_add_num_line(an_facts *f, const char *name, int64_t value, const char *source,
                          int64_t line);
/* printf-style name helper for names built from data, e.g. "services.%s.start". */
int an_facts_add_numf(an_facts *f, int64_t value, const char *source, const char *name_fmt, ...)
    __attribute__((format(printf, 4, 5)));
int an_facts_add_strf(an_facts *f, const char *value, const char *source, const char *name_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* First fact with this exact name, or NULL. */
const an_fact *an_facts_get(const an_facts *f, const char *name);
/* Iteration in insertion order; all facts with a name: loop with an_facts_next. */
size_t an_facts_count(const an_facts *f);
const an_fact *an_facts_at(const an_facts *f, size_t i);
/* Next fact named name after index *pos (start with *pos = 0); NULL when done. */
const an_fact *an_facts_next(const an_facts *f, const char *name, size_t *pos);

#endif
