# Per-snapshot checks (analyzer/fs/an_snapshots.h): what a shadow copy holds of what the live facts
# found broken, over Windows-like trees (directory backend) standing in for a store's filesystem,
# and end to end on sample-images/scenarios/ssu-empty-vss.scn (three real stores; 300 s: a dozen
# sanitized sxsdoctor runs).
sxs_criterion_test(test_snapshots SOURCES test_snapshots.c LIBS sxs_analyzer sxs_mkhive TIMEOUT 300)
# The VSS writer of the sample images (sample-images/mkimage_vss.c) read back by libvshadow's own
# vshadowinfo / vshadowmount (libvshadow-utils): every store as tests/data/vss/writer.scn wrote
# it, each shadow copy byte for byte the volume of its snapshot (but the stores' own blocks).
# vshadowmount needs FUSE: without it only the listing is compared and the test is skipped.
add_test(NAME mkvss_matches_vshadowmount
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_mkvss.sh $<TARGET_FILE:sxs-mkimage>
          ${CMAKE_CURRENT_SOURCE_DIR}/data/vss/writer.scn
          ${CMAKE_CURRENT_SOURCE_DIR}/data/vss/writer.expected
          ${CMAKE_CURRENT_BINARY_DIR}/mkvss-check)
set_tests_properties(mkvss_matches_vshadowmount PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
