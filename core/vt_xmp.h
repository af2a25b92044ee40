/* vt_xmp.h: descriptive metadata out of an XMP packet (libxml2).
 *
 * Called by the conversion child for the packet embedded in an image (JPEG
 * APP1, TIFF tag 700, PNG iTXt) and by the pipeline for a ".xmp" sidecar.
 * The input is hostile: it is capped, parsed without network, without DTDs
 * and without entity substitution (a packet with a DOCTYPE is refused, which
 * disposes of entity bombs and external entities), and every value and the
 * number of values are capped. Safe from any thread: errors are collected per
 * call, never through libxml2's global handlers.
 *
 * The result is a JSON object whose keys are the fields below and whose
 * values are arrays of {"value": "...", "lang": "xx"}; "lang" is present only
 * when xml:lang (inherited, as in RDF) is set and is not "x-default", and is
 * lowercased. Values are trimmed; empty values are skipped; identical
 * (value, lang) pairs appear once. A field without values is absent, so a
 * packet without anything we know gives {}.
 *
 *   title        dc:title                        (usually an rdf:Alt of languages)
 *   description  dc:description
 *   keywords     dc:subject                      (rdf:Bag)
 *   creator      dc:creator                      (rdf:Seq)
 *   rights       dc:rights
 *   date         photoshop:DateCreated, else xmp:CreateDate, else
 *                exif:DateTimeOriginal (one value, as written: ISO 8601)
 *   camera       "Make Model" from tiff:Make and tiff:Model (just Model when
 *                it already starts with Make: "Canon" + "Canon EOS R5")
 *   location     Iptc4xmpCore:Location (sublocation: building, street)
 *   city         photoshop:City
 *   region       photoshop:State
 *   country      photoshop:Country
 *
 * Both RDF forms are read: property elements (<dc:title>...</dc:title>, with
 * rdf:Alt/Bag/Seq of rdf:li or plain text) and, for simple values, property
 * attributes on rdf:Description (<rdf:Description photoshop:City="Gent"/>).
 * Structures (rdf:parseType="Resource", nested rdf:Description) and
 * lr:hierarchicalSubject are not read.
 */
#ifndef VT_XMP_H
#define VT_XMP_H

#include <jansson.h>
#include <stddef.h>

#include "vt_error.h"

/* Inputs longer than this are refused (VT_ERR_LIMIT). Real packets are a
 * few KiB; Photoshop's with a document history reach a few hundred. */
#define VT_XMP_MAX_INPUT (8u * 1024 * 1024)
/* Values beyond this many (over all fields) are dropped. */
#define VT_XMP_MAX_VALUES 1000
/* Longer values are cut, on a character boundary, to at most this many bytes. */
#define VT_XMP_MAX_VALUE_BYTES (64u * 1024)

/* Parses the XMP packet in @data (@len bytes; need not be NUL-terminated).
 * The packet may be wrapped in <?xpacket begin ...?> ... <?xpacket end ...?>
 * and followed by padding or garbage, which is ignored: parsing stops at the
 * packet's end (<?xpacket end...?>, else </x:xmpmeta>, else </rdf:RDF>).
 * Encodings: UTF-8, UTF-16 with a BOM, or whatever the XML declaration says.
 *
 * On success *ret_fields is a new JSON object (caller: json_decref).
 * Errors: VT_ERR_LIMIT (over VT_XMP_MAX_INPUT), VT_ERR_INVALID (empty, not
 * well-formed XML, with libxml2's message and line; has a DOCTYPE),
 * VT_ERR_NOMEM. */
vt_status vt_xmp_parse(const char *data, size_t len, json_t **ret_fields);

#endif
