"""Which tests used which IAM statement: collected per worker, written for ``make iam``'s report."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

_USED: dict[str, set[str]] = defaultdict(set)  # statement label → test node ids


def record(nodeid: str, allowed: Iterable[tuple[str, str]]) -> None:
    """Remember the statements that allowed calls during one test."""
    for label, _action in allowed:
        _USED[label].add(nodeid)


def write(directory: str | None, worker: str) -> None:
    """Write ``{label: [test ids]}`` to ``<directory>/<worker>.json`` (nothing without a directory)."""
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{worker}.json").write_text(json.dumps({k: sorted(v) for k, v in _USED.items()}, indent=1))
