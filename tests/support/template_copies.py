"""The project's template with one grant taken out, for mutation tests of the service-side roles.

Two ways, both from the template's own statements:

- :func:`template_with`: a copy of ``template.yaml`` in a temporary directory next to links to the code it names
  (``functions/``, ``layers/``, ``statemachines/``), which :class:`~mlopsctl.local.runtime.stack.LocalStack` reads
  exactly
  as it reads ``template.yaml``. Each edit must match the template exactly once: a test whose edit no longer
  applies fails instead of passing on an unchanged template. A stack costs seconds to start, so each role keeps at
  least one such test;
- :func:`statement_removed`: for the other statements, a running stack of the project's template whose IAM sees
  the role without one statement (found by its ``Sid`` in the policies the template declares) while the block runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

from mlopsctl.local.iam.evaluate import Policy
from mlopsctl.local.iam.principals import NamedPolicy
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT
from tests.support.files import ROOT_TEMPLATE as TEMPLATE

_LINKED = ("functions", "layers", "statemachines")


def template_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of ``template.yaml`` with each ``(old, new)`` replaced; each ``old`` must occur exactly once."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for old, new in edits:
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"the edit must match template.yaml exactly once, it matches {count} times: {old!r}")
        text = text.replace(old, new)
    copy = tmp_path / "template.yaml"
    copy.write_text(text, encoding="utf-8")
    for folder in _LINKED:
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return copy


def role_section(logical_id: str) -> str:
    """The text of one resource of ``template.yaml``: from its logical ID to the next resource, comment or section."""
    text = TEMPLATE.read_text(encoding="utf-8")
    start = text.index(f"\n  {logical_id}:\n") + 1
    following = re.compile(r"^(  [A-Za-z#]|[A-Za-z])", re.MULTILINE)
    match = following.search(text, text.index("\n", start) + 1)
    return text[start : match.start() if match else len(text)]


def without_statement(logical_id: str, sid: str) -> tuple[str, str]:
    """The edit that removes the statement ``sid`` (and the comment lines just above it) from ``logical_id``."""
    section = role_section(logical_id)
    lines = section.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == f"- Sid: {sid}")
    indent = _indent(lines[first])
    start = first
    while start > 0 and lines[start - 1].strip().startswith("#") and _indent(lines[start - 1]) == indent:
        start -= 1
    end = first + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    return section, "".join(lines[:start] + lines[end:])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


@contextlib.contextmanager
def statement_removed(stack: LocalStack, logical_id: str, sid: str) -> Iterator[None]:
    """While the block runs, the stack's IAM sees role ``logical_id`` without its statement ``sid`` (exactly one)."""
    assert stack.iam is not None, "the stack runs without IAM"
    policies = stack.iam.policies
    role = policies.role_by_logical_id(logical_id)
    assert role is not None, f"no role {logical_id}"
    kept: list[NamedPolicy] = []
    removed = 0
    for named in role.policies:
        statements = [s for s in named.policy.statements if s.ref.sid != sid]
        removed += len(named.policy.statements) - len(statements)
        raw = named.document.get("Statement", [])
        document = {**named.document, "Statement": [s for s in (raw if isinstance(raw, list) else [raw])
                                                    if s.get("Sid") != sid]}  # fmt: skip
        kept.append(NamedPolicy(named.name, document, Policy(tuple(statements))))
    assert removed == 1, f"{logical_id} has {removed} statements {sid!r}"
    policies.roles[role.arn] = dataclasses.replace(role, policies=tuple(kept))
    try:
        yield
    finally:
        policies.roles[role.arn] = role
