"""IAM policy evaluation, as AWS documents it, for the policies of one account (pure: no AWS, no moto).

What is evaluated (IAM User Guide, "Policy evaluation logic" and "Determining whether a request is allowed or denied
within an account"):

1. every applicable statement is matched on ``Action``/``NotAction`` (case-insensitive, ``*`` and ``?``),
   ``Resource``/``NotResource`` (case-sensitive, ``*`` and ``?`` spanning any characters), ``Principal`` for
   resource-based policies, and ``Condition`` (:mod:`.conditions`);
2. an explicit ``Deny`` in any applicable policy wins;
3. otherwise an ``Allow`` in an identity-based policy of the principal, or a resource-based policy that names the
   principal (its role ARN or its assumed-role session ARN), allows;
4. otherwise the request is implicitly denied.

Stricter than AWS where the docs leave room: a resource-based policy that names only the account (``…:root``) does
not grant by itself (it delegates to IAM, as a KMS key policy's root statement does); policy variables
(``${aws:username}``…) are not expanded, so a statement using one never matches (none of ours does).

Examples
--------
>>> policy = Policy.of({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/in/*"}]})
>>> evaluate([policy], Request("s3:GetObject", "arn:aws:s3:::b/in/a.txt")).effect
'Allow'
>>> evaluate([policy], Request("s3:GetObject", "arn:aws:s3:::b/out/a.txt")).effect
'ImplicitDeny'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mlopsctl.local.iam.conditions import ConditionContext, condition_block_matches

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource, with its request context (condition keys)."""

    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    #: why the request is checked ("" for the call's own action; e.g. "passes a role", "SSE-KMS object")
    purpose: str = ""


@dataclass(frozen=True)
class StatementRef:
    """Where a statement comes from: the policy's name and owner, the statement's ``Sid`` or position."""

    owner: str  # a role's logical ID, or the resource whose resource-based policy it is
    policy: str
    index: int
    sid: str | None

    def label(self) -> str:
        """``Owner/Policy/Sid`` (or ``#index`` when the statement has no ``Sid``)."""
        return f"{self.owner}/{self.policy}/{self.sid or f'#{self.index}'}"


@dataclass(frozen=True)
class Statement:
    """A parsed policy statement."""

    ref: StatementRef
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Mapping[str, tuple[str, ...]] | None  # resource-based policies only; "*" → {"AWS": ("*",)}
    condition: Mapping[str, Mapping[str, Any]]

    def matches(self, request: Request, principal: Principal | None = None) -> bool:
        """Whether the statement applies to ``request`` (by ``principal``, for a resource-based policy)."""
        if self.actions is not None and not any(_action_matches(p, request.action) for p in self.actions):
            return False
        if self.not_actions is not None and any(_action_matches(p, request.action) for p in self.not_actions):
            return False
        if self.resources is not None and not any(_glob(p, request.resource) for p in self.resources):
            return False
        if self.not_resources is not None and any(_glob(p, request.resource) for p in self.not_resources):
            return False
        if self.principals is not None and (principal is None or not _principal_matches(self.principals, principal)):
            return False
        return condition_block_matches(self.condition, ConditionContext(request.context))


@dataclass(frozen=True)
class Policy:
    """A policy document as a tuple of statements."""

    statements: tuple[Statement, ...]

    @classmethod
    def of(
        cls, document: Mapping[str, Any], *, owner: str = "", name: str = "", resource_based: bool = False
    ) -> Policy:
        """Parse a policy document (``Statement`` a list or a single statement)."""
        raw = document.get("Statement", [])
        items = raw if isinstance(raw, list) else [raw]
        return cls(
            tuple(
                _statement(s, StatementRef(owner, name, i, s.get("Sid")), resource_based) for i, s in enumerate(items)
            )
        )


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a role and the session of it that calls (``assumed-role/<role>/<session>``)."""

    role_arn: str
    session_name: str
    service: str | None = None  # for a service principal (``events.amazonaws.com``), the role ARN is empty

    @property
    def account(self) -> str:
        """The account in the role's ARN."""
        return self.role_arn.split(":")[4] if self.role_arn else ""

    @property
    def session_arn(self) -> str:
        """``arn:aws:sts::<account>:assumed-role/<role name>/<session>`` (what error messages name)."""
        if not self.role_arn:
            return self.service or ""
        partition, account = self.role_arn.split(":")[1], self.account
        role_name = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{self.session_name}"


@dataclass(frozen=True)
class Decision:
    """The outcome of a request: the effect and the statements that decided it."""

    effect: str
    statements: tuple[StatementRef, ...] = ()
    denied_by: str | None = None  # "identity-based policy" | "resource-based policy" for an explicit deny

    @property
    def allowed(self) -> bool:
        """True when the request is allowed."""
        return self.effect == ALLOW


def evaluate(
    identity: Iterable[Policy],
    request: Request,
    *,
    resource_policies: Iterable[Policy] = (),
    principal: Principal | None = None,
) -> Decision:
    """Evaluate ``request`` against a principal's identity-based policies and the resource's resource-based ones."""
    allows: list[StatementRef] = []
    for kind, policies, who in (
        ("identity-based policy", identity, None),
        ("resource-based policy", resource_policies, principal),
    ):
        resource_based = who is not None
        for policy in policies:
            for statement in policy.statements:
                if resource_based and statement.principals is None:
                    continue
                if not statement.matches(request, who if resource_based else None):
                    continue
                if statement.effect == "Deny":
                    return Decision(EXPLICIT_DENY, (statement.ref,), denied_by=kind)
                if not resource_based or _names_principal_itself(statement, who):
                    allows.append(statement.ref)
    return Decision(ALLOW, tuple(allows)) if allows else Decision(IMPLICIT_DENY)


def _names_principal_itself(statement: Statement, principal: Principal | None) -> bool:
    """A resource-based Allow grants only when it names the role, its session or a service, not just the account."""
    if principal is None or statement.principals is None:
        return False
    named = {v for values in statement.principals.values() for v in values}
    return bool(named & {principal.role_arn, principal.session_arn, principal.service or "", "*"} - {""})


def _statement(raw: Mapping[str, Any], ref: StatementRef, resource_based: bool) -> Statement:
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"{ref.label()}: Effect must be Allow or Deny, got {effect!r}")
    principals: dict[str, tuple[str, ...]] | None = None
    if resource_based and ("Principal" in raw or "NotPrincipal" in raw):
        if "NotPrincipal" in raw:
            raise ValueError(f"{ref.label()}: NotPrincipal is not supported by the local stack")
        value = raw["Principal"]
        principals = {"AWS": ("*",)} if value == "*" else {k: _strings(v) for k, v in dict(value).items()}
    return Statement(
        ref=ref,
        effect=effect,
        actions=_strings(raw["Action"]) if "Action" in raw else None,
        not_actions=_strings(raw["NotAction"]) if "NotAction" in raw else None,
        resources=_strings(raw["Resource"]) if "Resource" in raw else None,
        not_resources=_strings(raw["NotResource"]) if "NotResource" in raw else None,
        principals=principals,
        condition=dict(raw.get("Condition") or {}),
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _principal_matches(principals: Mapping[str, tuple[str, ...]], principal: Principal) -> bool:
    if principal.service:
        return principal.service in principals.get("Service", ())
    aws = principals.get("AWS", ())
    account_root = f"arn:aws:iam::{principal.account}:root"
    return any(v in ("*", principal.role_arn, principal.session_arn, account_root, principal.account) for v in aws)


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _glob(pattern: str, value: str) -> bool:
    """IAM resource matching: case-sensitive; ``*`` any run of characters (``/`` and ``:`` included), ``?`` one."""
    return pattern == value or bool(_pattern(pattern, False).match(value))


def _action_matches(pattern: str, action: str) -> bool:
    """Actions match case-insensitively (IAM User Guide, "IAM JSON policy elements: Action")."""
    return bool(_pattern(pattern, True).match(action))
