/* vitrine: the command-line tool. Thin: global options, configuration,
 * dispatch to the cli_*.c commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(cli_context *ctx, int argc, char **argv);
    bool needs_config;
    const char *summary;
} command;

static const command commands[] = {
    {"ingest", cli_ingest, true, "ingest [PATH...]      run the pipeline on the hotfolders (or PATHs) to completion"},
    {"list", cli_list, true, "list [--json]         list assets"},
    {"show", cli_show, true, "show ID [--json]      show one asset"},
    {"history", cli_history, true, "history ID [--json]   who changed an asset's metadata, and what"},
    {"status", cli_status, true, "status [--json]       daemon, queue and store figures"},
    {"retry", cli_retry, true, "retry ID...|--failed  convert assets again (quarantined ones are restored first)"},
    {"set", cli_set, true, "set ID FIELD=VALUE...  set custom metadata (FIELD.LANG=VALUE for a language)"},
    {"unset", cli_unset, true, "unset ID FIELD...      remove custom metadata"},
    {"annotations", cli_annotations, true, "annotations list|export|import|delete ID ...  an asset's annotations (W3C / IIIF)"},
    {"harvest", cli_harvest, true, "harvest [--refresh] [N...] fetch intervention records from the collection system"},
    {"reindex", cli_reindex, true, "reindex               rebuild the search index and term counts from the store"},
    {"rebuild", cli_rebuild, true, "rebuild [-j N]        write the whole static site from the store"},
    {"verify", cli_verify, true, "verify [--json]       check every archived original against its SHA-256"},
    {"check-config", cli_check_config, false, "check-config          validate the configuration file"},
    {"demo", cli_demo, false, "demo [--dir DIR] [--port N] [--prepare-only]  sample hotfolders, images, the daemon and the site on 127.0.0.1, until Ctrl-C"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: vitrine [-c FILE] COMMAND [OPTIONS]\n\n"
                 "Options:\n"
                 "  -c, --config FILE     configuration (default: $VITRINE_CONFIG or %s)\n"
                 "  --version             print the version\n\nCommands:\n",
            VT_CONFIG_DEFAULT_PATH);
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %s\n", commands[i].summary);
    fprintf(out, "\n`vitrine help COMMAND` or `vitrine COMMAND --help` shows a command's options.\n");
}

/* @name is the command's words then its arguments ("annotations list ID"):
 * the arguments start at the first word in capitals or brackets. GLib's
 * usage line is "PRGNAME [OPTION...] PARAMETERS", so the program name
 * carries the command ("vitrine show") and the parameters only what
 * follows it: "Usage: vitrine show [OPTION...] ID", the name once. */
bool cli_parse(const char *name, const char *summary, GOptionEntry *entries, int *argc,
               char ***argv)
{
    const char *params = name;
    while (*params) {
        const char *word = params;
        while (*word == ' ')
            word++;
        if (*word == '[' || *word == '(' || g_ascii_isupper(*word)) {
            params = word;
            break;
        }
        params = strchr(word, ' ') ? strchr(word, ' ') : word + strlen(word);
    }
    g_autofree char *words = g_strstrip(g_strndup(name, (size_t)(params - name)));
    g_autofree char *prgname = g_strdup_printf("vitrine %s", words);
    if (!g_get_prgname())
        g_set_prgname(prgname);
    GOptionContext *ctx = g_option_context_new(*params ? params : NULL);
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    bool ok = g_option_context_parse(ctx, argc, argv, &err);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", prgname, err->message);
        g_error_free(err);
    }
    g_option_context_free(ctx);
    return ok;
}

/* Does the command line after the command ask for help? Help needs no
 * configuration: the command prints its options before it reads one. */
static bool asks_help(int argc, char **argv)
{
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--") == 0)
            return false;
        if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0 ||
            strcmp(argv[k], "-?") == 0 || strcmp(argv[k], "--help-all") == 0)
            return true;
    }
    return false;
}

static const command *find_command(const char *name)
{
    for (size_t k = 0; k < G_N_ELEMENTS(commands); k++)
        if (strcmp(name, commands[k].name) == 0)
            return &commands[k];
    return NULL;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int i = 1;

    /* Global options come before the command; the command parses the rest. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("vitrine %s\n", VT_VERSION);
            return 0;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vitrine: unknown option %s\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    if (!config_path)
        config_path = getenv("VITRINE_CONFIG") ? getenv("VITRINE_CONFIG") : VT_CONFIG_DEFAULT_PATH;

    /* vitrine help [COMMAND [SUBCOMMAND]]: the command's own --help. */
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            usage(stdout);
            return 0;
        }
        const command *cmd = find_command(argv[i + 1]);
        if (!cmd) {
            fprintf(stderr, "vitrine help: unknown command '%s'\n\n", argv[i + 1]);
            usage(stderr);
            return 2;
        }
        int n = argc - i - 1;
        char **args = g_new0(char *, (size_t)n + 2);
        for (int k = 0; k < n; k++)
            args[k] = argv[i + 1 + k];
        args[n] = (char *)"--help";
        cli_context ctx = {.config_path = config_path};
        int rc = cmd->run(&ctx, n + 1, args);
        g_free(args);
        return rc;
    }
    const command *cmd = find_command(argv[i]);
    if (cmd) {
        cli_context ctx = {.config_path = config_path};
        if (cmd->needs_config && !asks_help(argc - i, argv + i) &&
            vt_config_load(config_path, &ctx.config) != VT_OK) {
            fprintf(stderr, "vitrine: %s\n", vt_error_message());
            return 2;
        }
        int rc = cmd->run(&ctx, argc - i, argv + i);
        vt_config_free(ctx.config);
        return rc;
    }
    fprintf(stderr, "vitrine: unknown command '%s'\n\n", argv[i]);
    usage(stderr);
    return 2;
}
