"""Where the project's files are, and the one loader of the JSON files the tests read (the project's own events
under ``events/``; the corpus of real AWS samples goes through it too, :mod:`tests.contract.aws_samples`).

Examples
--------
>>> load_json(PROJECT_EVENTS / "model_package_approved.json")["detail-type"]
'SageMaker Model Package State Change'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROOT_TEMPLATE = ROOT / "template.yaml"
# The real AWS sample events (../shared/aws-events/, as CI has them): tests.support.aws_corpus.corpus_dir()
PROJECT_EVENTS = ROOT / "events"


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
