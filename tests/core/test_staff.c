/* Tests of vt_staff: roles from [staff], who may do what, the web edit
 * request as the CGI and the daemon read it, and versions. */
#include <glib.h>
#include <string.h>

#include "vt_staff.h"

static vt_config *load(const char *staff)
{
    g_autofree char *text = g_strconcat("[department:photo]\nhotfolder=/hot/photo\n", staff, NULL);
    vt_config *c = NULL;
    if (vt_config_load_data(text, "t.conf", NULL, &c) != VT_OK)
        g_error("%s", vt_error_message());
    return c;
}

static void test_roles(void)
{
    vt_config *c = load("[staff]\neditors = ed, other\npublishers=pub\nadmins = boss\n");
    vt_staff *s = NULL;
    g_assert_cmpint(vt_staff_new(c, &s), ==, VT_OK);
    g_assert_cmpint(vt_staff_role_of(s, "ed"), ==, VT_STAFF_EDITOR);
    g_assert_cmpint(vt_staff_role_of(s, "pub"), ==, VT_STAFF_PUBLISHER);
    g_assert_cmpint(vt_staff_role_of(s, "boss"), ==, VT_STAFF_ADMIN);
    g_assert_cmpint(vt_staff_role_of(s, "stranger"), ==, VT_STAFF_NONE);
    g_assert_cmpint(vt_staff_role_of(s, NULL), ==, VT_STAFF_NONE);
    g_assert_cmpint(vt_staff_role_of(s, "e d"), ==, VT_STAFF_NONE);

    g_assert_cmpint(vt_staff_may(s, "ed", VT_STAFF_EDIT_METADATA), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "ed", VT_STAFF_ANNOTATE), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "ed", VT_STAFF_VISIBILITY), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "ed may not change visibility: publishers only"));
    g_assert_cmpint(vt_staff_may(s, "pub", VT_STAFF_VISIBILITY), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "pub", VT_STAFF_ANNOTATE_OTHERS), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_staff_may(s, "boss", VT_STAFF_ANNOTATE_OTHERS), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "stranger", VT_STAFF_EDIT_METADATA), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_staff_may(s, "", VT_STAFF_EDIT_METADATA), ==, VT_ERR_INVALID);
    vt_staff_free(s);
    vt_config_free(c);

    /* "*": every authenticated user edits; nobody publishes by it. */
    c = load("[staff]\neditors=*\n");
    g_assert_cmpint(vt_staff_new(c, &s), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "anyone", VT_STAFF_EDIT_METADATA), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "anyone", VT_STAFF_VISIBILITY), ==, VT_ERR_INVALID);
    vt_staff_free(s);
    vt_config_free(c);

    /* No [staff]: nobody edits from the web. */
    c = load("");
    g_assert_cmpint(vt_staff_new(c, &s), ==, VT_OK);
    g_assert_cmpint(vt_staff_may(s, "root", VT_STAFF_EDIT_METADATA), ==, VT_ERR_INVALID);
    vt_staff_free(s);
    vt_config_free(c);

    /* The configuration refuses a bad name or "*" for publishers, and keys
     * it does not know. */
    c = NULL;
    g_assert_cmpint(vt_config_load_data("[department:photo]\nhotfolder=/h\n[staff]\npublishers=*\n",
                                        "t.conf", NULL, &c), ==, VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "only for editors"));
    g_assert_cmpint(vt_config_load_data("[department:photo]\nhotfolder=/h\n[staff]\nreaders=x\n",
                                        "t.conf", NULL, &c), ==, VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "[staff] readers: unknown key"));
}

static void test_fields(void)
{
    vt_config *c = load("[department:xray]\nhotfolder=/hot/xray\n"
                        "[staff]\nfields = keywords:term, note, website:url\n"
                        "fields.xray = damage:term, dated:date\n");
    vt_staff *s = NULL;
    g_assert_cmpint(vt_staff_new(c, &s), ==, VT_OK);
    json_t *f = vt_staff_fields(s, "photo");
    g_autofree char *text = json_dumps(f, JSON_COMPACT);
    g_assert_cmpstr(text, ==, "[{\"name\":\"keywords\",\"label\":\"Keywords\",\"kind\":\"term\"},"
                              "{\"name\":\"note\",\"label\":\"Note\",\"kind\":\"text\"},"
                              "{\"name\":\"website\",\"label\":\"Website\",\"kind\":\"url\"}]");
    json_decref(f);
    f = vt_staff_fields(s, "xray");
    g_assert_cmpuint(json_array_size(f), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(f, 1), "kind")), ==, "date");
    json_decref(f);
    vt_staff_free(s);
    vt_config_free(c);

    /* The default set. */
    c = load("");
    g_assert_cmpint(vt_staff_new(c, &s), ==, VT_OK);
    f = vt_staff_fields(s, "photo");
    g_assert_cmpuint(json_array_size(f), ==, 7);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(f, 0), "name")), ==,
                    "keywords");
    json_decref(f);
    vt_staff_free(s);
    vt_config_free(c);

    c = NULL;
    g_assert_cmpint(vt_config_load_data("[department:photo]\nhotfolder=/h\n[staff]\n"
                                        "fields=keywords:colour\n", "t.conf", NULL, &c), ==,
                    VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "'keywords:colour' is not FIELD or FIELD:KIND"));
    g_assert_cmpint(vt_config_load_data("[department:photo]\nhotfolder=/h\n[staff]\n"
                                        "fields.paint=a\n", "t.conf", NULL, &c), ==,
                    VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "no department 'paint'"));
}

static vt_status parse(const char *text, bool from_spool, vt_staff_request **ret)
{
    json_error_t err;
    json_t *obj = json_loads(text, 0, &err);
    g_assert_nonnull(obj);
    vt_status st = vt_staff_request_parse(obj, from_spool, ret);
    json_decref(obj);
    return st;
}

static void expect_refused(const char *text, bool from_spool, const char *message)
{
    vt_staff_request *r = NULL;
    vt_status st = parse(text, from_spool, &r);
    if (st == VT_OK)
        g_error("accepted: %s", text);
    g_assert_null(r);
    if (!strstr(vt_error_message(), message))
        g_error("%s: message \"%s\" lacks \"%s\"", text, vt_error_message(), message);
}

static void test_requests(void)
{
    vt_staff_request *r = NULL;
    g_assert_cmpint(parse("{\"id\":\"a1\",\"edit\":{\"set\":{\"keywords\":[\"craquelure\"]}}}",
                          false, &r), ==, VT_OK);
    g_assert_cmpuint(r->n_ids, ==, 1);
    g_assert_cmpstr(r->ids[0], ==, "a1");
    g_assert_cmpint(r->kind, ==, VT_STAFF_EDIT_METADATA);
    g_assert_null(r->user);

    /* The CGI's spool file reads back the same, with its user. */
    json_t *spool = vt_staff_request_to_spool(r, "jdoe", "0123456789abcdef");
    vt_staff_request *back = NULL;
    g_assert_cmpint(vt_staff_request_parse(spool, true, &back), ==, VT_OK);
    g_assert_cmpstr(back->user, ==, "jdoe");
    g_assert_cmpstr(back->if_match, ==, "0123456789abcdef");
    g_assert_true(json_equal(back->edit, r->edit));
    vt_staff_request_free(back);
    json_decref(spool);
    vt_staff_request_free(r);

    g_assert_cmpint(parse("{\"ids\":[\"a\",\"b\"],\"edit\":{\"unset\":[\"visibility\"]}}", false,
                          &r), ==, VT_OK);
    g_assert_cmpint(r->kind, ==, VT_STAFF_VISIBILITY);
    g_assert_cmpuint(r->n_ids, ==, 2);
    vt_staff_request_free(r);

    /* Annotation kinds: authorised as such, with an "annotation" object
     * (its content is the daemon's to check), in the body and the spool. */
    g_assert_cmpint(parse("{\"v\":1,\"action\":\"annotation-delete\",\"user\":\"u\",\"ids\":[\"a\"],"
                          "\"annotation\":{\"id\":\"x1\"}}", true, &r), ==, VT_OK);
    g_assert_cmpint(r->kind, ==, VT_STAFF_ANNOTATE);
    vt_staff_request_free(r);
    g_assert_cmpint(parse("{\"action\":\"annotation-create\",\"id\":\"a\","
                          "\"annotation\":{\"type\":\"tag\"}}", false, &r), ==, VT_OK);
    g_assert_cmpint(r->kind, ==, VT_STAFF_ANNOTATE);
    spool = vt_staff_request_to_spool(r, "jdoe", NULL);
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(spool, "annotation"),
                                                      "type")), ==, "tag");
    g_assert_cmpint(vt_staff_request_parse(spool, true, &back), ==, VT_OK);
    g_assert_cmpstr(back->action, ==, "annotation-create");
    g_assert_true(json_equal(back->edit, r->edit));
    vt_staff_request_free(back);
    json_decref(spool);
    vt_staff_request_free(r);
    expect_refused("{\"action\":\"annotation-create\",\"id\":\"a\"}", false,
                   "\"annotation\" object");
    expect_refused("{\"action\":\"annotation-create\",\"ids\":[\"a\",\"b\"],\"annotation\":{}}",
                   false, "one asset");
    expect_refused("{\"id\":\"a\",\"edit\":{\"set\":{\"k\":\"v\"}},\"annotation\":{}}", false,
                   "annotation action only");
    expect_refused("{\"action\":\"retry\",\"id\":\"a\"}", false, "unknown action");

    expect_refused("[]", false, "a JSON object");
    expect_refused("{\"id\":\"a\",\"edit\":{\"set\":{\"k\":[\"v\"]}},\"user\":\"x\"}", false,
                   "unknown key \"user\"");
    expect_refused("{\"id\":\"a\",\"ids\":[\"b\"],\"edit\":{\"set\":{\"k\":\"v\"}}}", false,
                   "one asset");
    expect_refused("{\"id\":\"../etc\",\"edit\":{\"set\":{\"k\":\"v\"}}}", false, "not an asset id");
    expect_refused("{\"ids\":[],\"edit\":{\"set\":{\"k\":\"v\"}}}", false, "non-empty");
    expect_refused("{\"id\":\"a\"}", false, "\"edit\" object");
    expect_refused("{\"id\":\"a\",\"edit\":{}}", false, "changes nothing");
    expect_refused("{\"id\":\"a\",\"edit\":{\"replace\":{}}}", false, "\"set\" and \"unset\"");
    expect_refused("{\"id\":\"a\",\"edit\":{\"set\":{\"title.es\":\"x\"}}}", false, "es");
    expect_refused("{\"id\":\"a\",\"edit\":{\"set\":{\"visibility\":\"secret\"}}}", false,
                   "visibility");
    expect_refused("{\"id\":\"a\",\"if_match\":\"xyz\",\"edit\":{\"set\":{\"k\":\"v\"}}}", false,
                   "16 hex");
    expect_refused("{\"ids\":[\"a\",\"b\"],\"if_match\":\"0123456789abcdef\","
                   "\"edit\":{\"set\":{\"k\":\"v\"}}}", false, "one asset only");
    /* The daemon's reading: a user, a version, a known action. */
    expect_refused("{\"v\":1,\"action\":\"edit\",\"ids\":[\"a\"],\"edit\":{\"set\":{\"k\":\"v\"}}}",
                   true, "names its user");
    expect_refused("{\"v\":1,\"action\":\"edit\",\"user\":\"a b\",\"ids\":[\"a\"],"
                   "\"edit\":{\"set\":{\"k\":\"v\"}}}", true, "names its user");
    expect_refused("{\"v\":1,\"action\":\"reindex\",\"user\":\"u\",\"ids\":[\"a\"]}", true,
                   "unknown action");
    expect_refused("{\"v\":2,\"action\":\"edit\",\"user\":\"u\",\"ids\":[\"a\"]}", true, "\"v\": 1");

    /* At most VT_STAFF_IDS_MAX ids. */
    json_t *many = json_pack("{s:[], s:{s:{s:s}}}", "ids", "edit", "set", "k", "v");
    for (int i = 0; i <= VT_STAFF_IDS_MAX; i++)
        json_array_append_new(json_object_get(many, "ids"), json_sprintf("a%d", i));
    g_assert_cmpint(vt_staff_request_parse(many, false, &r), ==, VT_ERR_LIMIT);
    json_decref(many);
}

static void test_version(void)
{
    g_autofree char *none = vt_staff_version(NULL);
    json_t *empty = json_object();
    g_autofree char *also_none = vt_staff_version(empty);
    g_assert_cmpstr(none, ==, also_none);
    g_assert_cmpuint(strlen(none), ==, 16);
    /* The same fields in another order are the same version. */
    json_t *a = json_pack("{s:[{s:s}], s:[{s:s}]}", "a", "value", "1", "b", "value", "2");
    json_t *b = json_pack("{s:[{s:s}], s:[{s:s}]}", "b", "value", "2", "a", "value", "1");
    json_t *c = json_pack("{s:[{s:s}]}", "a", "value", "1");
    g_autofree char *va = vt_staff_version(a), *vb = vt_staff_version(b), *vc = vt_staff_version(c);
    g_assert_cmpstr(va, ==, vb);
    g_assert_cmpstr(va, !=, vc);
    g_assert_cmpstr(va, !=, none);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(empty);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/staff/roles", test_roles);
    g_test_add_func("/staff/fields", test_fields);
    g_test_add_func("/staff/requests", test_requests);
    g_test_add_func("/staff/version", test_version);
    return g_test_run();
}
