"""IAM enforcement on the local stack: every AWS call the system makes is authorized as AWS would authorize it.

Who calls: a handler calls as its function's execution role (set by the :class:`~mlopsctl.local.runtime.functions.
FunctionRunner` around each invocation, session name = the function name, as Lambda does); a state machine's task
calls as the state machine's role (the interpreter's thread knows its execution). The stack's own clients
(:data:`~mlopsctl.local.runtime.actionlog.STACK_USER_AGENT`) and the user's actions (a person's, see
:func:`~mlopsctl.local.runtime.actionlog.a_person_acts`) are not checked: they stand for the
account's administrator and for AWS services.

How: a botocore ``provide-client-params`` hook keeps the call's parameters in its request context, and a
``before-call`` hook evaluates every :func:`~.requests.authorization_requests` of the call against the principal's
identity-based policies and the resource's resource-based policies (:func:`~.evaluate.evaluate`). A denied call is
answered, without reaching moto, as AWS answers it: ``AccessDeniedException`` (S3 ``AccessDenied``, SNS
``AuthorizationError``) with AWS's message, e.g. ``User: arn:aws:sts::123456789012:assumed-role/ROLE/SESSION is not
authorized to perform: sagemaker:CreateModel on resource: arn:… because no identity-based policy allows the
sagemaker:CreateModel action`` (IAM User Guide, "Troubleshoot access denied error messages"). A call the stack cannot
attribute to a principal is denied too (strict). Every allowed request records the statements that allowed it
(:class:`Usage`), for the IAM report.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers  # type: ignore[import-untyped, unused-ignore]
from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.iam.call_context import CallContext, ResourceFacts
from mlopsctl.local.iam.evaluate import EXPLICIT_DENY, Decision, Principal, Request, evaluate
from mlopsctl.local.iam.principals import AccountPolicies
from mlopsctl.local.iam.requests import authorization_requests, iam_prefix
from mlopsctl.local.runtime.actionlog import not_the_systems

logger = logging.getLogger(__name__)
_PARAMS_KEY = "mlops_local_api_params"
_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mlops_local_principal", default=None)

#: the error AWS returns for a denied call, by IAM service prefix: (code, HTTP status)
_DENIED = {"s3": ("AccessDenied", 403), "sns": ("AuthorizationError", 403), "sqs": ("AccessDeniedException", 400)}
_DEFAULT_DENIED = ("AccessDeniedException", 403)


@dataclass(frozen=True)
class Denial:
    """A request that was refused, and why."""

    principal: str
    request: Request
    decision: Decision
    message: str


#: every statement that allowed a request and every denial in this process, in order (the test suite reads these:
#: a test fails on a denial it did not expect, and the IAM report maps statements to the tests that used them)
ALLOWED: list[tuple[str, str]] = []
DENIALS: list[Denial] = []


@dataclass
class Usage:
    """Which statements allowed which calls, and which calls were denied (thread-safe)."""

    allowed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # statement label → actions
    denials: list[Denial] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, decision: Decision, request: Request) -> None:
        """Remember the statements that allowed ``request``."""
        with self._lock:
            for ref in decision.statements:
                self.allowed[ref.label()].add(request.action)
                ALLOWED.append((ref.label(), request.action))

    def deny(self, denial: Denial) -> None:
        """Remember a denial (and log it: a denied call is what an operator looks for first)."""
        logger.warning(
            "IAM denied %s%s", denial.message, f" ({denial.request.purpose})" if denial.request.purpose else ""
        )
        with self._lock:
            self.denials.append(denial)
            DENIALS.append(denial)


def denial_message(principal: Principal, request: Request, decision: Decision) -> str:
    """AWS's message for a denied request."""
    if decision.effect == EXPLICIT_DENY:
        why = f"with an explicit deny in a {decision.denied_by}"
    else:
        why = f"because no identity-based policy allows the {request.action} action"
    return (
        f"User: {principal.session_arn} is not authorized to perform: {request.action} on resource: "
        f"{request.resource} {why}"
    )


class IamEnforcer:
    """Authorizes the system's calls while installed (one per process, like the action log's recorder).

    Parameters
    ----------
    policies:
        The account's roles and resource-based policies (:func:`~.principals.account_policies`).
    facts:
        What decides dependent checks (encryption keys, task tokens).
    partition, region, account:
        Where the stack runs.
    role_of_execution:
        The role ARN of the state machine an execution ARN belongs to.
    execution_of_thread:
        The execution ARN the current thread works for (Step Functions' interpreter), or "".
    """

    _active: IamEnforcer | None = None
    _registered = False
    _guard = threading.Lock()

    def __init__(
        self,
        policies: AccountPolicies,
        facts: ResourceFacts,
        *,
        partition: str,
        region: str,
        account: str,
        role_of_execution: Callable[[str], str | None],
        execution_of_thread: Callable[[], str],
    ) -> None:
        self.policies = policies
        self.usage = Usage()
        self._ctx = CallContext(partition, region, account, facts)
        self._role_of_execution = role_of_execution
        self._execution_of_thread = execution_of_thread

    # -- lifecycle ---------------------------------------------------------------------------------------------------

    def install(self) -> None:
        """Start authorizing the calls of every botocore session created from now on."""
        with IamEnforcer._guard:
            if IamEnforcer._active is not None:
                raise RuntimeError("another local stack already enforces IAM in this process")
            IamEnforcer._active = self
            if not IamEnforcer._registered:
                botocore.handlers.BUILTIN_HANDLERS.append(("provide-client-params", _keep_params))
                botocore.handlers.BUILTIN_HANDLERS.append(("before-call", _before_call))
                IamEnforcer._registered = True

    def uninstall(self) -> None:
        """Stop authorizing."""
        with IamEnforcer._guard:
            if IamEnforcer._active is self:
                IamEnforcer._active = None

    @contextlib.contextmanager
    def acting_as(self, role_arn: str, session_name: str) -> Iterator[None]:
        """Calls made in this block (this thread or task) are made by ``role_arn``'s session ``session_name``."""
        token = _current.set(Principal(role_arn, session_name))
        try:
            yield
        finally:
            _current.reset(token)

    # -- evaluation ------------------------------------------------------------------------------------------------

    def principal(self) -> Principal | None:
        """Who is calling on this thread: a function's role, else the state machine whose task runs here."""
        current = _current.get()
        if current is not None:
            return current
        execution = self._execution_of_thread()
        role = self._role_of_execution(execution) if execution else None
        if role:
            return Principal(role, execution.rsplit(":", 1)[-1][:64])
        return None

    def check(self, service: str, operation: str, params: dict[str, Any], signing_name: str | None) -> Denial | None:
        """Authorize one call; the first denied request, or None when every request is allowed."""
        principal = self.principal()
        prefix = iam_prefix(service, signing_name)
        if principal is None:
            request = Request(f"{prefix}:{operation}", "*")
            denial = Denial(
                "", request, Decision("ImplicitDeny"), "the local stack cannot tell which role made this call"
            )
            self.usage.deny(denial)
            return denial
        role = self.policies.role(principal.role_arn)
        identity = role.identity if role is not None else []
        for raw in authorization_requests(service, operation, params, self._ctx, signing_name=signing_name):
            context = {
                **raw.context,
                "aws:PrincipalArn": principal.role_arn,
                "aws:PrincipalAccount": principal.account,
            }
            request = Request(raw.action, raw.resource, context, raw.purpose)
            decision = self._decide(identity, request, principal)
            if not decision.allowed:
                denial = Denial(principal.role_arn, request, decision, denial_message(principal, request, decision))
                self.usage.deny(denial)
                return denial
            self.usage.record(decision, request)
        return None

    def authorize_role(self, role_arn: str, requests: list[Request], *, session_name: str) -> Denial | None:
        """Authorize requests a service makes with a role it assumed (SageMaker reading a job's input as the job's
        role, …); the first denied one, or None. A role that is not in the template allows nothing."""
        principal = Principal(role_arn, session_name)
        role = self.policies.role(role_arn)
        identity = role.identity if role is not None else []
        for raw in requests:
            context = {**raw.context, "aws:PrincipalArn": role_arn, "aws:PrincipalAccount": principal.account}
            request = Request(raw.action, raw.resource, context, raw.purpose)
            decision = self._decide(identity, request, principal)
            if not decision.allowed:
                denial = Denial(role_arn, request, decision, denial_message(principal, request, decision))
                self.usage.deny(denial)
                return denial
            self.usage.record(decision, request)
        return None

    def requests_for(self, service: str, operation: str, params: dict[str, Any]) -> list[Request]:
        """What AWS authorizes for a call (see :func:`~.requests.authorization_requests`), for service-side checks."""
        return authorization_requests(service, operation, params, self._ctx, missing_objects=False)

    def can_assume(self, role_arn: str, service: str, context: dict[str, str]) -> bool:
        """Whether the role's trust policy lets ``service`` (``sagemaker.amazonaws.com``) assume it, with the request
        context the service sends (``aws:SourceAccount``, ``aws:SourceArn``)."""
        role = self.policies.role(role_arn)
        if role is None:
            return False
        request = Request("sts:AssumeRole", role_arn, context)
        principal = Principal("", "", service=service)
        return any(s.effect == "Allow" and s.matches(request, principal) for s in role.trust.statements) and not any(
            s.effect == "Deny" and s.matches(request, principal) for s in role.trust.statements
        )

    def _decide(self, identity: list[Any], request: Request, principal: Principal) -> Decision:
        resource_policies = self.policies.for_resource(request.resource)
        decision = evaluate(identity, request, resource_policies=resource_policies, principal=principal)
        if decision.allowed and request.action.startswith("kms:") and not self._key_policy_allows(request, principal):
            return Decision("ImplicitDeny")
        return decision

    def _key_policy_allows(self, request: Request, principal: Principal) -> bool:
        """KMS: the key policy must allow the principal, itself or through the account (AWS KMS Developer Guide,
        "Key policies in AWS KMS": without a key policy statement no IAM policy gives access to the key)."""
        key_policies = self.policies.for_resource(request.resource)
        if not key_policies:
            return False
        for policy in key_policies:
            for statement in policy.statements:
                if statement.effect == "Allow" and statement.matches(request, principal):
                    return True
        return False


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS_KEY] = params


def _before_call(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    enforcer = IamEnforcer._active
    if enforcer is None:
        return None
    if not_the_systems(context):
        return None
    service_model = model.service_model
    params = context.get(_PARAMS_KEY) or {}
    denial = enforcer.check(service_model.service_name, model.name, params, service_model.signing_name)
    if denial is None:
        return None
    code, status = _DENIED.get(iam_prefix(service_model.service_name, service_model.signing_name), _DEFAULT_DENIED)
    response = AWSResponse("https://local.amazonaws.com/", status, {}, None)
    parsed = {
        "Error": {"Code": code, "Message": denial.message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0},
    }
    return response, parsed
