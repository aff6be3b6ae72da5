# BitLocker volumes written by the sample-image builder (sample-images/mkimage_bde.c): read back
# by bdeinfo (libbde-utils) and Debian's libbde, then unlocked by sxsdoctor with each kind of
# key; same verdict as the plain scenario, no key in any output (tests/check_bde_images.sh).
# Needs bitlocker-ssu-empty.raw and ssu-empty.raw from the sample_images target (ALL).
add_test(NAME bde_images
         COMMAND ${PROJECT_SOURCE_DIR}/tests/check_bde_images.sh $<TARGET_FILE:sxsdoctor>
                 $<TARGET_FILE:sxs-mkimage> ${PROJECT_SOURCE_DIR}/sample-images/scenarios
                 ${CMAKE_BINARY_DIR}/sample-images/out)
set_tests_properties(bde_images PROPERTIES TIMEOUT 900
  ENVIRONMENT "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp"
  FAIL_REGULAR_EXPRESSION "LeakSanitizer|runtime error:")
