# SPDX-License-Identifier: GPL-2.0-only
# LAVA: kisol as a LAVA test (lava/testdef), job templates (lava/jobs), LAVA's
# own validation and dispatcher, results back into kisol's history.
#   make lava-job KERNEL=6.1 [AREA=...] [LAVA_BENCH=quick]  -> build/lava/<kernel>/job.yaml + artefacts
#                 [LAVA_URL=https://files.lab/kisol TESTDEF_REPO=<kisol git>]  (artefacts served by a lab)
#   make lava-job TEMPLATE=board DEVICE_TYPE=... KERNEL_URL=... [DTB_URL=...] ROOTFS_URL=...
#                 TREE_URL=... [LAVA_JOB=file]     -> a job for a real board (stdout or LAVA_JOB)
#   make lava-tree                                 -> build/lava/kisol-tree.tar.gz (for TREE_URL)
#   make lava-validate                             every template + the test definition (lava_common)
#   make lava-run KERNEL=6.1 [AREA=...] [LAVA_BENCH=quick]  lava-run (qemu TCG, file://) + import
#   make lava-import LAVA_RESULTS=results.yaml [LAVA_LOG=job.log] [LAVA_KERNEL=...] [LAVA_DEVICE=...]
LAVA_PY     := PYTHONPATH=scripts $(PYTHON) -m kisol.lava
LAVA_STAMP  := $(BUILD)/.deps-lava-ok
LAVA_RUN_STAMP := $(BUILD)/.deps-lava-run-ok
TEMPLATE    ?= qemu
LAVA_BENCH  ?= none
LAVA_BOARD_ARGS = $(foreach v,DEVICE_TYPE KERNEL_URL KERNEL_TYPE DTB_URL ROOTFS_URL ROOTFS_COMPRESSION TREE_URL PROMPT LOGIN TESTDEF_REPO,\
                  $(if $($(v)),--$(subst _,-,$(shell echo $(v) | tr A-Z a-z)) '$($(v))'))

.PHONY: lava-deps lava-job lava-tree lava-validate lava-run lava-import

$(LAVA_STAMP): scripts/install-deps
	@scripts/install-deps --lava
	@mkdir -p $(@D) && touch $@

$(LAVA_RUN_STAMP): scripts/install-deps
	@scripts/install-deps --lava-run
	@mkdir -p $(@D) && touch $@

lava-deps: $(LAVA_STAMP)

lava-validate: $(LAVA_STAMP)
	@$(LAVA_PY) validate $(LAVA_JOB)

ifeq ($(TEMPLATE),qemu)
lava-job: $(LAVA_STAMP) vm-validate vm-deps install
	@$(LAVA_PY) job --kernel '$(KERNEL)' --kernel-modules '$(KERNEL_MODULES)' --tree $(INSTALL_PATH) \
		--areas '$(AREA)' --bench '$(LAVA_BENCH)' $(if $(LAVA_JOB),-o '$(LAVA_JOB)') \
		$(if $(LAVA_URL),--artefact-url '$(LAVA_URL)') $(if $(TESTDEF_REPO),--testdef-repo '$(TESTDEF_REPO)')
else
lava-job: $(LAVA_STAMP)
	@$(LAVA_PY) job --template '$(TEMPLATE)' --areas '$(AREA)' --bench '$(LAVA_BENCH)' \
		$(LAVA_BOARD_ARGS) $(if $(LAVA_JOB),-o '$(LAVA_JOB)')
endif

lava-tree: $(LAVA_STAMP) install
	@$(LAVA_PY) tree --tree $(INSTALL_PATH)

lava-run: $(LAVA_RUN_STAMP) vm-validate install
	@$(LAVA_PY) run --kernel '$(KERNEL)' --kernel-modules '$(KERNEL_MODULES)' --tree $(INSTALL_PATH) \
		--areas '$(AREA)' --bench '$(LAVA_BENCH)'

lava-import: $(LAVA_STAMP)
	@if [ -z "$(LAVA_RESULTS)" ]; then \
		echo "usage: make lava-import LAVA_RESULTS=<results.yaml or lava-run log> [LAVA_LOG=<job log>]" >&2; exit 2; fi
	@$(LAVA_PY) import '$(LAVA_RESULTS)' $(if $(LAVA_LOG),--log '$(LAVA_LOG)') \
		$(if $(LAVA_KERNEL),--kernel '$(LAVA_KERNEL)') $(if $(LAVA_DEVICE),--device '$(LAVA_DEVICE)')
