/* pending.xml reader (see boot_pending_xml.h). The file (written by the servicing stack for
 * poqexec.exe to run at boot) looks like
 *   <PendingTransaction Version="3.1" ...>
 *     <Transactions><Transaction Identifier="..."> <Install .../> <HardlinkFile .../> ...
 *     </Transaction></Transactions>
 *     <POQ postAction="reboot"> <DeleteFile .../> <MoveFile .../> <SetKeyValue .../> ... </POQ>
 *     <InstallerQueue Length="N"> <Action .../> ... </InstallerQueue>
 *   </PendingTransaction>
 * An "action" here is an element directly inside a Transaction, POQ or InstallerQueue element.
 * A document type declaration stops the read (pending.xml carries none; entities are never
 * expanded), as does a count beyond PENDING_MAX_NODES. */
#include "analyzer/boot/boot_pending_xml.h"

#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/fs/an_fsfacts.h"

/* Nodes read before giving up: the largest real pending.xml (a feature update's) holds a few
 * hundred thousand elements; this bounds the time a hostile one can take. */
#define PENDING_MAX_NODES 20000000L
/* Depths tracked for the parent test: actions sit at depth 3 at most. */
#define PENDING_DEPTH 8

typedef struct {
    fsa_file *f;
    uint64_t off;
    int err;
} io_ctx;

static int io_read(void *vctx, char *buf, int len)
{
    io_ctx *c = vctx;
    long n = fsa_file_read(c->f, c->off, buf, (size_t)len);
    if (n < 0) {
        c->err = (int)n;
        return -1;
    }
    c->off += (uint64_t)n;
    return (int)n;
}

static int io_close(void *vctx)
{
    (void)vctx;
    return 0;
}

static bool is_action_parent(const char *name)
{
    return strcmp(name, "Transaction") == 0 || strcmp(name, "POQ") == 0 ||
           strcmp(name, "InstallerQueue") == 0;
}

static void reader_error(xmlTextReaderPtr reader, char *why, size_t cap)
{
    const xmlError *e = xmlGetLastError();
    char msg[200] = "not well-formed";
    if (e && e->message) {
        size_t k = strcspn(e->message, "\r\n");
        if (k >= sizeof(msg))
            k = sizeof(msg) - 1;
        memcpy(msg, e->message, k);
        msg[k] = '\0';
    }
    int line = reader ? xmlTextReaderGetParserLineNumber(reader) : 0;
    snprintf(why, cap, "%s (line %d)", msg, line);
}

/* Walks the reader; 0 done, -EBADMSG (why), -ENOMEM. */
static int walk(xmlTextReaderPtr reader, int64_t *ret_actions, char *why, size_t cap)
{
    bool parent[PENDING_DEPTH] = {false};
    int64_t actions = 0;
    long nodes = 0;
    int r;
    xmlResetLastError();
    while ((r = xmlTextReaderRead(reader)) == 1) {
        if (++nodes > PENDING_MAX_NODES) {
            snprintf(why, cap, "more than %ld XML nodes; not counted", PENDING_MAX_NODES);
            return -EBADMSG;
        }
        int type = xmlTextReaderNodeType(reader);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            snprintf(why, cap, "declares a DTD (pending.xml carries none); not read");
            return -EBADMSG;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        int depth = xmlTextReaderDepth(reader);
        const xmlChar *name = xmlTextReaderConstLocalName(reader);
        if (depth < 0 || !name)
            continue;
        if (depth > 0 && depth - 1 < PENDING_DEPTH && parent[depth - 1])
            actions++;
        if (depth < PENDING_DEPTH)
            parent[depth] = is_action_parent((const char *)name);
    }
    if (r < 0) {
        const xmlError *e = xmlGetLastError();
        if (e && e->code == XML_ERR_NO_MEMORY)
            return -ENOMEM;
        reader_error(reader, why, cap);
        return -EBADMSG;
    }
    *ret_actions = actions;
    return 0;
}

static const int READER_OPTS = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

int an_boot_pending_xml_count(const uint8_t *data, size_t len, int64_t *ret_actions, char *why,
                              size_t why_cap)
{
    if (len > INT32_MAX)
        return -EFBIG;
    xmlInitParser();
    xmlTextReaderPtr reader =
        xmlReaderForMemory((const char *)data, (int)len, "pending.xml", NULL, READER_OPTS);
    if (!reader)
        return -ENOMEM;
    int r = walk(reader, ret_actions, why, why_cap);
    xmlFreeTextReader(reader);
    return r;
}

int an_boot_pending_xml_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts,
                                sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    if (an_fs_join(path, sizeof(path), windows_dir, "WinSxS/pending.xml") < 0)
        return 0;
    io_ctx io = {NULL, 0, 0};
    int r = fsa_file_open(fs, path, &io.f);
    if (r == 0)
        return 0;
    if (r < 0)
        return an_fs_unread(fs, path, r, "log", "its actions were not counted", facts, diag);
    xmlInitParser();
    xmlTextReaderPtr reader =
        xmlReaderForIO(io_read, io_close, &io, "pending.xml", NULL, READER_OPTS);
    if (!reader) {
        fsa_file_close(io.f);
        return -ENOMEM;
    }
    int64_t actions = 0;
    char why[256] = "";
    r = walk(reader, &actions, why, sizeof(why));
    xmlFreeTextReader(reader);
    if (io.err < 0) {
        r = an_fs_unread(fs, path, io.err, "log", "its actions were not counted", facts, diag);
        fsa_file_close(io.f);
        return r;
    }
    fsa_file_close(io.f);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s: %s", path, why);
        if ((r = an_facts_add_bool(facts, "winsxs.pending_xml.parsed", false, path)) < 0)
            return r;
        return an_facts_add_str(facts, "winsxs.pending_xml.error", why, path, -1);
    }
    if ((r = an_facts_add_bool(facts, "winsxs.pending_xml.parsed", true, path)) < 0)
        return r;
    return an_facts_add_num(facts, "winsxs.pending_xml.actions", actions, path, -1);
}
