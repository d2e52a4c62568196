"""The suite's own layout: no module imports a test module or a conftest.py, and shared fakes have one home.

Helpers, fakes and builders live in ``tests/support/`` (fakes in ``tests/support/fakes/``, one module per feature);
fixtures live in ``conftest.py`` files, where pytest finds them. A test module that
imports another runs the other's module-level code, and pytest collects what it imports as its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.files import ROOT

TESTS = ROOT / "tests"


def is_test_module(module: str) -> bool:
    """Whether ``module`` (dotted) is one pytest collects or loads itself: ``test_*`` or ``conftest``.

    >>> [is_test_module(m) for m in ("tests.unit.test_config", "conftest", "tests.support.files", "tests.contract")]
    [True, True, False, False]
    """
    last = module.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imported_modules(tree: ast.Module) -> Iterator[str]:
    """Every module a parsed file imports, at any depth (``from a import b`` names ``a.b`` too: it may be a module).

    >>> sorted(imported_modules(ast.parse("import x.y\\nfrom tests.contract import test_asl\\nfrom .z import w")))
    ['tests.contract', 'tests.contract.test_asl', 'x.y']
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def suite_modules() -> Iterator[tuple[str, Path]]:
    """``(dotted name, path)`` of every Python module of the suite (the fixture templates' Lambda code left out)."""
    for path in sorted(TESTS.rglob("*.py")):
        if "fixtures" not in path.relative_to(TESTS).parts:
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def imports_of_test_modules() -> set[tuple[str, str]]:
    """``(importer, imported)`` for every import of a test module or conftest.py by a module of the suite."""
    found = set()
    for name, path in suite_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found |= {(name, module) for module in imported_modules(tree) if is_test_module(module)}
    return found


def test_no_module_of_the_suite_imports_a_test_module_or_a_conftest() -> None:
    unexpected = sorted(imports_of_test_modules())

    assert unexpected == [], "move what these import into tests/support/ (fixtures: into a conftest.py)"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from tests.flows.test_deploy_flow import start_flow", {("m", "tests.flows.test_deploy_flow")}),
        ("def f():\n    from tests.unit import test_config", {("m", "tests.unit.test_config")}),
        ("import tests.pipelines.conftest", {("m", "tests.pipelines.conftest")}),
        ("from conftest import pytest_sessionfinish", {("m", "conftest")}),
        ("from tests.support.deploy_flow import start_flow", set()),
    ],
)
def test_the_check_sees_every_way_of_importing_a_test_module(source: str, found: set[tuple[str, str]]) -> None:
    modules = imported_modules(ast.parse(source))

    assert {("m", module) for module in modules if is_test_module(module)} == found


FAKES = "tests.support.fakes"


def fakes_imported_from_elsewhere(tree: ast.Module) -> Iterator[str]:
    """``module.Name`` for every ``Fake*`` name a parsed file imports from outside :data:`FAKES`.

    >>> list(fakes_imported_from_elsewhere(ast.parse("from tests.support.deploy.sfn import FakeClock, machine")))
    ['tests.support.deploy.sfn.FakeClock']
    >>> list(fakes_imported_from_elsewhere(ast.parse("from tests.support.fakes.deploy import FakeStore")))
    []
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == FAKES or node.module.startswith(f"{FAKES}."):
                continue
            yield from (f"{node.module}.{a.name}" for a in node.names if a.name.startswith("Fake"))


def test_fakes_shared_by_test_modules_live_in_one_home() -> None:
    found = sorted(
        f"{name}: {fake}"
        for name, path in suite_modules()
        for fake in fakes_imported_from_elsewhere(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    )

    assert found == [], f"move these fakes into {FAKES} (one module per feature)"
