/* vt_audit.h: the audit trail of staff changes: who, when, what, before
 * and after, in the store's "audit" table.
 *
 * Key: asset id "\x1f" sequence (16 hex digits, the store counter "audit"),
 * so one asset's entries are one sorted range, oldest first. Value:
 *     {"time": seconds, "user": "jdoe", "via": "web" | "tool",
 *      "change": {the edit}, "before": {custom}, "after": {custom}}
 * (before/after: the asset's custom metadata, {} when it had none; the
 * visibility is a custom field, so a visibility change shows there).
 *
 * Who calls it: vitrined writes (vt_audit_append, inside the write
 * transaction that makes the change, so a change never lacks its entry);
 * `vitrine history` and the site generator read. No thread rules beyond
 * the store's.
 */
#ifndef VT_AUDIT_H
#define VT_AUDIT_H

#include <jansson.h>

#include "vt_error.h"
#include "vt_store.h"

/* Most entries vt_audit_list() returns (the newest ones). */
#define VT_AUDIT_LIST_MAX 1000

/* Appends an entry for asset @id. @change, @before, @after borrowed (NULL:
 * {}). Failures fail @txn. */
void vt_audit_append(vt_txn *txn, const char *id, gint64 time, const char *user,
                     const char *via, const json_t *change, const json_t *before,
                     const json_t *after);

/* The entries of asset @id, oldest first (at most VT_AUDIT_LIST_MAX, the
 * newest), a new array; empty when there are none. */
json_t *vt_audit_list(vt_txn *txn, const char *id);

/* One line per change of @entry for people: "2026-12-07 01:22:12 UTC jdoe
 * (web): keywords: craquelure -> craquelure, vernis". Caller frees. */
char *vt_audit_describe(const json_t *entry);

#endif
