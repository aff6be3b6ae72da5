# Per-snapshot checks (analyzer/an_snapshots.h): what a shadow copy holds of what the live facts
# found broken, over Windows-like trees (directory backend) standing in for a store's filesystem.
sxs_criterion_test(test_snapshots SOURCES test_snapshots.c LIBS sxs_analyzer sxs_mkhive TIMEOUT 120)
