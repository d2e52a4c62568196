"""The model-driven request validation in isolation: Java patterns read with Java's meaning, and Coral's messages."""

from __future__ import annotations

import botocore.session
import pytest

from mlopsctl.local.moto_patches.limits.constraints import validation_message, violations
from mlopsctl.local.moto_patches.limits.patterns import full_match, java_to_python

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "churn-v2", True),
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "churn-v2-", False),  # the whole value must match
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "x-churn_v2", False),
        (r"arn:[\p{Alnum}\-]+:lambda:.*", "arn:aws:lambda:f", True),
        (r"arn:[\p{Alnum}\-]+:lambda:.*", "arn:awsé:lambda:f", False),  # POSIX classes are ASCII in Java
        (r"\p{ASCII}*", "trace-1", True),
        (r"\p{ASCII}*", "tracé", False),
        (".*", "one line", True),
        (".*", "two\nlines", False),  # Java's dot stops at every line terminator
        (".*", "carriage\rreturn", False),
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", "emoji 🙂 ok", True),  # surrogate pair range
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", "bell \x07", False),
        (r"[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*", "Détection, v2.", True),
    ],
)
def test_model_patterns_match_as_java_matches_them(pattern: str, value: str, matches: bool) -> None:
    assert full_match(pattern, value) is matches


def test_posix_classes_inside_and_outside_brackets_become_ascii_ranges() -> None:
    assert java_to_python(r"[\p{Alnum}\-]") == r"[a-zA-Z0-9\-]"
    assert java_to_python(r"\p{Digit}+") == "[0-9]+"


def test_lengths_count_utf16_units_and_nested_members_are_named_by_their_path() -> None:
    shape = SAGEMAKER.operation_model("CreateEndpointConfig").input_shape
    variant = {"VariantName": "v", "ModelName": "🙂" * 32, "InstanceType": "ml.m5.large"}  # 32 chars, 64 units

    found = violations(shape, {"EndpointConfigName": "config", "ProductionVariants": [variant]})

    assert len(found) == 2
    assert all("at 'productionVariants.1.member.modelName'" in f for f in found)
    assert found[-1].endswith("Member must have length less than or equal to 63")


def test_map_keys_and_values_are_reported_as_coral_does() -> None:
    shape = SAGEMAKER.operation_model("UpdateModelPackage").input_shape
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"

    (found,) = violations(shape, {"ModelPackageArn": arn, "CustomerMetadataProperties": {"reason": "a\nb"}})

    assert found.startswith("Value '{reason=a\nb}' at 'customerMetadataProperties' failed to satisfy constraint: ")
    assert "Map value must satisfy constraint: [Member must satisfy regular expression pattern: " in found


def test_a_sensitive_value_is_not_repeated_and_messages_count_their_errors() -> None:
    sfn = botocore.session.get_session().get_service_model("stepfunctions")
    shape = sfn.operation_model("StartExecution").input_shape
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"

    found = violations(shape, {"stateMachineArn": arn, "name": "n" * 81, "input": "x" * 262_145})

    assert found[1] == (
        "Value at 'input' failed to satisfy constraint: "
        "Member must have size less than or equal to 262144 bytes in UTF-8 encoding"
    )
    assert validation_message(found).startswith("2 validation errors detected: Value '" + "n" * 81 + "' at 'name'")
