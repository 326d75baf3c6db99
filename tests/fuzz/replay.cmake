# Included from tests/CMakeLists.txt: one replay test per fuzz target, over its
# saved regression inputs, in every build (gcc or clang, with or without ASan).
file(GLOB fuzz_targets CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${fuzz_targets})
  get_filename_component(stem ${src} NAME_WE)
  string(REPLACE "fuzz_" "" name ${stem})
  set(dir ${CMAKE_SOURCE_DIR}/tests/fuzz/regressions/${name})
  add_executable(replay_${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
  target_link_libraries(replay_${name} PRIVATE keel_runtime)
  set_target_properties(replay_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  file(MAKE_DIRECTORY ${dir})
  add_test(NAME fuzz.replay_${name} COMMAND replay_${name} ${dir})
endforeach()
