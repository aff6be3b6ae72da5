# Damaged evidence, end to end: copies of sample images mutated at structures found with libtsk
# (tests/support/mutate.c), run through the real binary. Asserts the exact verdict, the error
# naming the damaged part, no SSU-EMPTY from a damaged listing, and that the image is unchanged.
add_library(sxs_testmutate STATIC support/mutate.c)
target_include_directories(sxs_testmutate PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sxs_testmutate PUBLIC sxs_testsupport PkgConfig::TSK)
sxs_criterion_test(test_damage SOURCES test_damage.c LIBS sxs_testmutate sxs_fsaccess sxs_analyzer
                   TIMEOUT 300)
add_dependencies(test_damage sxsdoctor)
target_compile_definitions(test_damage PRIVATE
  SXS_SAMPLE_OUT="${CMAKE_BINARY_DIR}/sample-images/out")
if(TARGET sample_images)
  add_dependencies(test_damage sample_images)
endif()
# WinSxS with 600 extra folders: a multi-block $I30 index (its own scenario, built on demand).
sxs_sample_image(NAME damage-bigsxs SCENARIO ${CMAKE_CURRENT_SOURCE_DIR}/data/damage/bigsxs.scn
                 FORMAT raw)
add_dependencies(test_damage sxs_image_damage-bigsxs_raw)
# The $I30 reader over mutated index blocks (each input XORs one INDX block) of a small image
# whose WinSxS index is still a two-level tree: 11 blocks instead of the damage image's 91,
# which is what makes a million executions affordable.
if(SXS_FUZZ)
  sxs_sample_image(NAME i30fuzz SCENARIO ${CMAKE_CURRENT_SOURCE_DIR}/data/damage/i30fuzz.scn
                   FORMAT raw)
endif()
sxs_fuzz_target(fuzz_i30 SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_i30.c LIBS sxs_fsaccess
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/data/damage/i30fuzz.scn SECONDS 20)
if(TARGET fuzz_i30)
  target_compile_definitions(fuzz_i30 PRIVATE
    SXS_FUZZ_I30_IMAGE="${CMAKE_BINARY_DIR}/sample-images/out/i30fuzz.raw")
  add_dependencies(fuzz_i30 sxs_image_i30fuzz_raw)
endif()
