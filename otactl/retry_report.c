/* Reading an earlier report back. */
#include "retry_report.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "target_file.h"

/* The commands whose reports carry one result per node. */
static bool per_node_command(const char *command)
{
    static const char *const names[] = {"deploy", "set-target", "recalibrate", "rollback"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(command, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int add_failed(target_list_t *list, const cJSON *node, size_t index, const char *source,
                      char *err, size_t err_len)
{
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(node, "ip");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(node, "port");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(node, "name");
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(node, "named");
    if (!cJSON_IsString(ip) || !cJSON_IsNumber(port) || port->valuedouble < 1 ||
        port->valuedouble > 65535) {
        snprintf(err, err_len, "%s: nodes[%zu] has no \"ip\" and \"port\"", source, index);
        return -1;
    }
    /* The name the operator gave is asked again: its address may have moved. */
    const char *host =
        cJSON_IsString(name) && name->valuestring[0] ? name->valuestring : ip->valuestring;
    char text[128], why[200];
    snprintf(text, sizeof(text), "%s:%d", host, port->valueint);
    node_addr_t addr;
    if (node_addr_resolve(text, NODE_DEFAULT_PORT, &addr, why, sizeof(why)) != 0) {
        snprintf(err, err_len, "%s: nodes[%zu]: %s", source, index, why);
        return -1;
    }
    /* Found by discovery then: still not named now (no PSK in clear). */
    addr.discovered = cJSON_IsFalse(named);
    if (targets_add(list, &addr) != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

int retry_report_parse(target_list_t *list, const char *text, size_t len, const char *source,
                       size_t *failed, char *err, size_t err_len)
{
    *failed = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        snprintf(err, err_len, "%s is not a JSON report", source);
        cJSON_Delete(root);
        return -1;
    }
    int rc = -1;
    const cJSON *command = cJSON_GetObjectItemCaseSensitive(root, "command");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (!cJSON_IsString(command) || !cJSON_IsArray(nodes)) {
        snprintf(err, err_len, "%s is not an otactl report (no \"command\" and \"nodes\")", source);
        goto done;
    }
    if (!per_node_command(command->valuestring)) {
        snprintf(err, err_len,
                 "%s is an 'otactl %.32s' report: it has no results to retry (use a deploy, "
                 "set-target, recalibrate or rollback report)",
                 source, command->valuestring);
        goto done;
    }
    size_t index = 0;
    const cJSON *node;
    cJSON_ArrayForEach(node, nodes)
    {
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(node, "ok");
        const cJSON *result = cJSON_GetObjectItemCaseSensitive(node, "result");
        if (!cJSON_IsBool(ok) || !cJSON_IsString(result)) {
            snprintf(err, err_len, "%s: nodes[%zu] has no \"result\" and \"ok\"", source, index);
            goto done;
        }
        if (cJSON_IsFalse(ok)) {
            if (add_failed(list, node, index, source, err, err_len) != 0) {
                goto done;
            }
            (*failed)++;
        }
        index++;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

int retry_report_load(target_list_t *list, const char *path, size_t *failed, char *err,
                      size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    if (target_file_read(path, &text, &len, err, err_len) != 0) {
        return -1;
    }
    int rc = retry_report_parse(list, text, len, path, failed, err, err_len);
    free(text);
    return rc;
}
