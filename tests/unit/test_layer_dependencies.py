"""The layer's packages depend on each other one way only: the graph below, checked on every import of the layer.

A *unit* is a folder of ``layers/mlops_core/mlops_core/`` (``deploy``, ``aws``, …) or one of its top-level modules
(``errors``, ``settings``, …). :data:`ALLOWED` names, for each unit, the units it may import besides itself; it is
acyclic (checked below), so no two units import each other, even through a third:

- shared, at the bottom: ``errors``, ``naming``, ``timefmt``, ``contract`` (the execution contracts' shared models),
  ``events`` (wire models), ``settings``, ``handler`` and ``task_handler``, and ``aws`` (AWS plumbing);
- features: ``ingest`` (defines the ports labeling and training implement) ← ``training`` ← ``labeling``;
  ``deploy`` ← ``rollback`` (a restore reuses the deployment's rules and adapters);
- compositions, at the top: ``approval`` (a package's approval deploys it, a rejection of the live one decides a
  rollback), ``data_arrival`` (ingest's service on labeling's and training's adapters) and ``config`` (every
  settings class, for tests and tools).

Every import counts: at module level, inside a function, under ``if TYPE_CHECKING:``, ``from mlops_core import x``,
``from mlops_core.x import y``, relative imports, and ``import_module`` with a literal (or literal-prefixed) name.
The layer never imports ``mlopsctl`` (the operator and local-stack tools are built on the layer, not the reverse).
docs/architecture.md explains the graph.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.support.files import ROOT

LAYER = ROOT / "layers" / "mlops_core" / "mlops_core"
PACKAGE = "mlops_core"
FORBIDDEN_ROOTS = ("mlopsctl",)

BASE = frozenset({"errors", "naming", "timefmt"})
SHARED = BASE | {"contract", "events", "settings", "handler", "task_handler", "aws"}

ALLOWED: dict[str, frozenset[str]] = {
    # shared
    "errors": frozenset(),
    "naming": frozenset(),
    "timefmt": frozenset(),
    "contract": frozenset(),
    "events": BASE,
    "settings": BASE | {"events"},
    "handler": BASE | {"events", "settings"},
    "task_handler": BASE,
    "aws": BASE,
    # features
    "ingest": SHARED,
    "training": SHARED | {"ingest"},
    "labeling": SHARED | {"ingest", "training"},
    "deploy": SHARED,
    "rollback": SHARED | {"deploy"},
    # compositions
    "approval": SHARED | {"deploy", "rollback"},
    "data_arrival": SHARED | {"ingest", "labeling", "training"},
    "config": frozenset({"settings", "ingest", "training", "deploy", "rollback", "approval"}),
}


def module_name(path: Path, layer: Path = LAYER) -> str:
    """The dotted name of a module of the layer (a package's ``__init__`` is the package).

    >>> module_name(LAYER / "deploy" / "tasks.py"), module_name(LAYER / "deploy" / "__init__.py")
    ('mlops_core.deploy.tasks', 'mlops_core.deploy')
    """
    parts = path.relative_to(layer.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str | None:
    """The unit a dotted name of the layer belongs to (``None``: the package itself, or not the layer).

    >>> unit_of("mlops_core.deploy.tasks"), unit_of("mlops_core.errors"), unit_of("mlops_core"), unit_of("boto3")
    ('deploy', 'errors', None, None)
    """
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def _resolve(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute name a ``from`` import names (``level`` dots, relative to ``importer``)."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _dynamic_name(call: ast.Call, importer: str) -> str | None:
    """The module an ``import_module(...)``/``__import__(...)`` call names, as far as it can be read.

    A literal is read whole; an f-string up to its first placeholder (``f"mlops_core.events.{m}"``: the events
    package; ``f"{__name__}.{m}"``: the importer itself). ``None``: not such a call; ``"?"``: unreadable.
    """
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
            return first.value.rsplit(".", 1)[0]
        if isinstance(first, ast.FormattedValue) and isinstance(first.value, ast.Name) and first.value.id == "__name__":
            return importer
    return "?"


def imported_names(source: str, importer: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` of every import in ``source``, at any depth; ``from a import b`` names ``a.b`` too.

    >>> sorted(n for _, n in imported_names("def f():\\n    from mlops_core import rollback", "mlops_core.deploy.x"))
    ['mlops_core', 'mlops_core.rollback']
    >>> [n for _, n in imported_names("from ..rollback import plan", "mlops_core.deploy.x")]
    ['mlops_core.rollback', 'mlops_core.rollback.plan']
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, importer, is_package)
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and (name := _dynamic_name(node, importer)) is not None:
            yield node.lineno, name


def violations(source: str, importer: str, is_package: bool = False) -> list[str]:
    """What in ``source`` (the module ``importer``) breaks the graph: each as ``line: importer -> imported (why)``."""
    unit = unit_of(importer)
    if unit is None:
        return []  # the package's own __init__ (checked to import nothing of the layer below)
    found, seen = [], set()
    for line, name in imported_names(source, importer, is_package):
        target = unit_of(name)
        if (line, target or name.split(".")[0]) in seen:
            continue  # one finding per statement and unit: ``from a.b import c`` names ``a.b`` and ``a.b.c``
        seen.add((line, target or name.split(".")[0]))
        if name == "?":
            found.append(f"{line}: {importer} -> a dynamic import whose module cannot be read")
        elif name.split(".")[0] in FORBIDDEN_ROOTS:
            found.append(f"{line}: {importer} -> {name} (the layer never imports {name.split('.')[0]})")
        elif target is not None and target != unit and target not in ALLOWED.get(unit, frozenset()):
            found.append(f"{line}: {importer} -> {name} ({unit} may not import {target})")
    return found


def layer_modules() -> Iterator[tuple[Path, str]]:
    """Every module of the layer, with its dotted name."""
    for path in sorted(LAYER.rglob("*.py")):
        yield path, module_name(path)


def test_every_unit_of_the_layer_has_its_place_in_the_graph() -> None:
    units = {unit for _, module in layer_modules() if (unit := unit_of(module)) is not None}

    assert sorted(units - ALLOWED.keys()) == [], "a new package or top-level module: add it to ALLOWED"
    assert sorted(ALLOWED.keys() - units) == [], "this unit is gone: remove it from ALLOWED"
    assert all(targets <= ALLOWED.keys() for targets in ALLOWED.values())


def test_the_allowed_graph_is_acyclic() -> None:
    try:
        order = list(TopologicalSorter(ALLOWED).static_order())
    except CycleError as error:  # pragma: no cover - the message is the cycle
        pytest.fail(f"ALLOWED has a cycle: {error.args[1]}")
    assert order.index("deploy") < order.index("rollback") < order.index("approval")
    assert order.index("ingest") < order.index("training") < order.index("labeling") < order.index("data_arrival")


def test_every_import_of_the_layer_follows_the_graph() -> None:
    found = []
    for path, module in layer_modules():
        found += violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")

    assert found == []


def test_the_package_root_imports_nothing_of_the_layer_and_no_tool() -> None:
    source = (LAYER / "__init__.py").read_text(encoding="utf-8")
    names = [name for _, name in imported_names(source, PACKAGE, is_package=True)]

    assert [name for name in names if name.split(".")[0] in (PACKAGE, *FORBIDDEN_ROOTS)] == []


@pytest.mark.parametrize(
    ("importer", "source", "expected"),
    [
        ("mlops_core.deploy.x", "from mlops_core.rollback.plan import plan_rollback", "deploy may not import rollback"),
        ("mlops_core.deploy.x", "from mlops_core.rollback import plan", "deploy may not import rollback"),
        ("mlops_core.deploy.x", "import mlops_core.rollback.plan as p", "deploy may not import rollback"),
        ("mlops_core.deploy.x", "def f():\n    from mlops_core import rollback", "deploy may not import rollback"),
        ("mlops_core.deploy.x", "from ..rollback import plan", "deploy may not import rollback"),
        ("mlops_core.deploy", "from ..approval import service", "deploy may not import approval"),
        ("mlops_core.deploy.x", "if TYPE_CHECKING:\n    from mlops_core.approval.service import A", "approval"),
        (
            "mlops_core.ingest.x",
            "from mlops_core.labeling.backends import NoLabeling",
            "ingest may not import labeling",
        ),
        ("mlops_core.training.x", "from mlops_core.labeling import service", "training may not import labeling"),
        ("mlops_core.aws.x", "from mlops_core.ingest.ports import ObjectStore", "aws may not import ingest"),
        ("mlops_core.events.x", "from mlops_core.settings import CoreSettings", "events may not import settings"),
        ("mlops_core.rollback.x", "from mlops_core.config import DeploySettings", "rollback may not import config"),
        (
            "mlops_core.rollback.x",
            "import importlib\nimportlib.import_module('mlops_core.approval.wiring')",
            "approval",
        ),
        ("mlops_core.rollback.x", "from importlib import import_module\nimport_module(name)", "cannot be read"),
        ("mlops_core.handler", "import mlopsctl.ops.target", "never imports mlopsctl"),
        ("mlops_core.aws.x", "def f():\n    from mlopsctl import local", "never imports mlopsctl"),
    ],
)
def test_an_import_outside_the_graph_is_found(importer: str, source: str, expected: str) -> None:
    found = violations(source, importer, is_package=importer == "mlops_core.deploy")

    assert len(found) == 1, found
    assert expected in found[0]


@pytest.mark.parametrize(
    ("importer", "source"),
    [
        ("mlops_core.rollback.x", "from mlops_core.deploy.store import DeploymentStore"),
        ("mlops_core.rollback.x", "from . import plan\nfrom .triggers import Trigger"),
        ("mlops_core.approval.x", "from mlops_core.rollback.plan import plan_rollback"),
        ("mlops_core.labeling.x", "def f():\n    from mlops_core.training import starts"),
        ("mlops_core.events", "from importlib import import_module\nimport_module(f'{__name__}.alarm')"),
        ("mlops_core.events.x", "from importlib import import_module\nimport_module(f'mlops_core.events.{m}')"),
        ("mlops_core.deploy.x", "import boto3\nfrom pydantic import BaseModel"),
    ],
)
def test_an_import_inside_the_graph_is_not(importer: str, source: str) -> None:
    assert violations(source, importer, is_package=importer == "mlops_core.events") == []
