# One helper per kind of target, after abseil's absl_cc_library / absl_cc_test.

set(QIANTANG_WARNINGS -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND QIANTANG_WARNINGS -Wshadow=local)
else()
  list(APPEND QIANTANG_WARNINGS -Wshadow-uncaptured-local)
endif()
if(QIANTANG_WERROR)
  list(APPEND QIANTANG_WARNINGS -Werror)
endif()

# qiantang_library(NAME core SRCS a.cc b.cc DEPS other_targets...)
# Defines target qiantang_<NAME>; headers are included as "<module>/<file>.h".
function(qiantang_library)
  cmake_parse_arguments(Q "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(qiantang_${Q_NAME} STATIC ${Q_SRCS})
  target_include_directories(qiantang_${Q_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(qiantang_${Q_NAME} PRIVATE ${QIANTANG_WARNINGS})
  target_link_libraries(qiantang_${Q_NAME} PUBLIC ${Q_DEPS})
endfunction()

# qiantang_test(NAME foo_test SRCS foo_test.cc DEPS ... [LABELS ...])
# One test binary per test file, registered with CTest.
function(qiantang_test)
  cmake_parse_arguments(Q "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${Q_NAME} ${Q_SRCS})
  target_compile_options(${Q_NAME} PRIVATE ${QIANTANG_WARNINGS})
  target_link_libraries(${Q_NAME} PRIVATE ${Q_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  # Tests include the shared test support (tests/support/status_matchers.h).
  target_include_directories(${Q_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  add_test(NAME ${Q_NAME} COMMAND ${Q_NAME})
  foreach(src IN LISTS Q_SRCS)
    get_filename_component(abs ${src} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY QIANTANG_TEST_SOURCES ${abs})
  endforeach()
  set_tests_properties(${Q_NAME} PROPERTIES
    LABELS "${Q_LABELS}"
    ENVIRONMENT "QIANTANG_TESTDATA=${PROJECT_SOURCE_DIR}/testdata;QIANTANG_BINARY=$<TARGET_FILE:qiantang>;QIANTANG_WEB_DIR=${PROJECT_SOURCE_DIR}/web")
endfunction()

# Fails the configuration if a *_test.cc under src/ or tests/ is not built and
# registered with CTest by qiantang_test (a test that never runs proves nothing).
function(qiantang_check_tests_registered)
  file(GLOB_RECURSE all_tests CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/src/*_test.cc ${PROJECT_SOURCE_DIR}/tests/*_test.cc)
  get_property(registered GLOBAL PROPERTY QIANTANG_TEST_SOURCES)
  foreach(t IN LISTS all_tests)
    if(NOT t IN_LIST registered)
      message(FATAL_ERROR "${t} is not registered with CTest: add it with qiantang_test()")
    endif()
  endforeach()
endfunction()
