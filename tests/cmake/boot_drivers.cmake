# BOOT-DRIVER (analyzer/boot): the collector over real SYSTEM hives (no false alarm), the
# REG_MULTI_SZ decoder, and the scenario images end to end; plus the decoder's fuzz harness.
sxs_criterion_test(test_boot_drivers SOURCES test_boot_drivers.c LIBS sxs_analyzer TIMEOUT 600)
add_dependencies(test_boot_drivers sxsdoctor)
if(TARGET sample_images)
  add_dependencies(test_boot_drivers sample_images)
endif()
sxs_fuzz_target(fuzz_multisz SOURCES fuzz/fuzz_multisz.c LIBS sxs_analyzer
                SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/multisz SECONDS 20)
