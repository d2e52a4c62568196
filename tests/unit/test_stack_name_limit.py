"""The stack name is the prefix of every name the system derives: it is limited so that all of them fit AWS's limits,
lower case (SageMaker lower-cases names inside its ARNs, and IAM matches ARNs case-sensitively), and a function
refuses a stack name that breaks it at cold start, naming the variable and why."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest

from mlops_core.config import CoreSettings
from mlops_core.deploy.deployment import Fleet, endpoint_config_name, execution_name, model_name
from mlops_core.errors import ConfigurationError
from mlops_core.naming import DIGEST_LENGTH, MAX_MODEL_PACKAGE_VERSION, MAX_STACK_NAME_LENGTH, labeling_job_name
from mlops_core.rollback.triggers import Trigger, TriggerKind, rollback_id
from mlops_core.training.starts import batch_display_name
from mlopsctl.local.moto_patches.limits.constraints import violations
from tests.support.files import ROOT

GOOD = {
    "LEDGER_TABLE_NAME": "mlops-dev-ledger",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev",
}
LONGEST = "s" * (MAX_STACK_NAME_LENGTH - 6) + "-stack"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/" + str(MAX_MODEL_PACKAGE_VERSION)
SESSION = botocore.session.get_session()


def _member_violations(service: str, operation: str, member: str, value: str) -> list[str]:
    shape = SESSION.get_service_model(service).operation_model(operation).input_shape.members[member]
    found: list[str] = violations(shape, value, member)
    return found


def test_the_longest_allowed_stack_name_is_42_characters() -> None:
    # a labeling job is "<stack>-<digest>" and SageMaker allows 63 characters
    assert MAX_STACK_NAME_LENGTH == 63 - 1 - DIGEST_LENGTH == 42


def test_every_name_derived_from_the_longest_stack_name_fits_its_api() -> None:
    fleet = Fleet(variant_name="AllTraffic", instance_type="ml.m5.large", instance_count=2)
    trigger = Trigger(TriggerKind.REJECTION, f"{PACKAGE}#2026-01-01T00:00:00.000Z", datetime.now(UTC), "why", {})
    derived = [
        ("sagemaker", "CreateLabelingJob", "LabelingJobName", labeling_job_name(LONGEST, "f" * DIGEST_LENGTH)),
        ("sagemaker", "CreateModel", "ModelName", model_name(LONGEST, PACKAGE, MAX_MODEL_PACKAGE_VERSION)),
        (
            "sagemaker",
            "CreateEndpointConfig",
            "EndpointConfigName",
            endpoint_config_name(LONGEST, PACKAGE, MAX_MODEL_PACKAGE_VERSION, fleet),
        ),
        (
            "stepfunctions",
            "StartExecution",
            "name",
            execution_name(LONGEST, PACKAGE, MAX_MODEL_PACKAGE_VERSION, "2026-01-01T00:00:00.000Z"),
        ),
        ("stepfunctions", "StartExecution", "name", rollback_id(LONGEST, trigger)),
        (
            "sagemaker",
            "StartPipelineExecution",
            "PipelineExecutionDisplayName",
            batch_display_name(LONGEST, "f" * DIGEST_LENGTH),
        ),
    ]

    problems = [p for service, op, member, name in derived for p in _member_violations(service, op, member, name)]

    assert problems == []


@pytest.mark.parametrize("stack", ["mlops-dev", "m", LONGEST, "mlops-2-prod"])
def test_a_lower_case_stack_name_of_at_most_42_characters_is_accepted(stack: str) -> None:
    assert CoreSettings.from_env({**GOOD, "STACK_NAME": stack}).stack_name == stack


def test_a_stack_name_of_43_characters_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigurationError) as raised:
        CoreSettings.from_env({**GOOD, "STACK_NAME": LONGEST + "x"})

    message = str(raised.value)
    assert "STACK_NAME" in message
    assert "at most 42 characters" in message
    assert "labeling job" in message


@pytest.mark.parametrize("stack", ["MLOps-Dev", "mlops-Dev", "2mlops", "mlops_dev", "mlops dev"])
def test_a_stack_name_with_upper_case_or_other_characters_is_refused(stack: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        CoreSettings.from_env({**GOOD, "STACK_NAME": stack})

    assert re.search(r"STACK_NAME .*lower-case letter", str(raised.value))


def test_every_samconfig_stack_name_fits_the_limit() -> None:
    config: dict[str, Any] = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env, sections in config.items():
        if isinstance(sections, dict) and "global" in sections:
            stack = sections["global"]["parameters"]["stack_name"]
            assert CoreSettings.from_env({**GOOD, "STACK_NAME": stack}).stack_name == stack, env
