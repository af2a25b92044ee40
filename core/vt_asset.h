/* vt_asset.h: the asset model, its JSON form, and its place in the store.
 *
 * An asset is one image dropped into a department's hotfolder: archived
 * with its SHA-256, converted to a pyramidal TIFF, published. Who calls it:
 * the daemon's pipeline (creates and updates assets inside vt_store_write
 * transactions), the CLI (`vitrine list/show --json` print
 * vt_asset_to_json()), the indexer and site generator (read).
 *
 * The JSON shape is public: keys id, department, state, source, original,
 * sha256, size, image, tiles, thumbnail, download, width, height, format,
 * intervention, visibility, created, updated, attempts, next_attempt,
 * reason, embedded, custom, plus "v" (VT_ASSET_VERSION, the version of the record
 * so a later release can migrate it). Absent strings are JSON null. Keys
 * are only ever added, never renamed; readers ignore keys they do not know.
 *
 * Store layout: ASSETS[id] = the JSON; SHA256[sha256] = id for every asset
 * that is not QUARANTINED (duplicate detection). vt_asset_put() keeps the
 * two consistent; nothing else should write those tables.
 *
 * A vt_asset is a plain struct owned by whoever created it; its strings
 * (GLib-allocated: set them with g_strdup, replace with g_free first) and
 * `embedded` belong to it and are freed by vt_asset_free(). No locking:
 * one thread at a time per struct.
 */
#ifndef VT_ASSET_H
#define VT_ASSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

/* The record version written in "v". */
#define VT_ASSET_VERSION 1

/* Longest asset id accepted. */
#define VT_ASSET_ID_MAX 128

typedef enum {
    VT_ASSET_ARCHIVING,
    VT_ASSET_CONVERTING,
    VT_ASSET_READY,
    VT_ASSET_QUARANTINED
} vt_asset_state;

typedef struct {
    char *id;            /* stable IIIF identifier: [a-z0-9], never changes */
    char *department;    /* department id from the config */
    vt_asset_state state;
    char *source;        /* path relative to its hotfolder, as dropped (UTF-8) */
    char *original;      /* absolute path of the archived original; the quarantine path once quarantined */
    char sha256[65];     /* lowercase hex */
    uint64_t size;       /* bytes of the original */
    char *image;         /* absolute path of the pyramidal TIFF, NULL until converted */
    char *tiles;         /* folder of static IIIF tiles (server=static), else NULL */
    char *thumbnail;     /* absolute path of the thumbnail JPEG, or NULL */
    char *download;      /* absolute path of the download-size JPEG, or NULL */
    int width, height;   /* 0 until converted */
    char *format;        /* "jpeg", "png", "tiff", ... or NULL */
    char *intervention;  /* intervention file number, or NULL */
    vt_visibility visibility;
    int64_t created, updated;  /* unix seconds */
    int attempts;              /* conversion attempts so far */
    int64_t next_attempt;      /* unix seconds; 0 = now (transient failure back-off) */
    char *reason;              /* last failure in plain words, or NULL */
    json_t *embedded;          /* owned: metadata embedded in the file (object), or NULL */
    json_t *custom;            /* owned: metadata added by staff (sidecars, edits): an object
                                * of fields as in vt_meta.h, or NULL. Harvested metadata is kept
                                * once per intervention (VT_TABLE_HARVEST), not per asset. */
} vt_asset;

/* A zeroed asset in state ARCHIVING (visibility public). Never NULL. */
vt_asset *vt_asset_new(void);

/* Frees the asset and everything it owns. NULL is a no-op. */
void vt_asset_free(vt_asset *asset);

/* A deep copy (embedded included), owned by the caller. NULL gives NULL. */
vt_asset *vt_asset_dup(const vt_asset *asset);

/* "archiving" "converting" "ready" "quarantined"; "unknown" otherwise. */
const char *vt_asset_state_name(vt_asset_state state);

/* The reverse of vt_asset_state_name(); false for anything else. */
bool vt_asset_state_parse(const char *name, vt_asset_state *ret_state);

/* True if @id is a valid asset id: 1 to VT_ASSET_ID_MAX of [a-z0-9]. */
bool vt_asset_id_valid(const char *id);

/* Sets @asset's visibility from its custom "visibility" field (a value
 * staff set per asset), else from its department's default in @config. */
void vt_asset_apply_visibility(vt_asset *asset, const vt_config *config);

/* The file name the asset was dropped as: the last part of its source
 * path (borrowed from @asset), or NULL when it has no source. Pages and
 * manifests show it when the asset has no title. */
const char *vt_asset_file_name(const vt_asset *asset);

/* The public JSON object (new reference), "v" included. NULL only if a
 * string field is not valid UTF-8 (jansson refuses it): callers must give
 * UTF-8; vt_asset_put() reports that case with a message. */
json_t *vt_asset_to_json(const vt_asset *asset);

/* Builds an asset from its JSON. Checks types, the required fields (id,
 * department, state, sha256 of 64 hex digits) and the value ranges; keys it
 * does not know are ignored. VT_ERR_INVALID with a message naming the key
 * otherwise, also for a record version newer than VT_ASSET_VERSION.
 * On success *ret_asset is owned by the caller. */
vt_status vt_asset_from_json(const json_t *json, vt_asset **ret_asset);

/* Writes ASSETS[id] and maintains SHA256: sha256 -> id while the asset is
 * not QUARANTINED; when it is, its entry is removed. An entry that points to
 * another id is left alone, unless that asset is gone or quarantined (a
 * stale entry), in which case this asset takes it over. If the sha256 of
 * the asset changed, the old entry of this id is removed. Fails the txn
 * with VT_ERR_INVALID, writing nothing, for a record that would not read
 * back (whatever vt_asset_from_json() refuses), a sha256 not in lowercase,
 * or strings that are not UTF-8. */
void vt_asset_put(vt_txn *txn, const vt_asset *asset);

/* Reads ASSETS[id]. VT_ERR_NOT_FOUND (txn not failed) if absent; a record
 * that does not parse or validate fails the txn with VT_ERR_STORE; if the
 * txn had already failed, its status. */
vt_status vt_asset_get(vt_txn *txn, const char *id, vt_asset **ret_asset);

/* The id of the (not quarantined) asset with this digest, or NULL. The
 * caller frees it with g_free(). @sha256 may be upper or lower case. */
char *vt_asset_find_sha256(vt_txn *txn, const char *sha256);

/* Called with each asset (borrowed, freed after the call); false stops. */
typedef bool (*vt_asset_iter_fn)(const vt_asset *asset, void *data);

/* Calls @fn for every asset, in id order. A corrupt record fails the txn
 * with VT_ERR_STORE and ends the walk. fn may vt_asset_put() the asset it
 * is given. */
void vt_asset_foreach(vt_txn *txn, vt_asset_iter_fn fn, void *data);

#endif
