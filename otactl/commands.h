/* otactl's subcommands: each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit code. */
#ifndef OTACTL_COMMANDS_H
#define OTACTL_COMMANDS_H

/* Exit codes shared by every subcommand (the recipe's, for deploy). */
enum {
    OTACTL_EXIT_OK = 0,     /* every target confirmed / command succeeded */
    OTACTL_EXIT_FAILED = 1, /* a target failed, was unreachable, or an image is bad */
    OTACTL_EXIT_USAGE = 2,  /* argument, build or pre-flight error: nothing was sent */
};

int cmd_image(int argc, char **argv);
int cmd_partition_table(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_set_target(int argc, char **argv);
int cmd_recalibrate(int argc, char **argv);
int cmd_slots(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#endif
