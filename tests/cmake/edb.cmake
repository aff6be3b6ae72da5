# Windows Update's history database (analyzer/edb/an_edb.h island, an_wudb.c, history/hist_edb.c):
# a real ESE sample, damaged copies, the row-to-attempt mapping, end to end.
sxs_criterion_test(test_edb SOURCES test_edb.c LIBS sxs_analyzer sxs_fsaccess TIMEOUT 300)
sxs_fuzz_target(fuzz_edb_map SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_edb_map.c
  LIBS sxs_analyzer
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/edb_map
  SECONDS 20 MAX_LEN 16384)
