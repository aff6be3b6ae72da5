# End-to-end tests: run the real sxsdoctor binary on corpus images and generated sample images.
sxs_criterion_test(test_cli SOURCES test_cli.c ${PROJECT_SOURCE_DIR}/cli/cli_codes.c
                   LIBS sxs_analyzer TIMEOUT 900) # sxs_analyzer: hive test helpers
add_dependencies(test_cli sxsdoctor)
target_compile_definitions(test_cli PRIVATE
  SXS_SAMPLE_OUT="${CMAKE_BINARY_DIR}/sample-images/out")
if(TARGET sample_images)
  add_dependencies(test_cli sample_images)
endif()
