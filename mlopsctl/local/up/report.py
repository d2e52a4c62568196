"""What ``mlopsctl local up`` prints: the banner (URL, environment, outputs) and what happens (:class:`Reporter`).

Standard output gets the banner only, so ``mlopsctl local up > env.txt`` keeps the ``export`` lines; standard error
gets, with ``--verbose``, one timeline line per handler run, execution and event as it happens (the action log's
format, :func:`~mlopsctl.local.runtime.actionlog.timeline_line`), and on stopping a one-line summary.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from mlopsctl.local.runtime.actionlog import timeline_line

if TYPE_CHECKING:
    from mlopsctl.local.up.live import LiveStack

#: Fake credentials: moto accepts any; the AWS CLI and boto3 want some.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
_SHOWN = ("handler", "execution", "event")


def environment(live: LiveStack) -> dict[str, str]:
    """The environment that points the AWS CLI, boto3 and ``mlopsctl`` at the live stack."""
    template = live.stack.template
    return {
        "AWS_ENDPOINT_URL": live.url,
        "AWS_DEFAULT_REGION": template.region,
        **FAKE_CREDENTIALS,
        "MLOPS_STACK": template.stack_name,
        "MLOPS_ENDPOINT_URL": live.url,
    }


def banner(out: IO[str], live: LiveStack) -> None:
    """The endpoint URL, the ``export`` lines and the stack's outputs; flushed (a reader may wait for it)."""
    template = live.stack.template
    out.write(
        f"mlopsctl local up: the local stack {template.stack_name} serves {live.url} "
        f"(virtual time x{live.options.speed:g}); Ctrl-C stops it\n\n"
    )
    out.writelines(f"export {name}={value}\n" for name, value in environment(live).items())
    out.write("\n")
    table = Table(title=f"Outputs of the CloudFormation stack {template.stack_name}", title_justify="left")
    table.add_column("OutputKey", no_wrap=True)
    table.add_column("OutputValue", overflow="fold")
    for key, value in live.stack.outputs().items():
        table.add_row(key, value)
    Console(file=out, width=160, soft_wrap=False).print(table)
    out.flush()


class Reporter:
    """Follows the action log: one line per handler run, execution and event with ``verbose``; counts always."""

    def __init__(self, err: IO[str], *, verbose: bool) -> None:
        self._err = err
        self._verbose = verbose
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def entries(self, entries: list[dict[str, Any]]) -> None:
        """New entries of the action log (called after each step of the loop)."""
        shown = [entry for entry in entries if entry["kind"] in _SHOWN]
        with self._lock:
            self._counts.update(entry["kind"] for entry in shown)
        if self._verbose and shown:
            self._err.writelines(timeline_line(entry) + "\n" for entry in shown)
            self._err.flush()

    def problem(self, line: str) -> None:
        """A step hit a bound of its run: said on standard error, whatever ``verbose`` says."""
        self._err.write(f"mlopsctl local up: warning: {line}\n")
        self._err.flush()

    def summary(self, live: LiveStack, real_seconds: float) -> None:
        """One line: how long it ran and what happened."""
        with self._lock:
            counts = dict(self._counts)
        virtual = int(live.stack.clock.elapsed().total_seconds())
        self._err.write(
            f"mlopsctl local up: stopped after {int(real_seconds)} s ({virtual // 3600}h{virtual % 3600 // 60:02d}m "
            f"virtual): {counts.get('handler', 0)} handler runs, {counts.get('execution', 0)} executions, "
            f"{counts.get('event', 0)} events\n"
        )
        self._err.flush()
