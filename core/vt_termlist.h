/* vt_termlist.h: reading the terms in use (the store's TERMS table).
 *
 * The daemon keeps, per field, every term in use and how many assets use
 * it (daemon/vt_terms.h writes the table, in the same transaction as the
 * asset change). Readers are the site's terms.json (autocomplete) and the
 * tests; they get one list, in one order, from here.
 *
 * Table format (the writer's and this reader's contract):
 *   key   FIELD "\x1f" NORMALISED-TERM
 *   value {"count": N (all assets), "public": N (public assets),
 *          "display": first spelling met}
 *
 * Pure reading inside the caller's transaction; safe from any thread with
 * its own transaction.
 */
#ifndef VT_TERMLIST_H
#define VT_TERMLIST_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_store.h"

/* The key separator between field and normalised term. */
#define VT_TERMLIST_SEP "\x1f"

/* Terms of @field (NULL: every field) as [{"field", "term", "count"}],
 * most used first, then by field and term (bytewise); at most @max (0: all).
 * @public_only: counts of public assets only, and terms that no public
 * asset uses left out, so a public output never names an internal asset's
 * term. New reference (an empty array when there is none). */
json_t *vt_termlist_read(vt_txn *txn, const char *field, bool public_only, size_t max);

#endif
