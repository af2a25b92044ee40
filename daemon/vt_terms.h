/* vt_terms.h: the terms in use, per field, with how many assets use each.
 *
 * The site suggests existing terms while someone types, so that staff drift
 * less into near-duplicates ("Vernis", "vernis ", "vernissen"). The daemon
 * keeps the counts in the store (VT_TABLE_TERMS), updated in the same write
 * transaction as the asset change that causes them, so they can never
 * disagree with the assets. Terms are normalised by vt_meta_normalise_term()
 * (case, accents, blanks); the first spelling met is kept for display.
 *
 * Each term has two counts: all assets, and public assets only. Public
 * outputs (terms.json of the public site, the public search CGI) use only
 * the second, so no internal asset's terms ever leak.
 *
 * The table's format, and its one reader, are core/vt_termlist.h's.
 * Called on the loop thread inside vt_store_write() only.
 */
#ifndef VT_TERMS_H
#define VT_TERMS_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_asset.h"
#include "vt_store.h"

/* An asset's metadata as the counts see it: {"custom": .., "harvested": ..,
 * "embedded": ..} (parts may be missing), and whether the asset is public.
 * A NULL @metadata means "no asset" (new, or gone). */
typedef struct {
    const json_t *metadata;
    bool is_public;
} vt_terms_side;

/* Moves one asset's contribution from @before to @after. */
void vt_terms_update(vt_txn *txn, vt_terms_side before, vt_terms_side after);

/* The metadata an asset's terms are counted from: {"custom", "embedded",
 * "harvested"} (the harvested record of its intervention). New reference. */
json_t *vt_terms_asset_view(vt_txn *txn, const vt_asset *asset);

/* Writes @after (NULL: deletes @before) with its sha256 and intervention
 * index entries, and moves the term counts with it. Only READY assets
 * count: their metadata is what the site shows. Every change of an asset's
 * state, visibility or metadata goes through here, so the counts cannot
 * drift from the assets. */
void vt_terms_put_asset(vt_txn *txn, const vt_asset *before, const vt_asset *after);

/* The fields [harvest-fields] of @config names, NULL-terminated (caller
 * g_strfreev()s), or NULL when harvest is off. These are harvested by
 * configuration: no sidecar, XMP or edit sets them, whatever the state of
 * an intervention's harvest (failing, not fetched yet). */
char **vt_terms_harvest_fields(const vt_config *config);

/* Removes from @fields (a sidecar's or XMP's fields, changed in place)
 * every field named in [harvest-fields]. Returns the names removed, comma
 * separated ("title, object_title"), or NULL when none was. Caller frees. */
char *vt_terms_drop_harvested(const vt_config *config, json_t *fields);

/* Applies the staff edit @edit (vt_meta_apply_edit: harvested fields are
 * refused, those present in the record and those [harvest-fields] names,
 * vt_terms_harvest_fields()) to the custom metadata of asset @id, sets its visibility from
 * the result (vt_asset_apply_visibility) and, if anything changed, writes
 * it with vt_terms_put_asset(). *ret_changed (may be NULL): whether it did.
 * Fails the txn: VT_ERR_NOT_FOUND "no asset ID", or the edit's error. */
vt_status vt_terms_edit_asset(vt_txn *txn, const vt_config *config, const char *id,
                              const json_t *edit, bool *ret_changed);

/* The harvested record of @intervention changes from @old_fields to
 * @new_fields (either may be NULL): moves the counts of its READY assets.
 * The ids of all its assets are added to @ret_ids (owned strings). Call it
 * before writing the new record. */
void vt_terms_harvest_changed(vt_txn *txn, const char *intervention, const json_t *old_fields,
                              const json_t *new_fields, GPtrArray *ret_ids);


#endif
