# `cmake --install BUILD [--prefix P]`: the programs, ota-deploy.sh, the
# man pages and the bash completions (docs/install.md says what goes where).
# The executables' own install() lines are in otactl/ and sim/; this file
# adds what is made from their --help texts after they link, and the
# `uninstall` target CMake does not have.

set(OTA_SCRIPTS ${PROJECT_SOURCE_DIR}/scripts)

# Man pages: one per program and one per command (otactl-deploy.1, as git
# has git-commit.1), written from the --help texts by scripts/gen-man.sh,
# so a page says what the installed program's --help says.
set(OTA_MAN_DIR ${CMAKE_BINARY_DIR}/man)
add_custom_command(OUTPUT ${OTA_MAN_DIR}/stamp
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${OTA_MAN_DIR}
  COMMAND bash ${OTA_SCRIPTS}/gen-man.sh ${OTA_MAN_DIR} $<TARGET_FILE:otactl> ota-node
  COMMAND bash ${OTA_SCRIPTS}/gen-man.sh ${OTA_MAN_DIR} $<TARGET_FILE:ota-node> otactl
  COMMAND ${CMAKE_COMMAND} -E touch ${OTA_MAN_DIR}/stamp
  DEPENDS otactl ota-node ${OTA_SCRIPTS}/gen-man.sh ${OTA_SCRIPTS}/help2roff.awk
  COMMENT "Man pages from otactl's and ota-node's --help"
  VERBATIM)

# bash completions, from the same --help texts (scripts/gen-completion.sh).
set(OTA_COMPLETION_DIR ${CMAKE_BINARY_DIR}/completion)
set(OTA_COMPLETION_DEPS ${OTA_SCRIPTS}/gen-completion.sh ${OTA_SCRIPTS}/help-options.awk
  ${PROJECT_SOURCE_DIR}/completion/complete.bash)
# ota-node's completion serves its other builds too (OTA_NODE_PROGRAMS,
# sim/CMakeLists.txt); bash-completion loads a file by the command's name,
# so each gets a copy.
set(OTA_NODE_OTHER_BUILDS ${OTA_NODE_PROGRAMS})
list(REMOVE_ITEM OTA_NODE_OTHER_BUILDS ota-node)
set(OTA_COMPLETION_OTHERS_otactl "")
set(OTA_COMPLETION_OTHERS_ota-node ${OTA_NODE_OTHER_BUILDS})
foreach(prog otactl ota-node)
  add_custom_command(OUTPUT ${OTA_COMPLETION_DIR}/${prog}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${OTA_COMPLETION_DIR}
    COMMAND bash ${OTA_SCRIPTS}/gen-completion.sh $<TARGET_FILE:${prog}> ${OTA_COMPLETION_DIR}/${prog}
      ${OTA_COMPLETION_OTHERS_${prog}}
    DEPENDS ${prog} ${OTA_COMPLETION_DEPS}
    COMMENT "bash completion of ${prog} from its --help"
    VERBATIM)
endforeach()

add_custom_target(man_and_completion ALL DEPENDS ${OTA_MAN_DIR}/stamp
  ${OTA_COMPLETION_DIR}/otactl ${OTA_COMPLETION_DIR}/ota-node)

install(PROGRAMS ${OTA_SCRIPTS}/ota-deploy.sh DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${OTA_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  FILES_MATCHING PATTERN "*.1")
# `man ota-node-signed` and the defect builds: ota-node's page (a .so link,
# as man-db resolves it from the top of the man tree).
foreach(other ${OTA_NODE_PROGRAMS})
  if(NOT other STREQUAL "ota-node")
    file(WRITE ${CMAKE_BINARY_DIR}/man-aliases/${other}.1 ".so man1/ota-node.1\n")
    install(FILES ${CMAKE_BINARY_DIR}/man-aliases/${other}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
endforeach()
# The directory bash-completion's loader searches under a prefix
# (pkg-config bash-completion: completionsdir=${datadir}/bash-completion/completions).
install(FILES ${OTA_COMPLETION_DIR}/otactl ${OTA_COMPLETION_DIR}/ota-node
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
foreach(other ${OTA_NODE_OTHER_BUILDS})
  install(FILES ${OTA_COMPLETION_DIR}/ota-node
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${other})
endforeach()

# `cmake --build BUILD --target uninstall` removes what the last
# `cmake --install BUILD` installed (BUILD/install_manifest.txt).
add_custom_target(uninstall
  COMMAND ${CMAKE_COMMAND} -DMANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt
    -P ${CMAKE_CURRENT_LIST_DIR}/uninstall.cmake
  COMMENT "Removing the files listed in install_manifest.txt"
  VERBATIM)
