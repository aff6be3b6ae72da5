# Servicing-log reader (analyzer/logs/an_log*.c, an_tz.c) and error-code table (common/sxs_errcode.c).
sxs_criterion_test(test_logs SOURCES test_logs.c LIBS sxs_analyzer TIMEOUT 300)
sxs_criterion_test(test_errcode SOURCES test_errcode.c LIBS sxs_common)
sxs_fuzz_target(fuzz_logline SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_logline.c
  LIBS sxs_analyzer
  SEEDS ${SXS_CORPUS_DIR}/logs/cbs ${SXS_CORPUS_DIR}/logs/dism ${SXS_CORPUS_DIR}/logs/excerpts
        ${SXS_CORPUS_DIR}/logs/panther ${SXS_CORPUS_DIR}/logs/setupapi
        ${SXS_CORPUS_DIR}/logs/windowsupdate
  SECONDS 20 MAX_LEN 65536)
# Servicing history (analyzer/history/): real corpus upgrades and healthy logs, parser rules.
sxs_criterion_test(test_history SOURCES test_history.c LIBS sxs_analyzer TIMEOUT 300)
sxs_fuzz_target(fuzz_history SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_history.c
  LIBS sxs_analyzer
  SEEDS ${SXS_CORPUS_DIR}/logs/excerpts ${SXS_CORPUS_DIR}/logs/panther/rickak77_upgrade_error
        ${SXS_CORPUS_DIR}/logs/dism/appostarsi_win11_dism.log
        ${SXS_CORPUS_DIR}/logs/setupapi/plaso_setupapi.setup.log
        ${PROJECT_SOURCE_DIR}/sample-images/scenarios
  SECONDS 20 MAX_LEN 65536)
