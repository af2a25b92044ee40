/* vt_xml.c: see vt_xml.h. */
#include "vt_xml.h"

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdbool.h>

#include "vt_name.h"

typedef struct {
    bool doctype;
    char *error;      /* first error libxml2 reported */
    int error_line;
} parse_state;

static void record_error(parse_state *st, const xmlError *error)
{
    if (st->error || !error || error->level < XML_ERR_ERROR)
        return;
    st->error = g_strdup(error->message ? error->message : "unknown XML error");
    g_strchomp(st->error);
    g_strdelimit(st->error, "\n", ' ');  /* "...indicate encoding !\nBytes: 0xA9..." */
    st->error_line = error->line;
}

/* sax->serror: libxml2 passes ctxt->userData, which is the context. */
static void on_parser_error(void *user_data, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = user_data;
    record_error(ctxt->_private, error);
}

/* This thread's structured handler, for errors raised without a context
 * (encoding conversion): they are only counted as errors of this call. */
static void on_thread_error(void *user_data, xmlErrorPtr error)
{
    record_error(user_data, error);
}

static void on_internal_subset(void *user_data, const xmlChar *name,
                               const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user_data;
    parse_state *st = ctxt->_private;

    st->doctype = true;
    xmlStopParser(ctxt);
}

static gpointer init_libxml(gpointer unused)
{
    xmlInitParser();
    return NULL;
}

vt_status vt_xml_parse(const char *data, size_t len, const char *what, const char *doctype_note,
                       xmlDocPtr *ret_doc)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, init_libxml, NULL);

    if (len > G_MAXINT)
        return vt_error_set(VT_ERR_LIMIT, "%s is too large to parse", what);
    parse_state st = {0};
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
    if (!ctxt)
        return vt_error_set(VT_ERR_NOMEM, "cannot create an XML parser for %s", what);
    ctxt->_private = &st;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->serror = on_parser_error;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);

    xmlStructuredErrorFunc saved_fn = xmlStructuredError;
    void *saved_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(&st, on_thread_error);
    xmlParseDocument(ctxt);
    xmlSetStructuredErrorFunc(saved_ctx, saved_fn);

    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    vt_status status = VT_OK;
    if (st.doctype) {
        status = vt_error_set(VT_ERR_INVALID,
                              "%s has a DOCTYPE%s; it is refused: DTDs and entities are never read",
                              what, doctype_note ? doctype_note : "");
    } else if (!ctxt->wellFormed || !doc) {
        if (!st.error)
            record_error(&st, xmlCtxtGetLastError(ctxt));
        g_autofree char *shown = vt_name_display(st.error ? st.error : "unknown XML error");
        status = vt_error_set(VT_ERR_INVALID, "%s is not well-formed XML (line %d): %s", what,
                              st.error_line, shown);
    }
    xmlFreeParserCtxt(ctxt);
    g_free(st.error);
    if (status != VT_OK) {
        xmlFreeDoc(doc);
        return status;
    }
    *ret_doc = doc;
    return VT_OK;
}
