# Third-party libraries, all from Debian bookworm packages (see scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(restinio REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# Spreadsheets: libxlsxwriter writes .xlsx; minizip (zlib's contrib) opens .xlsx for reading.
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
pkg_check_modules(MINIZIP REQUIRED IMPORTED_TARGET minizip)
find_package(PostgreSQL REQUIRED)
# The server's allocator: tcmalloc (gperftools, the minimal library without the profiler);
# docs/architecture.md says why. The sanitizers bring their own allocator.
if(WANGBAN_TCMALLOC AND NOT WANGBAN_SANITIZE)
  pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
endif()

# SOCI 4.0 ships no CMake package on Debian.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
add_library(soci INTERFACE)
target_include_directories(soci SYSTEM INTERFACE ${SOCI_INCLUDE_DIR} ${PostgreSQL_INCLUDE_DIRS})
target_link_libraries(soci INTERFACE
  ${SOCI_SQLITE3_LIBRARY} ${SOCI_POSTGRESQL_LIBRARY} ${SOCI_CORE_LIBRARY}
  PkgConfig::SQLITE3 PostgreSQL::PostgreSQL ${CMAKE_DL_LIBS})

if(WANGBAN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(WANGBAN_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
