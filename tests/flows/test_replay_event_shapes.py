"""A replay chooses the shape of the events a user action causes: ``"emulator": {"model_package_updated_fields":
false}`` makes SageMaker announce a metadata-only update without ``UpdatedModelPackageFields``, as most real events
are. Either way, an annotation of the live package is recorded and never redeploys it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.cli import main

pytestmark = pytest.mark.flow

TESTS = Path(__file__).resolve().parents[1]
REPLAY = TESTS / "fixtures" / "replay" / "model_package_metadata.json"
TEMPLATE = TESTS.parent / "template.yaml"


def _replay(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code = main(["local", "replay", str(REPLAY), "--template", str(TEMPLATE)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


def _of(entries: list[dict[str, Any]], kind: str, **fields: str) -> list[dict[str, Any]]:
    return [e for e in entries if e["kind"] == kind and all(e.get(k) == v for k, v in fields.items())]


def test_metadata_updates_are_announced_in_the_shape_each_item_chose_and_never_redeploy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = _replay(capsys)

    package_events = [e for e in entries if e["kind"] == "event" and e["detail_type"].startswith("SageMaker Model")]
    approvals = [
        (e["outcome"], e["reason"]) for e in entries if e["kind"] == "handler" and e["function"] == "ApprovalFunction"
    ]
    deployments = [
        e["status"] for e in entries if e["kind"] == "execution" and e["state_machine"] == "DeployStateMachine"
    ]
    assert len(package_events) == 5  # created, approved, and three metadata-only updates
    # created (recorded), approved (deployed), annotated with its fields listed (a metadata edit: recorded)
    assert [outcome for outcome, _ in approvals[:3]] == ["ok", "ok", "ok"]
    # annotated without UpdatedModelPackageFields: taken for an approval of the live package, which it is not
    assert [outcome for outcome, _ in approvals[3:]] == ["ignored", "ignored"]
    assert deployments == ["SUCCEEDED"]
