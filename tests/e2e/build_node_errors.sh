#!/usr/bin/env bash
# scripts/build-node.sh names what the virtual chip lacks: a header, a
# function no header declares, a function it does not implement; and
# refuses what is not an ESP-IDF project. One app directory, rewritten
# between cases, so the emulation is compiled once.
. "$(dirname "$0")/lib.sh"
build_node="$OTA_SOURCE_DIR/scripts/build-node.sh"
app="$E2E_TMP/app"
mkdir -p "$app/main"
cat >"$app/main/CMakeLists.txt" <<'CMAKE'
idf_component_register(SRCS "app.c" INCLUDE_DIRS ".")
CMAKE
build() { "$build_node" "$app" --build-dir "$E2E_TMP/build" 2>"$E2E_TMP/err" >"$E2E_TMP/out"; }

set +e
"$build_node" "$E2E_TMP" >/dev/null 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_check "not an ESP-IDF project: usage error" 2 "$rc"
e2e_check_match "says why" 'is not an ESP-IDF project' "$(cat "$E2E_TMP/err")"

cat >"$app/main/app.c" <<'C'
#include "driver/gpio.h"
void app_main(void) { gpio_set_level(GPIO_NUM_2, 1); }
C
set +e; build; rc=$?; set -e
e2e_check "missing component header: build fails" 1 "$rc"
e2e_check_match "names the header" 'app\.c:1:[0-9]+ includes <driver/gpio\.h>, which the virtual chip does not provide' \
  "$(cat "$E2E_TMP/err")"

cat >"$app/main/app.c" <<'C'
#include "esp_log.h"
void app_main(void) { esp_vfs_spiffs_register(0); }
C
set +e; build; rc=$?; set -e
e2e_check "undeclared function: build fails" 1 "$rc"
e2e_check_match "names the function" 'calls esp_vfs_spiffs_register\(\), which no header of the virtual chip declares' \
  "$(cat "$E2E_TMP/err")"

cat >"$app/main/app.c" <<'C'
#include "esp_err.h"
/* Declared by esp_phy_init.h on a real chip; nothing here implements it. */
esp_err_t esp_phy_erase_cal_data_in_nvs(void);
void app_main(void) { ESP_ERROR_CHECK(esp_phy_erase_cal_data_in_nvs()); }
C
set +e; build; rc=$?; set -e
e2e_check "unimplemented function: build fails" 1 "$rc"
e2e_check_match "names the function" 'calls esp_phy_erase_cal_data_in_nvs\(\), which the virtual chip does not emulate' \
  "$(cat "$E2E_TMP/err")"

cat >"$app/main/app.c" <<'C'
#include "esp_log.h"
void app_main(void) { ESP_LOGI("app", "hello"); }
C
build
exe=$(tail -n 1 "$E2E_TMP/out")
e2e_check "a valid app builds; the last line is the executable" "$E2E_TMP/build/app" "$exe"
e2e_check_match "the executable is an ota-node" '^ota-node ' "$("$exe" --version)"
e2e_done
