/* otactl image sign: append a Secure Boot V2 signature block to an app
 * image. Dispatched from cmd_image.c; argv[0] is "sign". */
#ifndef OTACTL_CMD_IMAGE_SIGN_H
#define OTACTL_CMD_IMAGE_SIGN_H

int cmd_image_sign(int argc, char **argv);

#endif
