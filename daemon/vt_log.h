/* vt_log.h: one line per pipeline event, for vitrined and `vitrine`.
 *
 * Entry points print; modules report events. Lines go to stderr, which
 * systemd's journal captures with a priority prefix ("<3>" for errors)
 * when vitrined runs under systemd (JOURNAL_STREAM is set).
 */
#ifndef VT_LOG_H
#define VT_LOG_H

#include <stdbool.h>

#include "vt_pipeline.h"

/* Prints @event as one line. @quiet drops INFO and INGESTED lines. */
void vt_log_event(const vt_event *event, bool quiet);

/* Prints one line at error (true) or info priority. */
void vt_log_line(bool error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
