sxs_criterion_test(test_common SOURCES test_common.c LIBS sxs_common)
