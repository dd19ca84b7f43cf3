/* Linux calls the sensor daemon needs that Swift's Glibc module lacks,
 * behind plain functions (the system headers stay in the .c file). */
#ifndef TYMPAN_SENSOR_SYSTEM_H
#define TYMPAN_SENSOR_SYSTEM_H

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (threads started
 * afterwards inherit it) and returns a non-blocking descriptor that reads
 * them (signalfd), or -1. */
int tympan_signals_open(void);

/* The next pending signal's number, 0 when none is pending. */
int tympan_signals_next(int fd);

/* Bytes a pipe holds before its writer blocks; -1 when not a pipe. */
int tympan_pipe_capacity(int fd);

/* Bytes waiting to be read on a descriptor, -1 on error. */
int tympan_bytes_waiting(int fd);

/* User + system CPU seconds of this process. */
double tympan_cpu_seconds(void);

#endif
