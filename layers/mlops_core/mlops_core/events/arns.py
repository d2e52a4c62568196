"""ARNs, names and keys in consumed events, read as strictly as AWS writes them.

An ARN is ``arn:<partition>:<service>:<region>:<account>:<resource>`` (AWS General Reference, "Amazon Resource Names
(ARNs)"). :func:`parse_arn` checks that structure, the shape of each part and the length the API reference allows,
**length first**, so a 100 KB value is refused after one ``len``. Each kind of ARN the events carry has its own
reader, with the limits of its API reference (the same constraints botocore's service models carry):

================================  ===========  ==========================================================
ARN / name                        length       source
================================  ===========  ==========================================================
model package ARN                 1-2,048      SageMaker API Reference, ``ModelPackageArn`` (region 9-16)
endpoint ARN                      20-2,048     SageMaker API Reference, ``EndpointArn``
labeling job ARN                  ≤ 2,048      SageMaker API Reference, ``LabelingJobArn``
pipeline / execution ARN          ≤ 2,048      SageMaker API Reference, ``PipelineArn`` (account may be
                                               ``aws``), ``PipelineExecutionArn``
alarm ARN                         1-1,600      CloudWatch API Reference, ``MetricAlarm.AlarmArn``
any other ARN (``resources[]``)   ≤ 2,048      the longest ARN any of the APIs above accepts
SageMaker names                   1-63         ``EntityName``, ``EndpointName``, ``LabelingJobName``:
                                               ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``
pipeline name                     1-256        ``PipelineName``: ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}``
alarm name                        1-255        CloudWatch API Reference, ``PutMetricAlarm.AlarmName``
S3 object key                     1-1,024 B    S3 User Guide, "Naming Amazon S3 objects" (UTF-8 bytes)
================================  ===========  ==========================================================

The partition, region and account shapes: a partition is ``aws`` or ``aws-<name>`` (``aws-cn``, ``aws-us-gov``,
``aws-iso-b``...); a region is ``<area>-<name>-<n>`` (``us-east-1``, ``us-gov-west-1``, ``eusc-de-east-1``); an
account is 12 digits ("The 12-digit number identifying an AWS account", EventBridge User Guide, "Event structure
reference"). Where an API pattern leaves more room (``[a-z0-9\\-]*`` for regions), the stricter shape is used: every
region botocore knows matches it (a unit test checks).

Redaction placeholders (``<account>``, ``<<region>>``) of published captures are not AWS values: they are refused
like any other malformed part (the test loader, ``tests/support/events.py``, says which samples carry them).

Examples
--------
>>> arn = model_package_arn("arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3")
>>> (arn.region, arn.account, model_package_group_and_version(arn))
('us-east-1', '123456789012', ('churn', '3'))
>>> parse_arn("arn:aws:s3:::my-bucket", what="resource").resource
'my-bucket'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTITION = re.compile(r"aws(?:-[a-z]+)*")
REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}")
ACCOUNT = re.compile(r"\d{12}")
SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SAGEMAKER_NAME = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
PIPELINE_NAME = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,255}")
EXECUTION_ID = re.compile(r"[A-Za-z0-9]{1,256}")
VERSION_TEXT = re.compile(r"[1-9][0-9]{0,9}")

MAX_ARN = 2048
MAX_MODEL_PACKAGE_ARN = 2048
MAX_ALARM_ARN = 1600
MIN_ENDPOINT_ARN = 20
MAX_SAGEMAKER_NAME = 63
MAX_PIPELINE_NAME = 256
MAX_ALARM_NAME = 255
MAX_S3_KEY_BYTES = 1024
MAX_INT32 = 2**31 - 1
"""SageMaker's ``ModelPackageVersion`` is an ``integer`` (32-bit signed) with minimum 1 and no documented maximum."""
_SHOWN = 60


def shown(value: object) -> str:
    """``repr(value)``, cut to a readable length: reasons never echo a 100 KB value."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}... ({len(str(value))} characters)"


def check_length(value: str, what: str, *, maximum: int, minimum: int = 1) -> None:
    """Refuse ``value`` outside ``minimum..maximum`` characters, naming ``what`` (never quoting a huge value)."""
    if len(value) > maximum:
        raise ValueError(f"{what} has {len(value)} characters; AWS allows at most {maximum}")
    if len(value) < minimum:
        raise ValueError(f"{what} {shown(value)} is shorter than AWS's minimum of {minimum} characters")


def check_name(value: str, what: str, *, pattern: re.Pattern[str] = SAGEMAKER_NAME, maximum: int = 63) -> str:
    """A SageMaker name: its length, then its pattern (``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`` by default)."""
    check_length(value, what, maximum=maximum)
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {shown(value)} does not match SageMaker's name pattern {pattern.pattern}")
    return value


def check_alarm_name(value: str, what: str = "alarm name") -> str:
    """A CloudWatch alarm name: 1-255 characters, printable (no control characters)."""
    check_length(value, what, maximum=MAX_ALARM_NAME)
    if not value.isprintable():
        raise ValueError(f"{what} {shown(value)} contains control characters")
    return value


def check_s3_key(key: str) -> str:
    """An S3 object key: 1-1,024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects")."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError(f"object key {shown(key)} is not UTF-8 text (a lone surrogate)") from None
    if size > MAX_S3_KEY_BYTES:
        raise ValueError(f"object key has {size} bytes; S3 allows at most {MAX_S3_KEY_BYTES}")
    return key


@dataclass(frozen=True)
class Arn:
    """The parts of an ARN; ``region`` and ``account`` are empty for services that leave them out (S3 buckets)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(
    value: str,
    *,
    what: str,
    service: str | None = None,
    maximum: int = MAX_ARN,
    minimum: int = 1,
    regional: bool = False,
    accounts: tuple[str, ...] = (),
) -> Arn:
    """Read ``value`` as an ARN, or raise ``ValueError`` naming ``what`` and the part at fault.

    Parameters
    ----------
    service
        The service the ARN must name (``sagemaker``); any well-formed service when ``None``.
    maximum, minimum
        The length limits of the API reference (checked first).
    regional
        Region and account are required (every SageMaker and CloudWatch ARN); otherwise each may be empty.
    accounts
        Account values accepted besides 12 digits (``("aws",)`` for AWS-owned SageMaker pipelines).
    """
    check_length(value, what, maximum=maximum, minimum=minimum)
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{what} {shown(value)} is not an ARN (arn:partition:service:region:account:resource)")
    _, partition, named, region, account, resource = parts
    if not PARTITION.fullmatch(partition):
        raise ValueError(f"{what} {shown(value)} names no AWS partition ({shown(partition)})")
    if not SERVICE.fullmatch(named) or (service is not None and named != service):
        expected = f"{service!r}" if service else "a service"
        raise ValueError(f"{what} {shown(value)} names service {shown(named)}, expected {expected}")
    if (region or regional) and not REGION.fullmatch(region):
        raise ValueError(f"{what} {shown(value)} names no AWS Region ({shown(region)})")
    if (account or regional) and account not in accounts and not ACCOUNT.fullmatch(account):
        raise ValueError(f"{what} {shown(value)} names no AWS account ({shown(account)}; 12 digits)")
    if not resource:
        raise ValueError(f"{what} {shown(value)} names no resource")
    return Arn(partition, named, region, account, resource)


def _resource_after(arn: Arn, prefix: str, value: str, what: str) -> str:
    if not arn.resource.startswith(prefix) or len(arn.resource) == len(prefix):
        raise ValueError(f"{what} {shown(value)} is not a {prefix.rstrip('/:')} ARN (...:{prefix}<name>)")
    return arn.resource[len(prefix) :]


def model_package_arn(value: str, what: str = "model package ARN") -> Arn:
    """``arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`` (a versioned package)."""
    arn = parse_arn(value, what=what, service="sagemaker", maximum=MAX_MODEL_PACKAGE_ARN, regional=True)
    if not 9 <= len(arn.region) <= 16:  # the API's pattern: [a-z0-9\-]{9,16}
        raise ValueError(f"{what} {shown(value)} names Region {shown(arn.region)}, not 9-16 characters")
    group, version = _split_package(_resource_after(arn, "model-package/", value, what), value, what)
    check_name(group, f"{what}'s group")
    if not VERSION_TEXT.fullmatch(version) or (version.isdecimal() and int(version) > MAX_INT32):
        raise ValueError(f"{what} {shown(value)} ends in version {shown(version)}, not a version number")
    return arn


def _split_package(rest: str, value: str, what: str) -> tuple[str, str]:
    group, slash, version = rest.partition("/")
    if not slash or not group or not version or "/" in version:
        raise ValueError(f"{what} {shown(value)} is not a versioned package (model-package/<group>/<version>)")
    return group, version


def model_package_group_and_version(arn: Arn) -> tuple[str, str]:
    """The group and version (text) in a model package ARN read by :func:`model_package_arn`."""
    return _split_package(arn.resource.removeprefix("model-package/"), arn.resource, "model package ARN")


def endpoint_arn(value: str, what: str = "endpoint ARN") -> Arn:
    """``arn:aws:sagemaker:<region>:<account>:endpoint/<name>``."""
    arn = parse_arn(value, what=what, service="sagemaker", minimum=MIN_ENDPOINT_ARN, regional=True)
    check_name(_resource_after(arn, "endpoint/", value, what), f"{what}'s endpoint name")
    return arn


def labeling_job_arn(value: str, what: str = "labeling job ARN") -> tuple[Arn, str]:
    """``arn:aws:sagemaker:<region>:<account>:labeling-job/<name>``, and the name."""
    arn = parse_arn(value, what=what, service="sagemaker", regional=True)
    return arn, check_name(_resource_after(arn, "labeling-job/", value, what), f"{what}'s job name")


def pipeline_arn(value: str, what: str = "pipeline ARN") -> tuple[Arn, str]:
    """``arn:aws:sagemaker:<region>:<account or aws>:pipeline/<name>``, and the name."""
    arn = parse_arn(value, what=what, service="sagemaker", regional=True, accounts=("aws",))
    name = _resource_after(arn, "pipeline/", value, what)
    return arn, check_name(name, f"{what}'s pipeline name", pattern=PIPELINE_NAME, maximum=MAX_PIPELINE_NAME)


def pipeline_execution_arn(value: str, what: str = "pipeline execution ARN") -> tuple[Arn, str, str]:
    """``arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>``, the pipeline name and the id."""
    arn = parse_arn(value, what=what, service="sagemaker", regional=True)
    name, marker, execution_id = _resource_after(arn, "pipeline/", value, what).partition("/execution/")
    if not marker or not EXECUTION_ID.fullmatch(execution_id):
        raise ValueError(f"{what} {shown(value)} is not ...:pipeline/<name>/execution/<id>")
    check_name(name, f"{what}'s pipeline name", pattern=PIPELINE_NAME, maximum=MAX_PIPELINE_NAME)
    return arn, name, execution_id


def alarm_arn(value: str, what: str = "alarm ARN") -> tuple[Arn, str]:
    """``arn:aws:cloudwatch:<region>:<account>:alarm:<name>``, and the name (≤ 255 characters)."""
    arn = parse_arn(value, what=what, service="cloudwatch", maximum=MAX_ALARM_ARN, regional=True)
    return arn, check_alarm_name(_resource_after(arn, "alarm:", value, what), f"{what}'s alarm name")
