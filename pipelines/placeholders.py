"""Placeholders in the generated pipeline definition, and how they are filled.

``pipelines/generated/<model>.json`` holds no account-, region- or stack-specific value. Those appear as CloudFormation
``${Name}`` placeholders, so the template can pass the file through ``Fn::Sub`` as the ``PipelineDefinitionBody``
of the ``AWS::SageMaker::Pipeline`` resource (pseudo parameters resolve by themselves; the others come from the
``Fn::Sub`` variable map or a template parameter of the same name). Local tools fill them with :func:`render`.

The SDK rejects some placeholders as input (a role must look like an ARN), so the definition is generated with
*sentinel* values, which :func:`replace_sentinels` turns into placeholders afterwards.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "ArtifactsBucketName": "name of the artifacts bucket (step code, split data, models, evaluation reports)",
    "DataBucketName": "name of the data bucket (incoming/ and labeled/ hold the only objects a source-ref may name)",
    "ModelPackageGroupName": "the model package group the pipeline registers into",
    "SageMakerExecutionRoleArn": "ARN of the role the processing and training jobs run as",
    "SklearnImageAccount": "account of the SageMaker scikit-learn image registry in this region "
    "(pipelines/sklearn-image-accounts.json)",
    "AWS::AccountId": "pseudo parameter (a custom image in the stack's own account, model.json's image.uri)",
    "AWS::Region": "pseudo parameter",
    "AWS::URLSuffix": "pseudo parameter (amazonaws.com, or amazonaws.com.cn in China regions)",
}
"""Every placeholder the definition may contain, with what it stands for."""

SKLEARN_FRAMEWORK_VERSION = "1.9-0"
"""The SageMaker scikit-learn container the steps run in (the venv pins scikit-learn to match)."""
SKLEARN_IMAGE_URI = (
    "${SklearnImageAccount}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/sagemaker-scikit-learn:"
    f"{SKLEARN_FRAMEWORK_VERSION}-cpu-py3"
)

SENTINEL_ROLE_ARN = "arn:aws:iam::000000000000:role/mlops-sentinel-sagemaker-execution-role"
SENTINEL_REGION = "us-east-1"
SENTINEL_DEFAULT_BUCKET = "mlops-sentinel-default-bucket"
"""The SDK session's default bucket: every S3 location is given explicitly, so it must never appear."""

_SENTINELS: tuple[tuple[str, str], ...] = (
    (f'"{SENTINEL_ROLE_ARN}"', '"${SageMakerExecutionRoleArn}"'),
    (f'"{SENTINEL_REGION}"', '"${AWS::Region}"'),
)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_FORBIDDEN = (SENTINEL_DEFAULT_BUCKET, "000000000000", SENTINEL_REGION, "sentinel")


class PlaceholderError(ValueError):
    """The definition holds an unknown placeholder, a leftover sentinel, or a placeholder without a value."""


def replace_sentinels(definition: str) -> str:
    """Turn sentinel values (whole JSON strings) into placeholders; fail on any sentinel left elsewhere."""
    for sentinel, placeholder in _SENTINELS:
        definition = definition.replace(sentinel, placeholder)
    leftovers = sorted({word for word in _FORBIDDEN if word in definition})
    if leftovers:
        raise PlaceholderError(f"account/region-specific or sentinel values left in the definition: {leftovers}")
    unknown = sorted(find_placeholders(definition) - set(PLACEHOLDERS))
    if unknown:
        raise PlaceholderError(f"unknown placeholders in the definition: {unknown}")
    return definition


def find_placeholders(definition: str) -> set[str]:
    """Names of the ``${Name}`` placeholders in ``definition``."""
    return set(_PLACEHOLDER.findall(definition))


def render(definition: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder from ``values`` (as ``Fn::Sub`` would); raise if one has no value.

    Examples
    --------
    >>> render('{"Image": "${SklearnImageAccount}.dkr"}', {"SklearnImageAccount": "683313688378"})
    '{"Image": "683313688378.dkr"}'
    """
    missing = sorted(find_placeholders(definition) - set(values))
    if missing:
        raise PlaceholderError(f"no value for placeholders: {missing}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], definition)
