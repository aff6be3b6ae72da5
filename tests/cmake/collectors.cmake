# File-system collectors (analyzer/fs/an_fscollect.h): Windows-like trees read through the
# fsaccess directory backend, servicing-stack names from the real corpus.
sxs_criterion_test(test_collectors SOURCES test_collectors.c LIBS sxs_analyzer TIMEOUT 300)
