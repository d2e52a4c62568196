"""What a local stack's start keeps between stacks changes nothing a caller can see: a template that changes is read
again and each reader gets its own copy; a state machine definition with an error is refused every time and every
execution gets a program of its own; botocore sessions share only what their search paths decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto import mock_aws
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from mlopsctl.local.moto_patches import service_models
from mlopsctl.local.moto_patches.runtime import MOTO_CONFIG
from mlopsctl.local.moto_patches.speed import installed
from mlopsctl.local.template.loader import read_yaml

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/machine"
PASS = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config=cast(Any, MOTO_CONFIG)), installed():  # moto's ASL interpreter on
        yield


def template_text(bucket: str) -> str:
    return f"Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {bucket}\n"


def test_a_template_that_changes_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(template_text("first"), encoding="utf-8")
    before = read_yaml(path)
    path.write_text(template_text("second"), encoding="utf-8")

    assert before["Resources"]["Bucket"]["Properties"]["BucketName"] == "first"
    assert read_yaml(path)["Resources"]["Bucket"]["Properties"]["BucketName"] == "second"


def test_each_reader_of_a_template_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(template_text("kept"), encoding="utf-8")
    read_yaml(path)["Resources"]["Bucket"]["Properties"]["BucketName"] = "changed by a reader"

    assert read_yaml(path)["Resources"]["Bucket"]["Properties"]["BucketName"] == "kept"


def refusal(sfn: Any, name: str, definition: str) -> str:
    with pytest.raises(ClientError) as refused:
        sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)
    return str(refused.value.response["Error"]["Message"])


@pytest.mark.parametrize("definition", ["{not json", json.dumps({"StartAt": "Missing", "States": {}})])
def test_a_definition_with_an_error_is_refused_every_time_as_moto_refuses_it(definition: str) -> None:
    with mock_aws(config=cast(Any, MOTO_CONFIG)):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        by_moto = refusal(sfn, "plain", definition)
        with installed():
            refusals = [refusal(sfn, f"broken-{attempt}", definition) for attempt in range(2)]

    assert refusals == [by_moto, by_moto]


def test_each_parse_of_a_definition_builds_a_program_of_its_own(aws: None) -> None:
    boto3.client("stepfunctions", region_name=REGION).create_state_machine(name="m", definition=PASS, roleArn=ROLE)

    first, first_tree = AmazonStateLanguageParser.parse(PASS)
    second, second_tree = AmazonStateLanguageParser.parse(PASS)

    assert second_tree is first_tree  # the syntax tree is kept
    assert second is not first  # the program, which an execution runs, is not
    assert type(second) is type(first)


def loader_of(session: Any) -> Any:
    return session.get_component("data_loader")


def test_sessions_share_decoded_models_only_with_the_same_search_paths(tmp_path: Path) -> None:
    with service_models.installed():
        plain, again = botocore.session.Session(), botocore.session.Session()
        other = botocore.session.Session()
        other.set_config_variable("data_path", str(tmp_path))
        model = loader_of(plain).load_service_model("sqs", "service-2")

        assert loader_of(again).load_service_model("sqs", "service-2") is model
        assert loader_of(other).search_paths[0] == str(tmp_path)
        assert loader_of(other).load_service_model("sqs", "service-2") is not model
        assert loader_of(other).load_service_model("sqs", "service-2") == model


def test_a_kms_signing_key_made_on_first_use_signs_and_verifies_with_its_public_key(aws: None) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signed = kms.sign(KeyId=key, Message=b"model v2", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])

    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signed, b"model v2", padding.PKCS1v15(), hashes.SHA256())  # raises if another key signed
    assert kms.verify(KeyId=key, Message=b"model v2", Signature=signed, SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")[
        "SignatureValid"
    ]
