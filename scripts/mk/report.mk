# SPDX-License-Identifier: GPL-2.0-only
# Reports, comparisons, run history and KCIDB export (owner: report).
#   make report [BASE=<run>] [REPORT_ARGS="--quick --areas 'utsns pidns'"]
#   make compare BASE=<run or file> NEW="<run or file> [...]" [THRESHOLD=5]
#   make history [CMD="show latest"]   make history-trend BENCH=<name> [PARAMS=k=v,..]
#   make kcidb [RUN=latest] [KCIDB_OUT=reports/out/kcidb.json]
REPORT_PY    := PYTHONPATH=scripts $(PYTHON)
REPORT_STAMP := $(BUILD)/.deps-report-ok
KCIDB_OUT    ?= reports/out/kcidb.json

.PHONY: report report-only compare history history-trend kcidb check-report

$(REPORT_STAMP): scripts/install-deps
	@scripts/install-deps --report
	@mkdir -p $(@D) && touch $@

# Build everything, run cases + default benchmarks, store, write reports/out/index.html.
report: $(REPORT_STAMP) all
	@$(REPORT_PY) -m kisol.report $(if $(BASE),--base '$(BASE)') $(REPORT_ARGS)

# Re-render the report of an existing run without running anything: RUN=<run>.
report-only: $(REPORT_STAMP)
	@$(REPORT_PY) -m kisol.report --from '$(or $(RUN),latest)' $(if $(BASE),--base '$(BASE)') $(REPORT_ARGS)

compare: $(REPORT_STAMP)
	@if [ -z "$(BASE)" ] || [ -z "$(NEW)" ]; then \
		echo "usage: make compare BASE=<run or file> NEW=\"<run or file> [...]\" [THRESHOLD=5]" >&2; exit 2; fi
	@$(REPORT_PY) -m kisol.compare $(if $(THRESHOLD),--threshold $(THRESHOLD)) $(COMPARE_ARGS) $(BASE) $(NEW)

history: $(REPORT_STAMP)
	@$(REPORT_PY) -m kisol.history $(or $(CMD),list)

history-trend: $(REPORT_STAMP)
	@if [ -z "$(BENCH)" ]; then echo "usage: make history-trend BENCH=<benchmark> [PARAMS=k=v,...]" >&2; exit 2; fi
	@$(REPORT_PY) -m kisol.history trend '$(BENCH)' $(if $(PARAMS),--params '$(PARAMS)') \
		-o reports/out/trend-$(subst /,_,$(BENCH)).svg

kcidb: $(REPORT_STAMP)
	@$(REPORT_PY) -m kisol.kcidb '$(or $(RUN),latest)' -o $(KCIDB_OUT)

# These tests touch only their tmp dirs and reports/out/: the driver's host-state
# check is skipped here so scratch dirs of other jobs running meanwhile do not
# fail them (`make check` still runs them with the check).
check-report: $(REPORT_STAMP)
	@PYTHONPATH=scripts $(PYTHON) -m pytest -c scripts/pytest.ini --rootdir=. -n $(or $(JOBS),2) \
		--kisol-no-leak-check scripts/tests/test_report*.py \
		scripts/tests/test_compare*.py scripts/tests/test_history*.py scripts/tests/test_kcidb*.py \
		scripts/tests/test_changepoint*.py scripts/tests/test_bench_aa.py $(PYTEST_ARGS)
