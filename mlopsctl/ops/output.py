"""How an operator command prints its result: rich for people, ``--json`` for scripts.

A command builds one JSON-ready document (its documented schema) and a renderer that draws the same document with
rich; :func:`emit` prints one or the other. JSON goes to standard output, sorted and indented, nothing else with it;
errors go to standard error as one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console

Renderer = Callable[[Console, Mapping[str, Any]], None]


def console(*, stderr: bool = False) -> Console:
    """A console on standard output (or error); plain text when it is not a terminal."""
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=False)


def emit(document: Mapping[str, Any], render: Renderer, *, as_json: bool) -> None:
    """Print ``document`` as JSON, or draw it with ``render``."""
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
        sys.stdout.flush()
        return
    render(console(), document)
