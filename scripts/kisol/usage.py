# SPDX-License-Identifier: GPL-2.0-only
"""The argument parser of every kisol command. A usage error (an unknown
flag, a missing or malformed argument) is a user error: one line on stderr,
"<prog>: <message>", and exit status 2, not argparse's usage block followed
by the message. Subcommand parsers are of the same class (add_subparsers
makes them with type(parser)). A leaf module: it imports no kisol module."""
import argparse
import sys


class Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)
