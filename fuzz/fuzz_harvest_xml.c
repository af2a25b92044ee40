/* fuzz_harvest_xml.c: vt_harvest_map_xml on arbitrary bytes (whatever the
 * collection system, or something pretending to be it, answers).
 *
 * Besides "no crash, no leak, no hang", it checks what callers rely on: a
 * result passes vt_meta_check_fields(), a failure leaves the result alone
 * and is one of the documented codes; violations abort(). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "vt_harvest_map.h"
#include "vt_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_text[] =
    "[harvest]\n"
    "url=https://collection.example.org/api/interventions/{intervention}\n"
    "format=xml\n"
    "[harvest-namespaces]\n"
    "i=http://collection.example.org/ns/intervention\n"
    "[harvest-fields]\n"
    "title.nl=/i:intervention/i:title[@xml:lang='nl']\n"
    "title.fr=/i:intervention/i:title[@xml:lang='fr']\n"
    "title=/intervention/title\n"
    "object=//i:object/i:name\n"
    "creator=//i:creator | //creator\n"
    "role=//@role\n"
    "intervention=/*/@number\n"
    "inventory=number(//i:number)\n"
    "count=count(//*)\n"
    "summary=concat(//i:name, ' (', /*/@number, ')')\n"
    "text=//text()\n"
    "comment=//comment()\n";

static gpointer load_config(gpointer unused)
{
    GKeyFile *kf = g_key_file_new();
    vt_harvest_config *config = NULL;
    if (!g_key_file_load_from_data(kf, config_text, sizeof config_text - 1, 0, NULL)
        || vt_harvest_config_load(kf, &config) != VT_OK || !config)
        abort();
    g_key_file_free(kf);
    return config;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GOnce once = G_ONCE_INIT;
    const vt_harvest_config *config = g_once(&once, load_config, NULL);

    json_t *fields = (json_t *)(uintptr_t)0x1;
    vt_status status = vt_harvest_map_xml(config, (const char *)data, size, &fields);
    if (status == VT_OK) {
        if (vt_meta_check_fields(fields) != VT_OK)
            abort();
        json_decref(fields);
    } else if (fields != (json_t *)(uintptr_t)0x1
               || (status != VT_ERR_INVALID && status != VT_ERR_LIMIT
                   && status != VT_ERR_NOMEM)) {
        abort();
    }
    vt_error_clear();
    return 0;
}
