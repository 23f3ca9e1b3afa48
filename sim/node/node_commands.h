/* ota-node's subcommands; each takes argv starting at its own name and
 * returns the exit code. main.c dispatches. */
#ifndef OTA_NODE_COMMANDS_H
#define OTA_NODE_COMMANDS_H

int node_cmd_write_flash(int argc, char **argv); /* cmd_flash.c */
int node_cmd_nvs_set(int argc, char **argv);     /* cmd_flash.c */
int node_cmd_nvs_get(int argc, char **argv);     /* cmd_flash.c */
int node_cmd_boot_info(int argc, char **argv);   /* cmd_flash.c: the bootloader's pick, why */
int node_cmd_coredump(int argc, char **argv);    /* cmd_coredump.c: the stored core dump */
int node_cmd_efuse(int argc, char **argv);       /* cmd_efuse.c: the anti-rollback counter */
int node_cmd_run(int argc, char **argv);         /* run.c */
int node_cmd_fleet(int argc, char **argv);       /* fleet.c */

#endif
