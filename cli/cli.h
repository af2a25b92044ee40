/* cli.h: the commands of the `vitrine` tool, one file each group.
 *
 * vitrine.c parses the global options and dispatches; every command gets
 * the loaded configuration and its own argv (argv[0] is the command name),
 * prints what it has to say, and returns the process exit code:
 * 0 success, 1 failure (or work left pending), 2 usage or configuration.
 */
#ifndef VT_CLI_H
#define VT_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_config.h"

typedef struct {
    const char *config_path;
    vt_config *config;       /* NULL for commands that load it themselves */
} cli_context;

int cli_ingest(cli_context *ctx, int argc, char **argv);
int cli_retry(cli_context *ctx, int argc, char **argv);
int cli_set(cli_context *ctx, int argc, char **argv);
int cli_reindex(cli_context *ctx, int argc, char **argv);
int cli_harvest(cli_context *ctx, int argc, char **argv);
int cli_unset(cli_context *ctx, int argc, char **argv);
int cli_list(cli_context *ctx, int argc, char **argv);
int cli_show(cli_context *ctx, int argc, char **argv);
int cli_history(cli_context *ctx, int argc, char **argv);
int cli_status(cli_context *ctx, int argc, char **argv);
int cli_rebuild(cli_context *ctx, int argc, char **argv);
int cli_verify(cli_context *ctx, int argc, char **argv);
int cli_check_config(cli_context *ctx, int argc, char **argv);
int cli_demo(cli_context *ctx, int argc, char **argv);
int cli_annotations(cli_context *ctx, int argc, char **argv);

/* Hands @request (taken) to the store's writer, as `vitrine set` does:
 * vitrined through the spool when it runs, else this process in batch mode.
 * Returns the exit code. */
int cli_submit(cli_context *ctx, json_t *request);

/* Parses a command's options; prints the error and returns false. */
bool cli_parse(const char *command, const char *summary, GOptionEntry *entries, int *argc,
               char ***argv);

/* Is the daemon writing to this state dir? ret_pid gets its pid if known. */
bool cli_daemon_running(const vt_config *config, int *ret_pid);

#endif
