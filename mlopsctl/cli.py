"""Command-line entry point: ``mlopsctl <command>``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mlops_core import __version__
from mlopsctl.demo import command as demo_command
from mlopsctl.local.commands import cli as local_commands


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each sub-command registers itself here."""
    parser = argparse.ArgumentParser(prog="mlopsctl", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mlopsctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    local_commands.register(subparsers)
    demo_command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mlopsctl``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
