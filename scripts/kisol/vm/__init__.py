# SPDX-License-Identifier: GPL-2.0-only
"""kisol in qemu guests on other kernels.

    /usr/bin/python3 -m kisol.vm check|bench|validator|validate ...   (kisol.vm.guest)
    /usr/bin/python3 -m kisol.vm.matrix run|render ...

- guest: boot a kernel with the install tree in an initramfs, collect the
  run (the `make vm-check`, `vm-bench`, `vm-validate`, `vm-smoke` driver);
- kernel: pick, fetch and unpack a Debian kernel package (or use a bzImage);
- initramfs: the newc archive with busybox, the tree and the modules it needs;
- serial: the guest's serial stream (@@KISOL-VM sections) taken apart;
- matrix: the same cases on several kernels side by side (`make matrix`).
"""
