"""The IAM report: for every statement of every role in the template, the flows (tests) whose calls it allowed.

``make test`` (and ``make iam``) runs the test suite with ``MLOPS_IAM_USAGE_DIR=.iam-usage`` (each pytest worker writes
which statement allowed calls in which test), then ``python -m mlopsctl.local.iam.report .iam-usage`` writes
``.iam-usage/iam-report.md`` and exits 1 when
a statement the template declares was used by no flow and the template does not say, next to it, why it is kept::

    Metadata:
      mlops:
        iam-kept:
          <PolicyName>/<Sid or #index>: why the statement is kept although no flow exercises it

(on the role's resource, or on the function or state machine whose SAM-generated role it is). Managed policies SAM
attaches (``AWSLambdaBasicExecutionRole``, …) are listed apart: they are AWS's, used by the Lambda and X-Ray services.

A statement that exists only with some parameter values (under a condition false by default) is listed too when its
role says with which, so it must be used by a flow like every other::

    Metadata:
      mlops:
        iam-report-parameters:
          CustomImageRepositoryArn: arn:aws:ecr:us-east-1:123456789012:repository/my-model

(the report deploys the template once more with every such value).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlopsctl.local.iam.principals import managed_policy_documents, transformed_resources
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack

MANAGED_NAMES = {arn.rsplit("/", 1)[-1] for arn in managed_policy_documents()}


@dataclass(frozen=True)
class Row:
    """One statement of one role and what used it."""

    role: str
    policy: str
    statement: str
    actions: tuple[str, ...]
    flows: tuple[str, ...]
    kept: str | None

    @property
    def managed(self) -> bool:
        """A managed policy SAM attaches (AWS's, not the template's)."""
        return self.policy in MANAGED_NAMES

    @property
    def status(self) -> str:
        """``used``, ``kept: …``, ``AWS managed`` or ``UNUSED``."""
        if self.flows:
            return "used"
        if self.kept:
            return f"kept: {self.kept}"
        return "AWS managed" if self.managed else "UNUSED"


def load_usage(directory: Path) -> dict[str, set[str]]:
    """Merge the workers' ``{label: [test ids]}`` files."""
    used: dict[str, set[str]] = defaultdict(set)
    for path in sorted(directory.glob("*.json")):
        for label, tests in json.loads(path.read_text()).items():
            used[label].update(tests)
    return used


def rows(template: Path, used: dict[str, set[str]]) -> list[Row]:
    """Every statement of every role of ``template`` with the tests that used it."""
    kept = _kept(template)
    out: list[Row] = []
    seen: set[str] = set()
    extra = _report_parameters(template)
    for parameters in ({}, extra) if extra else ({},):
        out.extend(_rows(template, parameters, used, kept, seen))
    return out


def _rows(
    template: Path,
    parameters: dict[str, str],
    used: dict[str, set[str]],
    kept: dict[str, dict[str, str]],
    seen: set[str],
) -> list[Row]:
    out = []
    with LocalStack(template, parameters=parameters, iam=True) as stack:
        assert stack.iam is not None  # noqa: S101 - iam=True
        roles = sorted(stack.iam.policies.roles.values(), key=lambda r: r.logical_id)
        for role in roles:
            for named in role.policies:
                for statement in named.policy.statements:
                    label = statement.ref.label()
                    if label in seen:
                        continue
                    seen.add(label)
                    short = f"{named.name}/{statement.ref.sid or f'#{statement.ref.index}'}"
                    out.append(
                        Row(
                            role.logical_id,
                            named.name,
                            statement.ref.sid or f"#{statement.ref.index}",
                            tuple(statement.actions or statement.not_actions or ()),
                            tuple(sorted(used.get(label, ()))),
                            kept.get(role.logical_id, {}).get(short),
                        )
                    )
    return out


def _report_parameters(template: Path) -> dict[str, str]:
    """Every ``iam-report-parameters`` value of the template's resources, merged."""
    out: dict[str, str] = {}
    for body in transformed_resources(template).values():
        values = ((body.get("Metadata") or {}).get("mlops") or {}).get("iam-report-parameters") or {}
        out.update({str(k): str(v) for k, v in values.items()})
    return out


def _kept(template: Path) -> dict[str, dict[str, str]]:
    """``iam-kept`` reasons by role logical ID (a SAM function's or state machine's role is ``<Resource>Role``)."""
    out: dict[str, dict[str, str]] = {}
    for logical_id, body in transformed_resources(template).items():
        reasons = ((body.get("Metadata") or {}).get("mlops") or {}).get("iam-kept") or {}
        if reasons:
            role = logical_id if body.get("Type") == "AWS::IAM::Role" else f"{logical_id}Role"
            out.setdefault(role, {}).update({str(k): str(v) for k, v in reasons.items()})
    return out


def markdown(report: list[Row]) -> str:
    """The report as a Markdown page."""
    lines = [
        "# IAM report: which flows use each statement",
        "",
        "Generated by `make iam` (the test suite with IAM enforced on the local stack); do not edit.",
        "",
        "| Role | Policy | Statement | Actions | Flows | Status |",
        "|---|---|---|---|---|---|",
    ]
    for row in report:
        flows = ", ".join(f"`{f.split('::')[-1]}`" for f in row.flows[:3])
        more = f" (+{len(row.flows) - 3})" if len(row.flows) > 3 else ""
        actions = ", ".join(row.actions)
        lines.append(f"| {row.role} | {row.policy} | {row.statement} | {actions} | {flows}{more} | {row.status} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlopsctl.local.iam.report USAGE_DIR [--template T] [--output FILE]``."""
    parser = argparse.ArgumentParser(prog="iam-report", description=__doc__.split("\n", 1)[0])
    parser.add_argument("usage", type=Path, help="the folder the test run wrote its usage files to")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--output", type=Path, default=None, help="default: USAGE/iam-report.md")
    args = parser.parse_args(argv)
    report = rows(args.template, load_usage(args.usage))
    output = args.output or args.usage / "iam-report.md"
    output.write_text(markdown(report), encoding="utf-8")
    unused = [r for r in report if r.status == "UNUSED"]
    for row in unused:
        print(f"unused: {row.role} {row.policy}/{row.statement} ({', '.join(row.actions)})", file=sys.stderr)
    print(f"{len(report)} statements, {len(report) - len(unused)} used or kept; report in {output}")
    return 1 if unused else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
