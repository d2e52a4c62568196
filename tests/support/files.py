"""Where the project's files are, and the reader of the JSON files the tests read that are not sample events.

Sample events (the project's own under ``events/`` and the corpus of real AWS samples) are read through
:mod:`tests.support.events` only, which uses :func:`load_json` and normalises the documented quirks of published
samples.

Examples
--------
>>> from tests.support.events import project_event
>>> project_event("model_package_approved.json")["detail-type"]
'SageMaker Model Package State Change'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROOT_TEMPLATE = ROOT / "template.yaml"


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
