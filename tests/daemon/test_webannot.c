/* Tests of the workspace's annotation requests applied by the pipeline
 * (daemon/vt_pipeline_webannot.c through vt_pipeline_spool.c): request
 * files written into spool-dir/web as the edit CGI writes them, taken by a
 * pipeline, answered in web/answers. Authorisation (editor, publisher,
 * admin, someone else's annotation), If-Match conflicts, audit entries, bad
 * input (unknown type and field, values over the cap, shapes outside the
 * image or with too many points, keys vitrined sets) and a script payload
 * stored as the text it is. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_audit.h"
#include "vt_file.h"
#include "vt_pipeline.h"
#include "vt_spool.h"
#include "vt_staff.h"
#include "vt_store.h"

#define ASSET "0123456789abcdef"
#define ASSET_INTERNAL "fedcba9876543210"

typedef struct {
    char *dir;
    char *web;
    vt_config *config;
    vt_store *store;
} fixture;

static void on_event(const vt_event *e, void *data)
{
    (void)data;
    if (e->kind == VT_EVENT_ERROR)
        g_test_message("event: %s", e->message ? e->message : "");
}

static vt_status put_fn(vt_txn *txn, void *data)
{
    vt_asset_put(txn, data);
    return vt_txn_status(txn);
}

static void put_asset(fixture *f, const char *id, vt_visibility visibility)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup(id);
    memset(a->sha256, 'a', 64);
    a->department = g_strdup("photo");
    a->source = g_strdup_printf("%s.jpg", id);
    a->original = g_build_filename(f->config->originals_dir, "photo", a->source, NULL);
    a->state = VT_ASSET_READY;
    a->width = 400;
    a->height = 300;
    a->visibility = visibility;
    g_assert_cmpint(vt_store_write(f->store, put_fn, a), ==, VT_OK);
    vt_asset_free(a);
}

static void setup(fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("vt-webannot-XXXXXX", NULL);
    g_autofree char *hot = g_build_filename(f->dir, "hot", "photo", NULL);
    g_assert_cmpint(vt_file_mkdirs(hot), ==, VT_OK);
    const char *conf =
        "[vitrine]\nstate-dir=state\noriginals-dir=originals\nquarantine-dir=quarantine\n"
        "spool-dir=spool\nworkers=1\n"
        "[images]\nserver=cantaloupe\ndir=images\nbase-url=http://127.0.0.1/iiif/3\n"
        "[department:photo]\nhotfolder=hot/photo\n"
        "[staff]\neditors=ed, ed2\npublishers=pub\nadmins=boss\n";
    g_assert_cmpint(vt_config_load_data(conf, "test", f->dir, &f->config), ==, VT_OK);
    g_assert_cmpint(vt_store_open(f->config->state_dir, VT_STORE_WRITER, &f->store), ==, VT_OK);
    f->web = g_build_filename(f->config->spool_dir, VT_SPOOL_WEB, NULL);
    g_assert_cmpint(vt_file_mkdirs(f->web), ==, VT_OK);
    put_asset(f, ASSET, VT_VISIBILITY_PUBLIC);
    put_asset(f, ASSET_INTERNAL, VT_VISIBILITY_INTERNAL);
}

static void teardown(fixture *f, gconstpointer data)
{
    (void)data;
    vt_store_close(f->store);
    vt_config_free(f->config);
    if (!getenv("VT_KEEP")) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
        g_assert_cmpint(system(cmd), ==, 0);
    }
    g_free(f->web);
    g_free(f->dir);
}

/* Writes a web request as the CGI does (@body the HTTP body, @user its
 * REMOTE_USER), lets a pipeline take it, and returns the daemon's answer. */
static json_t *ask(fixture *f, const char *user, const char *if_match, json_t *body)
{
    vt_staff_request *r = NULL;
    json_t *spool;
    if (vt_staff_request_parse(body, false, &r) == VT_OK) {
        spool = vt_staff_request_to_spool(r, user, if_match);
        vt_staff_request_free(r);
    } else {
        /* A forged file the CGI would not have written. */
        spool = json_deep_copy(body);
        json_object_set_new(spool, "v", json_integer(1));
        json_object_set_new(spool, "user", json_string(user));
    }
    json_decref(body);
    g_autofree char *name = NULL;
    g_assert_cmpint(vt_spool_submit(f->web, spool, &name), ==, VT_OK);
    json_decref(spool);

    vt_pipeline_options opt = {.daemon = false, .on_event = on_event};
    vt_pipeline *p = NULL;
    g_assert_cmpint(vt_pipeline_new(f->config, f->store, &opt, &p), ==, VT_OK);
    vt_pipeline_take_spool(p);
    vt_pipeline_free(p);

    g_autofree char *path = g_build_filename(f->web, VT_SPOOL_ANSWERS, name, NULL);
    json_error_t err;
    json_t *ans = json_load_file(path, 0, &err);
    g_assert_nonnull(ans);
    return ans;
}

static const char *status_of(const json_t *ans)
{
    return json_string_value(json_object_get(ans, "status"));
}

static json_t *create(const char *asset, json_t *annotation)
{
    return json_pack("{s:s, s:s, s:o}", "action", "annotation-create", "id", asset, "annotation",
                     annotation);
}

static json_t *stored(fixture *f, const char *asset, const char *id);

typedef struct {
    const char *asset, *id;
    json_t *out;
} get_ctx;

static vt_status get_fn(vt_txn *txn, void *data)
{
    get_ctx *c = data;
    c->out = c->id ? vt_annotation_get(txn, c->asset, c->id) : vt_audit_list(txn, c->asset);
    return vt_txn_status(txn);
}

static json_t *stored(fixture *f, const char *asset, const char *id)
{
    get_ctx c = {asset, id, NULL};
    g_assert_cmpint(vt_store_read(f->store, get_fn, &c), ==, VT_OK);
    return c.out;
}

static json_t *audit_of(fixture *f, const char *asset)
{
    return stored(f, asset, NULL);
}

static void expect(fixture *f, const char *user, json_t *body, const char *status,
                   const char *message_part)
{
    json_t *ans = ask(f, user, NULL, body);
    const char *msg = json_string_value(json_object_get(ans, "message"));
    if (g_strcmp0(status_of(ans), status) != 0 || !msg || !strstr(msg, message_part))
        g_error("expected %s with '%s', got %s: %s", status, message_part, status_of(ans),
                msg ? msg : "(no message)");
    json_decref(ans);
}

static void test_create_update_delete(fixture *f, gconstpointer data)
{
    (void)data;
    /* An editor draws a rectangle with a script in its text. */
    const char *script = "<script>alert(1)</script> & <b>bold</b>";
    json_t *ans = ask(f, "ed", NULL,
                      create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s, s:s}}",
                                              "type", "descriptive", "shape", "x", 10, "y", 20,
                                              "w", 100, "h", 50, "fields", "text", script,
                                              "language", "en")));
    g_assert_cmpstr(status_of(ans), ==, "saved");
    const char *id = json_string_value(json_object_get(ans, "annotation_id"));
    g_assert_true(vt_annotation_id_valid(id));
    g_autofree char *ann_id = g_strdup(id);
    g_autofree char *v1 = g_strdup(json_string_value(json_object_get(ans, "version")));
    g_assert_cmpuint(strlen(v1), ==, 16);
    json_decref(ans);

    json_t *a = stored(f, ASSET, ann_id);
    g_assert_nonnull(a);
    g_assert_cmpstr(json_string_value(json_object_get(a, "creator")), ==, "ed");
    g_assert_cmpstr(json_string_value(json_object_get(a, "visibility")), ==, "internal");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(a, "fields"), "text")), ==,
                    script);
    g_assert_cmpint(json_integer_value(json_object_get(a, "created")), >, 1700000000);
    g_autofree char *version = vt_annotation_version(a);
    g_assert_cmpstr(version, ==, v1);
    json_decref(a);

    /* A polygon too, by the same editor: ids differ. */
    ans = ask(f, "ed", NULL,
              create(ASSET, json_pack("{s:s, s:{s:[[i,i],[i,i],[i,i]]}, s:{s:[s,s]}}", "type",
                                      "tag", "shape", "points", 0, 0, 400, 0, 200, 300,
                                      "fields", "terms", "craquelure", "vernis")));
    g_assert_cmpstr(status_of(ans), ==, "saved");
    g_autofree char *poly_id = g_strdup(json_string_value(json_object_get(ans, "annotation_id")));
    g_assert_cmpstr(poly_id, !=, ann_id);
    json_decref(ans);

    /* An update on an old version is a conflict, with the current one. */
    json_t *update = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}}",
                               "action", "annotation-update", "id", ASSET, "annotation", "id",
                               ann_id, "type", "descriptive", "shape", "x", 0, "y", 0, "w", 5,
                               "h", 5, "fields", "text", "moved");
    ans = ask(f, "ed", "0000000000000000", json_deep_copy(update));
    g_assert_cmpstr(status_of(ans), ==, "conflict");
    g_assert_cmpstr(json_string_value(json_object_get(ans, "version")), ==, v1);
    g_assert_nonnull(strstr(json_string_value(json_object_get(ans, "message")),
                            "changed by someone else"));
    json_decref(ans);
    /* Someone else's annotation: an editor may not change or delete it. */
    ans = ask(f, "ed2", v1, json_deep_copy(update));
    g_assert_cmpstr(status_of(ans), ==, "forbidden");
    g_assert_nonnull(strstr(json_string_value(json_object_get(ans, "message")), "admins only"));
    json_decref(ans);
    /* Without a version: refused. */
    ans = ask(f, "ed", NULL, json_deep_copy(update));
    g_assert_cmpstr(status_of(ans), ==, "invalid");
    json_decref(ans);
    /* Its creator, on the current version: saved, created kept. */
    ans = ask(f, "ed", v1, update);
    g_assert_cmpstr(status_of(ans), ==, "saved");
    g_autofree char *v2 = g_strdup(json_string_value(json_object_get(ans, "version")));
    g_assert_cmpstr(v2, !=, v1);
    json_decref(ans);
    a = stored(f, ASSET, ann_id);
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(a, "shape"), "w")), ==, 5);
    g_assert_cmpstr(json_string_value(json_object_get(a, "creator")), ==, "ed");
    json_decref(a);

    /* Visibility: publishers only, and public only on a public asset. */
    json_t *pub = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}}",
                            "action", "annotation-update", "id", ASSET, "annotation", "id",
                            ann_id, "visibility", "public", "shape", "x", 0, "y", 0, "w", 5, "h",
                            5, "fields", "text", "moved");
    json_object_set_new(json_object_get(pub, "annotation"), "type", json_string("descriptive"));
    ans = ask(f, "ed", v2, json_deep_copy(pub));
    g_assert_cmpstr(status_of(ans), ==, "forbidden");
    g_assert_nonnull(strstr(json_string_value(json_object_get(ans, "message")), "publishers"));
    json_decref(ans);
    expect(f, "pub", create(ASSET_INTERNAL,
                            json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                      "descriptive", "visibility", "public", "shape", "x", 1,
                                      "y", 1, "w", 5, "h", 5, "fields", "text", "x")),
           "invalid", "only on a public asset");
    /* A publisher may not change an editor's annotation either (admins). */
    ans = ask(f, "pub", v2, json_deep_copy(pub));
    g_assert_cmpstr(status_of(ans), ==, "forbidden");
    json_decref(ans);
    /* An admin may. */
    ans = ask(f, "boss", v2, pub);
    g_assert_cmpstr(status_of(ans), ==, "saved");
    g_autofree char *v3 = g_strdup(json_string_value(json_object_get(ans, "version")));
    json_decref(ans);
    a = stored(f, ASSET, ann_id);
    g_assert_cmpstr(json_string_value(json_object_get(a, "visibility")), ==, "public");
    json_decref(a);

    /* Delete: someone else's only by an admin. */
    json_t *del = json_pack("{s:s, s:s, s:{s:s}}", "action", "annotation-delete", "id", ASSET,
                            "annotation", "id", poly_id);
    a = stored(f, ASSET, poly_id);
    g_autofree char *pv = vt_annotation_version(a);
    json_decref(a);
    ans = ask(f, "ed2", pv, json_deep_copy(del));
    g_assert_cmpstr(status_of(ans), ==, "forbidden");
    json_decref(ans);
    g_assert_nonnull((a = stored(f, ASSET, poly_id)));
    json_decref(a);
    ans = ask(f, "boss", pv, del);
    g_assert_cmpstr(status_of(ans), ==, "saved");
    json_decref(ans);
    g_assert_null(stored(f, ASSET, poly_id));
    /* Deleting it again: not found. */
    ans = ask(f, "boss", pv, json_pack("{s:s, s:s, s:{s:s}}", "action", "annotation-delete",
                                       "id", ASSET, "annotation", "id", poly_id));
    g_assert_cmpstr(status_of(ans), ==, "not-found");
    json_decref(ans);

    /* One audit entry per change: create, create, update, update, delete. */
    json_t *trail = audit_of(f, ASSET);
    g_assert_cmpuint(json_array_size(trail), ==, 5);
    static const char *const users[] = {"ed", "ed", "ed", "boss", "boss"};
    static const char *const actions[] = {"create", "create", "update", "update", "delete"};
    for (size_t i = 0; i < 5; i++) {
        const json_t *e = json_array_get(trail, i);
        const json_t *ch = json_object_get(json_object_get(e, "change"), "annotation");
        g_assert_cmpstr(json_string_value(json_object_get(e, "user")), ==, users[i]);
        g_assert_cmpstr(json_string_value(json_object_get(e, "via")), ==, "web");
        g_assert_cmpstr(json_string_value(json_object_get(ch, "action")), ==, actions[i]);
        g_assert_cmpuint(json_object_size(json_object_get(e, "before")), ==, i < 2 ? 0 : 1);
        g_assert_cmpuint(json_object_size(json_object_get(e, "after")), ==, i == 4 ? 0 : 1);
    }
    /* The admin's update: before and after in full, and for people. */
    const json_t *e3 = json_array_get(trail, 3);
    const json_t *ch3 = json_object_get(json_object_get(e3, "change"), "annotation");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ch3, "before"),
                                                      "visibility")), ==, "internal");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ch3, "after"),
                                                      "visibility")), ==, "public");
    g_autofree char *line = vt_audit_describe(e3);
    g_assert_nonnull(strstr(line, "boss (web)"));
    g_assert_nonnull(strstr(line, "descriptive, internal, 0,0 5x5: text: moved -> descriptive,"
                                  " public, 0,0 5x5: text: moved"));
    json_decref(trail);
    (void)v3;
}

static void test_bad_input(fixture *f, gconstpointer data)
{
    (void)data;
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                            "graffiti", "shape", "x", 1, "y", 1, "w", 5, "h", 5,
                                            "fields", "text", "x")),
           "invalid", "unknown type 'graffiti'");
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                            "descriptive", "shape", "x", 1, "y", 1, "w", 5, "h",
                                            5, "fields", "colour", "red")),
           "invalid", "unknown field 'colour'");
    char *big = g_malloc(VT_ANNOTATION_VALUE_MAX_BYTES + 2);
    memset(big, 'a', VT_ANNOTATION_VALUE_MAX_BYTES + 1);
    big[VT_ANNOTATION_VALUE_MAX_BYTES + 1] = '\0';
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                            "descriptive", "shape", "x", 1, "y", 1, "w", 5, "h",
                                            5, "fields", "text", big)),
           "invalid", "over the limit");
    g_free(big);
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                            "descriptive", "shape", "x", 350, "y", 1, "w", 100,
                                            "h", 5, "fields", "text", "x")),
           "invalid", "outside the image (400 x 300)");
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:[[i,i],[i,i],[i,i]]}, s:{s:s}}", "type",
                                            "descriptive", "shape", "points", 0, 0, 401, 0, 5, 5,
                                            "fields", "text", "x")),
           "invalid", "outside the image");
    json_t *points = json_array();
    for (int i = 0; i <= VT_ANNOTATION_POINTS_MAX; i++)
        json_array_append_new(points, json_pack("[i,i]", i % 400, i % 300));
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:o}, s:{s:s}}", "type", "descriptive",
                                            "shape", "points", points, "fields", "text", "x")),
           "invalid", "over the limit");
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}",
                                            "type", "descriptive", "creator", "someone-else",
                                            "shape", "x", 1, "y", 1, "w", 5, "h", 5, "fields",
                                            "text", "x")),
           "invalid", "vitrined sets \"creator\"");
    expect(f, "ed", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                            "link", "shape", "x", 1, "y", 1, "w", 5, "h", 5,
                                            "fields", "url", "javascript:alert(1)")),
           "invalid", "not an http:// or https:// URL");
    expect(f, "ed", create("0000000000000000",
                           json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}", "type",
                                     "descriptive", "shape", "x", 1, "y", 1, "w", 5, "h", 5,
                                     "fields", "text", "x")),
           "not-found", "no asset");
    /* A user [staff] does not list, in a file written straight into the
     * web spool: refused as an HTTP request would be. */
    expect(f, "mallory", create(ASSET, json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:s}}",
                                                 "type", "descriptive", "shape", "x", 1, "y", 1,
                                                 "w", 5, "h", 5, "fields", "text", "x")),
           "forbidden", "annotate");
    /* Nothing was stored, nothing audited. */
    json_t *trail = audit_of(f, ASSET);
    g_assert_cmpuint(json_array_size(trail), ==, 0);
    json_decref(trail);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/webannot/create-update-delete", fixture, NULL, setup, test_create_update_delete,
               teardown);
    g_test_add("/webannot/bad-input", fixture, NULL, setup, test_bad_input, teardown);
    return g_test_run();
}
