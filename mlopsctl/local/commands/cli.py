"""``mlopsctl local …`` sub-commands: ``replay``, ``invoke`` (:mod:`.invoke_command`), ``up`` (:mod:`.up_command`)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mlopsctl.local.commands.invoke_command import register as register_invoke
from mlopsctl.local.commands.replay import check_names, parse_items, play
from mlopsctl.local.commands.up_command import register as register_up
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.errors import LocalStackError, NotQuiescentError, ReplayError, TemplateError
from mlopsctl.local.runtime.faults import FaultSpecError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

REPLAY_DESCRIPTION = """\
Play FILE (a JSON array or JSON lines) against a fresh local stack, then print the action log as JSON lines.

Each item is a raw event as AWS delivers it to EventBridge ("source", "detail-type", "detail") or a user action
{"aws": "<service>.<operation>", "params": {...}} in boto3's names. ${Name} is the local name of a template resource
or parameter, ${Name.Arn} its ARN, ${AWS::Region} / ${AWS::AccountId} / ${AWS::StackName} the local ones.

Timing:
  - after each item the stack runs to quiescence, unless the next item says when it comes ("after");
  - {"together": [ITEM, ...]} performs its items in order with no settling between them (one virtual instant),
    then settles once;
  - "after": {"seconds": N} on an item: it is performed N virtual seconds after the previous item was performed,
    without waiting for the stack to settle (the work due up to that instant happens first);
  - "after": {"event": PATTERN}: it is performed as soon as an event matching PATTERN (EventBridge pattern syntax)
    is put on the bus after the previous item was performed, before that event's targets react; if the stack
    settles without one, the replay fails naming the item.
The whole file is checked before the stack starts.

Faults: --faults SERVICES:RATE[:ERROR] (repeatable) makes RATE of the system's own calls (handlers and state machine
tasks, never the user's actions) to SERVICES fail with ERROR (default ThrottlingException) as AWS fails them, per
attempt; --seed N makes the draws reproducible. A failed call's aws_call entry carries "error": "<AWS error code>".
"""


def register(subparsers: Any) -> None:
    """Add ``local`` and its sub-commands to the ``mlopsctl`` parser."""
    local = subparsers.add_parser("local", help="the local stack (moto, no AWS account, no Docker)")
    commands = local.add_subparsers(dest="local_command", metavar="COMMAND")
    replay = commands.add_parser(
        "replay",
        help="play a file of events and user actions against a fresh local stack; print the action log",
        description=REPLAY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("file", type=Path, metavar="FILE", help="the replay file ('-' reads standard input)")
    replay.add_argument("--pretty", action="store_true", help="print a readable timeline instead of JSON lines")
    replay.add_argument("--server", action="store_true", help="run moto_server on a loopback port")
    replay.add_argument(
        "--template", type=Path, default=DEFAULT_TEMPLATE, help="the SAM template (default: %(default)s)"
    )
    replay.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="override a template parameter"
    )
    replay.add_argument(
        "--faults",
        action="append",
        default=[],
        metavar="SERVICES:RATE[:ERROR]",
        help=(
            "make RATE (0..1) of the system's own calls to SERVICES (boto3 names, comma-separated) fail with ERROR "
            "(an AWS error code, default ThrottlingException) as AWS fails them: the code's documented HTTP status, "
            "per attempt, so botocore retries what it would retry against AWS; the user's actions are never faulted "
            "(repeatable)"
        ),
    )
    replay.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="seed the fault draws (reproducible; the order of calls across concurrent executions can still vary)",
    )
    replay.add_argument("--verbose", action="store_true", help="show the handlers' logs on standard error")
    replay.set_defaults(handler=run_replay)
    register_invoke(commands)
    register_up(commands)
    local.set_defaults(handler=lambda _args: _usage(local))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def parameters(pairs: list[str]) -> dict[str, str]:
    """``--parameter NAME=VALUE`` pairs as a mapping."""
    parameters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ReplayError(f"--parameter needs NAME=VALUE, got {pair!r}")
        parameters[name] = value
    return parameters


def run_replay(args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``mlopsctl local replay``: exit 0 when the file was played, whatever the system decided."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
        items = parse_items(text)
        stack = LocalStack(
            args.template,
            parameters=parameters(args.parameter),
            server=args.server,
            emulators=[emulator],
            faults=args.faults,
            seed=args.seed,
        )
        check_names(items, stack.template)
    except OSError as exc:
        return _fail(err, f"cannot read {args.file}: {exc.strerror or exc}", EXIT_USAGE)
    except (ReplayError, TemplateError, FaultSpecError) as exc:
        return _fail(err, str(exc), EXIT_USAGE)
    code, message = EXIT_OK, None
    with (
        open(os.devnull, "w", encoding="utf-8") as devnull,
        contextlib.redirect_stdout(err if args.verbose else devnull),
        logging_for(verbose=args.verbose),
    ):
        try:
            with stack:
                try:
                    play(stack, items)
                except ReplayError as exc:
                    code, message = EXIT_USAGE, str(exc)
                except (NotQuiescentError, LocalStackError) as exc:
                    code, message = EXIT_FAILED, str(exc)
                stack.executions.log_running()
        except TemplateError as exc:
            return _fail(err, str(exc), EXIT_USAGE)
    out.write(stack.log.pretty() if args.pretty else stack.log.json_lines())
    return code if message is None else _fail(err, message, code)


@contextlib.contextmanager
def logging_for(*, verbose: bool) -> Iterator[None]:
    """Quiet by default (failures are in the action log); ``--verbose`` shows the stack's and moto's logs."""
    loggers = [logging.getLogger(name) for name in ("mlopsctl.local", "moto")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO if verbose else logging.CRITICAL)
    handler = logging.StreamHandler(sys.stderr) if verbose else None
    if handler is not None:
        loggers[0].addHandler(handler)
    try:
        yield
    finally:
        if handler is not None:
            loggers[0].removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def emulator(stack: LocalStack) -> SageMakerEmulator:
    """The SageMaker emulator of a stack started from the command line."""
    return SageMakerEmulator(clock=stack.clock.now, account_id=stack.template.account_id, region=stack.template.region)


def _fail(err: IO[str], message: str, code: int) -> int:
    err.write(f"mlopsctl local replay: error: {message}\n")
    return code
