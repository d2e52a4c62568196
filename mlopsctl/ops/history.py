"""``mlopsctl history``: the deployments and rollbacks of the stack's endpoints, newest first, from the ledger.

Each entry is one ledger record (:class:`~mlopsctl.ops.records.DeploymentRecord`): a deployment of a model package
version, or a rollback (its record names the version it restored, and what triggered it). ``--limit N`` keeps the
newest N (across the endpoints shown); ``--endpoint NAME`` shows one endpoint.

``--json`` prints one document::

    {"deployments": [{
        "endpoint": str,
        "kind": "deployment"|"rollback",
        "deployment_id": str,             # the execution's name (a rollback's: its rollback id)
        "execution_arn": str|null,
        "model_package_arn": str|null,
        "version": int|null,              # deployed, or (a rollback) restored
        "endpoint_config": str|null,
        "strategy": str|null,             # CANARY, LINEAR, ALL_AT_ONCE
        "outcome": str,                   # IN_PROGRESS, SUCCEEDED, ROLLED_BACK, FAILED, SUPERSEDED, SKIPPED
        "reason": str|null,
        "alarm": str|null,                # the alarm that rolled it back, or that triggered the rollback
        "trigger": str|null,              # a rollback's trigger: ALARM, REJECTION, OPERATOR, ...
        "trigger_reason": str|null,       # why it was triggered ("operator: <reason>", the alarm's reason, ...)
        "rolled_back_by": str|null,       # a deployment undone after its rollout: the rollback's id
        "rollback_of": str|null,          # a rollback: the deployment it undid
        "started_at": ISO, "finished_at": ISO|null, "duration_seconds": float|null}]}

Timestamps are ISO 8601 UTC. Exit codes: 0 shown; 1 the stack or a call failed; 2 bad option.
See docs/operator/history.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mlopsctl.ops import records as ledger
from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.output import emit
from mlopsctl.ops.records import DeploymentRecord, timestamp
from mlopsctl.ops.status import StackFacts
from mlopsctl.ops.target import Target
from mlopsctl.ops.views import outcome, version


def entry(record: DeploymentRecord) -> dict[str, Any]:
    """One record as ``history`` shows it."""
    trigger = record.trigger
    return {
        "endpoint": record.endpoint_name,
        "kind": record.kind,
        "deployment_id": record.deployment_id,
        "execution_arn": record.execution_arn,
        "model_package_arn": record.model_package_arn,
        "version": record.version,
        "endpoint_config": record.endpoint_config_name,
        "strategy": record.strategy,
        "outcome": record.outcome.value,
        "reason": record.reason,
        "alarm": record.fired_alarm,
        "trigger": trigger.kind.value if trigger is not None else None,
        "trigger_reason": trigger.reason if trigger is not None else None,
        "rolled_back_by": record.rolled_back_by,
        "rollback_of": record.rollback_of,
        "started_at": timestamp(record.started_at),
        "finished_at": timestamp(record.finished_at),
        "duration_seconds": record.duration_seconds,
    }


def history_document(target: Target, *, limit: int | None = None, endpoint: str | None = None) -> dict[str, Any]:
    """The ``history`` document (see the module's docstring)."""
    facts, dynamodb = StackFacts.of(target), target.client("dynamodb")
    found = [
        record
        for name in facts.endpoints_named(endpoint)
        for record in ledger.deployments(dynamodb, facts.table, name, limit=limit)
    ]
    found.sort(key=lambda r: r.started, reverse=True)
    return {"deployments": [entry(record) for record in found[:limit]]}


def render(console: Console, document: Mapping[str, Any]) -> None:
    """A table, newest first."""
    table = Table(title="deployments and rollbacks, newest first", title_justify="left")
    for column in ("started", "endpoint", "what", "outcome", "took"):
        table.add_column(column, no_wrap=True)
    table.add_column("alarm", overflow="fold")
    table.add_column("reason", overflow="fold", ratio=1)
    for item in document["deployments"]:
        what = f"{item['kind']} {version(item['version'])}"
        if item["trigger"]:
            what += f" ({item['trigger']})"
        took = f"{item['duration_seconds']:.0f} s" if item["duration_seconds"] is not None else "-"
        row = (item["started_at"], item["endpoint"], what, outcome(item["outcome"]), took)
        reason = "; ".join(r for r in (item["trigger_reason"], item["reason"]) if r)
        table.add_row(*row, item["alarm"] or "-", reason or "-")
    if not document["deployments"]:
        console.print("no deployments recorded")
        return
    console.print(table)


@click.command("history")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="only the newest N records")
@click.option("--endpoint", metavar="NAME", help="only this endpoint (default: every endpoint of the stack)")
@ops_options
def command(target: Target, as_json: bool, limit: int | None, endpoint: str | None) -> None:
    """deployments and rollbacks, newest first: outcome, reason, timings, alarm (docs/operator/history.md)"""
    emit(history_document(target, limit=limit, endpoint=endpoint), render, as_json=as_json)
