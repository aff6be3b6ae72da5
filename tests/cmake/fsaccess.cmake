# fsaccess tests: directory backend, libtsk backend on the real corpus images, bad input,
# read-only proof; and the image-open fuzz harness.
sxs_criterion_test(test_fsaccess SOURCES test_fsaccess.c LIBS sxs_fsaccess TIMEOUT 300)
