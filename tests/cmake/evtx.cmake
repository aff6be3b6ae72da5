# Event logs (analyzer/an_evtx.h island, an_evtlog.c, history/hist_evtx.c): real EVTX samples
# cross-checked with evtxexport, damaged copies, the record-to-attempt mapping.
sxs_criterion_test(test_evtx SOURCES test_evtx.c LIBS sxs_analyzer sxs_fsaccess TIMEOUT 300)
