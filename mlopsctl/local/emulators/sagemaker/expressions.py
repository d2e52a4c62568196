"""SageMaker Pipelines definition expressions, evaluated as the Pipelines service does (pure).

A pipeline definition (``pipelines/generated/<model>.json``) refers to values known only at run time:

- ``{"Get": "Parameters.QualityGateThreshold"}``, ``{"Get": "Execution.PipelineExecutionArn"}``,
  ``{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}``,
  ``{"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}`` (a list item selected by its
  ``…Name``), ``{"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"}`` (a property file);
- ``{"Std:Join": {"On": "/", "Values": [...]}}`` (values rendered as strings, joined);
- ``{"Std:JsonGet": {"PropertyFile": {...}, "Path": "a.b[0].c"}}`` (a value inside a step's property file);
- conditions ``{"Type": "GreaterThanOrEqualTo", "LeftValue": ..., "RightValue": ...}`` (and ``GreaterThan``,
  ``LessThan``, ``LessThanOrEqualTo``, ``Equals``, ``In``, ``Not``, ``Or``).

Examples
--------
>>> scope = Scope(parameters={"Threshold": 0.8}, execution={"PipelineExecutionId": "abc"})
>>> resolve({"Std:Join": {"On": "/", "Values": ["s3://b/runs", {"Get": "Execution.PipelineExecutionId"}]}}, scope)
's3://b/runs/abc'
>>> condition_holds({"Type": "GreaterThanOrEqualTo", "LeftValue": 0.9, "RightValue": {"Get": "Parameters.Threshold"}},
...                 scope)
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DefinitionError(ValueError):
    """A pipeline definition uses an expression, step type or reference the local pipeline runners cannot run."""


_SEGMENT = re.compile(r"^(?P<key>[^\[\]]+)(?P<selectors>(\[[^\]]+\])*)$")
_SELECTOR = re.compile(r"\[([^\]]+)\]")
_COMPARISONS = {
    "GreaterThanOrEqualTo": lambda a, b: a >= b,
    "GreaterThan": lambda a, b: a > b,
    "LessThanOrEqualTo": lambda a, b: a <= b,
    "LessThan": lambda a, b: a < b,
    "Equals": lambda a, b: a == b,
}


@dataclass(frozen=True)
class PropertyFileRef:
    """A step's property file, as ``{"Get": "Steps.<step>.PropertyFiles.<name>"}`` refers to it."""

    step: str
    name: str


@dataclass
class Scope:
    """What expressions can see during one execution.

    Attributes
    ----------
    parameters
        Parameter values, typed (see :func:`parameter_values`).
    execution
        ``PipelineExecutionId`` and ``PipelineExecutionArn``.
    steps
        Each finished step's properties (its job's Describe response), by step name.
    property_files
        Each finished step's property files (parsed JSON), by step name, then property file name.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    execution: Mapping[str, str] = field(default_factory=dict)
    steps: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    property_files: dict[str, dict[str, Any]] = field(default_factory=dict)


def parameter_values(declared: list[Mapping[str, Any]], given: Mapping[str, str]) -> dict[str, Any]:
    """The execution's parameter values: ``given`` (strings, as ``StartPipelineExecution`` takes them) over defaults.

    Values are converted to the declared ``Type`` (``Integer``, ``Float``, ``Boolean``, ``String``).

    Raises
    ------
    DefinitionError
        For an unknown parameter, a value of the wrong type, or a parameter without value or default.
    """
    names = {str(p["Name"]) for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        raise DefinitionError(f"unknown pipeline parameters: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for parameter in declared:
        name, kind = str(parameter["Name"]), str(parameter.get("Type", "String"))
        if name in given:
            values[name] = _typed(name, kind, given[name])
        elif "DefaultValue" in parameter:
            values[name] = _typed(name, kind, parameter["DefaultValue"])
        else:
            raise DefinitionError(f"pipeline parameter {name} has no value and no default")
    return values


def _typed(name: str, kind: str, value: Any) -> Any:
    try:
        if kind == "Integer":
            return int(value)
        if kind == "Float":
            return float(value)
        if kind == "Boolean":
            return value if isinstance(value, bool) else str(value).lower() == "true"
    except (TypeError, ValueError):
        raise DefinitionError(f"pipeline parameter {name}: {value!r} is not a valid {kind}") from None
    return str(value)


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with every expression in it evaluated (dicts and lists walked recursively)."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Get":
                return get(str(argument), scope)
            if key == "Std:Join":
                return _join(argument, scope)
            if key == "Std:JsonGet":
                return _json_get(argument, scope)
        return {str(k): resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    return value


def get(path: str, scope: Scope) -> Any:
    """The value of a ``Get`` path (``Parameters.X``, ``Execution.X``, ``Steps.<step>.<property path>``)."""
    root, _, rest = path.partition(".")
    if root == "Parameters":
        if rest not in scope.parameters:
            raise DefinitionError(f"{path}: no such pipeline parameter")
        return scope.parameters[rest]
    if root == "Execution":
        if rest not in scope.execution:
            raise DefinitionError(f"{path}: not an execution variable the local runner knows")
        return scope.execution[rest]
    if root == "Steps":
        step, _, prop = rest.partition(".")
        if prop.startswith("PropertyFiles."):
            name = prop.removeprefix("PropertyFiles.")
            if name not in scope.property_files.get(step, {}):
                raise DefinitionError(f"{path}: step {step} has not produced property file {name}")
            return PropertyFileRef(step, name)
        if step not in scope.steps:
            raise DefinitionError(f"{path}: step {step} has not run")
        return property_path(scope.steps[step], prop, path)
    raise DefinitionError(f"{path}: unknown reference")


def property_path(document: Any, path: str, context: str | None = None) -> Any:
    """Follow a property path (``A.B['name'].C`` or ``a.b[0].c``) into a Describe response or a JSON document.

    A quoted selector picks the list item whose ``…Name`` key (``OutputName``, ``ChannelName``, …) equals it; a number
    picks by index.
    """
    where = context or path
    current = document
    for segment in _split_path(path):
        match = _SEGMENT.match(segment)
        if match is None:
            raise DefinitionError(f"{where}: cannot read path segment {segment!r}")
        current = _member(current, match.group("key"), where)
        for selector in _SELECTOR.findall(match.group("selectors") or ""):
            current = _select(current, selector, where)
    return current


def _split_path(path: str) -> list[str]:
    """Split on dots outside brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(path):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            parts.append(path[start:index])
            start = index + 1
    parts.append(path[start:])
    return [p for p in parts if p]


def _member(current: Any, key: str, where: str) -> Any:
    if not isinstance(current, Mapping) or key not in current:
        raise DefinitionError(f"{where}: no {key!r} there")
    return current[key]


def _select(current: Any, selector: str, where: str) -> Any:
    if not isinstance(current, list):
        raise DefinitionError(f"{where}: [{selector}] applied to something that is not a list")
    text = selector.strip()
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        name = text[1:-1]
        for item in current:
            if isinstance(item, Mapping) and any(k.endswith("Name") and v == name for k, v in item.items()):
                return item
        raise DefinitionError(f"{where}: no item named {name!r}")
    try:
        return current[int(text)]
    except (ValueError, IndexError):
        raise DefinitionError(f"{where}: bad index [{selector}]") from None


def _join(argument: Any, scope: Scope) -> str:
    if not isinstance(argument, Mapping) or not isinstance(argument.get("Values"), list):
        raise DefinitionError(f"Std:Join needs On and Values, got {argument!r}")
    values = [render(resolve(v, scope)) for v in argument["Values"]]
    return str(argument.get("On", "")).join(values)


def _json_get(argument: Any, scope: Scope) -> Any:
    if not isinstance(argument, Mapping) or "Path" not in argument or "PropertyFile" not in argument:
        raise DefinitionError(f"Std:JsonGet needs PropertyFile and Path, got {argument!r}")
    ref = resolve(argument["PropertyFile"], scope)
    if not isinstance(ref, PropertyFileRef):
        raise DefinitionError(f"Std:JsonGet: {argument['PropertyFile']!r} is not a property file")
    document = scope.property_files[ref.step][ref.name]
    return property_path(document, str(argument["Path"]), f"{ref.step}.{ref.name}:{argument['Path']}")


def render(value: Any) -> str:
    """A value as Pipelines renders it into a string (numbers plainly, structures as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, PropertyFileRef):
        raise DefinitionError(f"property file {value.step}.{value.name} cannot be rendered as a string")
    return json.dumps(value, sort_keys=True)


def condition_holds(condition: Mapping[str, Any], scope: Scope) -> bool:
    """Whether one condition of a ``Condition`` step holds."""
    kind = str(condition.get("Type"))
    if kind in _COMPARISONS:
        left, right = resolve(condition.get("LeftValue"), scope), resolve(condition.get("RightValue"), scope)
        try:
            return bool(_COMPARISONS[kind](_comparable(left), _comparable(right)))
        except TypeError:
            raise DefinitionError(f"{kind}: cannot compare {left!r} with {right!r}") from None
    if kind == "In":
        value = resolve(condition.get("QueryValue"), scope)
        return value in [resolve(v, scope) for v in condition.get("Values") or []]
    if kind == "Not":
        return not condition_holds(condition["Expression"], scope)
    if kind == "Or":
        return any(condition_holds(c, scope) for c in condition.get("Conditions") or [])
    raise DefinitionError(f"condition type {kind} is not supported by the local runner")


def _comparable(value: Any) -> Any:
    """Numbers stay numbers; numeric strings (a ``Std:Join`` result) become numbers, as JsonGet values are."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value
