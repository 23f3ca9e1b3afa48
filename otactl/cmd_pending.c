/* TEMPORARY during development: commands whose modules are not written yet.
 * Each helper deletes its entries when its cmd_*.c lands. Must be empty
 * (and removed) before any issue is closed. */
#include <stdio.h>

#include "commands.h"

static int pending(const char *name)
{
    fprintf(stderr, "otactl: '%s' is not available in this build\n", name);
    return OTACTL_EXIT_USAGE;
}

int cmd_image(int argc, char **argv) { (void)argc; (void)argv; return pending("image"); }
int cmd_partition_table(int argc, char **argv) { (void)argc; (void)argv; return pending("partition-table"); }
int cmd_deploy(int argc, char **argv) { (void)argc; (void)argv; return pending("deploy"); }
int cmd_discover(int argc, char **argv) { (void)argc; (void)argv; return pending("discover"); }
int cmd_status(int argc, char **argv) { (void)argc; (void)argv; return pending("status"); }
int cmd_set_target(int argc, char **argv) { (void)argc; (void)argv; return pending("set-target"); }
int cmd_recalibrate(int argc, char **argv) { (void)argc; (void)argv; return pending("recalibrate"); }
int cmd_doctor(int argc, char **argv) { (void)argc; (void)argv; return pending("doctor"); }
