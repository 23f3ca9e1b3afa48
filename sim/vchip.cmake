# Building virtual nodes: an ESP-IDF app's main component, compiled as
# ESP-IDF v5.2 compiles it, linked with the virtual ESP32-S3.
#
#   vchip_configure(OUT_VAR APP_DIR dir [SDKCONFIG_DEFAULTS file...])
#       reads the app's main/CMakeLists.txt (its idf_component_register),
#       generates its sdkconfig.h; OUT_VAR names the configuration.
#   vchip_add_chip(CONFIG [SUFFIX s])
#       the emulation libraries vchip_core<s>, vchip_rtos<s>, vchip_net<s>
#       and the ota-node runtime, compiled with that sdkconfig.h, as ESP-IDF
#       compiles its components with the project's configuration.
#   vchip_add_node(NAME CONFIG cfg [SUFFIX s] [DEFINES def...] [DESCRIPTION text])
#       the executable: every ota-node command, the app's app_main.
#
# Needs the otafmt library (lib/), Threads, http_parser::http_parser,
# mbedtls::mbedcrypto (for apps that require mbedtls) and util (forkpty)
# to exist in the including project.

set(VCHIP_DIR ${CMAKE_CURRENT_LIST_DIR})

# ESP-IDF v5.2's flags for app code (tools/cmake/build.cmake, v5.2.5,
# __build_set_default_build_specifications and __build_set_lang_version):
# -Wall as errors except unused-* and deprecated, -Wextra as warnings.
# Two host differences, both about integer widths: uint32_t is unsigned
# long on Xtensa and unsigned int here, so printf formats that are right on
# the chip warn here (kept as warnings; the 32-bit syntax check against
# ESP-IDF's real headers catches the wrong ones); and asserts stay active
# (CONFIG_COMPILER_OPTIMIZATION_ASSERTIONS_ENABLE is v5.2's default), so
# NDEBUG from the host build type is undone.
set(VCHIP_IDF_APP_OPTIONS
  -Wall -Werror=all -Wno-error=unused-function -Wno-error=unused-variable
  -Wno-error=unused-but-set-variable -Wno-error=deprecated-declarations -Wextra
  -Wno-unused-parameter -Wno-sign-compare -Wno-enum-conversion -Wno-error=format
  -UNDEBUG)
set(VCHIP_IDF_APP_DEFINITIONS ESP_PLATFORM IDF_VER="v5.2.5" _GNU_SOURCE)

# What the app's main/CMakeLists.txt registers. ESP-IDF's signature: paths
# relative to the component directory, SRC_DIRS globbed for *.c.
function(idf_component_register)
  cmake_parse_arguments(ARG "WHOLE_ARCHIVE"
    "KCONFIG;KCONFIG_PROJBUILD"
    "SRCS;SRC_DIRS;EXCLUDE_SRCS;INCLUDE_DIRS;PRIV_INCLUDE_DIRS;REQUIRES;PRIV_REQUIRES;LDFRAGMENTS;REQUIRED_IDF_TARGETS;EMBED_FILES;EMBED_TXTFILES"
    ${ARGN})
  if(ARG_EMBED_FILES OR ARG_EMBED_TXTFILES)
    message(FATAL_ERROR "vchip: ${COMPONENT_DIR}/CMakeLists.txt embeds files (EMBED_FILES/"
      "EMBED_TXTFILES), which the virtual chip does not support")
  endif()
  if(ARG_REQUIRED_IDF_TARGETS AND NOT "esp32s3" IN_LIST ARG_REQUIRED_IDF_TARGETS)
    message(FATAL_ERROR "vchip: the component requires targets ${ARG_REQUIRED_IDF_TARGETS}; "
      "the virtual chip is an esp32s3")
  endif()
  set(srcs "")
  foreach(src ${ARG_SRCS})
    get_filename_component(abs ${src} ABSOLUTE BASE_DIR ${COMPONENT_DIR})
    list(APPEND srcs ${abs})
  endforeach()
  foreach(dir ${ARG_SRC_DIRS})
    get_filename_component(abs ${dir} ABSOLUTE BASE_DIR ${COMPONENT_DIR})
    file(GLOB globbed CONFIGURE_DEPENDS ${abs}/*.c)
    list(APPEND srcs ${globbed})
  endforeach()
  foreach(src ${ARG_EXCLUDE_SRCS})
    get_filename_component(abs ${src} ABSOLUTE BASE_DIR ${COMPONENT_DIR})
    list(REMOVE_ITEM srcs ${abs})
  endforeach()
  list(FILTER srcs INCLUDE REGEX "\\.c$")
  set(incs "")
  foreach(dir ${ARG_INCLUDE_DIRS} ${ARG_PRIV_INCLUDE_DIRS})
    get_filename_component(abs ${dir} ABSOLUTE BASE_DIR ${COMPONENT_DIR})
    list(APPEND incs ${abs})
  endforeach()
  set_property(GLOBAL PROPERTY VCHIP_COMPONENT_SRCS "${srcs}")
  set_property(GLOBAL PROPERTY VCHIP_COMPONENT_INCLUDES "${incs}")
  set_property(GLOBAL PROPERTY VCHIP_COMPONENT_REQUIRES "${ARG_REQUIRES};${ARG_PRIV_REQUIRES}")
  set_property(GLOBAL PROPERTY VCHIP_COMPONENT_REGISTERED TRUE)
endfunction()

# ESP-IDF build-system calls a main/CMakeLists.txt may make around its
# registration; the ones that only affect a real build do nothing here.
macro(idf_build_set_property)
endmacro()
macro(target_add_binary_data)
  message(FATAL_ERROR "vchip: target_add_binary_data (embedded files) is not supported")
endmacro()

function(vchip_configure out_var)
  cmake_parse_arguments(ARG "" "APP_DIR" "SDKCONFIG_DEFAULTS" ${ARGN})
  get_filename_component(app ${ARG_APP_DIR} ABSOLUTE)
  set(main ${app}/main)
  if(NOT EXISTS ${main}/CMakeLists.txt)
    message(FATAL_ERROR "vchip: ${app} is not an ESP-IDF project (no main/CMakeLists.txt)")
  endif()
  if(IS_DIRECTORY ${app}/components)
    message(FATAL_ERROR "vchip: ${app}/components: only the main component is built into a "
      "virtual node")
  endif()
  set_property(GLOBAL PROPERTY VCHIP_COMPONENT_REGISTERED FALSE)
  set(COMPONENT_DIR ${main})
  set(COMPONENT_NAME main)
  set(IDF_TARGET esp32s3)
  include(${main}/CMakeLists.txt)
  get_property(registered GLOBAL PROPERTY VCHIP_COMPONENT_REGISTERED)
  if(NOT registered)
    message(FATAL_ERROR "vchip: ${main}/CMakeLists.txt calls no idf_component_register")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${main}/CMakeLists.txt)

  # sdkconfig: IDF defaults, the component's Kconfig, the defaults files
  # (ESP-IDF's SDKCONFIG_DEFAULTS: the project's sdkconfig.defaults unless
  # a list is given).
  set(defaults ${ARG_SDKCONFIG_DEFAULTS})
  if(NOT defaults AND EXISTS ${app}/sdkconfig.defaults)
    set(defaults ${app}/sdkconfig.defaults)
  endif()
  set(gen_args "")
  foreach(kconfig ${main}/Kconfig.projbuild ${main}/Kconfig)
    if(EXISTS ${kconfig})
      list(APPEND gen_args --kconfig ${kconfig})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${kconfig})
    endif()
  endforeach()
  foreach(file ${defaults})
    get_filename_component(abs ${file} ABSOLUTE)
    list(APPEND gen_args --defaults ${abs})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${abs})
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${VCHIP_DIR}/config/esp32s3-v5.2.defaults ${VCHIP_DIR}/config/gen-sdkconfig.sh)
  string(MD5 key "${app};${defaults}")
  string(SUBSTRING ${key} 0 8 key)
  get_filename_component(app_name ${app} NAME)
  set(config_dir ${CMAKE_BINARY_DIR}/vchip-config/${app_name}-${key})
  file(MAKE_DIRECTORY ${config_dir})
  execute_process(COMMAND bash ${VCHIP_DIR}/config/gen-sdkconfig.sh ${config_dir}/sdkconfig.h
    ${gen_args} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vchip: sdkconfig for ${app}: ${err}")
  endif()

  # The partition table `ota-node fleet` lays out: the app's custom CSV or
  # the built-in table its sdkconfig chooses, embedded as a C string.
  file(STRINGS ${config_dir}/sdkconfig.h cfg REGEX "^#define CONFIG_PARTITION_TABLE_")
  set(csv "")
  if(cfg MATCHES "CONFIG_PARTITION_TABLE_CUSTOM 1")
    string(REGEX MATCH "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME \"([^\"]*)\"" m "${cfg}")
    set(csv ${app}/${CMAKE_MATCH_1})
  elseif(cfg MATCHES "CONFIG_PARTITION_TABLE_TWO_OTA 1")
    set(csv ${VCHIP_DIR}/config/partitions_two_ota.csv)
  elseif(cfg MATCHES "CONFIG_PARTITION_TABLE_SINGLE_APP 1")
    set(csv ${VCHIP_DIR}/config/partitions_singleapp.csv)
  endif()
  if(NOT csv OR NOT EXISTS ${csv})
    message(FATAL_ERROR "vchip: ${app}: no partition table the virtual chip can lay out (${csv})")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${csv})
  file(READ ${csv} csv_hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," csv_bytes "${csv_hex}")
  file(WRITE ${config_dir}/default_partitions.c.in
    "/* Generated by sim/vchip.cmake from ${csv}. */\n"
    "const char node_default_partitions_csv[] = {${csv_bytes} 0};\n"
    "const char node_default_partitions_origin[] = \"${csv}\";\n")
  configure_file(${config_dir}/default_partitions.c.in ${config_dir}/default_partitions.c COPYONLY)

  get_property(srcs GLOBAL PROPERTY VCHIP_COMPONENT_SRCS)
  get_property(incs GLOBAL PROPERTY VCHIP_COMPONENT_INCLUDES)
  get_property(requires GLOBAL PROPERTY VCHIP_COMPONENT_REQUIRES)
  if(NOT srcs)
    message(FATAL_ERROR "vchip: ${main}/CMakeLists.txt registers no C source")
  endif()
  set(VCHIP_${key}_DIR ${config_dir} PARENT_SCOPE)
  set(VCHIP_${key}_SRCS ${srcs} PARENT_SCOPE)
  set(VCHIP_${key}_INCLUDES ${incs} PARENT_SCOPE)
  set(VCHIP_${key}_APP ${app} PARENT_SCOPE)
  set(VCHIP_${key}_REQUIRES "${requires}" PARENT_SCOPE)
  set(${out_var} ${key} PARENT_SCOPE)
endfunction()

function(vchip_add_chip config)
  cmake_parse_arguments(ARG "" "SUFFIX" "" ${ARGN})
  set(s "${ARG_SUFFIX}")
  set(config_dir ${VCHIP_${config}_DIR})
  file(GLOB core CONFIGURE_DEPENDS ${VCHIP_DIR}/core/*.c)
  add_library(vchip_core${s} STATIC ${core})
  target_include_directories(vchip_core${s} PUBLIC ${VCHIP_DIR}/include ${config_dir}
    PRIVATE ${VCHIP_DIR}/core)
  target_link_libraries(vchip_core${s} PUBLIC otafmt Threads::Threads)

  file(GLOB rtos CONFIGURE_DEPENDS ${VCHIP_DIR}/rtos/*.c)
  add_library(vchip_rtos${s} STATIC ${rtos})
  target_include_directories(vchip_rtos${s} PRIVATE ${VCHIP_DIR}/rtos)
  target_link_libraries(vchip_rtos${s} PUBLIC vchip_core${s} http_parser::http_parser
    Threads::Threads)

  file(GLOB net CONFIGURE_DEPENDS ${VCHIP_DIR}/net/*.c)
  add_library(vchip_net${s} STATIC ${net})
  target_include_directories(vchip_net${s} PRIVATE ${VCHIP_DIR}/net)
  target_link_libraries(vchip_net${s} PUBLIC vchip_rtos${s} vchip_core${s})

  # The ota-node command, less what each executable compiles itself.
  file(GLOB node CONFIGURE_DEPENDS ${VCHIP_DIR}/node/*.c)
  list(FILTER node EXCLUDE REGEX "/firmware_build\\.c$")
  add_library(ota_node_runtime${s} OBJECT ${node})
  target_include_directories(ota_node_runtime${s} PRIVATE ${VCHIP_DIR}/node ${VCHIP_DIR}/rtos
    ${VCHIP_DIR}/core)
  target_link_libraries(ota_node_runtime${s} PRIVATE vchip_net${s} vchip_rtos${s} vchip_core${s})
endfunction()

function(vchip_add_node name)
  cmake_parse_arguments(ARG "" "CONFIG;SUFFIX;DESCRIPTION" "DEFINES" ${ARGN})
  set(s "${ARG_SUFFIX}")
  set(cfg ${ARG_CONFIG})
  # The app's sources, as ESP-IDF compiles them: its flags replace the
  # host project's (only the sanitizers, when on, are kept).
  add_library(${name}_app OBJECT ${VCHIP_${cfg}_SRCS})
  set(options ${VCHIP_IDF_APP_OPTIONS})
  if(OTA_SANITIZE)
    list(APPEND options -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  endif()
  set_target_properties(${name}_app PROPERTIES COMPILE_OPTIONS "${options}"
    C_STANDARD 17 C_EXTENSIONS ON)
  target_compile_definitions(${name}_app PRIVATE ${VCHIP_IDF_APP_DEFINITIONS} ${ARG_DEFINES})
  target_include_directories(${name}_app PRIVATE ${VCHIP_${cfg}_INCLUDES} ${VCHIP_${cfg}_DIR}
    ${VCHIP_DIR}/include)

  set(description "${ARG_DESCRIPTION}")
  if(NOT description)
    set(description "app ${VCHIP_${cfg}_APP}")
  endif()
  add_executable(${name} $<TARGET_OBJECTS:ota_node_runtime${s}> $<TARGET_OBJECTS:${name}_app>
    ${VCHIP_DIR}/node/firmware_build.c ${VCHIP_${cfg}_DIR}/default_partitions.c)
  # firmware_build.c reads the app's sdkconfig.h (ahead of the chip's).
  target_include_directories(${name} PRIVATE ${VCHIP_DIR}/node ${VCHIP_${cfg}_DIR})
  target_compile_definitions(${name} PRIVATE ${ARG_DEFINES}
    VCHIP_FIRMWARE_DESCRIPTION="${description}")
  target_link_libraries(${name} PRIVATE vchip_net${s} vchip_rtos${s} vchip_core${s} util)
  # ESP-IDF's mbedtls is Debian's libmbedcrypto here (cmake/host-build.cmake).
  if("mbedtls" IN_LIST VCHIP_${cfg}_REQUIRES)
    target_link_libraries(${name}_app PRIVATE mbedtls::mbedcrypto)
    target_link_libraries(${name} PRIVATE mbedtls::mbedcrypto)
  endif()
  # The WiFi link model paces sockets under recv() and send(), where lwIP
  # sits on the chip, so the firmware's own calls are paced too (vchip/link.h).
  target_link_options(${name} PRIVATE -Wl,--wrap=recv -Wl,--wrap=send)
endfunction()
