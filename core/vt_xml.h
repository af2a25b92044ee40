/* vt_xml.h: parsing XML from outside (XMP packets and sidecars, the
 * collection system's answers) with libxml2, safely.
 *
 * One place for the rules every such parse keeps: no network
 * (XML_PARSE_NONET), no entity substitution and no DTD loading, a document
 * with a DOCTYPE refused outright (the parser stops as soon as it sees one,
 * before any entity declaration, so neither "billion laughs" nor XXE can
 * happen), and errors collected for this call only: never printed, never
 * left in libxml2's global state for another thread to see. Callers cap the
 * input size before calling.
 *
 * Thread-safe: libxml2 is initialised once; each call has its own context.
 */
#ifndef VT_XML_H
#define VT_XML_H

#include <libxml/tree.h>
#include <stddef.h>

#include "vt_error.h"

/* Parses @len bytes of @data. @what names the input in messages ("XMP
 * packet", "the answer"); @doctype_note is added to the DOCTYPE refusal
 * (e.g. " (an HTML page?)", or ""). On success *ret_doc is owned by the
 * caller (xmlFreeDoc). Errors: VT_ERR_INVALID ("... has a DOCTYPE ...",
 * "... is not well-formed XML (line N): ..."), VT_ERR_NOMEM. */
vt_status vt_xml_parse(const char *data, size_t len, const char *what, const char *doctype_note,
                       xmlDocPtr *ret_doc);

#endif
