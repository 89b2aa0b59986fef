# Installation and the Debian packages `renod` and `reno` (packaging/README.md).
#
# Why CPack's DEB generator and not a debian/ directory: the packages are built from the
# same CMake tree as everything else, with no debhelper and no second description of what
# is installed where; `cpack -G DEB` in a build directory makes both packages in seconds,
# which is what lets a test build, inspect and unpack them on every run. The dependencies
# are not written by hand: dpkg-shlibdeps computes them from the libraries the binaries
# link (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), as dh_shlibdeps would. What debhelper would add
# besides (the systemd and sysusers snippets) is written out in packaging/renod/*.
include(GNUInstallDirs)

# ---- Man pages, from the programs' own --help -------------------------------------------
# help2man runs the built binaries, so each page says exactly what --help says, plus the
# sections of packaging/*.h2m (files, the service, upgrading). The pages are build
# products, gzipped as Debian ships them, never committed.
find_program(HELP2MAN help2man)
find_program(GZIP gzip)
set(RENO_MAN_DIR ${CMAKE_BINARY_DIR}/man)
if(HELP2MAN AND GZIP)
    file(MAKE_DIRECTORY ${RENO_MAN_DIR})
    set(RENO_MAN_PAGES "")
    foreach(page renod:8:renod reno:1:reno)
        string(REPLACE ":" ";" parts ${page})
        list(GET parts 0 program)
        list(GET parts 1 section)
        set(out ${RENO_MAN_DIR}/${program}.${section})
        # English pages whatever the builder's locale; SOURCE_DATE_EPOCH keeps the date
        # (and so the package) reproducible.
        add_custom_command(
            OUTPUT ${out}.gz
            COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C.UTF-8 LANGUAGE= LANG=C.UTF-8
                    SOURCE_DATE_EPOCH=1669766400
                    ${HELP2MAN} --no-info --section=${section}
                    --include=${CMAKE_SOURCE_DIR}/packaging/${program}.h2m
                    --output=${out} $<TARGET_FILE:${program}>
            COMMAND ${GZIP} -n -9 -f ${out}
            DEPENDS ${program} ${CMAKE_SOURCE_DIR}/packaging/${program}.h2m
            COMMENT "man page ${program}(${section})"
            VERBATIM)
        list(APPEND RENO_MAN_PAGES ${out}.gz)
    endforeach()
    add_custom_target(man ALL DEPENDS ${RENO_MAN_PAGES})
    install(FILES ${RENO_MAN_DIR}/renod.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
            COMPONENT renod)
    install(FILES ${RENO_MAN_DIR}/reno.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
            COMPONENT reno)
else()
    message(WARNING "help2man or gzip not found (scripts/setup installs them): "
                    "no man pages, and the package test will fail")
endif()

# ---- What each package installs ---------------------------------------------------------
# renod is an administrator's program, in sbin and section 8; reno is everyone's.
install(TARGETS renod RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT renod)
install(TARGETS reno RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT reno)
# Debian 12 keeps system units in /lib/systemd/system (as dh_installsystemd does there).
install(FILES packaging/renod.service DESTINATION /lib/systemd/system COMPONENT renod)
install(FILES packaging/reno.sysusers DESTINATION lib/sysusers.d RENAME reno.conf
        COMPONENT renod)
install(FILES packaging/renod.conf DESTINATION /etc/reno COMPONENT renod)
install(FILES packaging/reno.bash-completion DESTINATION share/bash-completion/completions
        RENAME reno COMPONENT reno)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/renod COMPONENT renod)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/reno COMPONENT reno)

# ---- CPack ------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME reno)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "reno maintainers <reno@localhost>")
set(CPACK_PACKAGE_VENDOR "reno")
# The prefix the build was configured with (/usr unless told otherwise): the client looks
# for its catalogues where CMAKE_INSTALL_PREFIX says, so the package must put them there.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    message(WARNING "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}: the Debian packages "
                    "want /usr (the unit runs /usr/sbin/renod)")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL renod reno)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# /etc/reno is written on purpose: these are Debian packages, installed at /.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)

set(CPACK_DEBIAN_RENOD_PACKAGE_NAME renod)
set(CPACK_DEBIAN_RENOD_PACKAGE_SECTION net)
set(CPACK_COMPONENT_RENOD_DESCRIPTION
    "reno renovation-programme server\n renod serves the reno protocol over TLS to the county's departments and\n keeps the renovation programme's state in PostgreSQL. It runs as the\n systemd service renod (user reno, sandboxed), configured in\n /etc/reno/renod.conf.")
# A database on another machine is as good as a local one: PostgreSQL is only suggested.
set(CPACK_DEBIAN_RENOD_PACKAGE_SUGGESTS "postgresql (>= 15), reno")
set(CPACK_DEBIAN_RENOD_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/renod/conffiles ${CMAKE_SOURCE_DIR}/packaging/renod/postinst
    ${CMAKE_SOURCE_DIR}/packaging/renod/prerm ${CMAKE_SOURCE_DIR}/packaging/renod/postrm)
set(CPACK_DEBIAN_RENOD_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RENO_PACKAGE_NAME reno)
set(CPACK_DEBIAN_RENO_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_RENO_DESCRIPTION
    "reno renovation-programme client and dashboard\n reno is the command-line client of renod: each department logs in from its\n own office, pushes its progress and records, reads the consolidated status,\n watches it live on a full-screen dashboard and fetches the reports.")
set(CPACK_DEBIAN_RENO_PACKAGE_SUGGESTS "bash-completion")

include(CPack)
