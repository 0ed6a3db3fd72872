# What `cmake --install` puts where (GNU layout), and the Debian package CPack
# makes of it (`./build.sh package`, or `cpack -G DEB` in the build folder).

include(GNUInstallDirs)
# Debian and the man page expect the package's name here, not the project's.
set(DREDGE_DOCDIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/dredge-studio)

install(TARGETS dredge-studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES resources/dredge-studio.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES resources/dredge-studio.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES resources/dredge-studio-256.png
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/256x256/apps
        RENAME dredge-studio.png)
configure_file(resources/io.dredge.Studio.metainfo.xml.in
               ${CMAKE_CURRENT_BINARY_DIR}/io.dredge.Studio.metainfo.xml @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/io.dredge.Studio.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
# The man page as the build made it: its TRAIN options come from the settings table.
install(FILES ${CMAKE_BINARY_DIR}/dredge-studio.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(DIRECTORY docs/ DESTINATION ${DREDGE_DOCDIR})
install(FILES README.md CHANGELOG.md DESTINATION ${DREDGE_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dredge-studio)
set(CPACK_PACKAGE_VENDOR "The DREDGE Studio developers")
set(CPACK_PACKAGE_CONTACT "DREDGE Studio developers <dredge-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "Trains Quasimoto wave ensembles, the interference basis, \
SIREN and random Fourier features on built-in signals or your own, plots and compares runs \
live, and keeps every run in a database (SQLite, or PostgreSQL for a team).")
set(CPACK_PACKAGE_INSTALL_DIRECTORY dredge-studio)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # dredge-studio_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Libraries linked to are found by dpkg-shlibdeps; what is loaded at run time
# is named here: Qt's SQLite driver (the run store), and OpenBLAS, which makes
# LibTorch's BLAS calls 10x faster than the reference BLAS.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libqt6sql6-psql")
set(CPACK_STRIP_FILES ON)
include(CPack)
