/* vt_log.c: see vt_log.h. */
#include "vt_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static bool journal(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = getenv("JOURNAL_STREAM") != NULL;
    return cached;
}

static void emit_line(int priority, const char *text)
{
    if (journal())
        fprintf(stderr, "<%d>%s\n", priority, text);
    else
        fprintf(stderr, "%s\n", text);
}

void vt_log_line(bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    emit_line(error ? 3 : 6, text);
}

void vt_log_event(const vt_event *e, bool quiet)
{
    const char *what = "";
    int priority = 6;

    switch (e->kind) {
    case VT_EVENT_INGESTED:    what = "ingested"; break;
    case VT_EVENT_QUARANTINED: what = "quarantined"; priority = 4; break;
    case VT_EVENT_RETRYING:    what = "will retry"; priority = 4; break;
    case VT_EVENT_PENDING:     what = "left pending"; priority = 4; break;
    case VT_EVENT_ERROR:       what = "error"; priority = 3; break;
    case VT_EVENT_INFO:        what = "note"; break;
    }
    if (quiet && priority == 6)
        return;
    GString *s = g_string_new(NULL);
    if (e->department && e->source)
        g_string_append_printf(s, "%s/%s: ", e->department, e->source);
    else if (e->department)
        g_string_append_printf(s, "%s: ", e->department);
    g_string_append(s, what);
    if (e->id)
        g_string_append_printf(s, " [%s]", e->id);
    if (e->message)
        g_string_append_printf(s, ": %s", e->message);
    emit_line(priority, s->str);
    g_string_free(s, TRUE);
}
