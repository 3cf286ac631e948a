# SPDX-License-Identifier: GPL-2.0-only
# Host validation: build/kisol-validate (validate/*.c on libkisol, zlib for
# /proc/config.gz). `make validate` runs it; VALIDATE_ARGS passes options,
# e.g. make validate VALIDATE_ARGS="--profile rootless --json".
VALIDATE      := $(BUILD)/kisol-validate
VALIDATE_SRC  := $(wildcard validate/*.c)
VALIDATE_OBJ  := $(VALIDATE_SRC:validate/%.c=$(BUILD)/validate/%.o)
VALIDATE_ARGS ?=

.PHONY: validate
# The validator links the plain libkisol; SANITIZE=1 (which refuses
# `make validate`) does not build it.
ifneq ($(FLAVOUR),san)
all: $(VALIDATE)
endif

$(BUILD)/validate/%.o: validate/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(VALIDATE): $(VALIDATE_OBJ) $(PLAIN_LIB_A)
	@echo "  LD       $@"
	@$(CC) $(CFLAGS) -o $@ $(VALIDATE_OBJ) $(PLAIN_LIB_A) $(LDLIBS) -lz

# The security section runs the CVE cases: build them first.
validate: all
	@$(VALIDATE) $(VALIDATE_ARGS)

-include $(VALIDATE_OBJ:.o=.d)

# Test helper: exec under a seccomp filter refusing namespace creation.
NONS_EXEC := $(BUILD)/kisol-nons-exec
all: $(NONS_EXEC)
$(NONS_EXEC): scripts/tests/helpers/nons-exec.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $<
