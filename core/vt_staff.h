/* vt_staff.h: who may do what on the internal site, and the web edit
 * request that carries it.
 *
 * Authentication is the web server's (REMOTE_USER); authorization is
 * vitrine's, configured in
 *     [staff]
 *     editors=*              # edit custom metadata and annotations (* = anyone logged in)
 *     publishers=jdoe, asmit # also change visibility
 *     admins=root-of-coll    # also delete other people's annotations
 * Roles nest: an admin is a publisher, a publisher an editor. Without a
 * [staff] group nobody may edit from the web (the safe default). The group
 * also names the fields the edit form offers (fields=, fields.DEPT=).
 *
 * A web request is parsed twice with vt_staff_request_parse(): by the edit
 * CGI from the HTTP body (which names no user), and by vitrined from the
 * file the CGI wrote into spool-dir/web (which must name one), since anyone
 * in the web server's group can write such a file. Its shape:
 *     {"id": "ID" | "ids": ["ID", ...],       (at most VT_STAFF_IDS_MAX)
 *      "edit": {"set": {...}, "unset": [...]},  (vt_meta_apply_edit's shape)
 *      "if_match": "VERSION"}                   (optional; single id only)
 * and, in the spool file only, "v": 1, "action": "edit", "user": "NAME".
 * An annotation request (VT_STAFF_ANNOTATE) names its action, in the body
 * too, and carries an "annotation" object instead of "edit":
 *     {"action": "annotation-create", "id": "ASSET",
 *      "annotation": {"type", "shape", "fields", "visibility"?}}
 *     {"action": "annotation-update", "id": "ASSET", "if_match": "VERSION",
 *      "annotation": {"id": "ANN", "type", "shape", "fields", "visibility"?}}
 *     {"action": "annotation-delete", "id": "ASSET", "if_match": "VERSION",
 *      "annotation": {"id": "ANN"}}
 * (the stored form of core/vt_annotation.h without v, creator and times,
 * which vitrined sets; VERSION is the annotation's, vt_annotation_version,
 * given in the AnnotationPage as "vitrine:version"). Only the shape is checked here: vitrined checks the rest
 * against the types and the image (daemon/vt_pipeline_webannot.c).
 *
 * A version (vt_staff_version) is a hash of an asset's custom metadata:
 * the If-Match of an edit, so that two editors never overwrite each other.
 *
 * Pure functions, no I/O; safe from any thread.
 */
#ifndef VT_STAFF_H
#define VT_STAFF_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_config.h"
#include "vt_error.h"

/* Most assets one bulk edit may name. */
#define VT_STAFF_IDS_MAX 1000
/* Longest user name, in bytes. */
#define VT_STAFF_USER_MAX 64

typedef enum {
    VT_STAFF_NONE = 0,
    VT_STAFF_EDITOR,
    VT_STAFF_PUBLISHER,
    VT_STAFF_ADMIN
} vt_staff_role;

/* What a request asks for, each needing a role. */
typedef enum {
    VT_STAFF_EDIT_METADATA,   /* editor */
    VT_STAFF_VISIBILITY,      /* publisher: an edit that sets or unsets "visibility" */
    VT_STAFF_ANNOTATE,        /* editor: create, update, delete one's own annotations */
    VT_STAFF_ANNOTATE_OTHERS  /* admin: delete or change someone else's */
} vt_staff_kind;

typedef struct vt_staff vt_staff;

/* The fields the internal site's form offers, and their kinds, per
 * department ("collection"):
 *     fields = keywords:term, note:text, website:url, dated:date
 *     fields.photo = keywords:term, photographer:term
 * (fields.DEPT replaces fields for that department). A field without a kind
 * is text. Without either, VT_STAFF_DEFAULT_FIELDS. */
#define VT_STAFF_DEFAULT_FIELDS \
    "keywords:term, subject:term, material:term, technique:term, description:text," \
    " date:date, link:url"

/* The kinds of a form field. */
typedef enum {
    VT_STAFF_FIELD_TEXT,
    VT_STAFF_FIELD_TERM,   /* suggestions from the terms in use */
    VT_STAFF_FIELD_URL,    /* http(s) */
    VT_STAFF_FIELD_DATE    /* YYYY, YYYY-MM or YYYY-MM-DD */
} vt_staff_field_kind;

/* Reads [staff] of @config's key file. A user list is names separated by
 * commas or blanks, or "*". Errors: VT_ERR_CONFIG (a name that is not a
 * valid user name, an unknown key, a field list that does not parse, a
 * fields.DEPT of no department). */
vt_status vt_staff_new(const vt_config *config, vt_staff **ret_staff);
void vt_staff_free(vt_staff *staff);

/* The form's fields for assets of department @department, as
 * [{"name", "label", "kind": "text" | "term" | "url" | "date"}] (a new
 * reference). */
json_t *vt_staff_fields(const vt_staff *staff, const char *department);

/* True when @user is a user name vitrine accepts: 1 to VT_STAFF_USER_MAX
 * bytes of valid UTF-8 without control characters, blanks or commas. */
bool vt_staff_user_valid(const char *user);

/* The highest role of @user (NULL or invalid: VT_STAFF_NONE). */
vt_staff_role vt_staff_role_of(const vt_staff *staff, const char *user);

/* VT_OK when @user may do @kind, else VT_ERR_INVALID with a message that
 * says who may ("jdoe may not change visibility: publishers only"). */
vt_status vt_staff_may(const vt_staff *staff, const char *user, vt_staff_kind kind);

/* A parsed web request. */
typedef struct {
    char *action;     /* "edit", or an annotation kind */
    char *user;       /* NULL when parsed from the HTTP body */
    char **ids;       /* NULL-terminated */
    size_t n_ids;
    bool bulk;        /* given as "ids" (a bulk edit: If-Match optional) */
    char *if_match;   /* or NULL */
    json_t *edit;     /* owned; checked; for VT_STAFF_ANNOTATE the "annotation" */
    vt_staff_kind kind;
} vt_staff_request;

/* Parses @obj. @from_spool: the daemon's reading (needs "v", "action",
 * "user"); otherwise the CGI's reading of an HTTP body (refuses them). The
 * edit is checked entirely (names, languages, value lengths, visibility)
 * against an empty record; harvested names only the daemon can refuse.
 * Unknown keys are refused. Errors: VT_ERR_INVALID, VT_ERR_LIMIT, with a
 * message for the person who sent it. */
vt_status vt_staff_request_parse(const json_t *obj, bool from_spool,
                                 vt_staff_request **ret_request);
void vt_staff_request_free(vt_staff_request *request);

/* The spool file's JSON for @request as the user @user asked for it, with
 * @if_match (may be NULL). New reference. */
json_t *vt_staff_request_to_spool(const vt_staff_request *request, const char *user,
                                  const char *if_match);

/* The version of custom metadata @custom (may be NULL: no custom
 * metadata): 16 hex digits of the SHA-256 of its canonical JSON. Caller
 * frees. */
char *vt_staff_version(const json_t *custom);

#endif
