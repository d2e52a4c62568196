"""``mlopsctl watch``: follow the rollout in progress on an endpoint until it ends.

Every ``--interval`` seconds it reads what ``status`` reads of the endpoint (the same builder,
:func:`mlopsctl.ops.status.endpoint_status`, whose ``in_progress`` comes from :func:`mlopsctl.ops.progress.in_progress`)
and redraws it (rich ``Live``). When the execution it follows is no longer running it reads how it ended (its ledger
record, and ``DescribeExecution``) and stops. With nothing in progress it says so at once. It gives up after
``--timeout`` seconds (exit 1): polling is bounded. Time and waiting come from :func:`mlopsctl.ops.clock.current_clock`
(tests drive it on the local stack's virtual time).

``--json`` prints JSON lines: one document per change (a change of phase, traffic, bake or alarm states; the seconds
left alone are no change), then one with the outcome::

    {"endpoint": str, "at": ISO, "in_progress": IN_PROGRESS, "alarms": [ALARM]}          # each change
    {"endpoint": str, "at": ISO, "in_progress": null, "ended": null}                    # nothing in progress
    {"endpoint": str, "at": ISO, "in_progress": null, "ended": {                         # the end
        "kind": "deployment"|"rollback", "execution_arn": str, "deployment_id": str, "version": int|null,
        "execution_status": str,          # DescribeExecution: SUCCEEDED, FAILED, TIMED_OUT, ABORTED
        "outcome": str|null,              # the ledger's: SUCCEEDED, ROLLED_BACK, FAILED, ... (null: not recorded)
        "reason": str|null, "alarm": str|null}}

``IN_PROGRESS`` and ``ALARM`` are ``status``'s (docs/operator/status.md). Exit codes: 0 the rollout succeeded (or was
skipped or superseded), or nothing was in progress; 1 it rolled back or failed, a call failed, or the timeout passed.
See docs/operator/watch.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import click
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from mlops_core.deploy.deployment import Outcome
from mlopsctl.ops import records as ledger
from mlopsctl.ops.cli import streaming_ops_options
from mlopsctl.ops.clock import Clock, current_clock
from mlopsctl.ops.errors import EXIT_FAILED, EXIT_OK, OpsError
from mlopsctl.ops.output import console as make_console
from mlopsctl.ops.records import timestamp
from mlopsctl.ops.status import StackFacts, endpoint_status
from mlopsctl.ops.target import Target
from mlopsctl.ops.views import alarms_table, outcome, progress_view, version

#: Outcomes ``watch`` exits 0 on: the rollout did what it should, or had nothing to do.
GOOD = frozenset({Outcome.SUCCEEDED.value, Outcome.SKIPPED.value, Outcome.SUPERSEDED.value})


def _change_key(document: Mapping[str, Any]) -> str:
    """What counts as a change: everything but the seconds left of the bake."""
    progress = dict(document.get("in_progress") or {})
    if progress.get("bake"):
        progress["bake"] = {k: v for k, v in progress["bake"].items() if k != "seconds_left"}
    return json.dumps({"in_progress": progress, "alarms": document.get("alarms")}, sort_keys=True, default=str)


def ending(target: Target, facts: StackFacts, endpoint: str, followed: Mapping[str, Any]) -> dict[str, Any]:
    """How the followed execution ended: ``DescribeExecution`` and its ledger record."""
    described = target.client("stepfunctions").describe_execution(executionArn=followed["execution_arn"])
    records = ledger.deployments(target.client("dynamodb"), facts.table, endpoint)
    record = next((r for r in records if r.deployment_id == followed["deployment_id"]), None)
    finished = record is not None and record.finished
    return {
        "kind": followed["kind"],
        "execution_arn": followed["execution_arn"],
        "deployment_id": followed["deployment_id"],
        "version": followed.get("version"),
        "execution_status": str(described["status"]),
        "outcome": record.outcome.value if record is not None and finished else None,
        "reason": record.reason if record is not None else None,
        "alarm": record.fired_alarm if record is not None else None,
    }


def exit_code(end: Mapping[str, Any]) -> int:
    """0 when the rollout succeeded (or had nothing to do), else 1."""
    if end["outcome"] is not None:
        return EXIT_OK if end["outcome"] in GOOD else EXIT_FAILED
    return EXIT_OK if end["execution_status"] == "SUCCEEDED" else EXIT_FAILED


def _view(name: str, document: Mapping[str, Any]) -> RenderableType:
    progress = document.get("in_progress")
    title = Text(f"watching {name} at {document['at']}", style="bold")
    if progress is None:
        return title
    return Group(title, progress_view(progress), alarms_table(document["alarms"], "rollback alarms"))


def _end_line(name: str, end: Mapping[str, Any] | None) -> Text:
    if end is None:
        return Text(f"nothing in progress on {name}")
    line = Text(f"{end['kind']} {version(end['version'])} on {name} ended: ")
    line.append_text(outcome(end["outcome"] or end["execution_status"]))
    if end["reason"]:
        line.append(f" ({end['reason']})")
    return line


class Watcher:
    """Polls one endpoint and reports each change, as JSON lines or a rich live view."""

    def __init__(self, target: Target, facts: StackFacts, clock: Clock, *, as_json: bool) -> None:
        self.target, self.facts, self.clock, self.as_json = target, facts, clock, as_json
        self.console: Console = make_console()
        self._last: str | None = None

    def poll(self, name: str) -> dict[str, Any]:
        now = self.clock.now()
        found = endpoint_status(self.target, self.facts, name, now)
        return {"endpoint": name, "at": timestamp(now), "in_progress": found["in_progress"], "alarms": found["alarms"]}

    def report(self, document: Mapping[str, Any], live: Live | None) -> None:
        key = _change_key(document)
        if self.as_json and key != self._last:
            sys.stdout.write(json.dumps(document, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()
        if live is not None:
            live.update(_view(str(document["endpoint"]), document), refresh=True)
        self._last = key

    def finish(self, name: str, end: dict[str, Any] | None) -> int:
        if self.as_json:
            document = {"endpoint": name, "at": timestamp(self.clock.now()), "in_progress": None, "ended": end}
            sys.stdout.write(json.dumps(document, sort_keys=True, default=str) + "\n")
        else:
            self.console.print(_end_line(name, end))
        return exit_code(end) if end is not None else EXIT_OK

    def follow(self, name: str, first: dict[str, Any], *, interval: float, timeout: float) -> int:
        """Report until the execution in ``first`` ends; its exit code."""
        followed, started = first["in_progress"], self.clock.now()
        live = Live(console=self.console, auto_refresh=False) if not self.as_json else None
        with live if live is not None else nullcontext():
            document = first
            while document["in_progress"] and document["in_progress"]["execution_arn"] == followed["execution_arn"]:
                self.report(document, live)
                if (self.clock.now() - started).total_seconds() >= timeout:
                    what = f"{followed['kind']} {followed['deployment_id']}"
                    raise OpsError(f"{what} still in progress after {timeout:g} s")
                self.clock.sleep(interval)
                document = self.poll(name)
        if live is not None and not self.console.is_terminal:
            self.console.line()  # off a terminal, the live view's last frame ends without a newline
        return self.finish(name, ending(self.target, self.facts, name, followed))


def watch(target: Target, *, endpoint: str | None, interval: float, timeout: float, as_json: bool) -> int:
    """Follow the rollout in progress (on the endpoint named, else the first endpoint with one); the exit code."""
    facts = StackFacts.of(target)
    watcher = Watcher(target, facts, current_clock(), as_json=as_json)
    names = facts.endpoints_named(endpoint)
    for name in names:
        first = watcher.poll(name)
        if first["in_progress"] is not None:
            return watcher.follow(name, first, interval=interval, timeout=timeout)
    return watcher.finish(names[0], None)


@click.command("watch")
@click.option("--endpoint", metavar="NAME", help="this endpoint (default: the stack's endpoint with a rollout)")
@click.option("--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True, metavar="S",
              help="seconds between polls")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=1), default=7200.0, show_default=True, metavar="S",
              help="give up (exit 1) after S seconds")  # fmt: skip
@streaming_ops_options
def command(target: Target, as_json: bool, endpoint: str | None, interval: float, timeout: float) -> None:
    """follow the rollout in progress to its end; exit 1 when it fails (docs/operator/watch.md)"""
    code = watch(target, endpoint=endpoint, interval=interval, timeout=timeout, as_json=as_json)
    if code != EXIT_OK:
        raise SystemExit(code)
