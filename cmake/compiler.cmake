# Warnings, ccache and sanitizers for every wangban target.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(wangban_options INTERFACE)
target_compile_options(wangban_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  -Wno-missing-field-initializers)
target_include_directories(wangban_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

if(WANGBAN_SANITIZE)
  target_compile_options(wangban_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(wangban_options INTERFACE -fsanitize=address,undefined)
endif()
