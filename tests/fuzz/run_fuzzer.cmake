# Runs one libFuzzer harness for SECONDS over a seed corpus (SEEDS: files or directories, which
# may be .xz/.gz compressed corpus files; they are decompressed into SEEDDIR first).
file(REMOVE_RECURSE ${SEEDDIR})
file(MAKE_DIRECTORY ${SEEDDIR} ${RUNDIR})
foreach(s ${SEEDS})
  if(IS_DIRECTORY ${s})
    file(GLOB_RECURSE files ${s}/*)
  elseif(EXISTS ${s})
    set(files ${s})
  else()
    set(files "")
  endif()
  foreach(f ${files})
    get_filename_component(n ${f} NAME)
    string(MAKE_C_IDENTIFIER "${f}" id)
    if(f MATCHES "\\.xz$")
      execute_process(COMMAND xz -dc ${f} OUTPUT_FILE ${SEEDDIR}/${id})
    elseif(f MATCHES "\\.gz$")
      execute_process(COMMAND gzip -dc ${f} OUTPUT_FILE ${SEEDDIR}/${id})
    else()
      file(COPY_FILE ${f} ${SEEDDIR}/${id})
    endif()
    # A seed longer than MAX_LEN would be cut to its first MAX_LEN bytes by libFuzzer: keep
    # up to SLICES slices spread over the whole file instead, so the middle and the end of a
    # real log (where failures are) are seeds too.
    file(SIZE ${SEEDDIR}/${id} size)
    if(size GREATER MAX_LEN)
      set(SLICES 16)
      math(EXPR step "${size} / ${SLICES}")
      if(step LESS MAX_LEN)
        set(step ${MAX_LEN})
      endif()
      foreach(k RANGE 0 15)
        math(EXPR at "${k} * ${step}")
        if(at LESS size)
          execute_process(COMMAND dd if=${SEEDDIR}/${id} of=${SEEDDIR}/${id}.slice${k}
                                  bs=${MAX_LEN} count=1 skip=${at} iflag=skip_bytes
                          OUTPUT_QUIET ERROR_QUIET)
        endif()
      endforeach()
      file(REMOVE ${SEEDDIR}/${id})
    endif()
  endforeach()
endforeach()
execute_process(COMMAND ${FUZZER} -max_total_time=${SECONDS} -rss_limit_mb=2048
                        -max_len=${MAX_LEN} -timeout=30 -print_final_stats=1
                        -artifact_prefix=${RUNDIR}/ ${RUNDIR} ${SEEDDIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" execs "${err}")
string(REGEX MATCH "stat::average_exec_per_sec: *[0-9]+" rate "${err}")
message("${FUZZER}: ${execs}, ${rate} (max_len ${MAX_LEN})")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzzer failed (rc=${rc}):\n${err}")
endif()
