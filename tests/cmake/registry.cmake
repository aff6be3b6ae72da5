# Registry tests: transaction-log replay against Windows-recovered hives and regipy's dirty
# hives; registry facts from real SYSTEM hives, generated hives and a directory tree; and the
# hive open + replay fuzz harness.
sxs_criterion_test(test_hive_replay SOURCES test_hive_replay.c LIBS sxs_analyzer TIMEOUT 300)
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_registry.c)
  sxs_criterion_test(test_registry SOURCES test_registry.c LIBS sxs_analyzer sxs_mkhive
                     TIMEOUT 300)
endif()

# Fuzz seeds: each hive followed by its logs (the harness splits at "regf" base blocks), cut by
# tests/fuzz/hive_seed.py to the harness's 68 KiB input cap: the hive to its declared bins, each
# log after its last entry. Small inputs keep the harness near 1,000 executions a second.
if(SXS_FUZZ)
  set(_reg_seeds ${CMAKE_BINARY_DIR}/fuzz-hive-seeds)
  set(_reg_max 69632)
  set(_y ${SXS_CORPUS_DIR}/hives/yarp)
  file(REMOVE_RECURSE ${_reg_seeds})
  file(MAKE_DIRECTORY ${_reg_seeds})
  find_program(SXS_PYTHON3 python3 REQUIRED)
  foreach(pair
      "new1_log1:NewDirtyHive1/NewDirtyHive NewDirtyHive1/NewDirtyHive.LOG1"
      "new1_log2:NewDirtyHive1/NewDirtyHive NewDirtyHive1/NewDirtyHive.LOG2"
      "new2:NewDirtyHive2/NewDirtyHive NewDirtyHive2/NewDirtyHive.LOG1 NewDirtyHive2/NewDirtyHive.LOG2"
      "old:OldDirtyHive/OldDirtyHive OldDirtyHive/OldDirtyHive.LOG1"
      "badbase:BadBaseBlockHive/BadBaseBlockHive BadBaseBlockHive/BadBaseBlockHive.LOG1"
      "badlog1:BadLogHive1/BadLogHive BadLogHive1/BadLogHive.LOG1"
      "badlog3:BadLogHive3/BadLogHive BadLogHive3/BadLogHive.LOG1 BadLogHive3/BadLogHive.LOG2"
      "truncated:TruncatedDirtyHive"
      "clean:NewDirtyHive1/RecoveredHive_Windows10")
    string(REPLACE ":" ";" parts "${pair}")
    list(GET parts 0 seedname)
    list(GET parts 1 files)
    string(REPLACE " " ";" files "${files}")
    set(paths "")
    set(ok TRUE)
    foreach(f ${files})
      if(NOT EXISTS ${_y}/${f})
        set(ok FALSE)
      endif()
      list(APPEND paths ${_y}/${f})
    endforeach()
    if(ok)
      execute_process(COMMAND ${SXS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/hive_seed.py
                              ${_reg_seeds}/${seedname} ${_reg_max} ${paths})
    endif()
  endforeach()
  sxs_fuzz_target(fuzz_hive SOURCES fuzz/fuzz_hive.c support/hive_mutate.c LIBS sxs_analyzer
                  SEEDS ${_reg_seeds} SECONDS 20 MAX_LEN ${_reg_max} LEAKS_AFTER)
endif()
# The libyal islands (analyzer/ and fsaccess/CMakeLists.txt): no libregf.so, libvhdi.so, ...
# in NEEDED, no exported or run-time-bound libyal support symbol in the binary, and each
# container format still read.
add_test(NAME libregf_island_bindings
         COMMAND ${PROJECT_SOURCE_DIR}/tests/check_bindings.sh $<TARGET_FILE:sxsdoctor>
                 ${CMAKE_BINARY_DIR}/sample-images/out/healthy.raw
                 ${CMAKE_BINARY_DIR}/sample-images/out/healthy.vhd
                 ${CMAKE_BINARY_DIR}/sample-images/out/healthy-fixed.vhd
                 ${CMAKE_BINARY_DIR}/sample-images/out/healthy.vmdk
                 ${CMAKE_BINARY_DIR}/sample-images/out/ssu-empty.vhdx)
