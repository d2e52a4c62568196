"""Rich renderings shared by ``status``, ``history`` and ``watch``: they draw the documented JSON documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

_STATE_STYLE = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "yellow", "MISSING": "bold red"}
_OUTCOME_STYLE = {"SUCCEEDED": "green", "ROLLED_BACK": "bold red", "FAILED": "bold red", "IN_PROGRESS": "cyan"}


def version(value: Any) -> str:
    """``v3``, or ``-`` when unknown."""
    return f"v{value}" if value is not None else "-"


def outcome(value: str | None) -> Text:
    """An outcome, coloured."""
    return Text(value or "-", style=_OUTCOME_STYLE.get(value or "", ""))


def alarms_table(alarms: Sequence[Mapping[str, Any]], title: str) -> Table:
    """The alarms' states."""
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column("alarm")
    table.add_column("state")
    table.add_column("since")
    for alarm in alarms:
        state = str(alarm["state"])
        table.add_row(str(alarm["name"]), Text(state, style=_STATE_STYLE.get(state, "")), alarm.get("since") or "-")
    return table


def _fleet(fleet: Mapping[str, Any] | None) -> str:
    if fleet is None:
        return "-"
    status = f", {fleet['status']}" if fleet.get("status") else ""
    return f"{fleet['endpoint_config']}: {fleet['instances']} of {fleet['desired_instances']} instance(s){status}"


def _bake(bake: Mapping[str, Any] | None) -> str:
    if bake is None:
        return "-"
    left = f"{bake['seconds_left']:.0f} s left" if bake.get("seconds_left") is not None else "time left unknown"
    length = f"{bake['seconds']} s" if bake.get("seconds") is not None else "a"
    return f"{length} bake since {bake['started_at']}: {left}"


def progress_view(progress: Mapping[str, Any]) -> RenderableType:
    """The rollout in progress: what, phase, traffic, bake, the new fleet's alarms, who waits."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    what = f"{progress['kind']} {version(progress.get('version'))} ({progress.get('strategy') or '-'})"
    grid.add_row("in progress", what)
    grid.add_row("execution", str(progress["execution_arn"]))
    grid.add_row("started", str(progress["started_at"]))
    grid.add_row("phase", str(progress.get("phase") or "-"))
    fleets = progress.get("traffic") or {}
    grid.add_row("serving fleet", _fleet(fleets.get("serving")))
    grid.add_row("new fleet", _fleet(fleets.get("new")))
    grid.add_row("bake", _bake(progress.get("bake")))
    parts: list[RenderableType] = [grid]
    if progress.get("alarms"):
        parts.append(alarms_table(progress["alarms"], "new fleet's alarms"))
    for waiting in progress.get("waiting") or []:
        parts.append(Text(f"waiting: {waiting['kind']} {version(waiting.get('version'))} ({waiting['execution_arn']})"))
    return Group(*parts)
