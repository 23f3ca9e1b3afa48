/* The partition table `ota-node fleet` lays out when given no CSV: the
 * firmware's partitions.csv, embedded at build time (sim/CMakeLists.txt). */
#ifndef OTA_NODE_FLEET_DEFAULTS_H
#define OTA_NODE_FLEET_DEFAULTS_H

extern const char node_default_partitions_csv[];
extern const char node_default_partitions_origin[]; /* the file it came from */

#endif
