"""``mlopsctl local invoke FUNCTION --event FILE``: the command line of :mod:`.invoke`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from mlopsctl.local.commands.invoke import InvokeError, describe_mapping, invoke, read_event
from mlopsctl.local.errors import LocalStackError, NotQuiescentError, TemplateError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack

EXIT_OK, EXIT_RAISED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Run one function's handler on one event, on a fresh local stack: the Docker-free sibling of
`sam local invoke FUNCTION -e FILE`. FILE is one JSON document (pretty-printed or not): an EventBridge event, or
the {"Records": [...]} batch an SQS-triggered function receives. Names of the deployed stack the event comes from
(its resources' names and ARNs, its account and Region) are mapped to the local stack's; the mapping is printed on
standard error. Standard output: the action log of the invocation (JSON lines), then the handler's result as JSON
on the last line. Exit code 0, or 1 when the handler raised (the last line is then Lambda's error payload).
"""


def register(commands: Any) -> None:
    """Add ``invoke`` to the sub-commands of ``mlopsctl local``."""
    parser = commands.add_parser(
        "invoke",
        help="run one function's handler on one event (e.g. from events/) on a fresh local stack",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "function",
        metavar="FUNCTION",
        help="the function's logical ID (ApprovalFunction) or code folder (functions/approval)",
    )
    parser.add_argument("--event", "-e", type=Path, required=True, metavar="FILE", help="the event ('-': stdin)")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help="the SAM template (%(default)s)")
    parser.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="override a template parameter"
    )
    parser.add_argument(
        "--deployed-stack",
        metavar="NAME",
        help="the deployed stack the event names (default: read from the event, template and samconfig.toml)",
    )
    parser.add_argument("--no-map", action="store_true", help="pass the event as it is, names unmapped")
    parser.add_argument("--settle", action="store_true", help="then run the stack to quiescence")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' logs on standard error")
    parser.set_defaults(handler=run_invoke)


def run_invoke(args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``mlopsctl local invoke``: exit 0 when the handler returned, 1 when it raised, 2 on a usage error."""
    from mlopsctl.local.commands import cli as run_local  # noqa: PLC0415 - it registers this command: no cycle at import

    out, err = out or sys.stdout, err or sys.stderr
    try:
        text = sys.stdin.read() if str(args.event) == "-" else args.event.read_text(encoding="utf-8")
        event = read_event(text, str(args.event))
        stack = LocalStack(
            args.template, parameters=run_local.parameters(args.parameter), emulators=[run_local.emulator]
        )
    except OSError as exc:
        return _fail(err, f"cannot read {args.event}: {exc.strerror or exc}")
    except (InvokeError, LocalStackError) as exc:
        return _fail(err, str(exc))
    samconfig = args.template.resolve().parent / "samconfig.toml"
    with (
        open(os.devnull, "w", encoding="utf-8") as devnull,
        contextlib.redirect_stdout(err if args.verbose else devnull),
        run_local.logging_for(verbose=args.verbose),
    ):
        try:
            with stack:
                result = invoke(
                    stack, args.function, event, deployed_stack=args.deployed_stack, samconfig=samconfig,
                    settle=args.settle, map_names=not args.no_map,
                )  # fmt: skip
        except (InvokeError, TemplateError) as exc:
            return _fail(err, str(exc))
        except NotQuiescentError as exc:
            return _fail(err, str(exc), EXIT_RAISED)
    if not args.no_map:
        describe_mapping(result.names, err.write)
    for note in result.prepared:
        err.write(f"prepared: {note}\n")
    out.write("".join(json.dumps(entry) + "\n" for entry in result.log))
    out.write(json.dumps(result.payload, default=str) + "\n")
    return EXIT_RAISED if result.invocation.error is not None else EXIT_OK


def _fail(err: IO[str], message: str, code: int = EXIT_USAGE) -> int:
    err.write(f"mlopsctl local invoke: error: {message}\n")
    return code
