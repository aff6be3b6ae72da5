/* libFuzzer harness: compiles arbitrary bytes as a rule file (rule_set_load_mem), then runs the
 * engine over a few lines so compiled patterns, captures and placeholders are exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rule_set *rs = rule_set_new();
    if (!rs)
        return 0;
    if (rule_set_load_mem(rs, "fuzz.yml", data, size, NULL, NULL) == 0) {
        rule_scan *s;
        if (rule_scan_new(rs, &s) == 0) {
            static const char *const lines[] = {
                "2017-12-06 15:30:46, Info    CBS   Doqe: Recording result: 0x80070003, for Inf: "
                "ntprint4.inf",
                "2017-12-06 15:30:46, Error   CBS   Startup: Failed [HRESULT = 0x80070003]",
                "Operation failed: Process Drivers for Migration. Error: 0x80070003"};
            for (int f = 0; f < AN_LOG_FAMILY_COUNT; f++) {
                if (rule_scan_file_begin(s, (an_log_family)f, "x.log") < 0)
                    break;
                for (size_t i = 0; i < 3; i++) {
                    an_log_line l = {.text = lines[i],
                                     .len = strlen(lines[i]),
                                     .line_no = i + 1,
                                     .has_time = true,
                                     .time = 1000};
                    rule_scan_line_cb(&l, s);
                }
                rule_scan_file_end(s, 100, 0);
            }
            rule_result *r;
            if (rule_scan_finish(s, NULL, &r, NULL) == 0)
                rule_result_free(r);
            rule_scan_free(s);
        }
    }
    rule_set_free(rs);
    return 0;
}
