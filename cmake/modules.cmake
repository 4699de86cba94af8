# wangban_module(NAME [DEPS ...] [PRIVATE_DEPS ...] [EXTRA_SOURCES ...] [TEST_DEPS ...]):
# one folder under src/wangban is one static library `wangban_NAME`. Every *.cpp in the folder
# (and its internal/ folder) except *_test.cpp is a source; every *_test.cpp becomes part of the
# module's unit test binary `wangban_NAME_test`, registered with CTest as `unit.NAME`.
function(wangban_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS;EXTRA_SOURCES;TEST_DEPS" ${ARGN})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR}/${name})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp ${dir}/internal/*.cpp)
  list(REMOVE_ITEM sources ${dir}/main.cpp)
  # libFuzzer entry points (x_fuzz.cpp) build only with clang in a fuzz build.
  list(FILTER sources EXCLUDE REGEX "_fuzz\\.cpp$")
  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cpp ${dir}/internal/*_test.cpp)
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  if(NOT sources AND NOT ARG_EXTRA_SOURCES)
    # A module whose code has not landed yet: keep the dependency graph intact.
    add_library(wangban_${name} INTERFACE)
    target_link_libraries(wangban_${name} INTERFACE wangban_options ${ARG_DEPS})
    return()
  endif()
  add_library(wangban_${name} STATIC ${sources} ${ARG_EXTRA_SOURCES})
  target_link_libraries(wangban_${name} PUBLIC wangban_options ${ARG_DEPS})
  if(ARG_PRIVATE_DEPS)
    target_link_libraries(wangban_${name} PRIVATE ${ARG_PRIVATE_DEPS})
  endif()
  if(WANGBAN_BUILD_TESTS AND tests)
    add_executable(wangban_${name}_test ${tests})
    target_link_libraries(wangban_${name}_test PRIVATE wangban_${name} wangban_testing
      ${ARG_PRIVATE_DEPS} ${ARG_TEST_DEPS} GTest::gmock GTest::gtest_main)
    add_test(NAME unit.${name} COMMAND wangban_${name}_test)
    set_property(GLOBAL APPEND PROPERTY WANGBAN_UNIT_TEST_TARGETS wangban_${name}_test)
    set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 600
      ENVIRONMENT "WANGBAN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()
