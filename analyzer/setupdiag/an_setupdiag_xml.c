/* SetupDiagResults.xml through libxml2. The bytes are decoded to UTF-8 here (SetupDiag writes
 * UTF-16 and says so, but copies re-saved as UTF-8 keep the "utf-16" declaration), so the
 * parser is told to ignore the declared encoding. Hostile input: a document with a DTD is
 * refused before parsing (SetupDiag writes none, and without a DTD there are no entities to
 * expand), the parser runs with XML_PARSE_NONET and without XML_PARSE_NOENT/DTDLOAD/HUGE, so
 * libxml2's own depth and size limits stay on, and errors are collected, never printed.
 * Elements are matched by local name: the namespace URI has moved with Microsoft's site. */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"

/* Most elements looked at under the root; a real file has about 60. */
#define SD_MAX_ELEMENTS 100000

typedef struct {
    an_setupdiag_result *r;
    unsigned visited;
} walk_ctx;

static bool named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

/* The text directly inside n (text and CDATA children only), at most a little over the text
 * cap: more is cut by sd_text_set anyway. malloc'd; NULL only on allocation failure. */
static char *elem_text(const xmlNode *n, size_t *ret_len)
{
    const size_t cap = SXS_MAX_SETUPDIAG_TEXT + 16;
    char *out = malloc(cap + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const xmlNode *c = n->children; c && o < cap; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
            continue;
        size_t k = strlen((const char *)c->content);
        if (k > cap - o)
            k = cap - o;
        memcpy(out + o, c->content, k);
        o += k;
    }
    out[o] = '\0';
    *ret_len = o;
    return out;
}

static int64_t line_of(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? (int64_t)l : -1;
}

/* A code element: "0x8007000D", or a decimal as some versions write DWORDs. */
static void set_code(an_setupdiag_code *c, const char *t, size_t n, int64_t line)
{
    uint32_t v;
    size_t used;
    if (sd_parse_hex(t, n, &v, &used)) {
        sd_code_set(c, v, line, SD_PRIO_FIELD);
        return;
    }
    char *end = NULL;
    unsigned long long d = strtoull(t, &end, 10);
    if (end != t && d <= UINT32_MAX)
        sd_code_set(c, (uint32_t)d, line, SD_PRIO_FIELD);
}

static int on_system_info(walk_ctx *w, const xmlNode *si)
{
    an_setupdiag_result *r = w->r;
    for (const xmlNode *c = si->children; c && w->visited < SD_MAX_ELEMENTS; c = c->next) {
        w->visited++;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        size_t n;
        char *t = elem_text(c, &n);
        if (!t)
            return -ENOMEM;
        int64_t ln = line_of(c);
        int rc = 0;
        if (named(c, "HostOSBuildString"))
            rc = sd_text_set(&r->host_os, t, n, ln, SD_PRIO_FIELD);
        else if (named(c, "HostOSVersion"))
            rc = sd_text_set(&r->host_os, t, n, ln, SD_PRIO_DETAILS);
        else if (named(c, "TargetOSBuildString"))
            rc = sd_text_set(&r->target_os, t, n, ln, SD_PRIO_FIELD);
        else if (named(c, "TargetOSVersion"))
            rc = sd_text_set(&r->target_os, t, n, ln, SD_PRIO_DETAILS);
        else if (named(c, "UpgradeStartTime"))
            sd_time_set(&r->upgrade_start, t, n, ln);
        else if (named(c, "UpgradeEndTime"))
            sd_time_set(&r->upgrade_end, t, n, ln);
        else if (named(c, "DateTime"))
            sd_time_set(&r->run_time, t, n, ln);
        free(t);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* SetupPhaseInfo/PhaseName, SetupOperationInfo/OperationName. */
static int on_info(walk_ctx *w, const xmlNode *info, const char *child, an_setupdiag_text *dst)
{
    for (const xmlNode *c = info->children; c && w->visited < SD_MAX_ELEMENTS; c = c->next) {
        w->visited++;
        if (!named(c, child))
            continue;
        size_t n;
        char *t = elem_text(c, &n);
        if (!t)
            return -ENOMEM;
        int rc = sd_text_set(dst, t, n, line_of(c), SD_PRIO_FIELD);
        free(t);
        return rc;
    }
    return 0;
}

/* Remediation: its own text, or one entry per child element (an array of strings). */
static int on_remediation(walk_ctx *w, const xmlNode *rem)
{
    an_setupdiag_result *r = w->r;
    bool children = false;
    for (const xmlNode *c = rem->children; c && w->visited < SD_MAX_ELEMENTS; c = c->next) {
        w->visited++;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        children = true;
        size_t n;
        char *t = elem_text(c, &n);
        if (!t)
            return -ENOMEM;
        int rc = sd_list_add(r->remediation, &r->n_remediation, t, n, line_of(c));
        free(t);
        if (rc < 0)
            return rc;
    }
    if (children)
        return 0;
    size_t n;
    char *t = elem_text(rem, &n);
    if (!t)
        return -ENOMEM;
    int rc = sd_list_add(r->remediation, &r->n_remediation, t, n, line_of(rem));
    free(t);
    return rc;
}

/* FailureData: kept as written, and read for the phase, operation and codes it states. The
 * element's text starts on its own line ("<FailureData>\nError: ..."): line numbers follow. */
static int on_failure_data(an_setupdiag_result *r, const xmlNode *c, const char *t, size_t n)
{
    int64_t ln = line_of(c);
    int rc = sd_list_add(r->failure_data, &r->n_failure_data, t, n, ln);
    return rc < 0 ? rc : sd_scan_text(r, t, n, ln, SD_PRIO_SENTENCE);
}

static int on_leaf(an_setupdiag_result *r, const xmlNode *c)
{
    size_t n;
    char *t = elem_text(c, &n);
    if (!t)
        return -ENOMEM;
    int64_t ln = line_of(c);
    int rc = 0;
    if (named(c, "Version") || named(c, "SetupDiagVersion"))
        rc = sd_text_set(&r->version, t, n, ln, SD_PRIO_FIELD);
    else if (named(c, "ProfileName"))
        rc = sd_text_set(&r->profile, t, n, ln, SD_PRIO_FIELD);
    else if (named(c, "ProfileGuid"))
        rc = sd_text_set(&r->profile_guid, t, n, ln, SD_PRIO_FIELD);
    else if (named(c, "LogErrorLine"))
        rc = sd_text_set(&r->log_error_line, t, n, ln, SD_PRIO_FIELD);
    else if (named(c, "FailureData"))
        rc = on_failure_data(r, c, t, n);
    else if (named(c, "FailureDetails")) {
        rc = sd_text_set(&r->failure_details, t, n, ln, SD_PRIO_FIELD);
        if (rc == 0)
            rc = sd_scan_details(r, t, n, ln);
    } else if (named(c, "Setup360Result") || named(c, "ErrorCode"))
        set_code(&r->result, t, n, ln);
    else if (named(c, "Setup360Extended") || named(c, "ExtendedErrorCode"))
        set_code(&r->extend_code, t, n, ln);
    else if (named(c, "DateTime"))
        sd_time_set(&r->run_time, t, n, ln);
    free(t);
    return rc;
}

static int walk_root(walk_ctx *w, const xmlNode *root)
{
    for (const xmlNode *c = root->children; c && w->visited < SD_MAX_ELEMENTS; c = c->next) {
        w->visited++;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int rc;
        if (named(c, "SystemInfo"))
            rc = on_system_info(w, c);
        else if (named(c, "SetupPhaseInfo"))
            rc = on_info(w, c, "PhaseName", &w->r->phase);
        else if (named(c, "SetupOperationInfo"))
            rc = on_info(w, c, "OperationName", &w->r->operation);
        else if (named(c, "Remediation"))
            rc = on_remediation(w, c);
        else
            rc = on_leaf(w->r, c);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Line (1-based) of byte offset off in text. */
static int64_t line_at(const char *text, size_t off)
{
    int64_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

static int parse_utf8(const char *text, size_t len, const char *name, an_setupdiag_result *r,
                      sxs_diag *diag)
{
    const char *dtd = memmem(text, len, "<!DOCTYPE", 9);
    if (dtd) {
        sxs_diag_add_line(diag, SXS_DIAG_WARN, name, line_at(text, (size_t)(dtd - text)),
                          "SetupDiag results declare a DTD (SetupDiag writes none); not parsed");
        return -EBADMSG;
    }
    if (len > INT32_MAX)
        return -EFBIG;
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return -ENOMEM;
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                     XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, "UTF-8", opts);
    int rc = 0;
    if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256] = "";
        if (e && e->message) {
            size_t k = strcspn(e->message, "\r\n");
            if (k >= sizeof(msg))
                k = sizeof(msg) - 1;
            memcpy(msg, e->message, k);
            msg[k] = '\0';
        }
        sxs_diag_add_line(diag, SXS_DIAG_WARN, name, e && e->line > 0 ? e->line : -1,
                          "SetupDiag results are not well-formed XML (%s); not read",
                          msg[0] ? msg : "parse error");
        rc = e && e->code == XML_ERR_NO_MEMORY ? -ENOMEM : -EBADMSG;
    } else if (doc->intSubset || doc->extSubset) {
        sxs_diag_add(diag, SXS_DIAG_WARN, name, -1, "SetupDiag results carry a DTD; not read");
        rc = -EBADMSG;
    } else {
        const xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || !named(root, "SetupDiag")) {
            sxs_diag_add_line(diag, SXS_DIAG_WARN, name, root ? line_of(root) : -1,
                              "root element is <%s>, not <SetupDiag>: not SetupDiag results",
                              root && root->name ? (const char *)root->name : "(none)");
            rc = -EBADMSG;
        } else {
            walk_ctx w = {.r = r};
            rc = walk_root(&w, root);
        }
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

int an_setupdiag_parse_xml(const uint8_t *data, size_t len, const char *name,
                           an_setupdiag_result *ret_result, sxs_diag *diag)
{
    memset(ret_result, 0, sizeof(*ret_result));
    char *text;
    size_t tlen;
    int rc = sd_load(data, len, name, "results file", diag, &text, &tlen);
    if (rc < 0)
        return rc;
    an_setupdiag_result r;
    memset(&r, 0, sizeof(r));
    r.kind = AN_SETUPDIAG_XML;
    rc = parse_utf8(text, tlen, name, &r, diag);
    free(text);
    if (rc < 0) {
        an_setupdiag_result_clear(&r);
        return rc;
    }
    *ret_result = r;
    return 0;
}
