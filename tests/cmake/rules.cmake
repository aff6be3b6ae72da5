# rules/: compiler golden tests, engine tests over the real corpus, and the rule-file fuzzer.
sxs_criterion_test(test_rules SOURCES test_rules.c LIBS sxs_rules TIMEOUT 300)
sxs_fuzz_target(fuzz_rules SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_rules.c LIBS sxs_rules
                SEEDS ${PROJECT_SOURCE_DIR}/rules/rules.d ${PROJECT_SOURCE_DIR}/tests/data/rules/bad
                SECONDS 20)
# Placeholder kinds and plan-command quoting (issue 17 item 1), and its fuzzer.
sxs_criterion_test(test_plan_quote SOURCES test_plan_quote.c LIBS sxs_rules TIMEOUT 120)
sxs_fuzz_target(fuzz_plan SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_plan.c LIBS sxs_rules
                SEEDS ${PROJECT_SOURCE_DIR}/tests/data/fuzz_plan SECONDS 20)
# The rule pass's multi-literal prefilter and the decoder's clean-line shortcut against plain
# references, on generated lines and on every real log of the corpus (issue 16 item 4).
sxs_criterion_test(test_rule_scan SOURCES test_rule_scan.c LIBS sxs_rules TIMEOUT 600)
sxs_fuzz_target(fuzz_litset SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_litset.c LIBS sxs_rules
                SEEDS ${PROJECT_SOURCE_DIR}/tests/fuzz/seeds/litset SECONDS 20)
