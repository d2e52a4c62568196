"""``mlopsctl local up``: the local stack served on loopback, live, until interrupted (:mod:`mlopsctl.local.up`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mlopsctl.local.errors import LocalStackError, TemplateError
from mlopsctl.local.runtime.http_server import PortInUseError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE
from mlopsctl.local.up.live import DEFAULT_PORT, DEFAULT_SPEED, LiveStack, UpOptions
from mlopsctl.local.up.report import Reporter, banner

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Serve the local stack on 127.0.0.1:PORT with the whole system live (events, handlers, state machines, emulated
SageMaker), in virtual time running SPEED times faster than real time, until interrupted (Ctrl-C or SIGTERM stop it
cleanly). It prints the endpoint URL, the environment to export for the AWS CLI, boto3 and mlopsctl, and the outputs
of the CloudFormation stack it appears as (mlops-local). Requests to it are the account administrator's; the
system's own calls are authorized against the template's IAM policies, as in AWS.
Exit code 0 when stopped, 1 when it could not start (a port in use) or its loop failed, 2 on a usage error.
"""


def register(commands: Any) -> None:
    """Add ``up`` to the sub-commands of ``mlopsctl local``."""
    parser = commands.add_parser(
        "up",
        help="serve the local stack on loopback, live, for the AWS CLI, boto3 and mlopsctl (until Ctrl-C)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the loopback port (default %(default)s)")
    parser.add_argument(
        "--speed", type=float, default=DEFAULT_SPEED, help="virtual seconds per real second (default %(default)s)"
    )
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help="the SAM template (%(default)s)")
    parser.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="override a template parameter"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="one line on standard error per handler run, execution and event"
    )
    parser.set_defaults(handler=run_up)


def run_up(args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``mlopsctl local up``: serve until SIGINT or SIGTERM."""
    from mlopsctl.local.commands import cli as local_cli  # noqa: PLC0415 - it registers this command: no cycle

    out, err = out or sys.stdout, err or sys.stderr
    try:
        options = UpOptions(args.template, local_cli.parameters(args.parameter), args.port, args.speed)
    except LocalStackError as exc:
        return _fail(err, str(exc), EXIT_USAGE)
    stop = threading.Event()
    reporter = Reporter(err, verbose=args.verbose)
    with (
        _stopped_by_signals(stop),
        open(os.devnull, "w", encoding="utf-8") as devnull,
        contextlib.redirect_stdout(devnull),  # the handlers' logs (Powertools writes them to standard output)
        local_cli.logging_for(verbose=args.verbose),
    ):
        try:
            live = LiveStack(options, on_entries=reporter.entries, on_problem=reporter.problem)
            with live:
                banner(out, live)
                started = time.monotonic()
                while not (stop.wait(0.2) or live.ended.is_set()):
                    pass
            reporter.summary(live, time.monotonic() - started)
        except PortInUseError as exc:
            return _fail(err, f"{exc}: is another local stack running? (choose one with --port)", EXIT_FAILED)
        except TemplateError as exc:
            return _fail(err, str(exc), EXIT_USAGE)
        except LocalStackError as exc:  # the stack could not start (as a deployment of the template would fail)
            return _fail(err, str(exc), EXIT_FAILED)
    if live.failure is not None:
        return _fail(err, f"the local stack's loop failed: {live.failure}", EXIT_FAILED)
    return EXIT_OK


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM set ``stop`` instead of interrupting (the stack then stops cleanly)."""
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.getsignal(number) for number in signals}
    for number in signals:
        signal.signal(number, lambda *_: stop.set())
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _fail(err: IO[str], message: str, code: int) -> int:
    err.write(f"mlopsctl local up: error: {message}\n")
    return code
