# SPDX-License-Identifier: GPL-2.0-only
"""kisol: drivers, result handling and reports for the kisol suite."""
