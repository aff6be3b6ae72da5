# Crash dumps (analyzer/boot/boot_dump*.c): the header decoder over hand-built bytes, the bug
# check table, and end-to-end runs on the bugcheck-* sample images and the healthy ones; plus
# the dump-header fuzz harness.
sxs_criterion_test(test_boot_dumps SOURCES test_boot_dumps.c LIBS sxs_analyzer TIMEOUT 300)
add_dependencies(test_boot_dumps sxsdoctor)
if(TARGET sample_images)
  add_dependencies(test_boot_dumps sample_images)
endif()
sxs_fuzz_target(fuzz_dump SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_dump.c
  LIBS sxs_analyzer
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/dump
  SECONDS 20)
sxs_fuzz_target(fuzz_srt SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_srt.c
  LIBS sxs_analyzer
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/srt
  SECONDS 20)
# Pending operations and Startup Repair (analyzer/boot/boot_pending_*.c, boot_srt.c).
sxs_criterion_test(test_boot_pending SOURCES test_boot_pending.c LIBS sxs_analyzer TIMEOUT 300)
add_dependencies(test_boot_pending sxsdoctor)
if(TARGET sample_images)
  add_dependencies(test_boot_pending sample_images)
endif()
