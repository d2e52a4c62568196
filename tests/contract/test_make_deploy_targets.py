"""``make deploy`` / ``make destroy`` are thin wrappers of ``python -m mlopsctl.stack``, with the user's credentials:
checked with ``make -n`` (prints the recipes, runs nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.support.files import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def recipe(*args: str) -> str:
    """The recipe ``make -n`` prints, for a user whose environment sets no AWS variable (the Makefile's fakes apply)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(["make", "-n", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # noqa: S603, S607 - make, fixed arguments
    return done.stdout


def test_deploy_runs_the_python_with_your_credentials_and_the_sam_of_the_tools_venv() -> None:
    out = recipe("deploy", "ENV=staging")

    assert '-m mlopsctl.stack deploy --env "staging"' in out
    assert '--sam ".venv-tools/sam/bin/sam"' in out
    assert "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_DEFAULT_REGION" in out  # the fakes dropped


def test_destroy_asks_unless_yes_is_1() -> None:
    assert "--yes" not in recipe("destroy", "ENV=dev")
    assert '-m mlopsctl.stack destroy --env "dev" --yes' in recipe("destroy", "ENV=dev", "YES=1")


def test_help_lists_both_targets() -> None:
    done = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S607 - make, fixed arguments

    assert "make deploy ENV=dev|staging|prod" in done.stdout
    assert "make destroy ENV=dev|staging|prod [YES=1]" in done.stdout
