/*
 * Ctrl-C and SIGTERM while a command drives nodes: the handler only counts
 * the signal and writes a byte to a pipe, which the event loop watches, so
 * the command decides what to stop and still prints its record.
 */
#ifndef OTACTL_STOP_SIGNAL_H
#define OTACTL_STOP_SIGNAL_H

/* Installs the handlers for SIGINT and SIGTERM. Returns the pipe's read
 * end (non-blocking), or -1. Idempotent. */
int stop_signal_install(void);

/* Drains the pipe; returns how many signals arrived since install. */
unsigned stop_signal_count(void);

/* Puts the previous handlers back and closes the pipe. */
void stop_signal_restore(void);

#endif
