# SetupDiag results collector (analyzer/setupdiag/an_setupdiag*.c): the real corpus SetupDiagResults.log,
# generated XML (UTF-16LE/UTF-8) and hostile XML, a generated SYSTEM hive, a directory tree, and
# the setupdiag-xml sample image; plus the XML + text report fuzz harness.
sxs_criterion_test(test_setupdiag SOURCES test_setupdiag.c LIBS sxs_analyzer sxs_mkhive
                   TIMEOUT 300)
if(TARGET sxs_image_setupdiag-xml_raw)
  add_dependencies(test_setupdiag sxs_image_setupdiag-xml_raw)
endif()
sxs_fuzz_target(fuzz_setupdiag SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_setupdiag.c
  LIBS sxs_analyzer
  SEEDS ${SXS_CORPUS_DIR}/logs/panther/appostarsi_upgrade_rollback/SetupDiagResults.log
        ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/setupdiag
  SECONDS 20)
