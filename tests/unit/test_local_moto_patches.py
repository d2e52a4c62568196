"""Every use of a moto internal is in ``mlopsctl.local.moto_patches``, registered, and checked on the pinned moto.

Patches (``checked.PATCHES``) replace or add moto attributes, in the package's patch modules only. Reads go through
the accessors of ``moto_patches/backends/`` (``checked.READS``, ``checked.RECORDS``).

The rule, for every module of ``mlopsctl/`` outside ``mlopsctl/local/moto_patches/``, of ``tests/`` and the root
``conftest.py`` (the tests read moto through the same accessors, or through boto3; :data:`ALLOWED_IN_TESTS` names the
few uses a test of a patch itself keeps, each with its reason):

- from moto it imports only moto's public API: ``moto`` itself (``mock_aws``, ``__version__``) and
  ``moto.server.ThreadedMotoServer`` (both exported by moto as public symbols, PEP 561). Any other moto module is
  internal: ``moto.<service>.*`` (models, utils, exceptions, responses), ``moto.core.*`` (reset and config
  included: :func:`~mlopsctl.local.moto_patches.backends.reset_moto` resets), ``moto.utilities``,
  ``moto.moto_server``, ``moto.moto_api``, ``moto.backends``; importing one by name (``importlib.import_module``,
  ``__import__``) counts too;
- it names no ``*_backends`` mapping (moto's per-account, per-region state).

Inside the package, the patch modules read what they patch (registered in ``checked.PATCHES``); everything else
reads moto through the accessors of ``moto_patches/backends/``, each registered (``checked.READS``) with the moto
version it was checked on and the moto attributes it touches; the protocols typing moto's objects are registered in
``checked.RECORDS``. After a moto upgrade these tests fail until each accessor is re-read against the new moto and
its ``checked_on`` updated.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import moto
import pytest

from mlopsctl.local.moto_patches import backends
from mlopsctl.local.moto_patches.checked import PATCHES, READS, RECORDS, Read

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
    for path in checked_modules():
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


# -- reads: the rule and the accessors' registry -------------------------------------------------------------------

_PUBLIC = {"moto": {"mock_aws", "__version__"}, "moto.server": {"ThreadedMotoServer"}}
_IMPORTERS = {"import_module", "__import__"}


def internal_uses(source: str) -> list[str]:
    """The moto internals ``source`` imports or names, as ``line: what`` (empty when it keeps to the rule)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            allowed = _PUBLIC.get(node.module or "", set())
            found += [f"{node.lineno}: from {node.module} import {a.name}" for a in node.names if a.name not in allowed]
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.startswith("moto.")]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            value = str(node.args[0].value)
            if name in _IMPORTERS and value.split(".", maxsplit=1)[0] == "moto" and value not in _PUBLIC:
                found.append(f"{node.lineno}: {name}({value!r})")
        elif isinstance(node, ast.Name | ast.Attribute | ast.alias):
            name = (
                node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else node.name
            )
            if name.endswith("_backends"):
                found.append(f"{getattr(node, 'lineno', '?')}: {name}")
    return found


def _instance_attributes(cls: type) -> set[str]:
    """Attributes a class's methods assign on ``self`` and its annotations, over its MRO (moto's own classes)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        names.update(getattr(klass, "__annotations__", {}))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    names.add(target.attr)
    return names


def moto_attribute_exists(dotted: str) -> bool:
    """Whether ``dotted`` (``module.name``, ``module.Class.attribute``) names something moto has; the last name may
    be an instance attribute (assigned on ``self`` or annotated in the class or its bases)."""
    try:
        _resolve(dotted)
    except (AttributeError, ImportError):
        owner, _, name = dotted.rpartition(".")
        try:
            cls = _resolve(owner)
        except (AttributeError, ImportError):
            return False
        return isinstance(cls, type) and name in _instance_attributes(cls)
    return True


def stale(reads: list[Read], pinned: str) -> list[str]:
    """The accessors not checked on ``pinned``."""
    return [f"{r.accessor} (checked on {r.checked_on})" for r in reads if r.checked_on != pinned]


def _protocol_members(protocol: type) -> list[str]:
    return [n for n, v in vars(protocol).items() if isinstance(v, property)]


# -- the rule --------------------------------------------------------------------------------------------------------


#: Uses of a moto internal the tests keep, each with its reason: a test of a patch itself, or the rule's own test.
#: Key: (module, the use as :func:`internal_uses` gives it without its line). The list only shrinks (checked below).
ALLOWED_IN_TESTS: dict[tuple[str, str], str] = {
    (
        "tests/adapters/test_local_start_caches.py",
        "from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser",
    ): "a test of the speed patch of AmazonStateLanguageParser.parse itself: each parse still builds its own program",
    (
        "tests/unit/test_local_moto_patches.py",
        "import_module('moto.sagemaker.models')",
    ): "the rule's own test: an instance attribute of a moto class is found where the class has no such attribute",
}


def checked_modules() -> list[Path]:
    """The modules the rule holds for: ``mlopsctl/`` outside the package, the tests and the root ``conftest.py``."""
    local = [path for path in (ROOT / "mlopsctl").rglob("*.py") if PACKAGE not in path.parents]
    return sorted([*local, *(ROOT / "tests").rglob("*.py"), ROOT / "conftest.py"])


def uses_outside_the_package() -> list[tuple[str, str]]:
    """``(module, use)`` for every moto internal a checked module uses (the use with its line number)."""
    return [
        (str(path.relative_to(ROOT)), use)
        for path in checked_modules()
        for use in internal_uses(path.read_text(encoding="utf-8"))
    ]


def test_no_module_outside_the_package_uses_a_moto_internal() -> None:
    offenders = [
        f"{module}:{use}"
        for module, use in uses_outside_the_package()
        if (module, use.split(": ", 1)[1]) not in ALLOWED_IN_TESTS
    ]
    assert not offenders, f"read moto through mlopsctl/local/moto_patches/backends/ (or boto3): {offenders}"


def test_every_use_the_tests_are_allowed_is_still_made() -> None:
    made = {(module, use.split(": ", 1)[1]) for module, use in uses_outside_the_package()}
    assert [allowed for allowed in ALLOWED_IN_TESTS if allowed not in made] == []


@pytest.mark.parametrize(
    "source",
    [
        "from moto.sagemaker.models import FakeEndpoint",
        "from moto.core.models import base_decorator",
        "from moto.moto_server.werkzeug_app import create_backend_app",
        "from moto import settings",
        "import moto.s3.models",
        "importlib.import_module('moto.events.models')",
        "def f(x):\n    return x.sagemaker_backends",
        "backends = s3_backends['123456789012']",
    ],
)
def test_the_rule_finds_each_kind_of_internal_use(source: str) -> None:
    assert internal_uses(source)


@pytest.mark.parametrize(
    "source",
    ["from moto import mock_aws", "from moto.server import ThreadedMotoServer", "import moto\nv = moto.__version__"],
)
def test_the_rule_allows_moto_public_api(source: str) -> None:
    assert internal_uses(source) == []


# -- the registry ----------------------------------------------------------------------------------------------------


def test_the_pinned_moto_is_the_version_every_accessor_and_record_was_checked_on() -> None:
    pinned = _pinned_moto()
    assert moto.__version__ == pinned
    assert not stale(list(READS.values()), pinned), f"re-check these accessors on moto {pinned}"
    assert not [name for name, r in RECORDS.items() if r.checked_on != pinned]


def test_a_stale_accessor_is_reported() -> None:
    assert stale([Read("sagemaker_endpoint", "5.0.0", ())], _pinned_moto()) == ["sagemaker_endpoint (checked on 5.0.0)"]


@pytest.mark.parametrize("attribute", sorted({a for r in READS.values() for a in r.attributes}))
def test_every_attribute_an_accessor_reads_exists_in_moto(attribute: str) -> None:
    assert moto_attribute_exists(attribute), f"{attribute} is gone from moto {moto.__version__}"


@pytest.mark.parametrize(
    "member", [f"{r.moto_class}.{m}" for r in RECORDS.values() for m in _protocol_members(r.protocol)]
)
def test_every_member_of_a_record_protocol_is_an_attribute_of_its_moto_class(member: str) -> None:
    assert moto_attribute_exists(member), f"{member} is gone from moto {moto.__version__}"


@pytest.mark.parametrize(
    "attribute",
    [
        "moto.sagemaker.models.FakeEndpoint.no_such_field",
        "moto.sagemaker.models.no_such_backends",
        "moto.no_such_service.models.Backend",
    ],
)
def test_a_vanished_attribute_is_reported(attribute: str) -> None:
    assert not moto_attribute_exists(attribute)


def test_an_instance_attribute_assigned_in_init_is_found() -> None:
    assert moto_attribute_exists("moto.sagemaker.models.FakeEndpoint.endpoint_status")
    assert not hasattr(importlib.import_module("moto.sagemaker.models").FakeEndpoint, "endpoint_status")


def test_every_public_accessor_of_the_package_is_registered_and_exported() -> None:
    accessors = []
    for path in sorted(Path(backends.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        accessors += [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    assert accessors, "moto_patches/backends/ defines no accessor"
    assert set(accessors) <= set(backends.__all__)
    assert [name for name in accessors if name not in READS] == []
    assert all(r.attributes for r in READS.values()), "an accessor names no moto attribute it reads"
    assert all(_protocol_members(r.protocol) for r in RECORDS.values())
