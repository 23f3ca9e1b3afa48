/* NVS of the virtual chip: the nvs.h API's rules, persistence across
 * reboots, and power cuts at every flash operation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_store.h"
#include "test_core_fixture.h"

static void attach(const fixture_t *f)
{
    char err[200];
    vchip_power_off();
    assert_int_equal(vchip_attach_flash(f->dir, 0, FLASH_OPEN_CREATE, err, sizeof(err)), ESP_OK);
}

/* Power cycle: forget everything, attach the flash again, init NVS. */
static void reboot(const fixture_t *f)
{
    attach(f);
    assert_int_equal(nvs_flash_init(), ESP_OK);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    reboot(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

static nvs_handle_t open_rw(const char *ns)
{
    nvs_handle_t h;
    assert_int_equal(nvs_open(ns, NVS_READWRITE, &h), ESP_OK);
    return h;
}

static void expect_str(const char *ns, const char *key, const char *want)
{
    nvs_handle_t h;
    assert_int_equal(nvs_open(ns, NVS_READONLY, &h), ESP_OK);
    char buf[NVS_VALUE_MAX_SIZE];
    size_t len = sizeof(buf);
    assert_int_equal(nvs_get_str(h, key, buf, &len), ESP_OK);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want) + 1);
    nvs_close(h);
}

/* ---- API rules ---------------------------------------------------------- */

static void values_survive_a_reboot(void **state)
{
    fixture_t *f = *state;
    nvs_handle_t h = open_rw("security");
    assert_int_equal(nvs_set_str(h, "ota_psk", "s3cret"), ESP_OK);
    assert_int_equal(nvs_commit(h), ESP_OK);
    nvs_close(h);
    h = open_rw("csi_cfg");
    assert_int_equal(nvs_set_u16(h, "target_port", 5005), ESP_OK);
    assert_int_equal(nvs_set_u8(h, "u8", 200), ESP_OK);
    assert_int_equal(nvs_set_u32(h, "u32", 0xDEADBEEF), ESP_OK);
    assert_int_equal(nvs_set_i32(h, "i32", -42), ESP_OK);
    uint8_t blob[5] = {1, 2, 3, 4, 5};
    assert_int_equal(nvs_set_blob(h, "gl_fft", blob, sizeof(blob)), ESP_OK);
    nvs_close(h);

    reboot(f);
    expect_str("security", "ota_psk", "s3cret");
    assert_int_equal(nvs_open("csi_cfg", NVS_READONLY, &h), ESP_OK);
    uint16_t port = 0;
    uint8_t u8 = 0;
    uint32_t u32 = 0;
    int32_t i32 = 0;
    assert_int_equal(nvs_get_u16(h, "target_port", &port), ESP_OK);
    assert_int_equal(port, 5005);
    assert_int_equal(nvs_get_u8(h, "u8", &u8), ESP_OK);
    assert_int_equal(u8, 200);
    assert_int_equal(nvs_get_u32(h, "u32", &u32), ESP_OK);
    assert_int_equal(u32, 0xDEADBEEF);
    assert_int_equal(nvs_get_i32(h, "i32", &i32), ESP_OK);
    assert_int_equal(i32, -42);
    uint8_t got[8];
    size_t len = sizeof(got);
    assert_int_equal(nvs_get_blob(h, "gl_fft", got, &len), ESP_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(got, blob, 5);
    nvs_close(h);
}

static void missing_keys_and_namespaces_are_not_found(void **state)
{
    (void)state;
    nvs_handle_t h;
    assert_int_equal(nvs_open("nothing", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND);
    h = open_rw("csi_cfg");
    uint16_t v = 77;
    assert_int_equal(nvs_get_u16(h, "target_port", &v), ESP_ERR_NVS_NOT_FOUND);
    assert_int_equal(v, 77); /* out_value untouched */
    assert_int_equal(nvs_erase_key(h, "target_port"), ESP_ERR_NVS_NOT_FOUND);
    /* A key is looked up with its type. */
    assert_int_equal(nvs_set_str(h, "k", "text"), ESP_OK);
    assert_int_equal(nvs_get_u16(h, "k", &v), ESP_ERR_NVS_NOT_FOUND);
    nvs_close(h);
    /* The namespace now exists, so read-only opens work. */
    assert_int_equal(nvs_open("csi_cfg", NVS_READONLY, &h), ESP_OK);
    nvs_close(h);
}

static void names_longer_than_15_characters_are_refused(void **state)
{
    (void)state;
    nvs_handle_t h;
    assert_int_equal(nvs_open("fifteen_chars_x", NVS_READWRITE, &h), ESP_OK);
    assert_int_equal(nvs_set_u8(h, "fifteen_chars_k", 1), ESP_OK);
    assert_int_equal(nvs_set_u8(h, "sixteen_chars_ke", 1), ESP_ERR_NVS_KEY_TOO_LONG);
    uint8_t v;
    assert_int_equal(nvs_get_u8(h, "sixteen_chars_ke", &v), ESP_ERR_NVS_NOT_FOUND);
    assert_int_equal(nvs_get_u8(h, "fifteen_chars_k", &v), ESP_OK);
    nvs_close(h);
    assert_int_equal(nvs_open("sixteen_chars_ns", NVS_READWRITE, &h), ESP_ERR_NVS_KEY_TOO_LONG);
    assert_int_equal(nvs_open("sixteen_chars_ns", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND);
    assert_int_equal(nvs_open("", NVS_READWRITE, &h), ESP_ERR_NVS_INVALID_NAME);
}

static void read_only_handles_refuse_writes(void **state)
{
    (void)state;
    nvs_handle_t rw = open_rw("security");
    assert_int_equal(nvs_set_str(rw, "ota_psk", "a"), ESP_OK);
    nvs_close(rw);
    nvs_handle_t ro;
    assert_int_equal(nvs_open("security", NVS_READONLY, &ro), ESP_OK);
    assert_int_equal(nvs_set_str(ro, "ota_psk", "b"), ESP_ERR_NVS_READ_ONLY);
    assert_int_equal(nvs_erase_key(ro, "ota_psk"), ESP_ERR_NVS_READ_ONLY);
    assert_int_equal(nvs_erase_all(ro), ESP_ERR_NVS_READ_ONLY);
    nvs_close(ro);
    expect_str("security", "ota_psk", "a");
    assert_int_equal(nvs_set_str(ro, "ota_psk", "c"), ESP_ERR_NVS_INVALID_HANDLE); /* closed */
}

static void get_str_answers_length_queries_like_esp_idf(void **state)
{
    (void)state;
    nvs_handle_t h = open_rw("csi_cfg");
    assert_int_equal(nvs_set_str(h, "target_ip", "127.0.100.103"), ESP_OK);
    size_t len = 0;
    assert_int_equal(nvs_get_str(h, "target_ip", NULL, &len), ESP_OK);
    assert_int_equal(len, strlen("127.0.100.103") + 1);
    char small[4] = "xyz";
    len = sizeof(small);
    assert_int_equal(nvs_get_str(h, "target_ip", small, &len), ESP_ERR_NVS_INVALID_LENGTH);
    assert_int_equal(len, 14);
    assert_string_equal(small, "xyz");
    char exact[14];
    len = sizeof(exact);
    assert_int_equal(nvs_get_str(h, "target_ip", exact, &len), ESP_OK);
    assert_string_equal(exact, "127.0.100.103");
    assert_int_equal(nvs_get_str(h, "target_ip", exact, NULL), ESP_ERR_NVS_INVALID_LENGTH);
    nvs_close(h);
}

static void erase_key_and_erase_all_stay_erased_after_reboot(void **state)
{
    fixture_t *f = *state;
    nvs_handle_t h = open_rw("csi_cfg");
    assert_int_equal(nvs_set_u8(h, "gl_agc", 1), ESP_OK);
    assert_int_equal(nvs_set_u8(h, "gl_fft", 2), ESP_OK);
    assert_int_equal(nvs_set_u8(h, "keep", 3), ESP_OK);
    assert_int_equal(nvs_erase_key(h, "gl_agc"), ESP_OK);
    nvs_close(h);
    h = open_rw("other");
    assert_int_equal(nvs_set_u8(h, "x", 9), ESP_OK);
    nvs_close(h);
    reboot(f);
    h = open_rw("csi_cfg");
    uint8_t v;
    assert_int_equal(nvs_get_u8(h, "gl_agc", &v), ESP_ERR_NVS_NOT_FOUND);
    assert_int_equal(nvs_get_u8(h, "gl_fft", &v), ESP_OK);
    assert_int_equal(nvs_erase_all(h), ESP_OK);
    nvs_close(h);
    reboot(f);
    assert_int_equal(nvs_open("csi_cfg", NVS_READONLY, &h), ESP_OK); /* the namespace stays */
    assert_int_equal(nvs_get_u8(h, "keep", &v), ESP_ERR_NVS_NOT_FOUND);
    nvs_close(h);
    assert_int_equal(nvs_open("other", NVS_READONLY, &h), ESP_OK);
    assert_int_equal(nvs_get_u8(h, "x", &v), ESP_OK);
    assert_int_equal(v, 9);
    nvs_close(h);
}

static void init_order_and_limits_are_enforced(void **state)
{
    fixture_t *f = *state;
    attach(f); /* NVS not initialised */
    nvs_handle_t h;
    assert_int_equal(nvs_open("a", NVS_READWRITE, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    assert_int_equal(nvs_flash_init(), ESP_OK);
    assert_int_equal(nvs_flash_init(), ESP_OK); /* twice is fine */
    h = open_rw("a");
    char *big = malloc(NVS_VALUE_MAX_SIZE + 1);
    memset(big, 'x', NVS_VALUE_MAX_SIZE);
    big[NVS_VALUE_MAX_SIZE] = '\0';
    assert_int_equal(nvs_set_str(h, "big", big), ESP_ERR_NVS_VALUE_TOO_LONG);
    big[NVS_VALUE_MAX_SIZE - 1] = '\0';
    assert_int_equal(nvs_set_str(h, "big", big), ESP_OK);
    free(big);
    nvs_close(h);
    assert_int_equal(nvs_open_from_partition("nvs", "a", NVS_READONLY, &h), ESP_OK);
    nvs_close(h);
    assert_int_equal(nvs_open_from_partition("other", "a", NVS_READONLY, &h),
                     ESP_ERR_NVS_PART_NOT_FOUND);
}

static void foreign_data_needs_an_erase_first(void **state)
{
    fixture_t *f = *state;
    uint8_t page[32];
    memset(page, 0xFF, sizeof(page));
    page[0] = 0xFE; /* an ESP-IDF NVS page header: state "active" */
    fix_write_raw(f, 0x9000, page, sizeof(page));
    attach(f);
    assert_int_equal(nvs_flash_init(), ESP_ERR_NVS_NO_FREE_PAGES);
    assert_int_equal(nvs_flash_erase(), ESP_OK);
    assert_int_equal(nvs_flash_init(), ESP_OK);
}

static void many_updates_compact_and_survive(void **state)
{
    fixture_t *f = *state;
    nvs_handle_t h = open_rw("wear");
    char value[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(value, sizeof(value), "value number %d", i);
        assert_int_equal(nvs_set_str(h, i % 2 ? "odd" : "even", value), ESP_OK);
    }
    assert_true(vchip_nvs_stats().compactions > 0);
    nvs_close(h);
    reboot(f);
    expect_str("wear", "even", "value number 1998");
    expect_str("wear", "odd", "value number 1999");
}

static void a_full_store_says_so_and_keeps_its_data(void **state)
{
    fixture_t *f = *state;
    nvs_handle_t h = open_rw("full");
    uint8_t blob[3000];
    char key[16];
    int stored = 0;
    esp_err_t rc = ESP_OK;
    for (int i = 0; i < 10 && rc == ESP_OK; i++) {
        memset(blob, i, sizeof(blob));
        snprintf(key, sizeof(key), "b%d", i);
        rc = nvs_set_blob(h, key, blob, sizeof(blob));
        stored += rc == ESP_OK;
    }
    assert_int_equal(rc, ESP_ERR_NVS_NOT_ENOUGH_SPACE);
    assert_true(stored >= 4); /* 6 sectors, one kept in reserve */
    nvs_close(h);
    reboot(f);
    h = open_rw("full");
    for (int i = 0; i < stored; i++) {
        size_t len = sizeof(blob);
        snprintf(key, sizeof(key), "b%d", i);
        assert_int_equal(nvs_get_blob(h, key, blob, &len), ESP_OK);
        assert_int_equal(blob[2999], i);
    }
    assert_int_equal(nvs_erase_key(h, "b0"), ESP_OK);
    memset(blob, 0x77, sizeof(blob));
    assert_int_equal(nvs_set_blob(h, "again", blob, sizeof(blob)), ESP_OK);
    nvs_close(h);
}

/* ---- power cuts --------------------------------------------------------- */

typedef struct {
    int cuts;
} cut_state_t;

static void on_cut(void *ctx)
{
    ((cut_state_t *)ctx)->cuts++;
}

static void arm_cut(uint64_t after_ops, cut_state_t *cs)
{
    flash_options_t opts = {
        .cut_at = flash_op_count(vchip_flash()) + after_ops, .on_cut = on_cut, .cut_ctx = cs};
    flash_set_options(vchip_flash(), &opts);
}

typedef struct {
    const char *name;
    void (*prefill)(void);
    esp_err_t (*op)(void);
    void (*check)(bool op_done); /* op_done false: old or new state allowed */
} scenario_t;

/* After a cut and a reboot the store must take new writes, compactions
 * included, and keep them. */
static void keeps_working_after_a_cut(const fixture_t *f)
{
    nvs_handle_t h = open_rw("after");
    uint8_t blob[1500];
    for (int i = 0; i < 24; i++) {
        memset(blob, i, sizeof(blob));
        assert_int_equal(nvs_set_blob(h, i % 2 ? "b" : "a", blob, sizeof(blob)), ESP_OK);
    }
    nvs_close(h);
    reboot(f);
    assert_int_equal(nvs_open("after", NVS_READONLY, &h), ESP_OK);
    size_t len = sizeof(blob);
    assert_int_equal(nvs_get_blob(h, "a", blob, &len), ESP_OK);
    assert_int_equal(blob[0], 22);
    len = sizeof(blob);
    assert_int_equal(nvs_get_blob(h, "b", blob, &len), ESP_OK);
    assert_int_equal(blob[1499], 23);
    nvs_close(h);
}

/* Copies a flash file (the prefilled state) over another. */
static void copy_flash(const fixture_t *from, const fixture_t *to)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "cp '%s/flash.bin' '%s/flash.bin'", from->dir, to->dir);
    assert_int_equal(system(cmd), 0);
}

/* Runs op with the power cut at its 1st, 2nd, ... flash operation until it
 * completes; after every cut the chip reboots, NVS must mount and check()
 * must accept the state. A cut while mounting after a cut is swept too. */
static int sweep(const scenario_t *sc)
{
    fixture_t tmpl, work;
    fix_setup(&tmpl, FIX_TABLE_OTA2);
    reboot(&tmpl);
    sc->prefill();
    vchip_power_off();
    fix_setup(&work, FIX_TABLE_OTA2);
    int cuts = 0, mount_cuts = 0;
    for (uint64_t n = 1;; n++) {
        copy_flash(&tmpl, &work);
        reboot(&work);
        cut_state_t cs = {0};
        arm_cut(n, &cs);
        esp_err_t rc = sc->op();
        if (cs.cuts == 0) {
            assert_int_equal(rc, ESP_OK);
            reboot(&work);
            sc->check(true);
            break;
        }
        cuts++;
        assert_int_not_equal(rc, ESP_OK);
        /* A second cut while the next boot's mount repairs the store. */
        for (uint64_t m = 1;; m++) {
            char saved[128], cmd[300];
            snprintf(saved, sizeof(saved), "%s/after_cut.bin", work.dir);
            snprintf(cmd, sizeof(cmd), "cp '%s/flash.bin' '%s'", work.dir, saved);
            assert_int_equal(system(cmd), 0);
            attach(&work);
            cut_state_t cs2 = {0};
            arm_cut(m, &cs2);
            esp_err_t mount_rc = nvs_flash_init();
            if (cs2.cuts == 0) {
                assert_int_equal(mount_rc, ESP_OK);
                break;
            }
            mount_cuts++;
            vchip_power_off();
            (void)mount_rc;
        }
        reboot(&work);
        sc->check(false);
        keeps_working_after_a_cut(&work);
    }
    vchip_power_off();
    fix_teardown(&tmpl);
    fix_teardown(&work);
    print_message("sweep %s: %d cuts in the operation, %d more while mounting after them\n",
                  sc->name, cuts, mount_cuts);
    return cuts;
}

static const char *str_or_null(const char *ns, const char *key, char *buf, size_t size)
{
    nvs_handle_t h;
    if (nvs_open(ns, NVS_READONLY, &h) != ESP_OK) {
        return NULL;
    }
    size_t len = size;
    esp_err_t rc = nvs_get_str(h, key, buf, &len);
    nvs_close(h);
    return rc == ESP_OK ? buf : NULL;
}

static void prefill_simple(void)
{
    nvs_handle_t h = open_rw("security");
    assert_int_equal(nvs_set_str(h, "ota_psk", "old-psk"), ESP_OK);
    assert_int_equal(nvs_set_str(h, "other", "untouched"), ESP_OK);
    nvs_close(h);
}

static const char NEW_PSK[] = "a-brand-new-pre-shared-key-that-spans-several-pages-"
                              "of-the-flash-so-that-a-cut-can-tear-it-in-the-middle-"
                              "0123456789012345678901234567890123456789012345678901"
                              "0123456789012345678901234567890123456789012345678901"
                              "0123456789012345678901234567890123456789012345678901";

static esp_err_t op_set_psk(void)
{
    nvs_handle_t h;
    esp_err_t rc = nvs_open("security", NVS_READWRITE, &h);
    if (rc == ESP_OK) {
        rc = nvs_set_str(h, "ota_psk", NEW_PSK);
        nvs_close(h);
    }
    return rc;
}

static void check_psk(bool op_done)
{
    char buf[512];
    const char *psk = str_or_null("security", "ota_psk", buf, sizeof(buf));
    assert_non_null(psk);
    bool is_old = strcmp(psk, "old-psk") == 0;
    bool is_new = strcmp(psk, NEW_PSK) == 0;
    assert_true(is_new || (!op_done && is_old));
    const char *other = str_or_null("security", "other", buf, sizeof(buf));
    assert_non_null(other);
    assert_string_equal(other, "untouched");
}

static void a_power_cut_at_any_operation_of_a_set_keeps_old_or_new(void **state)
{
    (void)state;
    scenario_t sc = {"set", prefill_simple, op_set_psk, check_psk};
    assert_true(sweep(&sc) >= 2);
}

/* Live keys in the oldest sectors, then churn until every sector but the
 * reserve is full: the next set must compact sectors holding live records. */
static void prefill_nearly_full(void)
{
    prefill_simple();
    nvs_handle_t h = open_rw("bulk");
    uint8_t blob[1800];
    char key[8];
    for (int i = 0; i < 4; i++) {
        memset(blob, 0x10 + i, sizeof(blob));
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(nvs_set_blob(h, key, blob, sizeof(blob)), ESP_OK);
    }
    for (int i = 0; i < 6; i++) {
        memset(blob, i, sizeof(blob));
        assert_int_equal(nvs_set_blob(h, "churn", blob, sizeof(blob)), ESP_OK);
    }
    nvs_close(h);
}

static esp_err_t op_churn(void)
{
    nvs_handle_t h;
    esp_err_t rc = nvs_open("bulk", NVS_READWRITE, &h);
    if (rc == ESP_OK) {
        uint8_t blob[1800];
        memset(blob, 0xAB, sizeof(blob));
        rc = nvs_set_blob(h, "churn", blob, sizeof(blob));
        nvs_close(h);
    }
    return rc;
}

static void check_churn(bool op_done)
{
    check_psk(false);
    nvs_handle_t h;
    assert_int_equal(nvs_open("bulk", NVS_READONLY, &h), ESP_OK);
    uint8_t blob[1800];
    char key[8];
    for (int i = 0; i < 4; i++) {
        size_t len = sizeof(blob);
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(nvs_get_blob(h, key, blob, &len), ESP_OK);
        assert_int_equal(len, 1800);
        assert_int_equal(blob[0], 0x10 + i);
        assert_int_equal(blob[1799], 0x10 + i);
    }
    size_t len = sizeof(blob);
    assert_int_equal(nvs_get_blob(h, "churn", blob, &len), ESP_OK);
    assert_int_equal(len, 1800);
    assert_true(blob[0] == 0xAB || (!op_done && blob[0] == 5));
    assert_int_equal(blob[1799], blob[0]);
    nvs_close(h);
}

static void a_power_cut_during_compaction_loses_nothing(void **state)
{
    (void)state;
    /* The operation must really copy live records, or this sweep proves little. */
    fixture_t f;
    fix_setup(&f, FIX_TABLE_OTA2);
    reboot(&f);
    prefill_nearly_full();
    nvs_store_stats_t before = vchip_nvs_stats();
    assert_int_equal(op_churn(), ESP_OK);
    nvs_store_stats_t after = vchip_nvs_stats();
    assert_true(after.compactions > before.compactions);
    assert_true(after.copied >= before.copied + 4);
    fix_teardown(&f);

    scenario_t sc = {"compaction", prefill_nearly_full, op_churn, check_churn};
    assert_true(sweep(&sc) >= 10);
}

static esp_err_t op_erase_psk(void)
{
    nvs_handle_t h;
    esp_err_t rc = nvs_open("security", NVS_READWRITE, &h);
    if (rc == ESP_OK) {
        rc = nvs_erase_key(h, "ota_psk");
        nvs_close(h);
    }
    return rc;
}

static void check_erased_psk(bool op_done)
{
    char buf[64];
    const char *psk = str_or_null("security", "ota_psk", buf, sizeof(buf));
    if (op_done) {
        assert_null(psk);
    } else if (psk) {
        assert_string_equal(psk, "old-psk");
    }
    assert_non_null(str_or_null("security", "other", buf, sizeof(buf)));
}

static void a_power_cut_during_an_erase_keeps_the_key_or_removes_it(void **state)
{
    (void)state;
    scenario_t sc = {"erase", prefill_simple, op_erase_psk, check_erased_psk};
    assert_true(sweep(&sc) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(values_survive_a_reboot, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_keys_and_namespaces_are_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(names_longer_than_15_characters_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(read_only_handles_refuse_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(get_str_answers_length_queries_like_esp_idf, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(erase_key_and_erase_all_stay_erased_after_reboot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(init_order_and_limits_are_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_data_needs_an_erase_first, setup, teardown),
        cmocka_unit_test_setup_teardown(many_updates_compact_and_survive, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_store_says_so_and_keeps_its_data, setup, teardown),
        cmocka_unit_test(a_power_cut_at_any_operation_of_a_set_keeps_old_or_new),
        cmocka_unit_test(a_power_cut_during_compaction_loses_nothing),
        cmocka_unit_test(a_power_cut_during_an_erase_keeps_the_key_or_removes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
