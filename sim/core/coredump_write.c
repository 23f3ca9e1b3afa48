/*
 * The panic handler's core dump to flash (ESP-IDF v5.2.5,
 * components/espcoredump/src/core_dump_elf.c, core_dump_flash.c and
 * port/xtensa/core_dump_port.c): the ELF core file of coredump_elf.h,
 * built from what the virtual chip's panic path knows (the crashed task,
 * the backtrace it printed, the cause) instead of the CPU's registers.
 * docs/coredump.md lists what is modelled and what cannot be.
 */
#include <stdlib.h>
#include <string.h>

#include "coredump_elf.h"
#include "coredump_priv.h"
#include "esp_app_desc.h"
#include "otafmt/crc32.h"
#include "vchip/coredump.h"
#include "vchip/models.h"
#include "vchip_state.h"

#define CD_MAX_TASKS   3
#define CD_DETAILS_MAX 200

/* The panic's cause, set just before the report. */
static uint32_t s_exccause = VCHIP_EXCCAUSE_ILLEGAL;
static uint32_t s_excvaddr;
static char s_details[CD_DETAILS_MAX];
static bool s_task_wdt;

void vchip_coredump_set_cause(uint32_t exccause, uint32_t excvaddr, const char *abort_details,
                              bool task_wdt)
{
    s_exccause = exccause;
    s_excvaddr = excvaddr;
    snprintf(s_details, sizeof(s_details), "%s", abort_details ? abort_details : "");
    s_task_wdt = task_wdt;
}

void cd_reset_cause(void)
{
    vchip_coredump_set_cause(VCHIP_EXCCAUSE_ILLEGAL, 0, NULL, false);
}

/* panic_arch.c's reason[] for the causes the virtual chip raises. */
uint32_t vchip_exccause_for_reason(const char *reason)
{
    static const struct {
        const char *name;
        uint32_t cause;
    } table[] = {
        {"IllegalInstruction", VCHIP_EXCCAUSE_ILLEGAL},
        {"IntegerDivideByZero", 6},
        {"LoadStoreAlignment", 9},
        {"InstrFetchProhibited", VCHIP_EXCCAUSE_INSTR_PROHIBITED},
        {"LoadProhibited", VCHIP_EXCCAUSE_LOAD_PROHIBITED},
        {"StoreProhibited", VCHIP_EXCCAUSE_STORE_PROHIBITED},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (reason != NULL && strcmp(reason, table[i].name) == 0) {
            return table[i].cause;
        }
    }
    return VCHIP_EXCCAUSE_ILLEGAL;
}

/* The crashed task's stack, top down: the exception frame (XT_STK_FRMSZ)
 * at the lowest address, then one XT_FRAME_STEP frame per further entry;
 * the last frame's caller SP is the stack top. */
static uint32_t stack_bottom(size_t depth)
{
    return VCHIP_CRASHED_STACK_TOP - XT_STK_FRMSZ - (uint32_t)(depth - 1) * XT_FRAME_STEP;
}

void vchip_backtrace_layout(vchip_backtrace_t *bt)
{
    if (bt->depth == 0) {
        bt->pc[0] = SOC_IROM_LOW;
        bt->depth = 1;
    }
    uint32_t sp0 = stack_bottom(bt->depth);
    for (size_t k = 0; k < bt->depth; k++) {
        bt->sp[k] = sp0 + XT_STK_FRMSZ + (uint32_t)k * XT_FRAME_STEP;
    }
}

/* A return address in a0 carries the caller's window increment (call8)
 * in its top bits. */
static uint32_t windowed(uint32_t pc)
{
    return (pc & 0x3fffffffu) | 0x80000000u;
}

typedef struct {
    uint32_t tcb;
    char name[CD_TCB_NAME_LEN];
    uint32_t priority;
    uint32_t stack_base; /* pxStack */
    uint32_t stack_top;  /* one past the highest byte */
    uint32_t sp;         /* lowest dumped address: the saved frame */
    uint8_t *stack;      /* [sp, stack_top) */
    bool crashed;
} cd_task_t;

/* The crashed task's stack: the exception frame (exit = COREDUMP_CURR_TASK_
 * MARKER, as esp_core_dump_port_init sets it), then the base save areas the
 * summary's backtrace walk reads (esp_backtrace_get_next_frame). */
static bool fill_crashed_stack(cd_task_t *t, const vchip_backtrace_t *bt)
{
    size_t n = bt->depth;
    t->sp = stack_bottom(n);
    t->stack = calloc(1, t->stack_top - t->sp);
    if (t->stack == NULL) {
        return false;
    }
    uint8_t *f = t->stack;
    cd_put32(f + XT_STK_EXIT * 4, CD_CURR_TASK_MARK);
    cd_put32(f + XT_STK_PC * 4, bt->pc[0] + 3u);
    cd_put32(f + XT_STK_PS * 4, 0x00060030u); /* WOE, CALLINC 2, UM, EXCM */
    cd_put32(f + (XT_STK_A0 + 0) * 4, n > 1 ? windowed(bt->pc[1] + 3u) : 0);
    cd_put32(f + (XT_STK_A0 + 1) * 4, t->sp + XT_STK_FRMSZ);
    cd_put32(f + XT_STK_EXCCAUSE * 4, s_exccause);
    cd_put32(f + XT_STK_EXCVADDR * 4, s_excvaddr);
    for (size_t k = 1; k < n; k++) {
        uint32_t sk = t->sp + XT_STK_FRMSZ + (uint32_t)(k - 1) * XT_FRAME_STEP;
        uint32_t off = sk - t->sp;
        cd_put32(f + off - 16, k + 1 < n ? windowed(bt->pc[k + 1] + 3u) : 0);
        cd_put32(f + off - 12, sk + XT_FRAME_STEP);
    }
    return true;
}

/* An idle task, switched out by the scheduler: a solicited frame. */
static bool fill_idle_stack(cd_task_t *t)
{
    t->sp = t->stack_top - 2 * XT_SOL_FRAME_SIZE;
    t->stack = calloc(1, t->stack_top - t->sp);
    if (t->stack == NULL) {
        return false;
    }
    cd_put32(t->stack + 4, 0x40378D2Au);                /* pc: in the idle loop */
    cd_put32(t->stack + 8, 0x00060020u);                /* ps */
    cd_put32(t->stack + 16, windowed(0x42002A55u));     /* a0 */
    cd_put32(t->stack + 20, t->sp + XT_SOL_FRAME_SIZE); /* a1 */
    return true;
}

static void fill_tcb(const cd_task_t *t, uint8_t tcb[CD_TCB_SIZE])
{
    memset(tcb, 0, CD_TCB_SIZE);
    cd_put32(tcb + CD_TCB_TOP_OFF, t->sp);
    cd_put32(tcb + CD_TCB_PRIO_OFF, t->priority);
    cd_put32(tcb + CD_TCB_STACK_OFF, t->stack_base);
    memcpy(tcb + CD_TCB_NAME_OFF, t->name, CD_TCB_NAME_LEN);
    cd_put32(tcb + CD_TCB_CORE_OFF, 0);
    cd_put32(tcb + CD_TCB_END_OFF, t->stack_top - 4u);
}

/* ---- the ELF file, built in memory ------------------------------------- */

typedef struct {
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
    bool failed;
    char name_buffer[CD_NOTE_NAME_MAX]; /* elf_write_note_header's static buffer */
} cd_out_t;

static void out_bytes(cd_out_t *o, const void *data, uint32_t n)
{
    if (o->failed) {
        return;
    }
    if (o->len + n > o->cap) {
        uint32_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n) {
            cap *= 2;
        }
        uint8_t *grown = realloc(o->buf, cap);
        if (grown == NULL) {
            o->failed = true;
            return;
        }
        o->buf = grown;
        o->cap = cap;
    }
    if (data != NULL) {
        memcpy(o->buf + o->len, data, n);
    } else {
        memset(o->buf + o->len, 0, n);
    }
    o->len += n;
}

static void out_u32(cd_out_t *o, uint32_t v)
{
    uint8_t b[4];
    cd_put32(b, v);
    out_bytes(o, b, 4);
}

static uint32_t note_size(const char *name, uint32_t desc_len)
{
    return CD_ALIGN4(ELF_NOTE_HDR + CD_ALIGN4((uint32_t)strlen(name) + 1u) + CD_ALIGN4(desc_len));
}

/* elf_write_note: the name goes through a static 32-byte buffer that is
 * never cleared, so a shorter name carries the tail of a longer earlier
 * one up to its aligned length ("ESP_EXTRA_INFO" is written as
 * "ESP_EXTRA_INFOIN"); readers match notes by type. */
static void out_note(cd_out_t *o, const char *name, uint32_t type, const void *desc,
                     uint32_t desc_len)
{
    uint32_t name_len = (uint32_t)strlen(name);
    uint32_t namesz = CD_ALIGN4(name_len + 1u);
    memcpy(o->name_buffer, name, name_len);
    out_u32(o, namesz);
    out_u32(o, desc_len);
    out_u32(o, type);
    out_bytes(o, o->name_buffer, namesz);
    out_bytes(o, desc, desc_len);
    out_bytes(o, NULL, CD_ALIGN4(desc_len) - desc_len);
}

static void out_phdr(cd_out_t *o, uint32_t type, uint32_t offset, uint32_t vaddr, uint32_t size)
{
    out_u32(o, type);
    out_u32(o, offset);
    out_u32(o, vaddr);
    out_u32(o, vaddr);
    out_u32(o, size);
    out_u32(o, size);
    out_u32(o, ELF_PF_RW);
    out_u32(o, 0);
}

/* esp_core_dump_get_task_regs_dump: pr_status with the TCB as pid, then
 * the registers from the frame on top of the task's stack. */
static void reg_dump(const cd_task_t *t, uint8_t out[CD_REG_DUMP_SIZE])
{
    memset(out, 0, CD_REG_DUMP_SIZE);
    cd_put32(out + CD_PRSTATUS_PID_OFF, t->tcb);
    uint8_t *regs = out + CD_PRSTATUS_SIZE;
    const uint8_t *frame = t->stack;
    if (cd_get32(frame) != 0) { /* an exception frame */
        cd_put32(regs + CD_GREG_PC * 4, cd_get32(frame + XT_STK_PC * 4));
        uint32_t ps = cd_get32(frame + XT_STK_PS * 4);
        if (ps & XT_PS_UM) {
            ps &= ~XT_PS_EXCM;
        }
        cd_put32(regs + CD_GREG_PS * 4, ps);
        for (uint32_t i = 0; i < 16; i++) {
            cd_put32(regs + (CD_GREG_AR + i) * 4, cd_get32(frame + (XT_STK_A0 + i) * 4));
        }
        cd_put32(regs + CD_GREG_SAR * 4, cd_get32(frame + XT_STK_SAR * 4));
        for (uint32_t i = 0; i < 3; i++) {
            cd_put32(regs + (CD_GREG_LBEG + i) * 4, cd_get32(frame + (XT_STK_LBEG + i) * 4));
        }
    } else { /* a solicited frame; the port masks the PC's top bits */
        cd_put32(regs + CD_GREG_PC * 4, cd_get32(frame + 4) & 0x3fffffffu);
        cd_put32(regs + CD_GREG_PS * 4, cd_get32(frame + 8));
        for (uint32_t i = 0; i < 4; i++) {
            uint32_t a = cd_get32(frame + 16 + i * 4);
            if (i == 0 && (a & 0x80000000u)) {
                a &= 0x3fffffffu;
            }
            cd_put32(regs + (CD_GREG_AR + i) * 4, a);
        }
    }
}

/* xtensa_extra_info_t: crashed TCB, EXCCAUSE, EXCVADDR, then EPS2..EPS6 and
 * EPC1..EPC6 as (register number, value) pairs; EPC1 holds the faulting PC. */
static void extra_info(const cd_task_t *crashed, uint8_t out[CD_EXTRA_INFO_SIZE])
{
    memset(out, 0, CD_EXTRA_INFO_SIZE);
    cd_put32(out, crashed->tcb);
    cd_put32(out + 4, XT_SREG_EXCCAUSE);
    cd_put32(out + 8, s_exccause);
    cd_put32(out + 12, XT_SREG_EXCVADDR);
    cd_put32(out + 16, s_excvaddr);
    uint8_t *pair = out + 20;
    for (uint32_t r = 2; r <= XT_NUM_INTLEVELS - 1; r++, pair += 8) {
        cd_put32(pair, XT_SREG_EPS_2 + r - 2);
    }
    for (uint32_t r = 1; r <= XT_NUM_INTLEVELS; r++, pair += 8) {
        cd_put32(pair, XT_SREG_EPC_1 + r - 1);
        if (r == 1) {
            cd_put32(pair + 4, cd_get32(crashed->stack + XT_STK_PC * 4));
        }
    }
    /* isr_context stays 0: the model's panics happen in task context. */
}

/* esp_task_wdt_print_triggered_tasks through elf_write_core_dump_note_cb:
 * the caption and one line per task that did not reset the watchdog. */
static const char TWDT_DETAILS[] = "Task watchdog got triggered. The following tasks/users did not "
                                   "reset the watchdog in time:\n - IDLE0 (CPU 0)";

static void build_elf(cd_out_t *o, cd_task_t *tasks, size_t ntasks)
{
    uint8_t regs[CD_REG_DUMP_SIZE];
    uint8_t info[CD_INFO_DESC_SIZE];
    uint8_t extra[CD_EXTRA_INFO_SIZE];

    uint32_t prstatus_len = (uint32_t)ntasks * note_size("CORE", CD_REG_DUMP_SIZE);
    uint32_t info_len = note_size("ESP_CORE_DUMP_INFO", CD_INFO_DESC_SIZE) +
                        note_size("ESP_EXTRA_INFO", CD_EXTRA_INFO_SIZE);
    if (s_task_wdt) {
        info_len += note_size("ESP_PANIC_DETAILS", (uint32_t)strlen(TWDT_DETAILS));
    }
    if (s_details[0] != '\0') {
        info_len += note_size("ESP_PANIC_DETAILS", (uint32_t)strlen(s_details));
    }
    uint32_t segs = 2u + 2u * (uint32_t)ntasks;

    /* ELF header */
    uint8_t eh[ELF_EHDR_SIZE] = {0x7F, 'E', 'L', 'F', 1 /* 32-bit */, 1 /* LSB */, 1, 0};
    cd_put16(eh + 16, ELF_ET_CORE);
    cd_put16(eh + 18, ELF_EM_XTENSA);
    cd_put32(eh + 20, 1);
    cd_put32(eh + 28, ELF_EHDR_SIZE);
    cd_put16(eh + 40, ELF_EHDR_SIZE);
    cd_put16(eh + 42, ELF_PHDR_SIZE);
    cd_put16(eh + 44, (uint16_t)segs);
    cd_put16(eh + 46, ELF_SHDR_SIZE);
    out_bytes(o, eh, sizeof(eh));

    /* program headers, in the order the writer's passes emit them */
    uint32_t off = ELF_EHDR_SIZE + segs * ELF_PHDR_SIZE;
    out_phdr(o, ELF_PT_NOTE, off, 0, prstatus_len);
    off += prstatus_len;
    for (size_t i = 0; i < ntasks; i++) {
        out_phdr(o, ELF_PT_LOAD, off, tasks[i].tcb, CD_TCB_SIZE);
        off += CD_TCB_SIZE;
        uint32_t stack_len = CD_ALIGN4(tasks[i].stack_top - tasks[i].sp);
        out_phdr(o, ELF_PT_LOAD, off, tasks[i].sp, stack_len);
        off += stack_len;
    }
    out_phdr(o, ELF_PT_NOTE, off, 0, info_len);

    /* data: registers of every task, the crashed one first */
    for (size_t i = 0; i < ntasks; i++) {
        reg_dump(&tasks[i], regs);
        out_note(o, "CORE", CD_NOTE_PRSTATUS, regs, CD_REG_DUMP_SIZE);
    }
    for (size_t i = 0; i < ntasks; i++) {
        uint8_t tcb[CD_TCB_SIZE];
        fill_tcb(&tasks[i], tcb);
        out_bytes(o, tcb, CD_TCB_SIZE);
        out_bytes(o, tasks[i].stack, CD_ALIGN4(tasks[i].stack_top - tasks[i].sp));
    }
    /* version, the app's ELF SHA-256 as the chip keeps it in RAM */
    memset(info, 0, sizeof(info));
    cd_put32(info, CD_VERSION_ELF_CRC32);
    esp_app_get_elf_sha256((char *)info + 4, CD_INFO_SHA_SIZE);
    out_note(o, "ESP_CORE_DUMP_INFO", CD_NOTE_INFO, info, CD_INFO_DESC_SIZE);
    extra_info(&tasks[0], extra);
    out_note(o, "ESP_EXTRA_INFO", CD_NOTE_EXTRA_INFO, extra, CD_EXTRA_INFO_SIZE);
    if (s_task_wdt) {
        out_note(o, "ESP_PANIC_DETAILS", CD_NOTE_PANIC_DETAILS, TWDT_DETAILS,
                 (uint32_t)strlen(TWDT_DETAILS));
    }
    if (s_details[0] != '\0') {
        out_note(o, "ESP_PANIC_DETAILS", CD_NOTE_PANIC_DETAILS, s_details,
                 (uint32_t)strlen(s_details));
    }
}

static size_t collect_tasks(cd_task_t *tasks, const vchip_backtrace_t *bt)
{
    memset(tasks, 0, sizeof(cd_task_t) * CD_MAX_TASKS);
    vchip_task_info_t info;
    cd_task_t *c = &tasks[0];
    c->crashed = true;
    size_t stack_bytes = CONFIG_ESP_MAIN_TASK_STACK_SIZE;
    const char *name = "main"; /* a thread that is no task: the main task's code */
    if (vchip_current_task_info(&info)) {
        name = info.name != NULL ? info.name : "";
        stack_bytes = info.stack_bytes;
    }
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->priority = 5;
    c->stack_top = VCHIP_CRASHED_STACK_TOP;
    c->stack_base = VCHIP_CRASHED_STACK_TOP - (uint32_t)stack_bytes;
    c->tcb = VCHIP_CRASHED_STACK_TOP; /* ESP-IDF puts the TCB after the stack */
    if (!fill_crashed_stack(c, bt)) {
        return 0;
    }
    size_t n = 1;
    static const char *idle[] = {"IDLE0", "IDLE1"};
    for (uint32_t core = 0; core < 2; core++) {
        if (strcmp(c->name, idle[core]) == 0) {
            continue;
        }
        cd_task_t *t = &tasks[n];
        snprintf(t->name, sizeof(t->name), "%s", idle[core]);
        t->stack_top = 0x3FC9C000u + core * 0x1000u;
        t->stack_base = t->stack_top - CONFIG_FREERTOS_IDLE_TASK_STACKSIZE;
        t->tcb = t->stack_top;
        if (!fill_idle_stack(t)) {
            return n;
        }
        n++;
    }
    return n;
}

/* esp_core_dump_flash_write_prepare / _data / _end: erase what the dump
 * needs, the data with zero padding to the 32-byte cache, then the CRC-32
 * in a 32-byte block. */
static esp_err_t write_flash(const cd_partition_config_t *part, cd_out_t *image)
{
    uint32_t padding = (CD_CACHE_SIZE - image->len % CD_CACHE_SIZE) % CD_CACHE_SIZE;
    uint32_t data_len = image->len + padding + CD_CHECKSUM_SIZE;
    if (data_len > part->size) {
        CD_LOGE(CD_TAG_FLASH, "Not enough space to save core dump!");
        return ESP_ERR_NO_MEM;
    }
    cd_put32(image->buf, data_len);
    out_bytes(image, NULL, padding);
    if (image->failed) {
        return ESP_ERR_NO_MEM;
    }
    uint32_t sectors = (data_len + 4095u) / 4096u;
    CD_LOGI(CD_TAG_FLASH, "Erase flash %d bytes @ 0x%x", (int)(sectors * 4096u),
            (unsigned)part->start);
    flash_dev_t *flash = vchip_flash();
    if (flash == NULL) {
        return ESP_FAIL;
    }
    esp_err_t err = flash_erase_region(flash, part->start, sectors * 4096u);
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_FLASH, "Failed to erase flash (%d)!", err);
        return err;
    }
    err = flash_write(flash, part->start, image->buf, image->len);
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_FLASH, "Failed to write cached data to flash (%d)!", err);
        return err;
    }
    uint8_t block[CD_CACHE_SIZE] = {0};
    cd_put32(block, crc32_le(0, image->buf, image->len));
    err = flash_write(flash, part->start + image->len, block, sizeof(block));
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_FLASH, "Failed to flush cached data to flash (%d)!", err);
        return err;
    }
    CD_LOGI(CD_TAG_FLASH, "Write end offset 0x%x, check sum length %d",
            (unsigned)(image->len + CD_CHECKSUM_SIZE), (int)CD_CHECKSUM_SIZE);
    return ESP_OK;
}

__attribute__((unused)) static esp_err_t store(const vchip_backtrace_t *bt)
{
    bool crc_ok;
    uint32_t crc, stored;
    const cd_partition_config_t *part = cd_partition_config(&crc_ok, &crc, &stored);
    if (!crc_ok) {
        CD_LOGE(CD_TAG_FLASH, "Core dump flash config is corrupted! CRC=0x%x instead of 0x%x",
                (unsigned)crc, (unsigned)stored);
    } else if (part->start == 0 || part->size < sizeof(uint32_t)) {
        CD_LOGE(CD_TAG_FLASH, "Invalid flash partition config!");
    }
    if (!crc_ok || part->start == 0 || part->size < sizeof(uint32_t)) {
        CD_LOGE(CD_TAG_ELF, "Elf write init failed!");
        return ESP_FAIL;
    }
    cd_task_t tasks[CD_MAX_TASKS];
    size_t ntasks = collect_tasks(tasks, bt);
    esp_err_t err = ESP_ERR_NO_MEM;
    if (ntasks > 0) {
        cd_out_t image = {0};
        uint8_t header[CD_HEADER_SIZE] = {0};
        cd_put32(header + 4, CD_VERSION_ELF_CRC32);
        cd_put32(header + 20, vchip_chip_revision()); /* efuse_hal_chip_revision */
        out_bytes(&image, header, sizeof(header));
        build_elf(&image, tasks, ntasks);
        err = image.failed ? ESP_ERR_NO_MEM : write_flash(part, &image);
        if (err != ESP_OK && err != ESP_ERR_NO_MEM) {
            CD_LOGE(CD_TAG_ELF, "Failed to end core dump (%d)!", err);
        } else if (err == ESP_ERR_NO_MEM) {
            CD_LOGE(CD_TAG_ELF, "Failed to prepare core dump storage (%d)!", err);
        }
        free(image.buf);
    }
    for (size_t i = 0; i < ntasks; i++) {
        free(tasks[i].stack);
    }
    return err;
}

void vchip_coredump_write(const vchip_backtrace_t *bt)
{
#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF
    CD_LOGI(CD_TAG_FLASH, "Save core dump to flash...");
    esp_err_t err = store(bt);
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_COMMON, "Core dump write failed with error=%d", err);
    }
    CD_LOGI(CD_TAG_FLASH, "Core dump has been saved to flash.");
#else
    (void)bt;
#endif
}
