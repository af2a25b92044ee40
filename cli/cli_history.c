/* cli_history.c: `vitrine history ID`, the audit trail of one asset's
 * staff changes (core/vt_audit), oldest first. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "vt_audit.h"
#include "vt_store.h"

typedef struct {
    const char *id;
    json_t *entries;
} history_ctx;

static vt_status history_fn(vt_txn *txn, void *data)
{
    history_ctx *c = data;
    c->entries = vt_audit_list(txn, c->id);
    return vt_txn_status(txn);
}

int cli_history(cli_context *ctx, int argc, char **argv)
{
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("history ID", "who changed an asset's metadata, when, and what it was before"
                   " and after", entries, &argc, &argv))
        return 2;
    if (argc != 2) {
        fprintf(stderr, "vitrine history: give one asset id\n");
        return 2;
    }
    vt_store *store = NULL;
    if (vt_store_open(ctx->config->state_dir, VT_STORE_READONLY, &store) != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return 1;
    }
    history_ctx c = {.id = argv[1]};
    vt_status s = vt_store_read(store, history_fn, &c);
    vt_store_close(store);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        json_decref(c.entries);
        return 1;
    }
    if (as_json) {
        char *text = json_dumps(c.entries, JSON_INDENT(2));
        puts(text ? text : "[]");
        free(text);
    } else if (json_array_size(c.entries) == 0) {
        printf("no recorded changes for %s\n", argv[1]);
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(c.entries, i, e) {
            g_autofree char *line = vt_audit_describe(e);
            puts(line);
        }
    }
    json_decref(c.entries);
    return 0;
}
