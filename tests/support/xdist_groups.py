"""One xdist worker for the tests that share a fixture wider than a test (``--dist loadgroup``, as ``make unit`` runs).

Under ``--dist load`` the tests of a module are spread over the workers, and each worker builds the module's fixtures
again (every time it comes back to the module): a stack, a whole demo run. :func:`group_shared_fixtures` marks the
tests that use a module-, class-, package- or session-scoped fixture of the project with ``xdist_group``, so that
they run on one worker, which builds the fixture once; every other test is still sent to whichever worker is free.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

_WIDE = ("class", "module", "package", "session")
_GROUP = pytest.StashKey[str]()


def _group(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    shared = [
        (definition.scope, definition.argname)
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
        if definition.scope in _WIDE and definition.func.__module__.split(".")[0] in {"tests", "conftest"}
    ]
    if not shared:
        return None
    if any(scope in ("class", "module") for scope, _ in shared):
        return item.nodeid.split("::", 1)[0]
    return "+".join(sorted(f"{scope}:{name}" for scope, name in shared))


def group_shared_fixtures(items: Iterable[pytest.Item]) -> None:
    """Mark each test that uses a shared fixture of the project with the ``xdist_group`` of that fixture: its module
    (module- or class-scoped fixtures), else the session fixtures it uses."""
    for item in items:
        group = _group(item)
        if group is not None:
            item.stash[_GROUP] = group
            item.add_marker(pytest.mark.xdist_group(group))


def reported_nodeid(item: pytest.Item) -> str:
    """The test's node id as collected (``--dist loadgroup`` appends ``@<group>`` to the id of a grouped test)."""
    group = item.stash.get(_GROUP, None)
    return item.nodeid.removesuffix(f"@{group}") if group is not None else item.nodeid
