"""What a newcomer and CI meet first: the interpreter check, half-built environments, the corpus of real events."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.aws_corpus import LOCATION_ENV, REQUIRED_ENV
from tests.support.files import ROOT

FRESH_VENV = ROOT / "scripts" / "fresh-venv"
CORPUS_ONLY_MODULE = "tests/contract/test_events_aws_samples.py"
# a module with tests over the corpus and tests without it
MIXED_MODULE = "tests/unit/test_pipeline_events_handler.py"


def fresh_venv(directory: Path, python: str | Path) -> subprocess.CompletedProcess[str]:
    args = [str(FRESH_VENV), str(directory), str(python)]
    return subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603 - our own script


def test_another_python_than_3_12_fails_at_once_saying_what_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.11.7"; exit 0; }\nexit 1\n')
    fake.chmod(0o755)

    run = fresh_venv(tmp_path / "venv", fake)

    assert run.returncode == 1
    assert "Python 3.12 is required" in run.stderr
    assert "Python 3.11.7" in run.stderr
    assert "make PYTHON=" in run.stderr
    assert not (tmp_path / "venv").exists()


def test_a_half_built_environment_is_rebuilt_from_scratch(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "leftover-of-an-interrupted-install").write_text("x")
    (venv / ".building").touch()

    run = fresh_venv(venv, sys.executable)

    assert run.returncode == 0, run.stderr
    assert "did not finish" in run.stdout
    assert not (venv / "leftover-of-an-interrupted-install").exists()
    assert (venv / "pyvenv.cfg").is_file()
    assert (venv / ".building").exists()


def test_a_finished_environment_is_kept(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "installed-package").write_text("x")

    run = fresh_venv(venv, sys.executable)

    assert run.returncode == 0, run.stderr
    assert (venv / "installed-package").exists()


def test_an_environment_whose_interpreter_is_gone_is_rebuilt(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(tmp_path / "no-such-python")

    run = fresh_venv(venv, sys.executable)

    assert run.returncode == 0, run.stderr
    assert "rebuilding" in run.stdout
    assert (venv / "pyvenv.cfg").is_file()


def _pytest(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MLOPS_"))}
    return subprocess.run(  # noqa: S603 - this interpreter's pytest, fixed arguments
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rs", module],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **env},
        check=False,
    )


def test_a_plain_clone_reports_the_corpus_tests_as_not_run(tmp_path: Path) -> None:
    run = _pytest(MIXED_MODULE, **{LOCATION_ENV: str(tmp_path / "absent")})

    assert run.returncode == 0, run.stdout[-2000:]
    assert re.search(r"\d+ passed, 1 skipped", run.stdout)
    assert "corpus of real AWS events is absent" in run.stdout


def test_ci_fails_when_the_corpus_is_absent(tmp_path: Path) -> None:
    run = _pytest(CORPUS_ONLY_MODULE, **{LOCATION_ENV: str(tmp_path / "absent"), REQUIRED_ENV: "1"})

    assert run.returncode != 0
    assert "corpus of real AWS events is absent" in run.stdout


def test_ci_requires_the_corpus_and_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert re.search(rf"^export {REQUIRED_ENV}=1$", ci, re.MULTILINE)
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_tests_reach_the_corpus_only_through_its_loader() -> None:
    """A test that read ../shared directly would break a plain clone; they go through tests.support.aws_corpus."""
    direct = re.compile(r"""/\s*["']shared["']|["']\.\./shared|["']aws-events["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "aws_corpus.py" and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_tests_read_sample_events_only_through_the_one_loader() -> None:
    """Sample events (events/ and the corpus) are read by tests.support.events, which normalises the documented
    quirks of published samples; no test reads them on its own."""
    direct = re.compile(r"""corpus_dir\(\)\s*/|ROOT\s*/\s*["']events["']|PROJECT_EVENTS\s*/[^\n]*\.read_text""")
    loaders = {"aws_corpus.py", "events.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if not (path.parent.name == "support" and path.name in loaders) and direct.search(path.read_text("utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("name", ["LICENSE"])
def test_the_project_has_a_license(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


def test_every_environment_the_makefile_builds_is_marked_finished_when_its_install_ends() -> None:
    """The marker ``fresh-venv DIR`` leaves is removed from that same DIR once its install ends: a marker left behind
    would make the next dependency change rebuild the environment from scratch instead of updating it."""
    dry_run = subprocess.run(
        ["make", "-n", "-B", "setup", ".venv-tools/pipelines/.stamp"],  # noqa: S607 - make on PATH, fixed arguments
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    built = re.findall(r"scripts/fresh-venv (\S+) ", dry_run)
    finished = re.findall(r"rm -f (\S+)/\.building", dry_run)

    assert sorted(built) == sorted({".venv", ".venv-tools/sam", ".venv-tools/checkov", ".venv-tools/pipelines"})
    assert sorted(finished) == sorted(built)
