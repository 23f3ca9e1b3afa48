/* `deploy --build`: run ESP-IDF's `idf.py build` before deploying (the
 * recipe's pitfall: re-using an old build/esp32-csi-node.bin). */
#ifndef OTACTL_IDF_BUILD_H
#define OTACTL_IDF_BUILD_H

#include <stddef.h>

/* Runs `idf.py -C project_dir build` with the current environment
 * (ESP-IDF's export.sh must have been sourced). Its output goes to
 * stderr. 0, or -1 with a reason (no idf.py on PATH, build failed). */
int idf_build_run(const char *project_dir, char *err, size_t err_len);

#endif
