# Warnings, ccache and sanitizers for every wangban target.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(wangban_options INTERFACE)
target_compile_options(wangban_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers
  # GCC 12 at -O2 reports false positives in libstdc++ itself: -Wnull-dereference inside
  # <streambuf> and -Wrestrict on std::string concatenation (GCC PR 105651).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
target_include_directories(wangban_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

if(WANGBAN_SANITIZE)
  target_compile_options(wangban_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(wangban_options INTERFACE -fsanitize=address,undefined)
endif()
