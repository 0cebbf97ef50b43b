/*
 * sdnotify.h - the two systemd protocols ssd speaks: service notification
 * (sd_notify) and journal streams.  With --with-systemd libsystemd does the
 * work; without it the few lines of each protocol are implemented here.
 * Only the master notifies; every worker opens its own journal stream.
 */
#ifndef SSD_SDNOTIFY_H
#define SSD_SDNOTIFY_H

#include <stdint.h>

/* Sends one notification ("READY=1", "STATUS=..."); 0 if not under systemd. */
int	sdn_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Watchdog interval in microseconds, 0 when no watchdog is configured. */
uint64_t sdn_watchdog_usec(void);
/* True when started by systemd (a journal or notify socket was given). */
int	sdn_under_systemd(void);
/* Replaces stderr with a journal stream named ident; -1 on failure. */
int	sdn_journal_stream(const char *ident);

#endif
