"""The local stack runs every function of ``template.yaml`` with the environment Lambda would give it, including the
``Globals`` variable that turns pydantic's plugin lookup off (``tests/contract/test_template_cold_start.py``).

The runner applies a function's environment (:class:`~mlopsctl.local.runtime.provision.FunctionSpec`'s
``environment``) around its import, its cold start, and every invocation (``tests/flows/test_local_stack.py`` shows a
handler reading it); the function registered in moto carries the same.
"""

from __future__ import annotations

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT

pytestmark = pytest.mark.flow

VARIABLE, VALUE = "PYDANTIC_DISABLE_PLUGINS", "__all__"


def test_every_function_of_the_template_runs_with_pydantics_plugin_lookup_off() -> None:
    with LocalStack(ROOT / "template.yaml") as stack:
        functions = stack.resources.functions
        registered = {
            logical_id: stack.client("lambda").get_function_configuration(FunctionName=spec.name)["Environment"]
            for logical_id, spec in functions.items()
        }

    assert len(functions) >= 9
    assert {logical_id: spec.environment.get(VARIABLE) for logical_id, spec in functions.items()} == dict.fromkeys(
        functions, VALUE
    )
    assert {logical_id: env["Variables"].get(VARIABLE) for logical_id, env in registered.items()} == dict.fromkeys(
        functions, VALUE
    )
