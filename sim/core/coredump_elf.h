/*
 * The flash layout of an ESP-IDF v5.2.5 ELF core dump, shared by the
 * writer (coredump_write.c) and the reader (coredump_read.c). Facts from
 * components/espcoredump (esp_core_dump_types.h, core_dump_elf.c,
 * port/xtensa/core_dump_port.c) and xtensa_context.h at tag v5.2.5.
 *
 *   core_dump_header_t (24 bytes)
 *   ELF32 core file: header, program headers, then the segments' data:
 *     PT_NOTE  "CORE"/NT_PRSTATUS for each task, the crashed one first
 *     PT_LOAD  TCB, PT_LOAD stack          for each task
 *     PT_NOTE  ESP_CORE_DUMP_INFO, ESP_EXTRA_INFO, [ESP_PANIC_DETAILS...]
 *   zero padding to a multiple of 32 bytes (the writer's cache)
 *   CRC-32 of all of the above, in a 32-byte block
 * The header's data_len counts everything up to the CRC's 4 bytes.
 */
#ifndef COREDUMP_ELF_H
#define COREDUMP_ELF_H

#include <stdint.h>

#define CD_HEADER_SIZE   24u
#define CD_CACHE_SIZE    32u /* COREDUMP_CACHE_SIZE */
#define CD_CHECKSUM_SIZE 4u  /* CRC-32 (CONFIG_ESP_COREDUMP_CHECKSUM_CRC32) */
#define CD_BLANK_SIZE    0xFFFFFFFFu

/* COREDUMP_VERSION_ELF_CRC32 = chip id (0x0009, ESP32-S3) << 16 | 1 << 8 | 2 */
#define CD_VERSION_ELF_CRC32 0x00090102u

#define ELF_EHDR_SIZE 52u
#define ELF_PHDR_SIZE 32u
#define ELF_SHDR_SIZE 40u
#define ELF_NOTE_HDR  12u
#define ELF_ET_CORE   4u
#define ELF_EM_XTENSA 0x5Eu
#define ELF_PT_LOAD   1u
#define ELF_PT_NOTE   4u
#define ELF_PF_RW     6u /* PF_R | PF_W */

#define CD_NOTE_PRSTATUS      1u    /* ELF_CORE_SEC_TYPE, name "CORE" */
#define CD_NOTE_INFO          8266u /* ESP_CORE_DUMP_INFO */
#define CD_NOTE_EXTRA_INFO    677u  /* ESP_EXTRA_INFO */
#define CD_NOTE_PANIC_DETAILS 679u  /* ESP_PANIC_DETAILS */
#define CD_NOTE_NAME_MAX      32u

/* core_dump_elf_version_info_t: version, then 66 bytes of SHA-256 text;
 * sizeof is 72 with the struct's alignment. */
#define CD_INFO_DESC_SIZE 72u
#define CD_INFO_SHA_SIZE  66u

/* xtensa_elf_reg_dump_t: pr_status (72) + xtensa_gregset_t (8 + 56 + 64
 * words) + 1 reserved word. */
#define CD_PRSTATUS_SIZE    72u
#define CD_REG_DUMP_SIZE    (CD_PRSTATUS_SIZE + (8u + 56u + 64u) * 4u + 4u)
#define CD_PRSTATUS_PID_OFF 24u /* pr_pid: the TCB address */
#define CD_GREG_PC          0u
#define CD_GREG_PS          1u
#define CD_GREG_LBEG        2u
#define CD_GREG_LEND        3u
#define CD_GREG_LCOUNT      4u
#define CD_GREG_SAR         5u
#define CD_GREG_AR          64u /* ar[0] is word 64 of the gregset */

/* xtensa_extra_info_t (packed): crashed TCB, EXCCAUSE pair, EXCVADDR pair,
 * 16 register pairs (EPS2..EPS6 then EPC1..EPC6 on the ESP32-S3), isr_context. */
#define CD_EXTRA_INFO_SIZE (4u + 8u + 8u + 16u * 8u + 4u)
#define CD_EXTRA_REG_NUM   16u
#define XT_SREG_EPC_1      177u
#define XT_SREG_EPS_2      194u
#define XT_SREG_EXCCAUSE   232u
#define XT_SREG_EXCVADDR   238u
#define XT_NUM_INTLEVELS   6u

/* XtExcFrame (words): exit, pc, ps, a0..a15, sar, exccause, excvaddr, lbeg,
 * lend, lcount, tmp0..2; XT_STK_FRMSZ reserves 0x90 bytes on the stack, the
 * last 16 being the interruptee's base save area. */
#define XT_STK_EXIT       0u
#define XT_STK_PC         1u
#define XT_STK_PS         2u
#define XT_STK_A0         3u
#define XT_STK_SAR        19u
#define XT_STK_EXCCAUSE   20u
#define XT_STK_EXCVADDR   21u
#define XT_STK_LBEG       22u
#define XT_STK_LCOUNT     24u
#define XT_EXC_FRAME_SIZE 112u
#define XT_STK_FRMSZ      0x90u
#define XT_SOL_FRAME_SIZE 32u   /* XtSolFrame: exit, pc, ps, threadptr, a0..a3 */
#define XT_FRAME_STEP     0x20u /* each further frame of the model's stacks */
#define XT_PS_UM          0x20u
#define XT_PS_EXCM        0x10u
#define CD_CURR_TASK_MARK 0xDEADBEEFu

/* StaticTask_t of ESP-IDF v5.2's FreeRTOS on the ESP32-S3: pxTopOfStack at
 * 0, pxStack at 48, pcTaskName (ucDummy7) at 52, xCoreID at 68, pxEndOfStack
 * at 72. CD_TCB_SIZE is the model's figure (see docs/coredump.md). */
#define CD_TCB_SIZE      0x158u
#define CD_TCB_TOP_OFF   0u
#define CD_TCB_PRIO_OFF  44u
#define CD_TCB_STACK_OFF 48u
#define CD_TCB_NAME_OFF  52u
#define CD_TCB_NAME_LEN  16u
#define CD_TCB_CORE_OFF  68u
#define CD_TCB_END_OFF   72u

/* ESP32-S3 address ranges (soc/esp32s3/include/soc/soc.h) the summary's
 * backtrace walk checks against (esp_memory_utils.h). */
#define SOC_DRAM_LOW  0x3FC88000u
#define SOC_DRAM_HIGH 0x3FD00000u
#define SOC_IROM_LOW  0x42000000u
#define SOC_IROM_HIGH 0x44000000u
#define SOC_IRAM_LOW  0x40370000u
#define SOC_IRAM_HIGH 0x403E0000u

#define CD_ALIGN4(x) (((x) + 3u) & ~3u)

static inline void cd_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void cd_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint32_t cd_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t cd_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* esp_cpu_process_stack_pc (xtensa/esp_cpu_utils.h). */
static inline uint32_t cd_process_stack_pc(uint32_t pc)
{
    if (pc & 0x80000000u) {
        pc = (pc & 0x3fffffffu) | 0x40000000u;
    }
    return pc - 3u;
}

/* esp_stack_ptr_is_sane without PSRAM stacks. */
static inline int cd_stack_ptr_is_sane(uint32_t sp)
{
    return !(sp < SOC_DRAM_LOW + 0x10u || sp > SOC_DRAM_HIGH - 0x10u || (sp & 0xFu) != 0);
}

/* esp_ptr_executable for the ranges an app's code lives in. */
static inline int cd_ptr_executable(uint32_t p)
{
    return (p >= SOC_IROM_LOW && p < SOC_IROM_HIGH) || (p >= SOC_IRAM_LOW && p < SOC_IRAM_HIGH);
}

#endif
