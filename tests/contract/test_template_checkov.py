"""checkov's skips: the ones every Lambda function shares written once, in ``.checkov.yaml``; one resource's skip in
its own Metadata, with its reason; none of them hides a check of anything but a Lambda function."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from typing import Any

import pytest
import yaml

from tests.support.files import ROOT
from tests.support.template_rules import RESOURCES

CONFIG = ROOT / ".checkov.yaml"
CHECKOV_PYTHON = ROOT / ".venv-tools" / "checkov" / "bin" / "python"
LAMBDA_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}


def shared_skips() -> list[str]:
    skips: list[str] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["skip-check"]
    return skips


def resource_skips() -> list[tuple[str, dict[str, Any]]]:
    """``(resource, skip)`` for every skip in a resource's ``Metadata.checkov.skip``."""
    return [
        (name, skip)
        for name, resource in RESOURCES.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_make_iac_runs_checkov_with_the_shared_skips() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (line,) = [line for line in makefile.splitlines() if "/bin/checkov " in line]
    assert "--config-file .checkov.yaml" in line


def test_each_shared_skip_says_why_in_the_comment_above_it() -> None:
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    entries = [n for n, line in enumerate(lines) if re.fullmatch(r"\s+- CKV_\w+", line)]
    assert len(entries) == len(shared_skips()) > 0
    for n in entries:
        assert lines[n - 1].strip().startswith("# "), f"{lines[n].strip()}: no reason above it"


def test_a_check_is_skipped_in_one_place_only() -> None:
    in_resources = Counter(skip["id"] for _, skip in resource_skips())
    assert [check for check, count in in_resources.items() if count > 1] == [], "skipped by several: share it"
    assert set(in_resources) & set(shared_skips()) == set()


def test_every_skip_in_a_resource_has_a_reason() -> None:
    assert all(str(skip.get("comment", "")).strip() for _, skip in resource_skips())


@pytest.fixture(scope="module")
def checked_types() -> dict[str, list[str]]:
    """The resource types checkov applies each shared skip's check to (read from checkov's own registry)."""
    assert CHECKOV_PYTHON.exists(), "checkov's venv is missing: run make setup"
    script = (
        "import json, sys\n"
        "from checkov.cloudformation.checks.resource.registry import cfn_registry\n"
        "wanted = set(sys.argv[1:])\n"
        "found = {}\n"
        "for rtype, checks in cfn_registry.checks.items():\n"
        "    for check in checks:\n"
        "        if check.id in wanted:\n"
        "            found.setdefault(check.id, []).append(rtype)\n"
        "print(json.dumps(found))\n"
    )
    done = subprocess.run(  # noqa: S603 - checkov's own interpreter, fixed arguments
        [str(CHECKOV_PYTHON), "-c", script, *shared_skips()], capture_output=True, text=True, check=True
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def test_the_shared_skips_hide_checks_of_lambda_functions_only(checked_types: dict[str, list[str]]) -> None:
    assert sorted(checked_types) == sorted(shared_skips()), "a shared skip names no check checkov has"
    assert {check: set(types) - LAMBDA_TYPES for check, types in checked_types.items()} == {
        check: set() for check in checked_types
    }
