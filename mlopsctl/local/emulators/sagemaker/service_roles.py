"""SageMaker's own use of the roles it is given, authorized as IAM authorizes it (emulated service side).

SageMaker does the work of a model, a job or a labeling job *as the role the request names*: it assumes the role
(the role's trust policy must let ``sagemaker.amazonaws.com`` do so) and every read, write, image pull and log write
is then an AWS request of that role, allowed only by that role's policies. The local stack's own clients are not
authorized (they stand for the service), so the emulator asks here, explicitly, what AWS would ask.

Where each rule comes from (``docs/iam.md``, "Service-side roles", lists them with what fails when one is denied):

- trust: "How to use SageMaker AI execution roles" (SageMaker Developer Guide: the execution role trusts
  ``sagemaker.amazonaws.com``) and "Cross-service confused deputy prevention" (SageMaker sends ``aws:SourceAccount``
  and ``aws:SourceArn``, the ARN of the job, model or labeling job it acts for, which trust policies may test);
- image pulls: the execution-role policies of CreateModel, CreateProcessingJob and CreateTrainingJob on the same page
  list ``ecr:GetAuthorizationToken`` (no resource type in the Service Authorization Reference, so ``*``) and
  ``ecr:BatchCheckLayerAvailability``, ``ecr:GetDownloadUrlForLayer``, ``ecr:BatchGetImage`` on the image's
  repository; no AWS page exempts AWS-owned framework images, so the local stack exempts none. The repository ARN is
  built from the image URI ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]`` with the ARN
  format of the IAM database;
- S3 and KMS: the same pages (``s3:GetObject``, ``s3:ListBucket`` for prefixes, ``s3:PutObject``) and the S3 User
  Guide, "Using server-side encryption with AWS KMS keys" (``kms:Decrypt`` to read and ``kms:GenerateDataKey`` to
  write an SSE-KMS object), as :func:`~mlopsctl.local.iam.requests.authorization_requests` builds them;
- logs and metrics: the same pages (``logs:CreateLogGroup`` on the log group, ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on the log stream, ``cloudwatch:PutMetricData`` with the ``cloudwatch:namespace`` SageMaker
  publishes to); ARN formats from the IAM database (``log-group:NAME`` and ``log-group:NAME:log-stream:STREAM``);
- alarms: "Auto-Rollback Configuration and Monitoring" (SageMaker Developer Guide, deployment guardrails): "Ensure
  that your IAM execution role has permission to perform the ``cloudwatch:DescribeAlarms`` action on the
  auto-rollback alarms you specify".

A denial is an :class:`AccessFailure` carrying AWS's error code and message (``User: arn:aws:sts::ACCOUNT:assumed-
role/ROLE/SageMaker is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows
the ACTION action``), raised as :class:`ServiceAccessError`; the callers turn it into the ``FailureReason`` AWS would
report for the endpoint, job or labeling job.

Examples
--------
>>> image_repository_arn("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3")
'arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mlopsctl.local.iam.database import arn_format
from mlopsctl.local.iam.evaluate import Request

if TYPE_CHECKING:
    from mlopsctl.local.iam.enforce import Denial

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
#: the role session SageMaker opens (what denial messages name: ``assumed-role/<role>/SageMaker``)
SESSION_NAME = "SageMaker"
#: DescribeEndpoint / DescribeTrainingJob / DescribeLabelingJob: FailureReason is at most 1024 characters
FAILURE_REASON_LIMIT = 1024
_IMAGE = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*?)(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})?$"
)
#: the error code AWS returns for a denied request, by IAM service prefix (S3's REST API says AccessDenied)
_CODES = {"s3": "AccessDenied"}
_DEFAULT_CODE = "AccessDeniedException"


class RoleAuthority(Protocol):
    """What the emulator needs of the stack's IAM (:class:`~mlopsctl.local.iam.enforce.IamEnforcer` has it)."""

    def requests_for(self, service: str, operation: str, params: dict[str, Any]) -> list[Request]:
        """The requests AWS authorizes for an API call."""
        ...

    def authorize_role(self, role_arn: str, requests: list[Request], *, session_name: str) -> Denial | None:
        """The first denied request of ``role_arn``'s session, or None."""
        ...

    def can_assume(self, role_arn: str, service: str, context: dict[str, str]) -> bool:
        """Whether the role's trust policy lets ``service`` assume it with this request context."""
        ...


@dataclass(frozen=True)
class AccessFailure:
    """A request SageMaker made with a role and IAM refused.

    Attributes
    ----------
    code
        AWS's error code (``AccessDenied`` for S3, ``AccessDeniedException`` elsewhere).
    message
        AWS's message, naming the session, the action and the resource.
    action, resource
        What was refused.
    """

    code: str
    message: str
    action: str
    resource: str

    def reason(self, doing: str, *, prefix: str = "") -> str:
        """A ``FailureReason``: what SageMaker was doing and AWS's answer, cut to SageMaker's 1024 characters."""
        text = f"{prefix}{doing}: {self.code}: {self.message}"
        return text if len(text) <= FAILURE_REASON_LIMIT else text[: FAILURE_REASON_LIMIT - 1] + "…"


class ServiceAccessError(Exception):
    """SageMaker could not do something with the role it was given.

    Parameters
    ----------
    failure
        The refused request.
    doing
        What SageMaker was doing (``pulling image …``, ``reading s3://…``), for the failure reason.
    """

    def __init__(self, failure: AccessFailure, doing: str) -> None:
        super().__init__(f"{doing}: {failure.code}: {failure.message}")
        self.failure = failure
        self.doing = doing

    def reason(self, *, prefix: str = "") -> str:
        """The ``FailureReason`` AWS would report (see :meth:`AccessFailure.reason`)."""
        return self.failure.reason(self.doing, prefix=prefix)


def image_repository_arn(image_uri: str, partition: str = "aws") -> str:
    """The ARN of the ECR repository an image URI names (IAM database ARN format of ``ecr`` ``repository``).

    Raises
    ------
    ValueError
        For an image that is not an ECR image URI (the local stack pulls nothing else).
    """
    match = _IMAGE.match(image_uri)
    if match is None:
        raise ValueError(f"{image_uri!r} is not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>)")
    return _arn(
        "ecr",
        "repository",
        partition=partition,
        region=match["region"],
        account=match["account"],
        RepositoryName=match["repository"],
    )


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``; ``ValueError`` for anything else."""
    if not isinstance(uri, str) or not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class ServiceRoles:
    """SageMaker's requests as a role, authorized by the stack's IAM.

    Parameters
    ----------
    iam
        The stack's IAM.
    partition, region, account
        Where the stack runs (``aws:SourceAccount`` is ``account``).
    """

    def __init__(self, iam: RoleAuthority, *, partition: str = "aws", region: str, account: str) -> None:
        self._iam = iam
        self.partition = partition
        self.region = region
        self.account = account

    def session(self, role_arn: str, source_arn: str) -> RoleSession:
        """A session of ``role_arn`` that SageMaker opens for the resource ``source_arn`` (not yet assumed)."""
        return RoleSession(self, role_arn, source_arn)

    # -- the two questions IAM answers -----------------------------------------------------------------------------

    def assume(self, role_arn: str, source_arn: str) -> AccessFailure | None:
        """Whether SageMaker may assume ``role_arn`` for ``source_arn`` (the role's trust policy)."""
        context = {"aws:SourceAccount": self.account, "aws:SourceArn": source_arn}
        if self._iam.can_assume(role_arn, SAGEMAKER_PRINCIPAL, context):
            return None
        message = (
            f"User: {SAGEMAKER_PRINCIPAL} is not authorized to perform: sts:AssumeRole on resource: {role_arn} "
            f"(the role's trust policy allows no such request with aws:SourceAccount={self.account}, "
            f"aws:SourceArn={source_arn})"
        )
        return AccessFailure("AccessDenied", message, "sts:AssumeRole", role_arn)

    def authorize(self, role_arn: str, requests: Iterable[Request]) -> AccessFailure | None:
        """The first of ``requests`` that ``role_arn``'s SageMaker session may not make, or None."""
        denial = self._iam.authorize_role(role_arn, list(requests), session_name=SESSION_NAME)
        if denial is None:
            return None
        action, resource = denial.request.action, denial.request.resource
        code = _CODES.get(action.split(":", 1)[0], _DEFAULT_CODE)
        return AccessFailure(code, denial.message, action, resource)

    # -- requests, as AWS builds them ------------------------------------------------------------------------------

    def call(self, service: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
        """The requests of one API call (resources from the IAM database, dependent actions, KMS)."""
        return self._iam.requests_for(service, operation, dict(params))

    def s3_get(self, uri: str) -> list[Request]:
        """``s3:GetObject`` on the object (and ``kms:Decrypt`` when it is SSE-KMS)."""
        bucket, key = split_s3_uri(uri)
        return self.call("s3", "GetObject", {"Bucket": bucket, "Key": key})

    def s3_list(self, uri: str) -> list[Request]:
        """``s3:ListBucket`` on the bucket of an ``S3Prefix`` URI."""
        bucket, prefix = split_s3_uri(uri)
        return self.call("s3", "ListObjectsV2", {"Bucket": bucket, "Prefix": prefix})

    def s3_put(self, uri: str) -> list[Request]:
        """``s3:PutObject`` on the object (and ``kms:GenerateDataKey`` under the bucket's SSE-KMS key)."""
        bucket, key = split_s3_uri(uri)
        return self.call("s3", "PutObject", {"Bucket": bucket, "Key": key})

    def image_pull(self, image_uri: str) -> list[Request]:
        """What pulling an ECR image asks: a registry token on ``*``, then the layers and image of its repository."""
        repository = image_repository_arn(image_uri, self.partition)
        context = {"aws:SecureTransport": "true"}
        return [
            Request("ecr:GetAuthorizationToken", "*", context, "pulls the image"),
            *(
                Request(f"ecr:{action}", repository, context, "pulls the image")
                for action in ("BatchCheckLayerAvailability", "GetDownloadUrlForLayer", "BatchGetImage")
            ),
        ]

    def log_stream(self, group: str, stream: str) -> list[Request]:
        """Writing a log stream: ``CreateLogGroup`` on the group, ``CreateLogStream`` and ``PutLogEvents`` on it."""
        context = {"aws:SecureTransport": "true"}
        group_arn = _arn("logs", "log-group", self.partition, self.region, self.account, LogGroupName=group)
        stream_arn = _arn(
            "logs", "log-stream", self.partition, self.region, self.account, LogGroupName=group, LogStreamName=stream
        )
        return [
            Request("logs:CreateLogGroup", group_arn, context, "writes its logs"),
            Request("logs:CreateLogStream", stream_arn, context, "writes its logs"),
            Request("logs:PutLogEvents", stream_arn, context, "writes its logs"),
        ]

    def metrics(self, namespace: str) -> list[Request]:
        """``cloudwatch:PutMetricData`` into ``namespace`` (no resource type: ``*``, scoped by the namespace key)."""
        return self.call("cloudwatch", "PutMetricData", {"Namespace": namespace, "MetricData": []})

    def describe_alarms(self, names: Sequence[str]) -> list[Request]:
        """``cloudwatch:DescribeAlarms`` on each alarm."""
        return self.call("cloudwatch", "DescribeAlarms", {"AlarmNames": list(names)})


class RoleSession:
    """SageMaker acting as one role for one resource; every method raises :class:`ServiceAccessError` when denied.

    Parameters
    ----------
    roles
        The authorizer.
    role_arn
        The role SageMaker acts as.
    source_arn
        The resource it acts for (``aws:SourceArn``).
    """

    def __init__(self, roles: ServiceRoles, role_arn: str, source_arn: str) -> None:
        self.roles = roles
        self.role_arn = role_arn
        self.source_arn = source_arn

    def assume(self) -> None:
        """SageMaker assumes the role (its trust policy)."""
        failure = self.roles.assume(self.role_arn, self.source_arn)
        if failure is not None:
            raise ServiceAccessError(failure, f"assuming the execution role {self.role_arn}")

    def require(self, requests: Iterable[Request], doing: str) -> None:
        """Every request of ``requests`` is allowed, or :class:`ServiceAccessError` saying what was being done."""
        failure = self.roles.authorize(self.role_arn, requests)
        if failure is not None:
            raise ServiceAccessError(failure, doing)

    def pull(self, image_uri: str) -> None:
        """Pull a container image."""
        self.require(self.roles.image_pull(image_uri), f"pulling the image {image_uri}")

    def read(self, uri: str, what: str = "the object") -> None:
        """Read one S3 object."""
        self.require(self.roles.s3_get(uri), f"reading {what} {uri}")

    def list_objects(self, uri: str, what: str = "the input") -> None:
        """List the objects under an ``S3Prefix`` URI."""
        self.require(self.roles.s3_list(uri), f"listing {what} {uri}")

    def read_prefix(self, uri: str, objects: Sequence[str], what: str = "the input") -> None:
        """List an ``S3Prefix`` input and read each of its objects (``s3://`` URIs; none: the prefix itself)."""
        self.list_objects(uri, what)
        for item in objects or [uri]:
            self.read(item, what)

    def write(self, uri: str, what: str = "the output") -> None:
        """Write one S3 object."""
        self.require(self.roles.s3_put(uri), f"writing {what} {uri}")

    def logs(self, group: str, stream: str) -> None:
        """Write a CloudWatch Logs stream."""
        self.require(self.roles.log_stream(group, stream), f"writing the log stream {stream} of {group}")

    def metrics(self, namespace: str) -> None:
        """Publish metrics into ``namespace``."""
        self.require(self.roles.metrics(namespace), f"publishing metrics to {namespace}")

    def describe_alarms(self, names: Sequence[str]) -> None:
        """Read the auto-rollback alarms."""
        self.require(self.roles.describe_alarms(names), f"reading the auto-rollback alarms {', '.join(names)}")


def _arn(prefix: str, resource_type: str, partition: str, region: str, account: str, **variables: str) -> str:
    values = {"Partition": partition, "Region": region, "Account": account, **variables}
    return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], arn_format(prefix, resource_type))
