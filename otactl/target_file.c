/* Targets files and fleet.tsv. */
#include "target_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_FILE_MAX (4u << 20)
#define MAX_FIELDS      8

int target_file_read(const char *path, char **text, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(TARGET_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, TARGET_FILE_MAX + 1, f) : 0;
    bool failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, err_len, "cannot read %s%s", path, buf ? " (is it a directory?)" : "");
        free(buf);
        return -1;
    }
    if (n > TARGET_FILE_MAX) {
        snprintf(err, err_len, "%s is larger than %u MiB", path, TARGET_FILE_MAX >> 20);
        free(buf);
        return -1;
    }
    if (memchr(buf, '\0', n) != NULL) {
        snprintf(err, err_len, "%s is not a text file", path);
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* Splits line (modified) at blanks; returns the field count. */
static size_t split(char *line, char *fields[MAX_FIELDS])
{
    size_t n = 0;
    for (char *tok = strtok(line, " \t\r"); tok != NULL && n < MAX_FIELDS;
         tok = strtok(NULL, " \t\r")) {
        fields[n++] = tok;
    }
    return n;
}

/* A "# node ip port ..." header (fleet.tsv's): where its columns are. */
static bool header_columns(char *comment, int *ip_col, int *port_col)
{
    char *fields[MAX_FIELDS];
    size_t n = split(comment, fields);
    int ip = -1, port = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i], "ip") == 0) {
            ip = (int)i;
        } else if (strcmp(fields[i], "port") == 0) {
            port = (int)i;
        }
    }
    if (ip < 0) {
        return false;
    }
    *ip_col = ip;
    *port_col = port;
    return true;
}

static int add_one(target_list_t *list, const char *text, unsigned port, const char *source,
                   unsigned line_no, char *err, size_t err_len)
{
    node_addr_t addr;
    char why[200];
    if (node_addr_resolve(text, port, &addr, why, sizeof(why)) != 0) {
        snprintf(err, err_len, "%s:%u: %s", source, line_no, why);
        return -1;
    }
    if (targets_add(list, &addr) != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

int target_file_parse(target_list_t *list, const char *text, size_t len, unsigned port,
                      const char *source, char *err, size_t err_len)
{
    /* Without a header, fleet.tsv's rows are "node-N IP ...": column 1. */
    int ip_col = 1, port_col = -1;
    size_t before = list->count;
    unsigned line_no = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - start) : len - pos;
        pos += line_len + (nl ? 1 : 0);
        line_no++;
        char line[512];
        if (line_len >= sizeof(line)) {
            snprintf(err, err_len, "%s:%u: line longer than %zu characters", source, line_no,
                     sizeof(line) - 1);
            return -1;
        }
        memcpy(line, start, line_len);
        line[line_len] = '\0';
        char *hash = strchr(line, '#');
        if (hash != NULL) {
            if (list->count == before) {
                header_columns(hash + 1, &ip_col, &port_col);
            }
            *hash = '\0';
        }
        char *fields[MAX_FIELDS];
        size_t n = split(line, fields);
        if (n == 0) {
            continue;
        }
        if (n == 1) {
            if (add_one(list, fields[0], port, source, line_no, err, err_len) != 0) {
                return -1;
            }
            continue;
        }
        /* Several columns: a fleet.tsv row. */
        if ((size_t)ip_col >= n) {
            snprintf(err, err_len,
                     "%s:%u: expected one address per line, or fleet.tsv rows "
                     "'node-N IP PORT ...'",
                     source, line_no);
            return -1;
        }
        char addr[128];
        if (port_col >= 0 && (size_t)port_col < n) {
            snprintf(addr, sizeof(addr), "%s:%s", fields[ip_col], fields[port_col]);
        } else {
            snprintf(addr, sizeof(addr), "%s", fields[ip_col]);
        }
        if (strchr(fields[ip_col], ':') != NULL && port_col >= 0) {
            snprintf(err, err_len, "%s:%u: '%s' has a port and the row a port column", source,
                     line_no, fields[ip_col]);
            return -1;
        }
        if (add_one(list, addr, port, source, line_no, err, err_len) != 0) {
            return -1;
        }
    }
    if (list->count == before) {
        snprintf(err, err_len, "%s lists no node (one address or host name per line)", source);
        return -1;
    }
    return 0;
}

int target_file_load(target_list_t *list, const char *path, unsigned port, char *err,
                     size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    if (target_file_read(path, &text, &len, err, err_len) != 0) {
        return -1;
    }
    int rc = target_file_parse(list, text, len, port, path, err, err_len);
    free(text);
    return rc;
}
