"""Where the shared corpus of real AWS sample events is, and what a test does when it is not there.

The corpus lives beside the project (``../shared/aws-events/``, as CI has it) or where ``MLOPS_AWS_EVENTS`` names it;
it is read in place, never copied into the project. A plain clone has no corpus: the tests that read it are then
reported as not run (skipped, with the reason), and every other test runs. CI sets ``MLOPS_REQUIRE_AWS_EVENTS=1``
(``.ci/run``), so there a missing corpus fails the run instead of skipping anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT.parent / "shared" / "aws-events"
LOCATION_ENV = "MLOPS_AWS_EVENTS"
REQUIRED_ENV = "MLOPS_REQUIRE_AWS_EVENTS"


def corpus_location() -> Path:
    """Where the corpus is expected: ``MLOPS_AWS_EVENTS`` if set, else ``../shared/aws-events``."""
    configured = os.environ.get(LOCATION_ENV)
    return Path(configured).expanduser().resolve() if configured else DEFAULT


def _absent_reason(location: Path) -> str:
    return (
        f"the corpus of real AWS events is absent ({location / 'index.json'} not found): "
        f"set {LOCATION_ENV}=DIR, or place it at ../shared/aws-events"
    )


def corpus_present() -> bool:
    """Whether the corpus is there; when it is not and ``MLOPS_REQUIRE_AWS_EVENTS=1``, the calling test fails."""
    location = corpus_location()
    if (location / "index.json").is_file():
        return True
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{_absent_reason(location)}; {REQUIRED_ENV}=1 requires it", pytrace=False)
    return False


def corpus_params(make: Callable[[], Iterable[Any]]) -> list[Any]:
    """Parameters drawn from the corpus, for ``pytest.mark.parametrize``: ``make()`` when the corpus is there;
    otherwise one parameter marked skipped with the reason, so that the module's other tests still run (or, when
    ``MLOPS_REQUIRE_AWS_EVENTS=1``, a failure)."""
    location = corpus_location()
    if (location / "index.json").is_file():
        return list(make())
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{_absent_reason(location)}; {REQUIRED_ENV}=1 requires it", pytrace=False)
    return [pytest.param(None, marks=pytest.mark.skip(reason=_absent_reason(location)), id="no-corpus")]


def corpus_dir() -> Path:
    """The corpus folder (it holds ``index.json``).

    When it is absent, the calling test (or, at collection, the calling module) is skipped with the reason, or, when
    ``MLOPS_REQUIRE_AWS_EVENTS=1``, fails.
    """
    location = corpus_location()
    if (location / "index.json").is_file():
        return location
    reason = _absent_reason(location)
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRED_ENV}=1 requires it", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
