/* Minimal streaming JSON writer for the report: correct string escaping (control characters,
 * invalid UTF-8 from evidence replaced by U+FFFD), commas and nesting handled for the caller. */
#ifndef CLI_JSON_H
#define CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_JSON_MAX_DEPTH 32

typedef struct {
    FILE *out;
    int depth;
    bool need_comma[CLI_JSON_MAX_DEPTH];
    bool after_key;
    int indent; /* spaces per level; 0 = compact */
} cli_json;

void cli_json_init(cli_json *j, FILE *out, int indent);
void cli_json_begin_object(cli_json *j);
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j);
void cli_json_end_array(cli_json *j);
void cli_json_key(cli_json *j, const char *key);
void cli_json_string(cli_json *j, const char *s); /* NULL writes null */
void cli_json_int(cli_json *j, int64_t v);
void cli_json_uint(cli_json *j, uint64_t v);
void cli_json_bool(cli_json *j, bool v);
void cli_json_null(cli_json *j);

/* key + value shorthands */
void cli_json_kv_str(cli_json *j, const char *key, const char *s);
void cli_json_kv_int(cli_json *j, const char *key, int64_t v);
void cli_json_kv_uint(cli_json *j, const char *key, uint64_t v);
void cli_json_kv_bool(cli_json *j, const char *key, bool v);

/* Writes s as a JSON string literal (with quotes) to out. */
void cli_json_write_string(FILE *out, const char *s);

#endif
