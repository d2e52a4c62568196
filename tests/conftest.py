"""Shared helpers of the tests. The fixtures every test gets (fake credentials, the IAM check) are the root
conftest.py's: doctests get them too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Sample events (events/ and the corpus of real AWS samples) are read through tests.support.events only.


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
