/* Registry collector internals shared by an_registry*.c: small helpers that turn one registry
 * value into one fact. Not for other modules. */
#ifndef AN_REGISTRY_INT_H
#define AN_REGISTRY_INT_H

#include <stdbool.h>

#include "analyzer/registry/an_registry.h"
#include "common/sxs_utf16.h"

/* Each returns 1 when the fact was written, 0 when the value is absent or unusable (a corrupt
 * value goes to diag), -ENOMEM. */
int an_reg_str_fact(an_hive *h, const char *key, const char *value, an_facts *facts,
                    const char *fact, const char *source, sxs_diag *diag);
/* DWORD as a number; is_signed reads it as int32 (time zone biases). */
int an_reg_num_fact(an_hive *h, const char *key, const char *value, an_facts *facts,
                    const char *fact, bool is_signed, const char *source, sxs_diag *diag);

/* A key (value NULL) or value that exists or may, but could not be read (err): an error and
 * an unread.registry fact (value "KEY\\VALUE: reason", source: the hive). A value of the wrong
 * type or size (-EINVAL, -EMSGSIZE) was read: only a warning. 0 or -ENOMEM. */
int an_reg_unread(const char *key, const char *value, int err, an_facts *facts, const char *source,
                  sxs_diag *diag);

int an_reg_collect_software(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag);
int an_reg_collect_system(an_hive *h, const char *source, an_facts *facts, an_tz *tz,
                          sxs_diag *diag);
int an_reg_collect_components(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag);

#endif
