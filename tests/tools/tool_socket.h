/* Socket plumbing shared by the test tools (fake_node, hostile_node,
 * relay_node): a listening socket on one loopback address, and a send that
 * writes everything or gives up. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Sends all len bytes (EINTR retried, no SIGPIPE); false when the peer or
 * the socket failed first. */
bool tool_send_all(int fd, const void *data, size_t len);

/* A TCP socket bound to addr:port (SO_REUSEADDR) and listening; -1 with
 * errno set when that fails. */
int tool_listen(struct in_addr addr, unsigned port, int backlog);
