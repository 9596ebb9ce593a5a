# Sanitizer and fuzzing builds (issue 15). Both are meant for clang (Debian's clang-14 with
# libclang-rt-14-dev); NEST_SANITIZE also works with gcc. They share one build tree (build-asan/):
# with both on, the libraries carry ASan+UBSan and libFuzzer's coverage hooks, so the unit tests and
# the fuzz targets are built from the same objects.
option(NEST_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(NEST_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(NEST_SANITIZE)
  # Any UB report is fatal (a test that only prints one would still pass).
  set(NEST_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${NEST_SANITIZE_FLAGS})
  add_link_options(${NEST_SANITIZE_FLAGS})
endif()

if(NEST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NEST_FUZZ needs clang (libFuzzer): configure with CC=clang-14 CXX=clang++-14")
  endif()
  # Coverage hooks everywhere; only the fuzz targets link libFuzzer's main (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
