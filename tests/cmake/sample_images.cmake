# sample-images tests: mkhive unit tests, the built scenario images checked with TSK/hivex/libregf
# tools, and the builder's parser. sxs_analyzer: its transaction-log replay cross-checks the
# logs mkhive writes. The images must be built first (target sample_images).
sxs_criterion_test(test_sample_images SOURCES test_sample_images.c
  LIBS sxs_mkhive sxs_analyzer PkgConfig::HIVEX TIMEOUT 300)
add_dependencies(test_sample_images sample_images sxs-mkimage)
