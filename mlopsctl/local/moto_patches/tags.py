"""SageMaker ``AddTags`` as the API does it: a tag whose key the resource already has is overwritten, not doubled.

"Adds or overwrites one or more tags for the specified SageMaker resource. [...] Tag keys must be unique per
resource." (SageMaker API Reference, ``AddTags``.) moto 5.2.5 appends, so after two ``AddTags`` of one key
``ListTags`` returns the key twice and a reader may see the old value. When emulated (an emulator has activated the
account and Region) the last value of each key wins and keys keep their first position; otherwise as moto.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.models import SageMakerModelBackend

from mlopsctl.local.moto_patches.state import extension_state


def add_tags(backend: SageMakerModelBackend, original: Any, arn: str, tags: list[dict[str, str]]) -> Any:
    """``AddTags``: overwrite the values of keys the resource has, append the others."""
    if not extension_state(backend.account_id, backend.region_name).active:
        return original(backend, arn, tags)
    resource = backend._get_resource_from_arn(arn)  # the same lookup as moto's own add_tags
    merged: dict[str, dict[str, str]] = {tag["Key"]: tag for tag in resource.tags}
    for tag in tags:
        merged[tag["Key"]] = {"Key": tag["Key"], "Value": tag.get("Value", "")}
    resource.tags = list(merged.values())
    return resource.tags
