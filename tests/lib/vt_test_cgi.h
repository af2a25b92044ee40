/* vt_test_cgi.h: the search CGI (vitrine-search.cgi) run by a unit test as
 * the web server runs it: a fresh process, the request's CGI variables in
 * its environment, its answer read back as headers and body.
 *
 * Used by tests/indexer/test_cgi.c and test_selection.c (linked into those
 * two only, see tests/CMakeLists.txt). A failure of the run itself (the CGI
 * cannot start, exits non-zero, answers without "Status:" or without the
 * blank line after its headers) is a failed assertion, not a status: the
 * test stops there. Not thread-safe (GLib's test framework runs one test at
 * a time).
 */
#ifndef VT_TEST_CGI_H
#define VT_TEST_CGI_H

/* The built vitrine-search.cgi in $VT_BIN_DIR, or NULL when it is not
 * there (the caller skips its test); caller owns it. */
char *vt_test_cgi_path(void);

/* Makes below @tmp the folders of a site whose search is public by default
 * (state, originals, quarantine, spool, images, site, hot: the index is
 * tmp/index, made or not by the caller; the public base URL
 * https://collection.example.org, the internal one
 * https://intra.example.org/collection, one department "photo") and writes
 * its configuration; returns the configuration's path (caller owns). */
char *vt_test_cgi_config_new(const char *tmp);

/* Runs @cgi with REQUEST_METHOD=GET, QUERY_STRING=@query,
 * VITRINE_CONFIG=@config, the variables of @extra (name, value, name,
 * value, ..., NULL; a NULL value leaves its variable unset; a NULL @extra:
 * none) and this process's sanitizer settings; its stderr is discarded.
 * Returns the answer's status and sets *ret_headers (without the blank
 * line that ends them) and *ret_body (caller owns both). */
int vt_test_cgi_get(const char *cgi, const char *config, const char *query,
                    const char *const *extra, char **ret_headers, char **ret_body);

/* The value of header @name in @headers (as vt_test_cgi_get returns them),
 * or NULL; caller owns it. */
char *vt_test_cgi_header(const char *headers, const char *name);

#endif
