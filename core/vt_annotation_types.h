/* vt_annotation_types.h: the types of annotation and their fields, built
 * in and from the configuration.
 *
 * Who calls it: the config loader (it checks the groups below), and through
 * vt_annotation.h everything that reads or writes annotations. Pure: no I/O,
 * safe from any thread once loaded. Apart from vt_annotation so that the
 * config, which every program loads (the search CGI too, once a request),
 * needs neither the store nor libxml2, which the annotations themselves use.
 *
 * Types: descriptive (text, language), tag (terms), link (url, label),
 * story (title, text, order), sample (sample-id, location, analysis,
 * laboratory, date), restoration (treatment, material, damage, date,
 * conservator), extended or replaced in the configuration:
 *
 *   [annotations]
 *   damage-types = varnish, flaking, loss, abrasion, retouching
 *   [annotation-type:inscription]
 *   label = Inscription
 *   colour = #8a3ffc
 *   fields = text:text, script:choice(latin|greek|other), reader:person, seen:date
 *
 * Field kinds: text, term, terms (a list of terms), url (http/https), date
 * (YYYY, YYYY-MM or YYYY-MM-DD), number, choice(a|b|...), person, language
 * (nl, fr, en, de: the language of the annotation's text fields).
 */
#ifndef VT_ANNOTATION_TYPES_H
#define VT_ANNOTATION_TYPES_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vt_error.h"

typedef enum {
    VT_AFIELD_TEXT,
    VT_AFIELD_TERM,
    VT_AFIELD_TERMS,     /* a list of terms */
    VT_AFIELD_URL,
    VT_AFIELD_DATE,
    VT_AFIELD_NUMBER,
    VT_AFIELD_CHOICE,
    VT_AFIELD_PERSON,
    VT_AFIELD_LANGUAGE
} vt_annotation_field_kind;

typedef struct {
    char *name;                      /* [a-z0-9-]{1,40} */
    vt_annotation_field_kind kind;
    char **choices;                  /* CHOICE: NULL-terminated; else NULL */
} vt_annotation_field;

typedef struct {
    char *name;                      /* [a-z0-9-]{1,40} */
    char *label;
    char *colour;                    /* "#rrggbb" */
    vt_annotation_field *fields;
    size_t n_fields;
} vt_annotation_type;

typedef struct vt_annotation_types vt_annotation_types;

/* The built-in types, changed and extended by @kf's [annotations] and
 * [annotation-type:NAME] groups (@kf may be NULL). VT_ERR_CONFIG with every
 * problem named ("[annotation-type:x] fields: ..."). Caller frees. */
vt_status vt_annotation_types_load(GKeyFile *kf, vt_annotation_types **ret_types);
void vt_annotation_types_free(vt_annotation_types *types);
size_t vt_annotation_types_count(const vt_annotation_types *types);
const vt_annotation_type *vt_annotation_types_nth(const vt_annotation_types *types, size_t i);
/* The type called @name (borrowed), or NULL. */
const vt_annotation_type *vt_annotation_types_get(const vt_annotation_types *types,
                                                  const char *name);
const char *vt_annotation_field_kind_name(vt_annotation_field_kind kind);
/* The types as JSON for the site's scripts and the CLI:
 * [{"name","label","colour","fields":[{"name","kind","choices"?}]}]. New reference. */
json_t *vt_annotation_types_json(const vt_annotation_types *types);

#endif
