/* cli_annotations.c: `vitrine annotations list|export|import|delete`.
 *
 * list and export read the store (read-only, beside a running daemon);
 * import and delete are requests for the store's writer, handed over as
 * `vitrine set` does (cli_submit: through the spool when vitrined runs,
 * else applied here in batch mode). An import is checked here first against
 * the image, so that a mistake is reported at once with the annotation and
 * the field; the writer checks it again. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_publog.h"
#include "vt_spool.h"
#include "vt_store.h"
#include "vt_url.h"

typedef struct {
    const char *id;
    vt_asset *asset;
    json_t *list;
} read_ctx;

static vt_status read_fn(vt_txn *txn, void *data)
{
    read_ctx *c = data;
    vt_asset_free(c->asset);
    c->asset = NULL;
    json_decref(c->list);
    c->list = NULL;
    vt_status s = vt_asset_get(txn, c->id, &c->asset);
    if (s != VT_OK)
        return s;
    c->list = vt_annotation_list(txn, c->id);
    return vt_txn_status(txn);
}

/* Reads asset @id and its annotations. Prints the error and returns false. */
static bool read_asset(const vt_config *config, const char *command, read_ctx *c)
{
    vt_store *store = NULL;
    vt_status s = vt_store_open(config->state_dir, VT_STORE_READONLY, &store);
    if (s == VT_OK)
        s = vt_store_read(store, read_fn, c);
    vt_store_close(store);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine annotations %s: %s\n", command, vt_error_message());
        return false;
    }
    return true;
}

static void print_list(const vt_annotation_types *types, const json_t *list)
{
    size_t i;
    const json_t *ann;
    json_array_foreach(list, i, ann) {
        int x, y, w, h;
        vt_annotation_bounds(ann, &x, &y, &w, &h);
        const json_t *points = json_object_get(json_object_get(ann, "shape"), "points");
        g_autofree char *shape = points
            ? g_strdup_printf("polygon(%zu) in %d,%d,%d,%d", json_array_size(points), x, y, w, h)
            : g_strdup_printf("rect %d,%d,%d,%d", x, y, w, h);
        g_autofree char *text = vt_annotation_text(types, ann);
        /* One line each: a value's line breaks are shown as blanks. */
        for (char *c = text; *c; c++)
            if (*c == '\n' || *c == '\r' || *c == '\t')
                *c = ' ';
        printf("%s\t%s\t%s\t%s\t%s\t%.100s\n", json_string_value(json_object_get(ann, "id")),
               json_string_value(json_object_get(ann, "type")),
               json_string_value(json_object_get(ann, "visibility")), shape,
               json_string_value(json_object_get(ann, "creator"))
                   ? json_string_value(json_object_get(ann, "creator")) : "-",
               text);
    }
}

static int list_or_export(cli_context *ctx, int argc, char **argv, bool export)
{
    gboolean as_json = FALSE;
    gboolean public_only = FALSE;
    GOptionEntry list_entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "The stored annotations as JSON", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry export_entries[] = {
        {"public", 0, 0, G_OPTION_ARG_NONE, &public_only,
         "What the public site shows: public annotations only, public URLs", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse(export ? "annotations export ID" : "annotations list ID",
                   export ? "print the asset's annotations as a IIIF AnnotationPage (W3C)"
                          : "list the asset's annotations: id, type, visibility, shape, creator,"
                            " text",
                   export ? export_entries : list_entries, &argc, &argv))
        return 2;
    if (argc != 2) {
        fprintf(stderr, "vitrine annotations %s: give one asset id\n", export ? "export" : "list");
        return 2;
    }
    vt_annotation_types *types = NULL;
    if (vt_annotation_types_load(ctx->config->keyfile, &types) != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return 2;
    }
    read_ctx c = {argv[1], NULL, NULL};
    int rc = 1;
    if (!read_asset(ctx->config, export ? "export" : "list", &c))
        goto out;
    if (export) {
        vt_config view;
        vt_config_audience_view(ctx->config, !public_only, &view);
        bool asset_public = vt_publog_visible(c.asset, VT_AUDIENCE_PUBLIC);
        if (public_only && !asset_public) {
            fprintf(stderr, "vitrine annotations export: asset %s is not on the public site\n",
                    c.id);
            goto out;
        }
        json_t *page = vt_annotation_page(types, &view, c.id, c.list, public_only, asset_public);
        char *text = json_dumps(page, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        printf("%s\n", text);
        free(text);
        json_decref(page);
    } else if (as_json) {
        char *text = json_dumps(c.list, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
    } else {
        print_list(types, c.list);
    }
    rc = 0;
out:
    vt_asset_free(c.asset);
    json_decref(c.list);
    vt_annotation_types_free(types);
    return rc;
}

static int import(cli_context *ctx, int argc, char **argv)
{
    gchar *creator = NULL;
    GOptionEntry entries[] = {
        {"creator", 0, 0, G_OPTION_ARG_STRING, &creator,
         "Who made the annotations that do not say (default: the user running vitrine)", "NAME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("annotations import ID FILE", "add annotations from a W3C AnnotationPage"
                   " (Annotorious, Mirador, vitrine's export); an annotation with an id already"
                   " there replaces it", entries, &argc, &argv))
        return 2;
    if (argc != 3) {
        fprintf(stderr, "vitrine annotations import: give an asset id and a file\n");
        g_free(creator);
        return 2;
    }
    int rc = 1;
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    vt_annotation_types *types = NULL;
    read_ctx c = {argv[1], NULL, NULL};
    json_t *page = NULL, *list = NULL;
    if (!g_file_get_contents(argv[2], &data, &len, &err)) {
        fprintf(stderr, "vitrine annotations import: %s\n", err->message);
        g_error_free(err);
        goto out;
    }
    if (vt_annotation_types_load(ctx->config->keyfile, &types) != VT_OK ||
        vt_annotation_page_load(argv[2], data, len, &page) != VT_OK) {
        fprintf(stderr, "vitrine annotations import: %s\n", vt_error_message());
        goto out;
    }
    if (!read_asset(ctx->config, "import", &c))
        goto out;
    if (c.asset->state != VT_ASSET_READY) {
        fprintf(stderr, "vitrine annotations import: asset %s is not ready (its image's size is"
                        " not known yet)\n", c.id);
        goto out;
    }
    vt_annotation_target target = {c.id, c.asset->width, c.asset->height,
                                   c.asset->visibility == VT_VISIBILITY_PUBLIC};
    if (vt_annotation_parse_page(types, &target, argv[2], data, len, NULL, 0, &list) != VT_OK) {
        fprintf(stderr, "vitrine annotations import: %s\n", vt_error_message());
        goto out;
    }
    if (!creator)
        creator = g_strdup(g_get_user_name());
    json_t *req = json_pack("{s:i, s:s, s:s, s:O, s:s}", "v", 1, "action", "annotations", "id",
                            c.id, "import", page, "creator", creator);
    char *text = json_dumps(req, JSON_COMPACT);
    size_t size = text ? strlen(text) : 0;
    free(text);
    if (size > VT_SPOOL_MAX_REQUEST) {
        json_decref(req);
        fprintf(stderr, "vitrine annotations import: %s is too large for one request (%zu bytes,"
                        " %d at most): drop it into the hotfolder as a NAME.annotations.json"
                        " sidecar instead\n", argv[2], size, VT_SPOOL_MAX_REQUEST);
        goto out;
    }
    printf("%zu annotation%s read\n", json_array_size(list), json_array_size(list) == 1 ? "" : "s");
    fflush(stdout);
    rc = cli_submit(ctx, req);
out:
    json_decref(list);
    json_decref(page);
    vt_asset_free(c.asset);
    json_decref(c.list);
    vt_annotation_types_free(types);
    g_free(creator);
    return rc;
}

static int delete(cli_context *ctx, int argc, char **argv)
{
    gboolean all = FALSE;
    GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Every annotation of the asset", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("annotations delete ID [ANNOTATION...]", "delete annotations of an asset",
                   entries, &argc, &argv))
        return 2;
    if (argc < 2 || (all == (argc > 2))) {
        fprintf(stderr, "vitrine annotations delete: give an asset id and annotation ids, or"
                        " --all\n");
        return 2;
    }
    json_t *ids = json_array();
    for (int i = 2; i < argc; i++) {
        if (!vt_annotation_id_valid(argv[i])) {
            fprintf(stderr, "vitrine annotations delete: '%s' is not an annotation id\n", argv[i]);
            json_decref(ids);
            return 2;
        }
        json_array_append_new(ids, json_string(argv[i]));
    }
    if (all) {
        json_decref(ids);
        ids = json_true();
    }
    return cli_submit(ctx, json_pack("{s:i, s:s, s:s, s:o}", "v", 1, "action", "annotations",
                                     "id", argv[1], "delete", ids));
}

int cli_annotations(cli_context *ctx, int argc, char **argv)
{
    const char *usage = "usage: vitrine annotations list ID [--json] | export ID [--public] |"
                        " import ID FILE [--creator NAME] | delete ID (ANNOTATION... | --all)\n";
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        printf("Usage:\n  %s", usage + strlen("usage: "));
        return 0;
    }
    if (strcmp(sub, "list") == 0)
        return list_or_export(ctx, argc - 1, argv + 1, false);
    if (strcmp(sub, "export") == 0)
        return list_or_export(ctx, argc - 1, argv + 1, true);
    if (strcmp(sub, "import") == 0)
        return import(ctx, argc - 1, argv + 1);
    if (strcmp(sub, "delete") == 0)
        return delete(ctx, argc - 1, argv + 1);
    fprintf(stderr, "vitrine annotations: unknown subcommand '%s'\n%s", sub, usage);
    return 2;
}
