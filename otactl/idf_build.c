/* Running idf.py. */
#include "idf_build.h"

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        return false;
    }
    while (*path != '\0') {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        char candidate[4096];
        if (len > 0 && len + strlen(name) + 2 < sizeof(candidate)) {
            snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)len, path, name);
            if (access(candidate, X_OK) == 0) {
                return true;
            }
        }
        path += len + (colon ? 1 : 0);
    }
    return false;
}

int idf_build_run(const char *project_dir, char *err, size_t err_len)
{
    if (!on_path("idf.py")) {
        snprintf(err, err_len,
                 "ESP-IDF is not installed or not in this shell: idf.py is not on PATH. "
                 "Install ESP-IDF v5.2 and run '. $IDF_PATH/export.sh' first");
        return -1;
    }
    char *argv[] = {"idf.py", "-C", (char *)project_dir, "build", NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    /* idf.py's progress goes to stderr so stdout stays the report. */
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, "idf.py", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        snprintf(err, err_len, "could not run idf.py: %s", strerror(rc));
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, err_len, "lost track of idf.py: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, err_len, "'idf.py -C %s build' failed (exit %d); see its output above",
                 project_dir, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}
