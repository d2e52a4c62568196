"""Every patch of a moto internal is in ``mlopsctl.local.moto_patches``, registered, and checked on the pinned moto."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import moto
import pytest

from mlopsctl.local.moto_patches.checked import PATCHES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mlopsctl" / "local" / "moto_patches"
_PATCHERS = {"object", "setattr", "_wrap", "dict"}


def _pinned_moto() -> str:
    found = re.search(r"^moto(?:\[[^\]]*\])?==(\S+)$", (ROOT / "requirements" / "dev.txt").read_text(), re.M)
    assert found, "requirements/dev.txt pins no moto version"
    return found.group(1)


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name)
        return value
    raise ImportError(dotted)


def _patch_calls(tree: ast.AST) -> list[ast.Call]:
    """``mock.patch.object(...)``, ``mock.patch.dict(...)``, ``setattr(...)`` and ``_wrap(...)`` calls."""
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _PATCHERS and node.args:
                calls.append(node)
    return calls


def _moto_names(tree: ast.AST) -> set[str]:
    """Names a module binds to moto modules or moto objects."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(
                alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name.startswith("moto")
            )
    return names


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def test_the_pinned_moto_is_the_version_every_patch_was_checked_on() -> None:
    pinned = _pinned_moto()
    assert moto.__version__ == pinned
    stale = [f"{p.module}: {p.why}" for p in PATCHES if p.checked_on != pinned]
    assert not stale, f"re-check these patches on moto {pinned}, then update checked_on: {stale}"


@pytest.mark.parametrize("target", [t for p in PATCHES for t in p.replaces])
def test_every_attribute_a_patch_replaces_exists_in_moto(target: str) -> None:
    _resolve(target)


@pytest.mark.parametrize("target", [t for p in PATCHES for t in p.adds])
def test_every_class_a_patch_adds_to_exists_in_moto(target: str) -> None:
    assert isinstance(_resolve(target.rsplit(".", 1)[0]), type)


def test_every_registered_patch_names_a_module_of_the_package() -> None:
    missing = {p.module for p in PATCHES if not (PACKAGE / (p.module.replace(".", "/") + ".py")).is_file()}
    assert not missing


def test_no_module_outside_the_package_patches_moto() -> None:
    offenders = []
    for path in sorted((ROOT / "mlopsctl").rglob("*.py")):
        if PACKAGE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        moto_names = _moto_names(tree)
        for call in _patch_calls(tree):
            first = call.args[0]
            is_moto = _root(first) in moto_names or (
                isinstance(first, ast.Constant) and str(first.value).startswith("moto.")
            )
            if is_moto:
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not offenders, f"patch moto in mlopsctl/local/moto_patches/ and register it in checked.py: {offenders}"


def test_every_attribute_the_package_patches_by_name_is_registered() -> None:
    registered = {t.rsplit(".", 1)[1] for p in PATCHES for t in (*p.replaces, *p.adds)}
    unregistered = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        moto_names = _moto_names(tree)
        for call in _patch_calls(tree):
            named = call.args[1] if len(call.args) > 1 else None
            by_name = isinstance(named, ast.Constant) and isinstance(named.value, str)
            if _root(call.args[0]) in moto_names and by_name and named.value not in registered:  # type: ignore[union-attr]
                unregistered.append(f"{path.relative_to(ROOT)}:{call.lineno} {named.value}")
    assert not unregistered
