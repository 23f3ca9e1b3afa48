/* Self-pipe for SIGINT / SIGTERM: nothing but a counter and write(2) runs
 * in the handler (both async-signal-safe, POSIX.1-2017 2.4.3). */
#include "stop_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;
static int pipe_fds[2] = {-1, -1};
static bool installed;
static struct sigaction old_int, old_term;

static void on_signal(int signo)
{
    (void)signo;
    int saved = errno;
    signals_seen++;
    char byte = 1;
    ssize_t ignored = write(pipe_fds[1], &byte, 1); /* full pipe: already woken */
    (void)ignored;
    errno = saved;
}

int stop_signal_install(void)
{
    if (installed) {
        return pipe_fds[0];
    }
    if (pipe(pipe_fds) != 0) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        int flags = fcntl(pipe_fds[i], F_GETFL);
        fcntl(pipe_fds[i], F_SETFL, flags | O_NONBLOCK);
        fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    signals_seen = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    installed = true;
    return pipe_fds[0];
}

unsigned stop_signal_count(void)
{
    if (!installed) {
        return 0;
    }
    char buf[64];
    while (read(pipe_fds[0], buf, sizeof(buf)) > 0) {
    }
    return (unsigned)signals_seen;
}

void stop_signal_restore(void)
{
    if (!installed) {
        return;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    pipe_fds[0] = pipe_fds[1] = -1;
    installed = false;
}
