# fsaccess tests: directory backend, libtsk backend on the real corpus images, bad input,
# read-only proof; and the image-open fuzz harness.
sxs_criterion_test(test_fsaccess SOURCES test_fsaccess.c LIBS sxs_fsaccess TIMEOUT 300)
sxs_fuzz_target(fuzz_image SOURCES fuzz/fuzz_image.c LIBS sxs_fsaccess
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/data/fsaccess/tiny-ntfs.raw.xz
        ${SXS_CORPUS_DIR}/images/dfir_ntfs_gpt-512-3p.raw.gz
  SECONDS 20)
