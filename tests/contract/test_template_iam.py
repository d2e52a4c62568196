"""House rules of ``template.yaml``, checked on the parsed file: least privilege, and storage that is encrypted,
private and recoverable.
"""

from __future__ import annotations

import pytest

from tests.support.template_queries import as_list
from tests.support.template_rules import (
    RESOURCES,
    has_no_resource_level_permissions,
    identity_policy_statements,
    managed_policy_names,
    of_type,
)


# IAM -------------------------------------------------------------------------------------------------
def test_no_policy_grants_every_action_or_full_access() -> None:
    for owner, statement in identity_policy_statements():
        for action in as_list(statement.get("Action", [])):
            assert action != "*", owner
            assert not action.endswith(":*"), f"{owner}: {action}"
    for owner, policy in managed_policy_names():
        assert "FullAccess" not in policy, f"{owner}: {policy}"


def test_resource_wildcards_only_for_actions_without_resource_level_permissions() -> None:
    for owner, statement in identity_policy_statements():
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource")):
            scoped = [a for a in as_list(statement["Action"]) if not has_no_resource_level_permissions(a)]
            assert scoped == [], f"{owner}: {statement}"


def test_every_pass_role_is_limited_to_sagemaker_and_a_named_role() -> None:
    pass_roles = [(o, s) for o, s in identity_policy_statements() if "iam:PassRole" in as_list(s.get("Action"))]
    assert pass_roles, "the data-arrival function must be able to pass the labeling role"
    for owner, statement in pass_roles:
        assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == "sagemaker.amazonaws.com", owner
        assert "*" not in as_list(statement["Resource"]), owner


def test_data_arrival_writes_only_manifests_so_it_cannot_retrigger_itself() -> None:
    writes = [
        resource
        for owner, statement in identity_policy_statements()
        if owner == "DataArrivalFunction"
        and any(action.startswith(("s3:Put", "s3:Delete")) for action in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    ]
    assert writes == [{"Fn::Sub": "${DataBucket.Arn}/manifests/*"}]


# Storage ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(of_type("AWS::S3::Bucket")))
def test_bucket_is_encrypted_versioned_private_and_tls_only(name: str) -> None:
    props = RESOURCES[name]["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(
        props["PublicAccessBlockConfiguration"][flag] is True
        for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )
    denies_plain_http = [
        statement
        for policy in of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": name}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and str(statement["Condition"]["Bool"]["aws:SecureTransport"]).lower() == "false"
    ]
    assert denies_plain_http, f"{name} accepts plain HTTP"


@pytest.mark.parametrize("name", sorted(of_type("AWS::DynamoDB::Table")))
def test_table_is_on_demand_recoverable_encrypted_and_expires_items(name: str) -> None:
    props = RESOURCES[name]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"]["Enabled"] is True


def test_tables_have_the_keys_and_ttl_the_code_uses() -> None:
    def layout(name: str) -> tuple[list[tuple[str, str]], str]:
        props = RESOURCES[name]["Properties"]
        keys = [(key["AttributeName"], key["KeyType"]) for key in props["KeySchema"]]
        return keys, props["TimeToLiveSpecification"]["AttributeName"]

    assert layout("LedgerTable") == ([("pk", "HASH"), ("sk", "RANGE")], "expires_at")
    assert layout("IdempotencyTable") == ([("id", "HASH")], "expiration")


def test_aws_services_can_use_the_key_of_each_encrypted_queue_and_topic() -> None:
    writers = {"AWS::SQS::Queue": "events.amazonaws.com", "AWS::SNS::Topic": "cloudwatch.amazonaws.com"}
    for kind, service in writers.items():
        for name, res in of_type(kind).items():
            key_ref = res["Properties"]["KmsMasterKeyId"]
            if not (isinstance(key_ref, dict) and key_ref.get("Ref") in RESOURCES):
                continue  # an AWS managed alias cannot be granted to services; cfn/checkov see the rest
            key = RESOURCES[key_ref["Ref"]]["Properties"]["KeyPolicy"]
            granted = {
                action
                for statement in key["Statement"]
                if statement["Effect"] == "Allow" and service in as_list(statement["Principal"].get("Service"))
                for action in as_list(statement["Action"])
            }
            assert "kms:Decrypt" in granted, name
            assert any(action.startswith("kms:GenerateDataKey") for action in granted), name
