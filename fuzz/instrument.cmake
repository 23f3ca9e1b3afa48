# Included by the top-level CMakeLists.txt before any target when OTA_FUZZ
# is on: every library of that build (otafmt, the virtual chip, otactl's
# modules) is compiled with libFuzzer's coverage and comparison tracing and
# with ASan + UBSan, so the fuzzer sees inside the code it feeds, and any
# target of the build still links. Only clang has libFuzzer (Debian ships
# its runtime in libclang-rt-dev).
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "OTA_FUZZ needs clang (libFuzzer): configure a separate build with "
    "CC=clang, e.g. CC=clang cmake -S . -B build-fuzz -DOTA_FUZZ=ON (scripts/fuzz.sh does)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
