/* cli_demo.c: `vitrine demo [--dir D] [--port N] [--prepare-only]`: the whole
 * of vitrine on one machine, on 127.0.0.1.
 *
 * It makes sample department hotfolders and sample images (drawn with
 * libvips, so nothing is downloaded) with sidecar metadata, a small
 * collection-system API fixture (static JSON files), a vitrine configuration
 * and a lighttpd configuration beside them; then runs lighttpd (the site,
 * the search CGI for both audiences, the static IIIF tiles, the API fixture)
 * and vitrined until Ctrl-C or SIGTERM, which stop both.
 *
 * What is kept between runs: vitrine.conf (a user may edit it; the port is
 * remembered in it, so a different --port on an existing demo is refused),
 * the API files, and the samples (drawn once, marked by state/samples-made).
 * lighttpd.conf is generated at every run from the folder and the port.
 *
 * Children get SIGTERM if this process dies (PR_SET_PDEATHSIG), so a killed
 * demo never leaves a web server holding the port.
 */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

#include "cli.h"
#include "vt_file.h"

#define DEFAULT_PORT 8080
/* Marks a configuration written by this version of the demo (URL layout
 * with /images, the API fixture and [harvest]). */
#define CONFIG_MARK "# vitrine demo configuration (2)"

typedef struct {
    const char *department;
    const char *name;
    int width, height;
    double r, g, b;     /* tint */
    bool grey;
    const char *sidecar;  /* NAME.json beside the image, or NULL */
} sample;

/* One intervention (2024.01234) is shot by all three departments, so the
 * demo shows an intervention across departments. Microscopy is an internal
 * department; one x-ray is made internal by its sidecar. */
static const sample samples[] = {
    {"photo", "2024.01234_recto.jpg", 2400, 1800, 1.0, 0.8, 0.6, false,
     "{\"title.nl\": \"Recto na reiniging\",\n"
     " \"title.fr\": \"Recto après nettoyage\",\n"
     " \"title.en\": \"Recto after cleaning\",\n"
     " \"keywords.nl\": [\"vernis\", \"craquelure\", \"parel\"],\n"
     " \"keywords.fr\": [\"vernis\", \"craquelure\", \"perle\"],\n"
     " \"keywords.en\": [\"varnish\", \"craquelure\", \"pearl\"]}\n"},
    {"photo", "2024.01234_verso.jpg", 1800, 2400, 0.7, 0.8, 1.0, false, NULL},
    {"photo", "2023.00042 detail raking light.jpg", 3000, 2000, 0.9, 0.9, 0.7, false,
     "{\"title.nl\": \"Detail in strijklicht\",\n"
     " \"title.en\": \"Detail in raking light\",\n"
     " \"keywords.nl\": [\"strijklicht\", \"impasto\"],\n"
     " \"keywords.en\": [\"raking light\", \"impasto\"]}\n"},
    {"xray", "2024.01234_xray.png", 2000, 2600, 1.0, 1.0, 1.0, true,
     "{\"title.nl\": \"Röntgenopname\",\n"
     " \"title.en\": \"X-radiograph\",\n"
     " \"keywords.nl\": [\"pentimento\", \"loodwit\"],\n"
     " \"keywords.en\": [\"pentimento\", \"lead white\"]}\n"},
    {"xray", "2022.10001_xray.png", 1600, 1600, 1.0, 1.0, 1.0, true,
     "{\"title.en\": \"X-radiograph for the loan request\",\n"
     " \"keywords.en\": [\"loan\", \"condition report\"],\n"
     " \"visibility\": \"internal\"}\n"},
    {"microscopy", "2024.01234_cross-section.tif", 1600, 1200, 0.8, 0.6, 0.9, false,
     "{\"title.nl\": \"Verfdoorsnede, staal 3\",\n"
     " \"title.en\": \"Paint cross-section, sample 3\",\n"
     " \"keywords.nl\": [\"loodwit\", \"smalt\"],\n"
     " \"keywords.en\": [\"lead white\", \"smalt\"]}\n"},
    {"microscopy", "2021.00777_pigment.tif", 1200, 1200, 0.6, 0.9, 0.6, false, NULL},
};

/* The collection system's record of each intervention, as the [harvest]
 * section below reads it (titles in three languages, object, creator). */
static const struct {
    const char *number;
    const char *json;
} api_records[] = {
    {"2024.01234",
     "{\"number\": \"2024.01234\",\n"
     " \"titles\": {\"nl\": \"Portret van een dame met parelsnoer\",\n"
     "            \"fr\": \"Portrait d'une dame au collier de perles\",\n"
     "            \"en\": \"Portrait of a lady with a pearl necklace\"},\n"
     " \"object\": {\"name\": \"schilderij op paneel\", \"creator\": \"Meester van het Parelsnoer\",\n"
     "            \"date\": \"c. 1620\"}}\n"},
    {"2023.00042",
     "{\"number\": \"2023.00042\",\n"
     " \"titles\": {\"nl\": \"Rivierlandschap met veerpont\",\n"
     "            \"fr\": \"Paysage fluvial avec un bac\",\n"
     "            \"en\": \"River landscape with a ferry\"},\n"
     " \"object\": {\"name\": \"schilderij op doek\", \"creator\": \"Jan Wouters\",\n"
     "            \"date\": \"1664\"}}\n"},
    {"2022.10001",
     "{\"number\": \"2022.10001\",\n"
     " \"titles\": {\"nl\": \"Heilige Barbara\", \"fr\": \"Sainte Barbe\", \"en\": \"Saint Barbara\"},\n"
     " \"object\": {\"name\": \"beeldhouwwerk\", \"creator\": \"Mechels atelier\",\n"
     "            \"date\": \"1520-1530\"}}\n"},
    {"2021.00777",
     "{\"number\": \"2021.00777\",\n"
     " \"titles\": {\"nl\": \"Stilleven met citroenen\",\n"
     "            \"fr\": \"Nature morte aux citrons\",\n"
     "            \"en\": \"Still life with lemons\"},\n"
     " \"object\": {\"name\": \"schilderij op paneel\", \"creator\": \"navolger van Clara Peeters\",\n"
     "            \"date\": \"after 1612\"}}\n"},
};

/* printf format (a literal, so the compiler checks it): the port. */
#define DEMO_CONFIG \
    CONFIG_MARK ", written by `vitrine demo`.\n" \
    "# Edit it as you like: the demo keeps it. The port is in the URLs below.\n" \
    "[vitrine]\n" \
    "state-dir=state\n" \
    "originals-dir=originals\n" \
    "quarantine-dir=quarantine\n" \
    "spool-dir=spool\n" \
    "workers=2\n" \
    "\n[images]\n" \
    "server=static\n" \
    "dir=images\n" \
    "base-url=http://127.0.0.1:%1$d/images\n" \
    "\n[site]\n" \
    "dir=site\n" \
    "title=vitrine demo\n" \
    "languages=nl,fr,en              # a page tree each (/nl/, /fr/, /en/); / goes by Accept-Language\n" \
    "base-url=http://127.0.0.1:%1$d\n" \
    "internal-base-url=http://127.0.0.1:%1$d/internal\n" \
    "originals-base-url=http://127.0.0.1:%1$d/internal/originals\n" \
    "\n[search]\n" \
    "audience=public                 # the internal CGI runs with VITRINE_AUDIENCE=internal\n" \
    "synonyms=synonyms.txt           # conservation terms in nl, fr, en, de\n" \
    "\n# The collection system: static files under api/, served by the demo's lighttpd.\n" \
    "[harvest]\n" \
    "url=http://127.0.0.1:%1$d/api/interventions/{intervention}.json\n" \
    "format=json\n" \
    "timeout-seconds=5\n" \
    "refresh-hours=24\n" \
    "\n[harvest-fields]\n" \
    "# object_title: the artwork's title, not the image's (title, from sidecars)\n" \
    "object_title.nl=/titles/nl\n" \
    "object_title.fr=/titles/fr\n" \
    "object_title.en=/titles/en\n" \
    "object=/object/name\n" \
    "creator=/object/creator\n" \
    "date=/object/date                # fills the search page's Year facet\n" \
    "\n[department:photo]\n" \
    "hotfolder=hotfolders/photo\n" \
    "label=Photography\n" \
    "visibility=public\n" \
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n" \
    "settle-seconds=2\n" \
    "\n[department:xray]\n" \
    "hotfolder=hotfolders/xray\n" \
    "label=X-ray\n" \
    "visibility=public\n" \
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n" \
    "settle-seconds=2\n" \
    "\n[department:microscopy]\n" \
    "hotfolder=hotfolders/microscopy\n" \
    "label=Microscopy\n" \
    "visibility=internal\n" \
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n" \
    "settle-seconds=2\n"

/* A smooth, colourful pattern: enough structure for deep zoom to show. */
static int draw(const sample *s, const char *path)
{
    VipsImage *t[12] = {0};
    int rc = -1;

    if (vips_xyz(&t[0], s->width, s->height, NULL) ||
        vips_extract_band(t[0], &t[1], 0, NULL) || vips_extract_band(t[0], &t[2], 1, NULL))
        goto out;
    /* Rings around the centre plus a diagonal gradient. */
    double cx = s->width / 2.0, cy = s->height / 2.0;
    if (vips_linear1(t[1], &t[3], 1.0, -cx, NULL) || vips_linear1(t[2], &t[4], 1.0, -cy, NULL) ||
        vips_multiply(t[3], t[3], &t[5], NULL) || vips_multiply(t[4], t[4], &t[6], NULL) ||
        vips_add(t[5], t[6], &t[7], NULL) || vips_pow_const1(t[7], &t[8], 0.5, NULL) ||
        vips_math(t[8], &t[9], VIPS_OPERATION_MATH_SIN, NULL))
        goto out;
    double k = 127.0, c = 128.0;
    if (vips_linear1(t[9], &t[10], k, c, NULL))
        goto out;
    if (s->grey) {
        if (vips_cast_uchar(t[10], &t[11], NULL) || vips_image_write_to_file(t[11], path, NULL))
            goto out;
    } else {
        double mul[3] = {s->r, s->g, s->b}, add[3] = {0, 0, 0};
        VipsImage *rgb = NULL, *tinted = NULL, *u8 = NULL;
        VipsImage *bands[3] = {t[10], t[10], t[10]};
        if (vips_bandjoin(bands, &rgb, 3, NULL) ||
            vips_linear(rgb, &tinted, mul, add, 3, NULL) || vips_cast_uchar(tinted, &u8, NULL) ||
            vips_copy(u8, &t[11], "interpretation", VIPS_INTERPRETATION_sRGB, NULL) ||
            vips_image_write_to_file(t[11], path, "Q", 90, NULL)) {
            if (rgb) g_object_unref(rgb);
            if (tinted) g_object_unref(tinted);
            if (u8) g_object_unref(u8);
            goto out;
        }
        g_object_unref(rgb);
        g_object_unref(tinted);
        g_object_unref(u8);
    }
    rc = 0;
out:
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        if (t[i])
            g_object_unref(t[i]);
    if (rc) {
        fprintf(stderr, "vitrine demo: cannot draw %s: %s\n", path, vips_error_buffer());
        vips_error_clear();
    }
    return rc;
}

/* @name next to this executable (a build tree), else in @installed_dir
 * relative to the installation prefix (vitrine is in <prefix>/bin), else on
 * PATH. Caller frees; NULL when not found. */
static char *find_binary(const char *name, const char *installed_dir)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self) {
        g_autofree char *dir = g_path_get_dirname(self);
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
            return path;
        g_free(path);
        g_autofree char *prefix = g_path_get_dirname(dir);
        path = g_build_filename(prefix, installed_dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
            return path;
        g_free(path);
    }
    return g_find_program_in_path(name);
}

/* lighttpd: on PATH, or where Debian puts it (/usr/sbin is not on a
 * normal user's PATH). */
static char *find_lighttpd(void)
{
    char *path = g_find_program_in_path("lighttpd");
    if (!path && g_file_test("/usr/sbin/lighttpd", G_FILE_TEST_IS_EXECUTABLE))
        path = g_strdup("/usr/sbin/lighttpd");
    return path;
}

/* Is something listening on 127.0.0.1:@port? */
static bool port_answers(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Can we bind 127.0.0.1:@port? Sets errno when not. */
static bool port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

/* The port of an existing demo config ([site] base-url
 * http://127.0.0.1:PORT), or 0 when it names none. */
static int config_port(const char *conf)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, conf, G_KEY_FILE_NONE, NULL))
        return 0;
    g_autofree char *url = vt_config_get_raw(kf, "site", "base-url");
    const char *prefix = "http://127.0.0.1:";
    if (!url || !g_str_has_prefix(url, prefix))
        return 0;
    char *end = NULL;
    long port = strtol(url + strlen(prefix), &end, 10);
    if (end == url + strlen(prefix) || (*end && *end != '/') || port < 1 || port > 65535)
        return 0;
    return (int)port;
}

/* The [site] languages of the demo's config (its page folders), or NULL
 * without two or more: a value that is not a language tag (a user's edit)
 * leaves the list out, so that nothing odd goes into lighttpd.conf. */
static char **config_languages(const char *conf)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, conf, G_KEY_FILE_NONE, NULL))
        return NULL;
    g_autofree char *raw = vt_config_get_raw(kf, "site", "languages");
    if (!raw)
        return NULL;
    char **langs = g_strsplit(raw, ",", -1);
    for (size_t i = 0; langs[i]; i++) {
        g_strstrip(langs[i]);
        if (!g_regex_match_simple("^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$", langs[i], 0, 0)) {
            g_strfreev(langs);
            return NULL;
        }
    }
    if (g_strv_length(langs) < 2) {
        g_strfreev(langs);
        return NULL;
    }
    return langs;
}

/* A lighttpd string literal may not hold '"' or '\' as they are; our paths
 * go into them unquoted, so such a path is refused. */
static bool lighttpd_safe(const char *s)
{
    return !strpbrk(s, "\"\\\n");
}

/* The demo's web server: public tree at /, internal tree at /internal/ (no
 * authentication: it listens on 127.0.0.1 only), the CGI at both, the
 * static tiles at /images/ (internal assets' at /internal/images/ only),
 * the API fixture at /api/; with @languages (two or more, the default
 * first), / and /internal/ go to the visitor's language by Accept-Language.
 * docs/web/lighttpd.conf is the production version. */
static char *lighttpd_config(const char *dir, int port, const char *cgi,
                             const char *const *languages)
{
    GString *c = g_string_new(NULL);
    g_string_append_printf(
        c,
        "# Written by `vitrine demo` at every start: edits are lost. docs/web/\n"
        "# has configurations for a real server (with authentication).\n"
        "server.document-root = \"%1$s/site/public\"\n"
        "server.bind = \"127.0.0.1\"\n"
        "server.port = %2$d\n"
        "server.errorlog = \"%1$s/logs/lighttpd.log\"\n"
        "server.upload-dirs = ( \"%1$s/logs\" )\n"
        "server.modules += ( \"mod_access\", \"mod_alias\", \"mod_redirect\", \"mod_setenv\",\n"
        "                    \"mod_cgi\" )\n"
        "index-file.names = ( \"index.html\" )\n"
        "mimetype.assign = ( \".html\" => \"text/html; charset=utf-8\",\n"
        "    \".json\" => \"application/json\", \".xml\" => \"application/xml\",\n"
        "    \".css\" => \"text/css; charset=utf-8\", \".js\" => \"text/javascript; charset=utf-8\",\n"
        "    \".mjs\" => \"text/javascript; charset=utf-8\", \".map\" => \"application/json\",\n"
        "    \".svg\" => \"image/svg+xml\", \".png\" => \"image/png\", \".jpg\" => \"image/jpeg\",\n"
        "    \".jpeg\" => \"image/jpeg\", \".tif\" => \"image/tiff\", \".ico\" => \"image/vnd.microsoft.icon\",\n"
        "    \".woff2\" => \"font/woff2\", \".txt\" => \"text/plain; charset=utf-8\",\n"
        "    \"\" => \"application/octet-stream\" )\n"
        "alias.url = (\n"
        "    \"/internal/cgi-bin/vitrine-search.cgi\" => \"%3$s\",\n"
        "    \"/cgi-bin/vitrine-search.cgi\" => \"%3$s\",\n"
        "    \"/internal/originals/\" => \"%1$s/originals/\",\n"
        "    \"/internal/images/\" => \"%1$s/images/internal/\",\n"
        "    \"/internal/\" => \"%1$s/site/internal/\",\n"
        "    \"/images/internal/\" => \"%1$s/images/.not-public/\",\n"
        "    \"/images/\" => \"%1$s/images/\",\n"
        "    \"/api/\" => \"%1$s/api/\" )\n"
        "url.redirect = ( \"^/internal$\" => \"/internal/\" )\n"
        "$HTTP[\"url\"] =~ \"/\\.\" { url.access-deny = ( \"\" ) }\n",
        dir, port, cgi);

    /* docs/web/lighttpd.conf's block for [site] languages: the first
     * language of Accept-Language that the site has, else the default; a
     * 302, which no browser keeps (the answer depends on the visitor). */
    if (languages && languages[0] && languages[1]) {
        g_string_append(c, "$HTTP[\"url\"] =~ \"^(/internal)?/$\" {\n"
                           "    url.redirect-code = 302\n");
        for (size_t i = 1; languages[i]; i++)
            g_string_append_printf(c,
                                   "    %s$REQUEST_HEADER[\"Accept-Language\"] =~ \"^ *(?i:%s)\\b\" {\n"
                                   "        url.redirect = ( \"^(/internal)?/$\" => \"$1/%s/\" )\n"
                                   "    }\n",
                                   i == 1 ? "" : "else ", languages[i], languages[i]);
        g_string_append_printf(c,
                               "    else $HTTP[\"url\"] =~ \"\" {\n"
                               "        url.redirect = ( \"^(/internal)?/$\" => \"$1/%s/\" )\n"
                               "    }\n"
                               "}\n",
                               languages[0]);
    }

    /* The sanitizer options of a test run reach the CGI as the config does
     * (mod_cgi gives a CGI a fresh environment). */
    g_autoptr(GString) env = g_string_new(NULL);
    static const char *const pass[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
    for (size_t i = 0; i < G_N_ELEMENTS(pass); i++) {
        const char *v = g_getenv(pass[i]);
        if (v && *v && lighttpd_safe(v))
            g_string_append_printf(env, ", \"%s\" => \"%s\"", pass[i], v);
    }
    static const char *const audiences[] = {"internal", "public"};
    for (size_t i = 0; i < G_N_ELEMENTS(audiences); i++) {
        bool internal = i == 0;
        g_string_append_printf(
            c,
            "%s$HTTP[\"url\"] == \"%s/cgi-bin/vitrine-search.cgi\" {\n"
            "    cgi.assign = ( \".cgi\" => \"\" )\n"
            "    setenv.add-environment = ( \"VITRINE_CONFIG\" => \"%s/vitrine.conf\",\n"
            "                               \"VITRINE_AUDIENCE\" => \"%s\"%s )\n"
            "}\n",
            internal ? "" : "else ", internal ? "/internal" : "", dir, audiences[i], env->str);
    }
    /* IIIF viewers and aggregators elsewhere fetch these from the browser. */
    g_string_append(
        c,
        "else $HTTP[\"url\"] =~ \"^(/internal)?/iiif/\" {\n"
        "    mimetype.assign = ( \".json\" => \"application/ld+json;profile=\\\"http://iiif.io/api/presentation/3/context.json\\\"\" )\n"
        "    setenv.set-response-header = ( \"Access-Control-Allow-Origin\" => \"*\" )\n"
        "}\n"
        "else $HTTP[\"url\"] =~ \"^(/internal)?/activity/|^(/internal)?/images/|^/api/\" {\n"
        "    setenv.set-response-header = ( \"Access-Control-Allow-Origin\" => \"*\" )\n"
        "}\n");
    return g_string_free(c, FALSE);
}

static int write_text(const char *path, const char *text)
{
    g_autofree char *dir = g_path_get_dirname(path);
    if (vt_file_mkdirs(dir) != VT_OK || vt_file_write_atomic(path, text, strlen(text)) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return -1;
    }
    return 0;
}

/* The sample images, each with its sidecar, dropped as a careful copier
 * does: drawn elsewhere, then renamed in (sidecar first, so that it is
 * there when the image is taken). */
static int make_samples(const char *dir)
{
    g_autofree char *staging = g_build_filename(dir, ".staging", NULL);
    g_autofree char *marker = g_build_filename(dir, "state", "samples-made", NULL);
    if (g_file_test(marker, G_FILE_TEST_EXISTS))
        return 0;
    if (vt_file_mkdirs(staging) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return -1;
    }
    printf("Drawing %zu sample images...\n", G_N_ELEMENTS(samples));
    fflush(stdout);
    for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
        const sample *s = &samples[i];
        g_autofree char *hot = g_build_filename(dir, "hotfolders", s->department, NULL);
        g_autofree char *tmp = g_build_filename(staging, s->name, NULL);
        g_autofree char *dst = g_build_filename(hot, s->name, NULL);
        if (vt_file_mkdirs(hot) != VT_OK) {
            fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
            return -1;
        }
        if (draw(s, tmp) != 0)
            return -1;
        if (s->sidecar) {
            g_autofree char *stem = g_strndup(s->name, (gsize)(strrchr(s->name, '.') - s->name));
            g_autofree char *json_name = g_strconcat(stem, ".json", NULL);
            g_autofree char *side = g_build_filename(hot, json_name, NULL);
            if (write_text(side, s->sidecar) != 0)
                return -1;
        }
        if (rename(tmp, dst) != 0) {
            fprintf(stderr, "vitrine demo: cannot move %s: %s\n", tmp, g_strerror(errno));
            return -1;
        }
    }
    g_rmdir(staging);
    return write_text(marker, "1\n");
}

/* A small nl/fr/en/de conservation thesaurus: searching "varnish" finds
 * "vernis" and "Firnis". One word per member: the index expands words,
 * not phrases ("lead white" is refused by check-config, with its line). */
static const char demo_synonyms[] =
    "# vitrine demo: synonym groups, one a line, members separated by commas.\n"
    "# A member may be a phrase (lead white); @nl, @fr, @en, @de say its language,\n"
    "# which labels the group's facet entry on the search page of that language.\n"
    "vernis@nl, vernis@fr, varnish@en, Firnis@de\n"
    "loodwit@nl, blanc de plomb@fr, céruse@fr, lead white@en, ceruse@en, Bleiweiß@de\n"
    "craquelure@nl, craquelure@fr, craquelé@fr, craquelure@en, Krakelüre@de\n"
    "retouche@nl, retouche@fr, retouch@en, Retusche@de\n"
    "vergeling@nl, jaunissement@fr, yellowing@en, Vergilbung@de\n"
    "afschilfering@nl, écaillage@fr, flaking@en, Abblätterung@de\n"
    "reiniging@nl, nettoyage@fr, cleaning@en, Reinigung@de\n"
    "vergulding@nl, dorure@fr, gilding@en, Vergoldung@de\n"
    "doek@nl, toile@fr, canvas@en, Leinwand@de\n"
    "paneel@nl, panneau@fr, panel@en, Holztafel@de\n"
    "ultramarijn@nl, outremer@fr, ultramarine@en, Ultramarin@de\n"
    "vermiljoen@nl, vermillon@fr, vermilion@en, Zinnober@de\n"
    "röntgenopname@nl, radiographie@fr, radiograph@en, Röntgenaufnahme@de\n";

static int make_api(const char *dir)
{
    g_autofree char *synonyms = g_build_filename(dir, "synonyms.txt", NULL);
    if (!g_file_test(synonyms, G_FILE_TEST_EXISTS) && write_text(synonyms, demo_synonyms) != 0)
        return -1;
    for (size_t i = 0; i < G_N_ELEMENTS(api_records); i++) {
        g_autofree char *name = g_strconcat(api_records[i].number, ".json", NULL);
        g_autofree char *path = g_build_filename(dir, "api", "interventions", name, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS) && write_text(path, api_records[i].json) != 0)
            return -1;
    }
    return 0;
}

/* ---- the two children --------------------------------------------------- */

typedef struct {
    const char *name;
    GPid pid;          /* 0 once reaped */
    int status;        /* wait status */
} child;

static child children[2] = {{"lighttpd", 0, 0}, {"vitrined", 0, 0}};
static bool stopping;      /* we asked both to stop */
static bool asked;         /* by a signal (Ctrl-C, SIGTERM): a normal end */

/* In the child, before exec: a process group of its own, so that Ctrl-C
 * reaches the demo alone, which then stops each child with one SIGTERM (a
 * terminal's SIGINT and our SIGTERM together would be two stop requests);
 * SIGTERM when the demo dies; SIGINT/SIGQUIT back to their defaults (a
 * shell starts background jobs with them ignored, and exec keeps that), so
 * that both behave as under systemd. */
static void child_setup(gpointer data)
{
    (void)data;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
}

static void child_exited(GPid pid, gint status, gpointer data)
{
    child *c = data;
    c->status = status;
    c->pid = 0;
    g_spawn_close_pid(pid);
    if (!stopping) {
        fprintf(stderr, "vitrine demo: %s exited unexpectedly (%s %d); stopping the demo\n",
                c->name, WIFEXITED(status) ? "status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
}

static void stop_all(void)
{
    stopping = true;
    for (size_t i = 0; i < G_N_ELEMENTS(children); i++)
        if (children[i].pid > 0)
            kill(children[i].pid, SIGTERM);
}

static gboolean on_signal(gpointer data)
{
    (void)data;
    if (!stopping)
        printf("\nStopping the demo...\n");
    asked = true;
    fflush(stdout);
    stop_all();
    return G_SOURCE_CONTINUE;
}

/* Stopping takes too long: vitrined gets 60 s to finish a conversion step
 * and write its state, then both are killed. */
static gboolean on_stop_timeout(gpointer data)
{
    (void)data;
    for (size_t i = 0; i < G_N_ELEMENTS(children); i++)
        if (children[i].pid > 0) {
            fprintf(stderr, "vitrine demo: %s did not stop; killing it\n", children[i].name);
            kill(children[i].pid, SIGKILL);
        }
    return G_SOURCE_REMOVE;
}

static bool spawn(child *c, char **argv)
{
    GError *err = NULL;
    if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL, &c->pid,
                       &err)) {
        fprintf(stderr, "vitrine demo: cannot start %s: %s\n", argv[0], err->message);
        g_error_free(err);
        c->pid = 0;
        return false;
    }
    g_child_watch_add(c->pid, child_exited, c);
    return true;
}

static void print_tail(const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, NULL) || len == 0)
        return;
    const char *start = len > 2000 ? text + len - 2000 : text;
    fprintf(stderr, "--- %s:\n%s\n", path, start);
}

/* Runs lighttpd and vitrined until a signal or until one of them exits. */
static int run(const char *dir, const char *conf, const char *web_conf, int port,
               const char *lighttpd, const char *vitrined)
{
    g_autofree char *web_log = g_build_filename(dir, "logs", "lighttpd.log", NULL);
    g_unix_signal_add(SIGINT, on_signal, NULL);
    g_unix_signal_add(SIGTERM, on_signal, NULL);

    /* The web server first: vitrined harvests from it. */
    char *web_argv[] = {(char *)lighttpd, (char *)"-D", (char *)"-f", (char *)web_conf, NULL};
    if (!spawn(&children[0], web_argv))
        return 1;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!port_answers(port)) {
        g_main_context_iteration(NULL, FALSE);
        if (children[0].pid == 0 || stopping || g_get_monotonic_time() > deadline) {
            if (!asked) {
                fprintf(stderr, "vitrine demo: lighttpd did not start on 127.0.0.1:%d\n", port);
                print_tail(web_log);
            }
            stop_all();
            while (children[0].pid > 0)
                g_main_context_iteration(NULL, TRUE);
            return 1;
        }
        g_usleep(50000);
    }

    char *daemon_argv[] = {(char *)vitrined, (char *)"-c", (char *)conf, NULL};
    if (!spawn(&children[1], daemon_argv)) {
        stop_all();
        while (children[0].pid > 0)
            g_main_context_iteration(NULL, TRUE);
        return 1;
    }

    printf("\nvitrine demo is running (lighttpd pid %d, vitrined pid %d):\n"
           "  public site      http://127.0.0.1:%d/\n"
           "  internal site    http://127.0.0.1:%d/internal/\n"
           "                   (no password: the demo listens on 127.0.0.1 only; docs/web/\n"
           "                   shows a real set-up, with authentication)\n"
           "  search           http://127.0.0.1:%d/cgi-bin/vitrine-search.cgi?q=2024.01234\n"
           "  static tiles     http://127.0.0.1:%d/images/<id>/info.json\n"
           "  collection API   http://127.0.0.1:%d/api/interventions/2024.01234.json\n"
           "  hotfolders       %s/hotfolders/{photo,xray,microscopy}\n"
           "  web server log   %s\n"
           "Pages appear as soon as vitrined has published them. Drop an image into a\n"
           "hotfolder and it is on the site seconds later. Ctrl-C stops the demo.\n\n",
           (int)children[0].pid, (int)children[1].pid, port, port, port, port, port, dir, web_log);
    fflush(stdout);

    guint timeout = 0;
    while (children[0].pid > 0 || children[1].pid > 0) {
        g_main_context_iteration(NULL, TRUE);
        if (!stopping && (children[0].pid == 0 || children[1].pid == 0))
            stop_all();
        if (stopping && !timeout)
            timeout = g_timeout_add_seconds(60, on_stop_timeout, NULL);
    }
    if (timeout)
        g_source_remove(timeout);

    /* Success when both stopped because we were asked to stop, cleanly. */
    int rc = asked ? 0 : 1;
    for (size_t i = 0; i < G_N_ELEMENTS(children); i++) {
        int st = children[i].status;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            rc = 1;
            fprintf(stderr, "vitrine demo: %s ended with %s %d\n", children[i].name,
                    WIFEXITED(st) ? "status" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
    }
    printf("The demo has stopped. Run `vitrine demo --dir %s` to start it again.\n", dir);
    return rc;
}

int cli_demo(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    g_autofree char *dir_opt = NULL;
    gboolean prepare_only = FALSE;
    int port_opt = 0;
    GOptionEntry entries[] = {
        {"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_opt, "Where the demo lives (default ./vitrine-demo)",
         "DIR"},
        {"port", 0, 0, G_OPTION_ARG_INT, &port_opt,
         "Port of the web server on 127.0.0.1 (default 8080, or the existing demo's)", "N"},
        {"prepare-only", 0, 0, G_OPTION_ARG_NONE, &prepare_only,
         "Make the hotfolders, samples and configurations, then exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("demo",
                   "sample hotfolders, images and metadata; vitrined and a web server on "
                   "127.0.0.1, until Ctrl-C",
                   entries, &argc, &argv))
        return 2;
    if (argc > 1) {
        fprintf(stderr, "vitrine demo: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (port_opt < 0 || port_opt > 65535) {
        fprintf(stderr, "vitrine demo: --port %d: a port is 1 to 65535\n", port_opt);
        return 2;
    }
    g_autofree char *dir = g_canonicalize_filename(dir_opt ? dir_opt : "vitrine-demo", NULL);
    g_autofree char *conf = g_build_filename(dir, "vitrine.conf", NULL);
    g_autofree char *web_conf = g_build_filename(dir, "lighttpd.conf", NULL);
    if (!lighttpd_safe(dir)) {
        fprintf(stderr, "vitrine demo: %s: choose a folder whose path has no '\"' or '\\'\n", dir);
        return 2;
    }

    /* The port: the existing demo's, which a different --port may not
     * silently contradict (its URLs are in the config and the site). */
    int port = port_opt ? port_opt : DEFAULT_PORT;
    bool have_conf = g_file_test(conf, G_FILE_TEST_EXISTS);
    if (have_conf) {
        int existing = config_port(conf);
        if (existing == 0) {
            fprintf(stderr,
                    "vitrine demo: %s has no [site] base-url of the form http://127.0.0.1:PORT; "
                    "fix it, or remove %s to start afresh\n", conf, dir);
            return 2;
        }
        if (port_opt && port_opt != existing) {
            fprintf(stderr,
                    "vitrine demo: the demo in %s uses port %d (see %s); run it with --port %d, "
                    "or remove %s to start afresh on port %d\n",
                    dir, existing, conf, existing, dir, port_opt);
            return 2;
        }
        port = existing;
        g_autofree char *text = NULL;
        if (g_file_get_contents(conf, &text, NULL, NULL) && !strstr(text, CONFIG_MARK))
            fprintf(stderr,
                    "vitrine demo: warning: %s was written by an older vitrine demo (no /images "
                    "URLs, no harvest); remove %s to start afresh\n", conf, dir);
    }

    /* What running needs, checked before minutes of drawing. */
    g_autofree char *lighttpd = NULL, *vitrined = NULL, *cgi = NULL;
    if (!prepare_only) {
        lighttpd = find_lighttpd();
        if (!lighttpd) {
            fprintf(stderr, "vitrine demo: lighttpd is not installed (it serves the demo's site): "
                            "apt-get install lighttpd, or run ./scripts/install-deps\n");
            return 1;
        }
        vitrined = find_binary("vitrined", "sbin");
        if (!vitrined) {
            fprintf(stderr, "vitrine demo: cannot find vitrined next to vitrine or on PATH\n");
            return 1;
        }
        if (!port_free(port)) {
            fprintf(stderr,
                    "vitrine demo: port %d on 127.0.0.1 is taken (%s): is a demo already running? "
                    "Stop it, or choose another folder and port: vitrine demo --dir DIR --port N\n",
                    port, g_strerror(errno));
            return 1;
        }
    }
    cgi = find_binary("vitrine-search.cgi", "lib/cgi-bin");
    if (!cgi) {
        fprintf(stderr, "vitrine demo: cannot find vitrine-search.cgi next to vitrine or in "
                        "<prefix>/lib/cgi-bin\n");
        return 1;
    }
    if (!lighttpd_safe(cgi)) {
        fprintf(stderr, "vitrine demo: %s: a path with '\"' or '\\' cannot go into lighttpd.conf\n",
                cgi);
        return 1;
    }

    if (vt_file_mkdirs(dir) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return 1;
    }
    if (!have_conf) {
        g_autofree char *text = g_strdup_printf(DEMO_CONFIG, port);
        if (write_text(conf, text) != 0)
            return 1;
    }
    g_auto(GStrv) languages = config_languages(conf);
    g_autofree char *web_text = lighttpd_config(dir, port, cgi, (const char *const *)languages);
    g_autofree char *logs = g_build_filename(dir, "logs", NULL);
    if (vt_file_mkdirs(logs) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return 1;
    }
    if (write_text(web_conf, web_text) != 0 || make_api(dir) != 0)
        return 1;
    if (VIPS_INIT(argv[0]))
        return 1;
    int made = make_samples(dir);
    vips_shutdown();
    if (made != 0)
        return 1;

    printf("Demo in %s\n  configuration: %s\n  web server:    %s\n", dir, conf, web_conf);
    printf("  hotfolders:    %s/hotfolders/{photo,xray,microscopy}\n", dir);
    printf("  see assets:    vitrine -c %s list\n", conf);
    fflush(stdout);
    if (prepare_only)
        return 0;
    return run(dir, conf, web_conf, port, lighttpd, vitrined);
}
