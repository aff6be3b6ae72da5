/* WinSxS\pending.xml: whether it parses and how many servicing actions it queues, streamed
 * through libxml2's reader (bounded memory whatever its size). Fact names:
 * analyzer/facts-boot.md ("Pending operations"). */
#ifndef BOOT_PENDING_XML_H
#define BOOT_PENDING_XML_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Adds winsxs.pending_xml.parsed / .actions / .error when <W>/WinSxS/pending.xml exists;
 * unread.log when it cannot be read. 0, or -ENOMEM. */
int an_boot_pending_xml_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts,
                                sxs_diag *diag);

/* The parse itself over a memory buffer (tests, fuzzing): 0 parsed (*ret_actions set), or
 * -EBADMSG (why holds the reason and line), -ENOMEM. */
int an_boot_pending_xml_count(const uint8_t *data, size_t len, int64_t *ret_actions, char *why,
                              size_t why_cap);

#endif
