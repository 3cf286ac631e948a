# SPDX-License-Identifier: GPL-2.0-only
# VM runs: the kisol install tree inside qemu guests on Debian kernels.
#   make vm-check  KERNEL=6.1|6.12|/path/bzImage [KERNEL_MODULES=dir] [CGROUP=v2|v1|hybrid] [AREA="..."]
#   make vm-validate KERNEL=... [CGROUP=...]  (kisol-validate in the guest, as root and uid 65534;
#                  with cgroup v2 also as uid 65534 in a delegated subtree)
#   make vm-bench  KERNEL=... [BENCH="id globs"] [BENCH_FULL=1]
#   make vm-smoke  (one kernel, a few areas; what .ci/run calls)
#   make matrix    KERNELS="6.1 6.12 host" [CGROUP=hybrid] [AREA=...] [MATRIX_BENCH=0]
#                  (a kernel may carry its own layout: KERNELS="6.12 6.12@hybrid host")
#                  -> reports/out/matrix.html (+ .md, .json)
# Kernel packages are cached in build/vm-cache, results go to results/<run-id>/.

KERNEL         ?= 6.12
KERNEL_MODULES ?=
CGROUP         ?= v2
KERNELS        ?= 6.1 6.12 host
VM_TIMEOUT     ?= 840
VM_SMOKE_KERNEL ?= 6.12
VM_SMOKE_AREAS ?= utsns pidns cgroup_core cgroup_pids overlay
MATRIX_BENCH   ?= 1
VM_ARGS        ?=
VM_PY          := PYTHONPATH=scripts $(PYTHON) -m
VM_COMMON       = --kernel '$(KERNEL)' --kernel-modules '$(KERNEL_MODULES)' --cgroup '$(CGROUP)' \
                  --tree $(INSTALL_PATH) --timeout $(VM_TIMEOUT) $(VM_ARGS)

.PHONY: vm-deps vm-args vm-validate vm-check vm-bench vm-smoke matrix

vm-deps:
	@scripts/install-deps --vm

# Fails fast (exit 2, one line) on a bad KERNEL/CGROUP before anything is built.
vm-args:
	@$(VM_PY) kisol.vm validate --kernel '$(KERNEL)' --cgroup '$(CGROUP)'

vm-validate: vm-args vm-deps install
	@$(VM_PY) kisol.vm validator $(VM_COMMON)

vm-check: vm-args vm-deps install
	@$(VM_PY) kisol.vm check $(VM_COMMON) --areas '$(AREA)'

vm-bench: vm-args vm-deps install $(BENCH_BIN)
	@$(VM_PY) kisol.vm bench $(VM_COMMON) --bench '$(BENCH)' $(if $(BENCH_FULL),--bench-full)

vm-smoke: vm-deps install
	@$(VM_PY) kisol.vm check --kernel '$(VM_SMOKE_KERNEL)' --cgroup v2 --tree $(INSTALL_PATH) \
		--timeout 360 --smoke --areas '$(VM_SMOKE_AREAS)' $(VM_ARGS)

matrix: vm-deps install
	@$(VM_PY) kisol.vm.matrix run --kernels '$(KERNELS)' --tree $(INSTALL_PATH) --cgroup '$(CGROUP)' \
		--timeout $(VM_TIMEOUT) --areas '$(AREA)' $(if $(filter 1,$(MATRIX_BENCH)),--bench) \
		--out reports/out/matrix.html
