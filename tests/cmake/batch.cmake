# One run over many disks (cli_batch.c): the real binary on generated sample images.
sxs_criterion_test(test_batch SOURCES test_batch.c TIMEOUT 600)
add_dependencies(test_batch sxsdoctor)
if(TARGET sample_images)
  add_dependencies(test_batch sample_images)
endif()
