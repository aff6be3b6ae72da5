# Event logs (analyzer/evtx/an_evtx.h island, an_evtlog.c, history/hist_evtx.c): real EVTX samples
# cross-checked with evtxexport, damaged copies, the record-to-attempt mapping.
sxs_criterion_test(test_evtx SOURCES test_evtx.c LIBS sxs_analyzer sxs_fsaccess TIMEOUT 300)
sxs_fuzz_target(fuzz_evtx_map SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_evtx_map.c
  LIBS sxs_analyzer
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/evtx_map
  SECONDS 20 MAX_LEN 16384)
# The EVTX writer of the sample images (sample-images/mkevtx.c) read back by libevtx's own
# evtxexport / evtxinfo (libevtx-utils): every record as tests/data/evtx/writer.scn wrote it.
add_test(NAME mkevtx_matches_evtxexport
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_mkevtx.sh $<TARGET_FILE:sxs-mkimage>
          ${CMAKE_CURRENT_SOURCE_DIR}/data/evtx/writer.scn
          ${CMAKE_CURRENT_SOURCE_DIR}/data/evtx/writer.expected
          ${CMAKE_CURRENT_BINARY_DIR}/mkevtx-check)
# the damaged System.evtx scenario as plain files too, for the collector over a directory
sxs_sample_image(NAME evtx-damaged SCENARIO ${PROJECT_SOURCE_DIR}/sample-images/scenarios/evtx-damaged.scn
                 FORMAT tree)
