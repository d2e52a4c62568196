"""Shared fixtures. Tests run with fake credentials and no network (pytest-socket allows loopback only)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import iam_usage

ROOT = Path(__file__).resolve().parents[1]
# The real AWS sample events (../shared/aws-events/, as CI has them): tests.support.aws_corpus.corpus_dir()
PROJECT_EVENTS = ROOT / "events"


@pytest.fixture(autouse=True)
def _aws_test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so no test can reach (or be billed by) a real AWS account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # what Lambda (AWS_REGION) and the template (ACCOUNT_ID, ${AWS::AccountId}) give every function: its own origin
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("ACCOUNT_ID", "123456789012")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "MlopsTest"))


@pytest.fixture(autouse=True)
def _no_unexpected_iam_denials(request: pytest.FixtureRequest) -> Iterator[None]:
    """Any call the local stack's IAM denies fails the test, unless the test says it expects denials
    (``@pytest.mark.iam_denials``); the statements that allowed calls are kept for the IAM report."""
    from mlopsctl.local.iam import enforce

    allowed_before, denied_before = len(enforce.ALLOWED), len(enforce.DENIALS)
    yield
    iam_usage.record(request.node.nodeid, enforce.ALLOWED[allowed_before:])
    denials = enforce.DENIALS[denied_before:]
    if denials and request.node.get_closest_marker("iam_denials") is None:
        listed = "\n".join(f"- {d.message}" for d in denials[:5])
        pytest.fail(f"{len(denials)} call(s) denied by IAM on the local stack:\n{listed}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write this worker's IAM usage where ``MLOPS_IAM_USAGE_DIR`` says (``make iam`` reads it)."""
    iam_usage.write(os.environ.get("MLOPS_IAM_USAGE_DIR"), os.environ.get("PYTEST_XDIST_WORKER", "main"))


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
