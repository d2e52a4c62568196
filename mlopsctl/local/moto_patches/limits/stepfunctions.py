"""Step Functions ``StartExecution``: the characters an execution name may not contain (moto does not check them).

"A name must not contain: white space; brackets ``< > { } [ ]``; wildcard characters ``? *``; special characters
``" # % \\ ^ | ~ ` $ & , ; : /``; control characters (``U+0000-001F``, ``U+007F-009F``, ``U+FFFE-FFFF``); surrogates
(``U+D800-DFFF``); invalid characters (``U+10FFFF``)" (Step Functions API Reference, StartExecution, ``name``).
Such a name fails with ``InvalidName`` (``Invalid Name: '<name>'``), after the state machine was found (a missing state
machine is ``StateMachineDoesNotExist`` first). Its length (at most 80) is a model constraint, checked with the others
(:mod:`.requests`). White space is read as Unicode white space (Java's and Python's ``isspace`` differ; the broader).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.exceptions import InvalidName

_FORBIDDEN = frozenset('<>{}[]?*"#%\\^|~`$&,;:/')


def _forbidden(char: str) -> bool:
    code = ord(char)
    return (
        char.isspace()
        or char in _FORBIDDEN
        or code <= 0x1F
        or 0x7F <= code <= 0x9F
        or 0xFFFE <= code <= 0xFFFF
        or 0xD800 <= code <= 0xDFFF
        or code == 0x10FFFF
    )


def invalid_execution_name(name: str) -> bool:
    """Whether ``name`` contains a character ``StartExecution`` refuses.

    Examples
    --------
    >>> invalid_execution_name("mlops-dev-v3-0123456789abcdef"), invalid_execution_name("a b")
    (False, True)
    """
    return any(_forbidden(char) for char in name)


def checked_start_execution(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``StepFunctionResponse.start_execution`` that refuses the names AWS refuses."""

    @functools.wraps(original)
    def start_execution(response: Any) -> Any:
        name = response._get_param("name")
        if isinstance(name, str) and invalid_execution_name(name):
            response.stepfunction_backend.describe_state_machine(response._get_param("stateMachineArn"))
            raise InvalidName(f"Invalid Name: '{name}'")
        return original(response)

    return start_execution
