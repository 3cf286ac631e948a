# SPDX-License-Identifier: GPL-2.0-only
# Mutation run: every passing case under a supervisor that makes the kernel
# silently drop one guarantee it depends on (see scripts/mutate/).
#   make mutate [MUTATE_ARGS="--area utsns --mutation ns.uts -n 2"]
# Results: results/<run>/mutation.json (scripts/FORMATS.md).

MUTATE      := $(BUILD)/kisol-mutate
MUTATE_SRC  := $(wildcard scripts/mutate/*.c)
MUTATE_ARGS ?=

.PHONY: mutate

all: $(MUTATE)

$(MUTATE): $(MUTATE_SRC) scripts/mutate/mutate.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $(MUTATE_SRC)

mutate: all
	@PYTHONPATH=scripts $(PYTHON) -m kisol.mutate $(MUTATE_ARGS)

# Probes for the supervisor's own tests (scripts/tests/test_mutate.py).
MUTATE_PROBE := $(BUILD)/mutate-probe
all: $(MUTATE_PROBE)
$(MUTATE_PROBE): scripts/mutate/probe/mutate-probe.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $<
MUTATE_HPROBE := $(BUILD)/mutate-harness-probe
all: $(MUTATE_HPROBE)
$(MUTATE_HPROBE): scripts/mutate/probe/harness-probe.c $(HARNESS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -O0 -o $@ $< -lpthread
