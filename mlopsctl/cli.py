"""Command-line entry point: ``mlopsctl <command>``.

A Click group. The operator commands (:mod:`mlopsctl.ops`) are Click commands; ``demo`` and ``local`` keep their
argparse parsers (their options, help and exit codes are unchanged) and are reached through Click, which hands them
the rest of the command line.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence

import click

from mlops_core import __version__
from mlopsctl.ops import commands as operator_commands


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``demo`` and ``local`` commands.

    Their modules (the local stack: moto, the emulators) are imported only when one of them runs, so an operator
    command against AWS does not pay for them.
    """
    local_commands = importlib.import_module("mlopsctl.local.commands.cli")
    demo_command = importlib.import_module("mlopsctl.demo.command")
    parser = argparse.ArgumentParser(prog="mlopsctl", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    local_commands.register(subparsers)
    demo_command.register(subparsers)
    return parser


def _argparse_command(name: str, help_text: str) -> click.Command:
    """A Click command that runs ``mlopsctl NAME ...`` through the argparse parser."""

    @click.command(
        name,
        help=help_text,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        add_help_option=False,
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> int:
        parser = build_parser()
        parsed = parser.parse_args([name, *args])
        handler: Callable[[argparse.Namespace], int] | None = getattr(parsed, "handler", None)
        if handler is None:  # pragma: no cover - both commands set one
            parser.print_help()
            return 2
        return handler(parsed)

    return command


def build_cli() -> click.Group:
    """The ``mlopsctl`` Click group with every command."""

    @click.group(
        name="mlopsctl",
        help="The SageMaker MLOps stack from the command line: try it locally (demo, local) and operate a deployed "
        "stack (status, history, watch, lineage, rollback, abort, dlq; see docs/operator/).",
        epilog="Exit codes of the operator commands: 0 done; 1 could not (stack not found, AWS refused, missing "
        "permission, the system reported a failure); 2 usage.",
        context_settings={"max_content_width": 118},
    )
    @click.version_option(__version__, prog_name="mlopsctl", message="%(prog)s %(version)s")
    def cli() -> None:
        pass

    cli.add_command(_argparse_command("demo", "run the whole lifecycle locally (no AWS account, no Docker)"))
    cli.add_command(_argparse_command("local", "the local stack: replay, invoke, up (moto, no AWS, no Docker)"))
    for command in operator_commands.load():
        cli.add_command(command)
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mlopsctl``; returns the process exit code."""
    cli = build_cli()
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="mlopsctl", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
