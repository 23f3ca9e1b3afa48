/*
 * esp_core_dump_get_summary and esp_core_dump_get_panic_reason as ESP-IDF
 * v5.2.5 reads them (components/espcoredump/src/core_dump_elf.c and
 * port/xtensa/core_dump_port.c): the notes by type, the crashed task's TCB
 * segment and the stack segment after it, the backtrace walked through the
 * stack copy. Like ESP-IDF, neither checks the checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "coredump_elf.h"
#include "coredump_priv.h"
#include "esp_core_dump.h"
#include "vchip/coredump.h"

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF

typedef struct {
    uint32_t type;
    uint32_t descsz;
    const uint8_t *desc;
} cd_note_t;

/* The ELF starts after core_dump_header_t. Bounds are checked against the
 * stored length, which the chip's mmap-based reader does not do. */
typedef struct {
    const uint8_t *elf;
    uint32_t len;
} cd_image_t;

static bool in_image(const cd_image_t *im, uint32_t off, uint32_t n)
{
    return off <= im->len && n <= im->len - off;
}

static uint32_t phnum(const cd_image_t *im)
{
    return in_image(im, 0, ELF_EHDR_SIZE) ? cd_get16(im->elf + 44) : 0;
}

static const uint8_t *phdr(const cd_image_t *im, uint32_t i)
{
    uint32_t off = cd_get32(im->elf + 28) + i * ELF_PHDR_SIZE;
    return in_image(im, off, ELF_PHDR_SIZE) ? im->elf + off : NULL;
}

/* esp_core_dump_parse_note_section: every PT_NOTE, every note; a later
 * note of a wanted type replaces an earlier one. */
static void parse_notes(const cd_image_t *im, cd_note_t *notes, size_t count)
{
    for (uint32_t i = 0; i < phnum(im); i++) {
        const uint8_t *ph = phdr(im, i);
        if (ph == NULL || cd_get32(ph) != ELF_PT_NOTE) {
            continue;
        }
        uint32_t base = cd_get32(ph + 4), memsz = cd_get32(ph + 20);
        for (uint32_t used = 0; used < memsz;) {
            if (!in_image(im, base + used, ELF_NOTE_HDR)) {
                return;
            }
            const uint8_t *note = im->elf + base + used;
            uint32_t namesz = cd_get32(note), descsz = cd_get32(note + 4);
            uint32_t type = cd_get32(note + 8);
            if (namesz > im->len || descsz > im->len) {
                return;
            }
            for (size_t k = 0; k < count; k++) {
                if (notes[k].type == type &&
                    in_image(im, base + used + ELF_NOTE_HDR + namesz, descsz)) {
                    notes[k].desc = note + ELF_NOTE_HDR + namesz;
                    notes[k].descsz = descsz;
                    break;
                }
            }
            used += CD_ALIGN4(namesz + descsz + ELF_NOTE_HDR);
        }
    }
}

static esp_err_t load(cd_image_t *im, uint8_t **raw)
{
    uint32_t len = 0;
    if (cd_read_image(raw, &len) != ESP_OK) {
        return ESP_FAIL;
    }
    if (len < CD_HEADER_SIZE) {
        free(*raw);
        return ESP_FAIL;
    }
    im->elf = *raw + CD_HEADER_SIZE;
    im->len = len - CD_HEADER_SIZE;
    return ESP_OK;
}

esp_err_t esp_core_dump_get_panic_reason(char *reason_buffer, size_t buffer_size)
{
    if (reason_buffer == NULL || buffer_size == 0) {
        return ESP_ERR_INVALID_ARG;
    }
    cd_image_t im;
    uint8_t *raw = NULL;
    if (load(&im, &raw) != ESP_OK) {
        return ESP_FAIL;
    }
    cd_note_t note = {.type = CD_NOTE_PANIC_DETAILS};
    parse_notes(&im, &note, 1);
    if (note.desc != NULL) {
        size_t len = note.descsz < buffer_size - 1 ? note.descsz : buffer_size - 1;
        memcpy(reason_buffer, note.desc, len);
        reason_buffer[len] = '\0';
        reason_buffer[strnlen(reason_buffer, len)] = '\0'; /* strncpy stops at a NUL */
    }
    free(raw);
    return note.desc != NULL ? ESP_OK : ESP_ERR_NOT_FOUND;
}

/* esp_core_dump_summary_parse_backtrace_info: the frame chain through the
 * base save areas, each SP checked to lie in the dumped stack. */
static void parse_backtrace(esp_core_dump_bt_info_t *bt, uint32_t vaddr, const uint8_t *stack,
                            uint32_t size)
{
    uint32_t pc = cd_get32(stack + XT_STK_PC * 4);
    uint32_t sp = cd_get32(stack + (XT_STK_A0 + 1) * 4);
    uint32_t next_pc = cd_get32(stack + XT_STK_A0 * 4);
    uint32_t exccause = cd_get32(stack + XT_STK_EXCCAUSE * 4);
    bool corrupted = !(cd_stack_ptr_is_sane(sp) && (cd_ptr_executable(cd_process_stack_pc(pc)) ||
                                                    exccause == VCHIP_EXCCAUSE_INSTR_PROHIBITED));
    int max_depth = (int)(sizeof(bt->bt) / sizeof(bt->bt[0]));
    uint32_t index = 0;
    bt->bt[index++] = cd_process_stack_pc(pc);
    while (max_depth-- > 0 && next_pc != 0 && !corrupted) {
        if (!(sp >= vaddr && sp <= vaddr + size)) {
            corrupted = true;
            break;
        }
        /* The base save area lies 16 bytes under SP, in the copy. */
        uint32_t at = sp - vaddr;
        if (at < 16) {
            corrupted = true;
            break;
        }
        pc = next_pc;
        next_pc = cd_get32(stack + at - 16);
        sp = cd_get32(stack + at - 12);
        if (!(cd_stack_ptr_is_sane(sp) && cd_ptr_executable(cd_process_stack_pc(pc)))) {
            corrupted = true;
        }
        if (!corrupted && index < sizeof(bt->bt) / sizeof(bt->bt[0])) {
            bt->bt[index++] = cd_process_stack_pc(pc);
        }
    }
    bt->depth = index;
    bt->corrupted = corrupted;
}

static void parse_extra_info(esp_core_dump_summary_t *s, const uint8_t *ei)
{
    s->exc_tcb = cd_get32(ei);
    s->ex_info.exc_cause = cd_get32(ei + 8);
    s->ex_info.exc_vaddr = cd_get32(ei + 16);
    memset(s->ex_info.epcx, 0, sizeof(s->ex_info.epcx));
    s->ex_info.epcx_reg_bits = 0;
    for (uint32_t i = 0; i < CD_EXTRA_REG_NUM; i++) {
        uint32_t reg = cd_get32(ei + 20 + i * 8);
        if (reg >= XT_SREG_EPC_1 && reg < XT_SREG_EPC_1 + EPCx_REGISTER_COUNT) {
            s->ex_info.epcx[reg - XT_SREG_EPC_1] = cd_get32(ei + 24 + i * 8);
            s->ex_info.epcx_reg_bits |= (uint8_t)(1u << (reg - XT_SREG_EPC_1));
        }
    }
}

esp_err_t esp_core_dump_get_summary(esp_core_dump_summary_t *summary)
{
    if (summary == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    cd_image_t im;
    uint8_t *raw = NULL;
    if (load(&im, &raw) != ESP_OK) {
        return ESP_FAIL;
    }
    cd_note_t notes[2] = {{.type = CD_NOTE_EXTRA_INFO}, {.type = CD_NOTE_INFO}};
    parse_notes(&im, notes, 2);
    if (notes[0].desc != NULL && notes[0].descsz >= CD_EXTRA_INFO_SIZE) {
        parse_extra_info(summary, notes[0].desc);
    }
    if (notes[1].desc != NULL && notes[1].descsz >= 4u + APP_ELF_SHA256_SZ) {
        summary->core_dump_version = cd_get32(notes[1].desc);
        memcpy(summary->app_elf_sha256, notes[1].desc + 4, sizeof(summary->app_elf_sha256));
    }
    /* ESP-IDF assumes the crashed task's stack segment follows its TCB's. */
    bool after_tcb = false;
    for (uint32_t i = 0; i < phnum(&im); i++) {
        const uint8_t *ph = phdr(&im, i);
        if (ph == NULL || cd_get32(ph) != ELF_PT_LOAD) {
            continue;
        }
        uint32_t off = cd_get32(ph + 4), vaddr = cd_get32(ph + 8), memsz = cd_get32(ph + 20);
        if (!in_image(&im, off, memsz)) {
            break;
        }
        if (after_tcb) {
            if (memsz >= XT_EXC_FRAME_SIZE) {
                const uint8_t *stack = im.elf + off;
                summary->exc_pc = cd_process_stack_pc(cd_get32(stack + XT_STK_PC * 4));
                for (uint32_t r = 0; r < 16; r++) {
                    summary->ex_info.exc_a[r] = cd_get32(stack + (XT_STK_A0 + r) * 4);
                }
                parse_backtrace(&summary->exc_bt_info, vaddr, stack, memsz);
            }
            break;
        }
        if (vaddr == summary->exc_tcb && memsz >= CD_TCB_NAME_OFF + CD_TCB_NAME_LEN) {
            memset(summary->exc_task, 0, sizeof(summary->exc_task));
            memcpy(summary->exc_task, im.elf + off + CD_TCB_NAME_OFF,
                   sizeof(summary->exc_task) - 1);
            after_tcb = true;
        }
    }
    free(raw);
    return ESP_OK;
}

#endif
