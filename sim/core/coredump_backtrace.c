/*
 * The panic's backtrace in the chip's terms: each host return address
 * becomes 0x42000000 + its offset in the executable (or shared object) that
 * holds it, i.e. an address in the ESP32-S3's flash-mapped code range, and
 * the frames get stack pointers in the crashed task's stack as the core
 * dump lays it out (vchip/coredump.h). `addr2line -e ota-node
 * $((PC - 0x42000000))` still finds the source line (PIE executables; the
 * offset is the link-time address).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <execinfo.h>
#include <stdint.h>

#include "coredump_elf.h"
#include "vchip/coredump.h"

uint32_t vchip_chip_pc(const void *host_pc)
{
    Dl_info info;
    uintptr_t offset = (uintptr_t)host_pc;
    if (dladdr(host_pc, &info) != 0 && info.dli_fbase != NULL) {
        offset -= (uintptr_t)info.dli_fbase;
    }
    return SOC_IROM_LOW + (uint32_t)(offset & (SOC_IROM_HIGH - SOC_IROM_LOW - 1u));
}

/* glibc's backtrace() dlopens the unwinder (libgcc_s) on its first call.
 * The first call must not be a panic in a process forked from one with
 * threads: a thread of the parent may have held the loader's lock at the
 * fork, and ld.so then aborts the child ("Inconsistency detected by
 * ld.so") instead of the chip panicking. So it is loaded at start-up. */
__attribute__((constructor)) static void load_unwinder(void)
{
    void *frame[1];
    (void)backtrace(frame, 1);
}

__attribute__((noinline)) void vchip_capture_backtrace(vchip_backtrace_t *bt, int skip)
{
    void *frames[VCHIP_BT_MAX + 8];
    int n = backtrace(frames, (int)(sizeof(frames) / sizeof(frames[0])));
    bt->depth = 0;
    for (int i = 1 + skip; i < n && bt->depth < 8; i++) {
        bt->pc[bt->depth++] = vchip_chip_pc(frames[i]);
    }
    vchip_backtrace_layout(bt);
}
