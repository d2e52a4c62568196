"""Fixtures every collected item gets, tests and doctests alike: fake credentials and a region (no example or test
can reach, or be billed by, a real AWS account; pytest-socket allows loopback only), and the IAM check of the local
stack's calls, whose usage the IAM report reads.

``--doctest-modules`` (pyproject.toml) runs the docstring examples of every package in ``testpaths``: documentation
runs or goes. Left out of collection: the modules that import the SageMaker Python SDK at import time (it lives in its
own venv, ``.venv-tools/pipelines``; ``make pipeline-check`` runs them through tests/pipelines/sdk), and the fixture
templates' Lambda code (``app.py`` files that are no package, loaded by the local stack as Lambda would).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import iam_usage

try:
    from hypothesis import settings
except ModuleNotFoundError:  # the pipelines venv (make pipeline-check's SDK tests) has no Hypothesis
    pass
else:
    # No per-example deadline for the property tests: speed budgets live in `make bench`, never in timed tests, and
    # Hypothesis's default 200 ms deadline fails a correct example on a loaded 2-core machine.
    settings.register_profile("suite", deadline=None)
    settings.load_profile("suite")

collect_ignore = ["pipelines/definition.py", "pipelines/parameters.py"]
collect_ignore_glob = ["tests/fixtures/*"]


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
