# fsaccess tests: directory backend, libtsk backend on the real corpus images, bad input,
# read-only proof; and the image-open fuzz harness.
sxs_criterion_test(test_fsaccess SOURCES test_fsaccess.c LIBS sxs_fsaccess TIMEOUT 300)
sxs_fuzz_target(fuzz_image SOURCES fuzz/fuzz_image.c LIBS sxs_fsaccess
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/data/fsaccess/tiny-ntfs.raw.xz
        ${SXS_CORPUS_DIR}/images/dfir_ntfs_gpt-512-3p.raw.gz
  SECONDS 20)
# Free space (fsa_fs_space, analyzer/fs/an_space.c) against ntfsinfo / fsck.fat on sample images.
sxs_criterion_test(test_space SOURCES test_space.c LIBS sxs_analyzer TIMEOUT 300)
target_compile_definitions(test_space PRIVATE
  SXS_SAMPLE_OUT="${CMAKE_BINARY_DIR}/sample-images/out")
if(TARGET sample_images)
  add_dependencies(test_space sample_images)
endif()
# GPT header pre-validation (issue 17 item 6): hostile headers never reach libtsk.
sxs_fuzz_target(fuzz_gpt SOURCES fuzz/fuzz_gpt.c LIBS sxs_fsaccess
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/gpt SECONDS 20)
# Volume layers: shadow copies against vshadowinfo, BitLocker key handling (tests/check_layers.sh).
add_test(NAME volume_layers
         COMMAND ${PROJECT_SOURCE_DIR}/tests/check_layers.sh $<TARGET_FILE:sxsdoctor>
                 ${PROJECT_SOURCE_DIR}/tests/data ${SXS_CORPUS_DIR})
# Our EWF1 reader (fsa_ewf1.c) against libewf on the sample, corpus and ewfacquire-made E01s,
# and its fuzz harness over one segment file.
sxs_criterion_test(test_ewf1 SOURCES test_ewf1.c LIBS sxs_testmutate sxs_fsaccess TIMEOUT 600)
if(TARGET sample_images)
  add_dependencies(test_ewf1 sample_images)
endif()
# The harness compiles the reader itself, with the structure checksums not checked
# (SXS_FUZZ_NO_CHECKSUMS): a mutated table would otherwise never get past its Adler-32.
sxs_fuzz_target(fuzz_ewf1 SOURCES fuzz/fuzz_ewf1.c ${PROJECT_SOURCE_DIR}/fsaccess/fsa_ewf1.c
  ${PROJECT_SOURCE_DIR}/common/sxs_utf16.c ${PROJECT_SOURCE_DIR}/common/sxs_io.c LIBS PkgConfig::ZLIB SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/ewf1 SECONDS 20)
if(TARGET fuzz_ewf1)
  target_compile_definitions(fuzz_ewf1 PRIVATE SXS_FUZZ_NO_CHECKSUMS)
endif()
