# Removes every file the last `cmake --install` wrote, as listed in its
# install_manifest.txt (cmake -DMANIFEST=FILE -P uninstall.cmake; the
# `uninstall` target of cmake/install.cmake runs it). Directories are left:
# bin/ or share/man/man1 under a prefix are shared with other software.
# DESTDIR, when set, is prepended as `cmake --install` does.
if(NOT MANIFEST OR NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "uninstall: no ${MANIFEST}: nothing was installed from this build "
    "directory (run cmake --install first)")
endif()
file(STRINGS "${MANIFEST}" files)
set(removed 0)
foreach(file IN LISTS files)
  set(path "$ENV{DESTDIR}${file}")
  if(IS_SYMLINK "${path}" OR EXISTS "${path}")
    file(REMOVE "${path}")
    if(IS_SYMLINK "${path}" OR EXISTS "${path}")
      message(FATAL_ERROR "uninstall: could not remove ${path}")
    endif()
    message(STATUS "Removed ${path}")
    math(EXPR removed "${removed} + 1")
  else()
    message(STATUS "Already gone: ${path}")
  endif()
endforeach()
list(LENGTH files total)
message(STATUS "uninstall: removed ${removed} of the ${total} installed files")
