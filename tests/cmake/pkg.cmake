# Packaging and integration (issue 15): the manual, the bash completion, cmake --install, the
# .deb, the container image, GNU parallel, the Kubernetes Indexed Job, the batch recipes and
# the text report on an 80-column terminal. Scripts in tests/pkg/; exit 77 is a skip (a tool
# that is not installed), and says why.
sxs_criterion_test(test_wrap SOURCES test_wrap.c ${PROJECT_SOURCE_DIR}/cli/cli_wrap.c
                   LIBS sxs_common)

set(pkg ${PROJECT_SOURCE_DIR}/tests/pkg)
set(img ${SXS_SAMPLE_IMAGE_DIR})
set(pkgwork ${SXS_TEST_WORK}/pkg)
set(bin $<TARGET_FILE:sxsdoctor>)
set(three ${img}/healthy.raw ${img}/ssu-empty.raw ${img}/wu-services.raw)

add_test(NAME man_page_options COMMAND bash ${pkg}/man_page_options.sh ${bin}
         ${PROJECT_SOURCE_DIR}/man/sxsdoctor.1)
add_test(NAME man_page_lint COMMAND bash ${pkg}/man_page_lint.sh ${PROJECT_SOURCE_DIR}/man/sxsdoctor.1)
add_test(NAME bash_completion COMMAND bash ${pkg}/bash_completion.sh ${bin}
         ${PROJECT_SOURCE_DIR}/completion/sxsdoctor.bash ${pkgwork}/completion)
add_test(NAME text_report_80_columns COMMAND bash ${pkg}/text_report_80_columns.sh ${bin}
         ${img}/ssu-empty.raw)
add_test(NAME install_destdir COMMAND bash ${pkg}/install_destdir.sh ${CMAKE_BINARY_DIR}
         ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_DATADIR}
         ${CMAKE_INSTALL_MANDIR} ${pkgwork}/install ${img}/healthy.raw ${img}/ssu-empty.raw)
add_test(NAME gnu_parallel COMMAND bash ${pkg}/gnu_parallel.sh ${bin} ${pkgwork}/parallel ${three})
add_test(NAME batch_recipes COMMAND bash ${pkg}/batch_recipes.sh ${bin} ${pkgwork}/batch ${three})
add_test(NAME k8s_indexed_job COMMAND python3 ${pkg}/k8s_manifest.py
         ${PROJECT_SOURCE_DIR}/deploy/sxsdoctor-indexed-job.yaml ${bin} ${pkgwork}/k8s ${three})
add_test(NAME deb_package COMMAND bash ${pkg}/deb_package.sh ${PROJECT_SOURCE_DIR}
         ${pkgwork}/deb ${img}/healthy.raw)
add_test(NAME docker_image COMMAND bash ${pkg}/docker_image.sh ${PROJECT_SOURCE_DIR}
         ${pkgwork}/docker ${img}/healthy.raw ${img}/ssu-empty.raw)

set(pkg_tests man_page_options man_page_lint bash_completion text_report_80_columns
    install_destdir gnu_parallel batch_recipes k8s_indexed_job deb_package docker_image)
set_tests_properties(${pkg_tests} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
  FAIL_REGULAR_EXPRESSION "${SXS_TEST_FAIL_REGEX}"
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;UBSAN_OPTIONS=print_stacktrace=1")
# the package and the image build the whole program again: give them time, one at a time
set_tests_properties(deb_package docker_image PROPERTIES TIMEOUT 1200 RUN_SERIAL TRUE)
add_test(NAME block_device_readonly COMMAND bash ${pkg}/block_device.sh ${bin}
         ${img}/ssu-empty.raw ${pkgwork}/blockdev)
set_tests_properties(block_device_readonly PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
  FAIL_REGULAR_EXPRESSION "${SXS_TEST_FAIL_REGEX}"
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;UBSAN_OPTIONS=print_stacktrace=1")
