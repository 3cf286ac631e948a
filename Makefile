# SPDX-License-Identifier: GPL-2.0-only
# kisol: build, check, install. Every target installs missing Debian
# packages first through scripts/install-deps.

PYTHON      := /usr/bin/python3
CC          ?= gcc
BUILD       := build
HARNESS_TAR := /usr/src/linux-source-6.12.tar.xz
HARNESS_DIR := linux-source-6.12/tools/testing/selftests
HARNESS     := $(BUILD)/include/kselftest_harness.h $(BUILD)/include/kselftest.h
HARNESS_STAMP := $(BUILD)/include/kselftest-source.txt
DEPS_STAMP  := $(BUILD)/.deps-ok

CFLAGS      ?= -O2 -g
# -Wno-clobbered: the harness's TEST_F wrapper keeps its fork result in a
# local across setjmp(); gcc warns about that harness code when it inlines
# a test body into it (the local is not read on the longjmp path).
CFLAGS      += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-clobbered \
               -D_GNU_SOURCE -Ilib/include -I$(BUILD)/include -Icases -MMD -MP
LDLIBS      := -lmnl -lurcu -lurcu-cds -lcap -lpthread -lm

LIB_SRC     := $(wildcard lib/*.c)
CASE_SRC    := $(wildcard cases/*/*.c)
BENCH_SRC   := $(wildcard bench/*.c)
# Two build flavours that never overwrite each other (scripts/kisol/paths.py):
#   plain            build/lib/*.o  build/libkisol.a      cases/<area>/<name>      bench/<name>
#   SANITIZE=1 (san) build/san/lib  build/san/libkisol.a  build/san/cases/<a>/<n>  build/san/bench/<n>
# SANITIZE=1 builds libkisol, the cases and the benchmarks with ASan+UBSan;
# the tools (sandbox launcher, mutate supervisor, validator, test helpers)
# stay plain in build/. The driver finds the flavour's binaries through
# KISOL_FLAVOUR, which the targets below set.
SANITIZE    ?=
# Not into the recipes' environment: a make run by a test must not inherit it.
unexport SANITIZE
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
PLAIN_LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
PLAIN_LIB_A := $(BUILD)/libkisol.a
SAN_DIR     := $(BUILD)/san
SAN_LIB_OBJ := $(LIB_SRC:lib/%.c=$(SAN_DIR)/lib/%.o)
SAN_LIB_A   := $(SAN_DIR)/libkisol.a
ifeq ($(SANITIZE),1)
FLAVOUR     := san
OUT_PREFIX  := $(SAN_DIR)/
LIB_OBJ     := $(SAN_LIB_OBJ)
LIB_A       := $(SAN_LIB_A)
CASE_BIN    := $(CASE_SRC:%.c=$(SAN_DIR)/%)
BENCH_BIN   := $(BENCH_SRC:%.c=$(SAN_DIR)/%)
else
FLAVOUR     := plain
OUT_PREFIX  :=
LIB_OBJ     := $(PLAIN_LIB_OBJ)
LIB_A       := $(PLAIN_LIB_A)
CASE_BIN    := $(CASE_SRC:.c=)
BENCH_BIN   := $(BENCH_SRC:.c=)
endif
FLAVOUR_ENV := KISOL_FLAVOUR=$(FLAVOUR)
# Extra compile flags a case area needs live in cases/<area>/Makefile.inc.
-include $(wildcard cases/*/Makefile.inc)

PYTEST      := PYTHONPATH=scripts $(PYTHON) -m pytest -c scripts/pytest.ini --rootdir=.
# pytest workers: one more than CPUs (a case waits on its children, its
# cgroup's drain and the sandbox: 3 workers ran the cases in 39 s here
# where 2 took 46 s, on 2 idle CPUs).
JOBS        ?= $(shell echo $$(( $$(nproc) + 1 )))

# A wrong value of a variable the user sets stops make before anything runs:
# one line saying what is wrong and what is valid, exit status 2 ($(error)).
AREAS       := $(sort $(patsubst cases/%/,%,$(dir $(CASE_SRC))))
GOALS       := $(or $(MAKECMDGOALS),all)
# `make` and the check targets build in parallel without -j (one job per
# CPU: a fresh clone's build took 80 s serially at load 5 here); a -j of
# the caller wins, and other goals keep make's default.
ifeq ($(filter-out all check check-driver check-all,$(GOALS))$(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS   += -j$(shell nproc)
endif
nodigits     = $(subst 0,,$(subst 1,,$(subst 2,,$(subst 3,,$(subst 4,,$(subst 5,,$(subst \
               6,,$(subst 7,,$(subst 8,,$(subst 9,,$(1)))))))))))
is_count     = $(and $(filter 1,$(words $(1))),$(if $(call nodigits,$(1)),,y))
ifneq ($(filter check repeat-check vm-check matrix,$(GOALS)),)
ifneq ($(filter-out $(AREAS),$(AREA)),)
$(error AREA: no area '$(filter-out $(AREAS),$(AREA))'; valid: $(AREAS))
endif
endif
ifneq ($(filter check check-driver check-all check-report repeat-check matrix,$(GOALS)),)
ifeq ($(or $(call is_count,$(JOBS)),$(filter auto logical,$(JOBS))),)
$(error JOBS='$(JOBS)': expected a number of pytest workers (0 runs serially), auto or logical)
endif
endif
ifneq ($(filter repeat-check,$(GOALS)),)
ifeq ($(and $(call is_count,$(RUNS)),$(call is_count,$(HOGS))),)
$(error RUNS='$(RUNS)' HOGS='$(HOGS)': both must be numbers (runs per configuration, CPU hogs))
endif
endif
ifneq ($(filter-out 0 1,$(SANITIZE))$(word 2,$(SANITIZE)),)
$(error SANITIZE='$(SANITIZE)': expected 1 (ASan+UBSan build in build/san) or 0/empty (plain build))
endif
# What SANITIZE=1 is for: building and running the sanitized binaries. The
# other targets run plain tools, store timings or boot guests without the
# sanitizer runtime, so they refuse it rather than run the plain build silently.
SAN_GOALS   := all check check-driver check-all bench bench-quick install clean deps harness
ifeq ($(SANITIZE),1)
ifneq ($(filter-out $(SAN_GOALS) $(SAN_DIR)/%,$(GOALS)),)
$(error SANITIZE=1: not for '$(filter-out $(SAN_GOALS) $(SAN_DIR)/%,$(GOALS))'; valid with SANITIZE=1: $(SAN_GOALS))
endif
INSTALL_PATH ?= $(SAN_DIR)/install
else
INSTALL_PATH ?= $(BUILD)/install
endif
ifeq ($(strip $(INSTALL_PATH)),)
$(error INSTALL_PATH is empty: give the directory for the install tree (default build/install))
endif

.PHONY: all deps harness check check-driver check-all repeat-check install clean
.DEFAULT_GOAL := all

SANDBOX     := $(BUILD)/kisol-sandbox-exec

all: $(LIB_A) $(SANDBOX) $(CASE_BIN) $(BENCH_BIN)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps
	@scripts/install-deps --all
	@mkdir -p $(@D) && touch $@

harness: $(HARNESS)
# One recipe produces both headers: they hang off a single stamp so that no -j
# runs the extraction twice (two recipes racing on one scratch directory).
$(HARNESS): $(HARNESS_STAMP)
$(HARNESS_STAMP): | $(DEPS_STAMP)
	@echo "  HARNESS  from $(HARNESS_TAR)"
	@rm -rf $(BUILD)/harness-src && mkdir -p $(BUILD)/include $(BUILD)/harness-src
	@tar -xJf $(HARNESS_TAR) -C $(BUILD)/harness-src \
		$(HARNESS_DIR)/kselftest_harness.h $(HARNESS_DIR)/kselftest.h
	@cp $(BUILD)/harness-src/$(HARNESS_DIR)/kselftest_harness.h \
	    $(BUILD)/harness-src/$(HARNESS_DIR)/kselftest.h $(BUILD)/include/
	@dpkg-query -W -f='linux-source-6.12 $${Version}\n' linux-source-6.12 > $@.tmp
	@rm -rf $(BUILD)/harness-src
	@mv $@.tmp $@

$(PLAIN_LIB_OBJ): $(BUILD)/lib/%.o: lib/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $<"
	@$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(SAN_LIB_OBJ): $(SAN_DIR)/lib/%.o: lib/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC [san] $<"
	@$(CC) $(CFLAGS) $(SAN_FLAGS) -fPIC -c -o $@ $<

$(PLAIN_LIB_A): $(PLAIN_LIB_OBJ)
	@echo "  AR       $@"
	@rm -f $@ && ar rcs $@ $^

$(SAN_LIB_A): $(SAN_LIB_OBJ)
	@echo "  AR       $@"
	@rm -f $@ && ar rcs $@ $^

$(SANDBOX): scripts/sandbox-exec.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $<

# Cases build at -O0: the 6.12 harness keeps the fork result of its fixture
# wrapper in a non-volatile local across setjmp/longjmp, so at -O2 a failed
# ASSERT can skip FIXTURE_TEARDOWN (our cleanup). Speed of a case's own code
# does not matter; libkisol stays optimised.
cases/%: cases/%.c $(PLAIN_LIB_A) $(HARNESS)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -O0 $(CFLAGS_$(notdir $(@D))) -o $@ $< $(PLAIN_LIB_A) $(LDLIBS)

bench/%: bench/%.c $(PLAIN_LIB_A) $(HARNESS)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $< $(PLAIN_LIB_A) $(LDLIBS)

# The sanitized flavour: same flags plus SAN_FLAGS, outputs under build/san.
$(SAN_DIR)/cases/%: cases/%.c $(SAN_LIB_A) $(HARNESS)
	@mkdir -p $(@D)
	@echo "  CC [san] $@"
	@$(CC) $(CFLAGS) -O0 $(CFLAGS_$(notdir $(@D))) $(SAN_FLAGS) -o $@ $< $(SAN_LIB_A) $(LDLIBS)

$(SAN_DIR)/bench/%: bench/%.c $(SAN_LIB_A) $(HARNESS)
	@mkdir -p $(@D)
	@echo "  CC [san] $@"
	@$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(SAN_LIB_A) $(LDLIBS)

# AREA=pidns (or several, space separated) limits the run to those areas;
# PYTEST_ARGS passes more options (e.g. -k hostname, --junitxml=FILE).
AREA_BIN    = $(if $(AREA),$(filter $(addprefix $(OUT_PREFIX)cases/,$(addsuffix /%,$(AREA))),$(CASE_BIN)),all)
# `make check` gives the kernel's verdicts: every case (root's view, each
# in its sandbox) and the host-state check, what kernel CI runs after each
# build. kisol's own tests (driver, benchmarks, rootless view, validate,
# report, history, VM runner, LAVA) do not change with the kernel under
# test: `make check-driver`; `make check-all` runs both in one session.
check: $(DEPS_STAMP) $(LIB_A) $(SANDBOX) $(AREA_BIN)
	@$(FLAVOUR_ENV) $(PYTEST) -n $(JOBS) $(if $(AREA),$(addprefix cases/,$(AREA)),cases) $(PYTEST_ARGS)

# Repeatability: RUNS runs of the cases, RUNS more under HOGS CPU hogs (0:
# none), one serial run (SERIAL=1); every test id must keep its verdict.
RUNS        ?= 10
HOGS        ?= 2
SERIAL      ?= 1
repeat-check: all
	@PYTHONPATH=scripts $(PYTHON) -m kisol.repeat --runs $(RUNS) --hogs $(HOGS) --jobs $(JOBS) \
		$(if $(filter 1,$(SERIAL)),--serial) --areas '$(AREA)' $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

# SANITIZE=1 runs the driver tests that use the sanitized build (marked
# kisol_build: libkisol and the benchmarks; the others test the driver and
# the plain tools, and the plain `make check-driver` runs them): build those
# first. Plain, several tests run the built cases and benchmarks: build all.
check-driver: $(DEPS_STAMP) $(if $(filter san,$(FLAVOUR)),$(LIB_A) $(SANDBOX) $(BENCH_BIN),all)
	@$(FLAVOUR_ENV) $(PYTEST) -n $(JOBS) scripts/tests $(PYTEST_ARGS)

check-all: $(DEPS_STAMP) $(if $(filter san,$(FLAVOUR)),$(LIB_A) $(SANDBOX) $(BENCH_BIN)) all
	@$(FLAVOUR_ENV) $(PYTEST) -n $(JOBS) cases scripts/tests $(PYTEST_ARGS)

install: all
	@$(FLAVOUR_ENV) PYTHONPATH=scripts $(PYTHON) -m kisol.install --dest $(INSTALL_PATH)

# Targets of other parts (bench, vm, report) live in scripts/mk/*.mk.
-include $(wildcard scripts/mk/*.mk)

clean:
	rm -rf $(BUILD) $(CASE_SRC:.c=) $(BENCH_SRC:.c=)

-include $(LIB_OBJ:.o=.d) $(CASE_BIN:=.d) $(BENCH_BIN:=.d)
