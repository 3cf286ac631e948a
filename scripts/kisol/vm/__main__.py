# SPDX-License-Identifier: GPL-2.0-only
"""python3 -m kisol.vm: the guest runner (kisol.vm.guest)."""
import sys

from kisol.vm import guest

if __name__ == "__main__":
    sys.exit(guest.main())
