"""The SDK tests run in the SDK's own virtual environment (``make pipeline-check``), which holds the SageMaker SDK
and not the project's runtime (``mlops_core``, the local stack). They make no AWS call, so there is no IAM to enforce:
the root conftest's IAM fixture is replaced here by one that checks exactly that, that no local stack was loaded."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_unexpected_iam_denials() -> Iterator[None]:
    """Overrides the root fixture of the same name: these tests must not reach the local stack at all."""
    yield
    assert "mlopsctl.local.iam.enforce" not in sys.modules, "an SDK test loaded the local stack; run it in .venv"
