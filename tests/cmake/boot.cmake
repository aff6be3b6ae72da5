# Boot configuration (analyzer/boot/): the BCD device element and MountedDevices decoders on
# exact bytes and on a GPT disk built in memory; their fuzz harness.
sxs_criterion_test(test_boot SOURCES test_boot.c LIBS sxs_analyzer TIMEOUT 120)
sxs_fuzz_target(fuzz_bcd SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_bcd.c LIBS sxs_analyzer
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/bcd SECONDS 20)
