/*
 * Telling the service manager how renod is doing: the sd_notify protocol of systemd,
 * spoken directly. When renod runs as a Type=notify unit, systemd passes the path of a
 * datagram socket in $NOTIFY_SOCKET; renod sends "READY=1" once it listens and its
 * database pool has a connection up, "STOPPING=1" when shutdown begins, "WATCHDOG=1"
 * from the janitor when the unit asks for a watchdog ($WATCHDOG_USEC), and "STATUS=..."
 * lines that `systemctl status` shows. Outside systemd ($NOTIFY_SOCKET unset) every call
 * does nothing and succeeds.
 *
 * Why not libsystemd's sd_notify(): sd_notify(3) documents the protocol as a stable
 * interface meant to be reimplemented (one datagram of "KEY=VALUE" lines to an AF_UNIX
 * socket, possibly abstract), and writing it costs some fifty lines, whereas linking
 * libsystemd would add a library and its dependencies to a server whose job does not
 * otherwise need them, and to every test build.
 *
 * No state is kept: each call opens, sends on and closes its own socket, which is cheap
 * at the rate renod calls it (a few times at start and stop, once a second for the
 * watchdog).
 */
#ifndef RENO_SERVICE_H
#define RENO_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Sends `state` (one or more "KEY=VALUE" lines) to $NOTIFY_SOCKET. 0 when sent or when
 * there is no service manager to tell; -1 when the socket is named but cannot be reached
 * (the caller logs it: a unit waiting for READY=1 would otherwise time out unexplained).
 */
int service_notify(const char *state) __attribute__((warn_unused_result));
/* The watchdog interval the unit asks for, in microseconds; 0 when none (no
 * $WATCHDOG_USEC, or one meant for another process by $WATCHDOG_PID). */
uint64_t service_watchdog_usec(void);

#endif
