"""CloudFormation intrinsic functions, resolved against the local stack's parameters and provisioned resources.

Supported: ``Ref`` (parameters, pseudo parameters, resources), ``Fn::GetAtt``, ``Fn::Sub`` (both forms and
``${!Literal}``), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` / ``Fn::Equals`` / ``Fn::And`` /
``Fn::Or`` / ``Fn::Not`` / ``Condition``, ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::GetAZs``, ``Fn::ToJsonString``,
``Fn::Length`` and ``AWS::NoValue`` (the key or list item is dropped).

Examples
--------
>>> r = Resolver(parameters={"Env": "dev"}, pseudo={"AWS::Region": "us-east-1"})
>>> r.resolve({"Fn::Sub": "${Env}-${AWS::Region}-${!Literal}"})
'dev-us-east-1-${Literal}'
>>> r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]})
'b'
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlopsctl.local.errors import TemplateError

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NO_VALUE = object()

#: Resolves a resource reference: ``(logical_id, attribute or None for Ref)`` → value.
ResourceLookup = Callable[[str, str | None], Any]


def _no_resources(logical_id: str, attribute: str | None) -> Any:  # noqa: ARG001 - a ResourceLookup
    raise TemplateError(f"{logical_id} is not a parameter, and resources cannot be referenced here")


class Resolver:
    """Resolves intrinsic functions in template values.

    Parameters
    ----------
    parameters:
        Parameter values by name (a ``CommaDelimitedList`` as a list).
    pseudo:
        Pseudo parameters (``AWS::Region``, ``AWS::AccountId``, ``AWS::StackName``, …).
    conditions:
        Evaluated conditions by name.
    mappings:
        The template's ``Mappings``.
    resources:
        How to resolve a resource reference; the default refuses (used while evaluating conditions).
    """

    def __init__(
        self,
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        conditions: Mapping[str, bool] | None = None,
        mappings: Mapping[str, Any] | None = None,
        resources: ResourceLookup = _no_resources,
    ) -> None:
        self._parameters = dict(parameters)
        self._pseudo = dict(pseudo)
        self._conditions = dict(conditions or {})
        self._mappings = dict(mappings or {})
        self._resources = resources

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function inside ``value`` (a new value is returned)."""
        result = self._resolve(value)
        return None if result is _NO_VALUE else result

    def condition(self, name: str) -> bool:
        """The value of a named condition."""
        if name not in self._conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return self._conditions[name]

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = (self._resolve(v) for v in value)
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key in {"Ref", "Condition"} or key.startswith("Fn::"):
                return self._function(key, arg)
        resolved = {k: self._resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _function(self, name: str, arg: Any) -> Any:
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise TemplateError(f"intrinsic function {name} is not supported by the local stack")
        return handler(self, arg)

    # -- functions -------------------------------------------------------------------------------------------------

    def ref(self, name: Any) -> Any:
        """``Ref``: a parameter, pseudo parameter or resource."""
        name = self._resolve(name)
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        return self._resources(str(name), None)

    def get_att(self, arg: Any) -> Any:
        """``Fn::GetAtt``: ``[LogicalId, Attribute]`` or ``"LogicalId.Attribute"``."""
        arg = self._resolve(arg)
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"Fn::GetAtt needs [LogicalId, Attribute], got {arg!r}")
        return self._resources(str(arg[0]), str(arg[1]))

    def sub(self, arg: Any) -> str:
        """``Fn::Sub``: a string, or ``[string, {variables}]``."""
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise TemplateError(f"Fn::Sub needs [string, {{variables}}], got {arg!r}")
            text, variables = arg[0], {k: self._resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise TemplateError(f"Fn::Sub needs a string, got {text!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _as_text(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return _as_text(self._resources(logical_id, attribute))
            return _as_text(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def join(self, arg: Any) -> str:
        """``Fn::Join``: ``[delimiter, [values]]``."""
        arg = self._resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
            raise TemplateError(f"Fn::Join needs [delimiter, [values]], got {arg!r}")
        return str(arg[0]).join(_as_text(v) for v in arg[1])

    def select(self, arg: Any) -> Any:
        """``Fn::Select``: ``[index, [values]]``."""
        arg = self._resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
            raise TemplateError(f"Fn::Select needs [index, [values]], got {arg!r}")
        index = int(arg[0])
        if not 0 <= index < len(arg[1]):
            raise TemplateError(f"Fn::Select index {index} is out of range for {arg[1]!r}")
        return arg[1][index]

    def split(self, arg: Any) -> list[str]:
        """``Fn::Split``: ``[delimiter, string]``."""
        arg = self._resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str)):
            raise TemplateError(f"Fn::Split needs [delimiter, string], got {arg!r}")
        return arg[1].split(str(arg[0]))

    def if_(self, arg: Any) -> Any:
        """``Fn::If``: ``[condition, value_if_true, value_if_false]``."""
        if not (isinstance(arg, list) and len(arg) == 3):
            raise TemplateError(f"Fn::If needs [condition, then, else], got {arg!r}")
        return self._resolve(arg[1] if self.condition(str(arg[0])) else arg[2])

    def equals(self, arg: Any) -> bool:
        """``Fn::Equals``: ``[a, b]``."""
        arg = self._resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"Fn::Equals needs [a, b], got {arg!r}")
        return _as_text(arg[0]) == _as_text(arg[1])

    def find_in_map(self, arg: Any) -> Any:
        """``Fn::FindInMap``: ``[map, top-level key, second-level key]``."""
        arg = self._resolve(arg)
        try:
            return self._mappings[arg[0]][arg[1]][arg[2]]
        except (KeyError, IndexError, TypeError):
            raise TemplateError(f"Fn::FindInMap: no value at {arg!r}") from None

    def to_json_string(self, arg: Any) -> str:
        """``Fn::ToJsonString`` (language extensions)."""
        return json.dumps(self._resolve(arg), separators=(",", ":"))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        raise TemplateError(f"cannot use an object where a string is expected: {value!r}")
    return str(value)


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": Resolver.ref,
    "Condition": lambda r, a: r.condition(str(a)),
    "Fn::GetAtt": Resolver.get_att,
    "Fn::Sub": Resolver.sub,
    "Fn::Join": Resolver.join,
    "Fn::Select": Resolver.select,
    "Fn::Split": Resolver.split,
    "Fn::If": Resolver.if_,
    "Fn::Equals": Resolver.equals,
    "Fn::And": lambda r, a: all(bool(r.resolve(v)) for v in a),
    "Fn::Or": lambda r, a: any(bool(r.resolve(v)) for v in a),
    "Fn::Not": lambda r, a: not bool(r.resolve(a[0] if isinstance(a, list) else a)),
    "Fn::FindInMap": Resolver.find_in_map,
    "Fn::Base64": lambda r, a: base64.b64encode(_as_text(r.resolve(a)).encode()).decode(),
    "Fn::GetAZs": lambda r, _: [f"{r.resolve({'Ref': 'AWS::Region'})}{z}" for z in "abc"],
    "Fn::ToJsonString": Resolver.to_json_string,
    "Fn::Length": lambda r, a: len(r.resolve(a)),
}


def references(value: Any) -> Iterator[str]:
    """Every logical ID or parameter name that ``value`` refers to (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                yield arg
            elif key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0] if isinstance(arg, list) else None
                if isinstance(target, str):
                    yield target
            elif key == "Fn::Sub":
                yield from _sub_references(arg)
            else:
                yield from references(arg)


def _sub_references(arg: Any) -> Iterator[str]:
    text = arg[0] if isinstance(arg, list) else arg
    if isinstance(text, str):
        yield from (name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text) if not name.startswith("!"))
    if isinstance(arg, list) and len(arg) > 1:
        yield from references(arg[1])
