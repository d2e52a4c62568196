"""The template's part in every function's cold start: pydantic's plugin lookup is off, for every function, in the
template's ``Globals`` (Lambda), in the local stack and in the cold-start bench, which read the same environment.

pydantic looks up its plugins (the ``pydantic`` entry points of every installed package's metadata) when it builds
the first model; the layer uses none, and ``PYDANTIC_DISABLE_PLUGINS=__all__`` skips the lookup ("Pydantic Plugins",
Disabling Plugins: https://docs.pydantic.dev/latest/concepts/plugins/#disabling-plugins).
``tests/unit/test_cold_start_imports.py`` shows that the lookup is skipped with the template's value, and made
without it.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.coldstart_env import environments
from tests.support.files import ROOT_TEMPLATE as TEMPLATE_PATH
from tests.support.template_rules import RESOURCES, TEMPLATE, function_props, of_type

FUNCTIONS = sorted(of_type("AWS::Serverless::Function"))
VARIABLE, VALUE = "PYDANTIC_DISABLE_PLUGINS", "__all__"


def own_variables(name: str) -> dict[str, Any]:
    """A function's own environment variables (without ``Globals``)."""
    return dict((RESOURCES[name]["Properties"].get("Environment") or {}).get("Variables") or {})


def test_the_globals_turn_the_lookup_off_for_every_function() -> None:
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"][VARIABLE] == VALUE
    assert len(FUNCTIONS) >= 9
    assert [name for name in FUNCTIONS if VARIABLE in own_variables(name)] == []  # none sets it back


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_runs_with_the_lookup_off(name: str) -> None:
    assert function_props(name)["Environment"]["Variables"][VARIABLE] == VALUE


def test_the_bench_runs_every_function_with_the_templates_value() -> None:
    by_function = environments(TEMPLATE_PATH)

    assert len(by_function) >= 9
    assert {name: env[VARIABLE] for name, env in by_function.items()} == dict.fromkeys(by_function, VALUE)
