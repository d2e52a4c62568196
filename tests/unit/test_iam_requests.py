"""What AWS authorizes for each API call the system makes: action, resource ARNs (from the IAM database), dependents."""

from __future__ import annotations

from typing import Any

import pytest

from mlopsctl.local.iam.call_context import CallContext, NoFacts
from mlopsctl.local.iam.requests import authorization_requests

ACCOUNT = "123456789012"
SM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/model-role"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k-1"
QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/q"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"


class Facts(NoFacts):
    def s3_bucket_kms_key(self, bucket: str) -> str | None:
        return KEY if bucket == "data" else None

    def s3_object_kms_key(self, bucket: str, key: str) -> str | None:
        return self.s3_bucket_kms_key(bucket)

    def sqs_queue_kms_key(self, queue_url: str) -> str | None:
        return KEY

    def sns_topic_kms_key(self, topic_arn: str) -> str | None:
        return KEY

    def state_machine_of_token(self, token: str) -> str | None:
        return f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:deploy" if token == "tok" else None


CTX = CallContext("aws", "us-east-1", ACCOUNT, Facts())


def pairs(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in authorization_requests(service, operation, params, CTX)]


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        (
            "sagemaker",
            "UpdateEndpoint",
            {"EndpointName": "Ep", "EndpointConfigName": "Stack-C1"},
            [
                ("sagemaker:UpdateEndpoint", f"{SM}:endpoint/ep"),
                ("sagemaker:UpdateEndpoint", f"{SM}:endpoint-config/stack-c1"),
            ],
        ),
        (
            "sagemaker",
            "DescribeModelPackage",
            {"ModelPackageName": f"{SM}:model-package/Group/3"},
            [("sagemaker:DescribeModelPackage", f"{SM}:model-package/group/3")],
        ),
        (
            "sagemaker",
            "UpdateModelPackage",
            {"ModelPackageArn": f"{SM}:model-package/g/3", "ModelApprovalStatus": "Rejected"},
            [("sagemaker:UpdateModelPackage", f"{SM}:model-package/g/3")],
        ),
        (
            "sagemaker",
            "CreateModelPackage",
            {"ModelPackageGroupName": "g"},
            [
                ("sagemaker:CreateModelPackage", f"{SM}:model-package/g/*"),
                ("sagemaker:CreateModelPackage", f"{SM}:model-package-group/g"),
            ],
        ),
        ("sagemaker", "ListModelPackages", {"ModelPackageGroupName": "g"}, [("sagemaker:ListModelPackages", "*")]),
        (
            "sagemaker",
            "StartPipelineExecution",
            {"PipelineName": "stack-training"},
            [("sagemaker:StartPipelineExecution", f"{SM}:pipeline/stack-training")],
        ),
        (
            "sagemaker",
            "ListPipelineExecutionSteps",
            {"PipelineExecutionArn": f"{SM}:pipeline/p/execution/AbC"},
            [("sagemaker:ListPipelineExecutionSteps", f"{SM}:pipeline/p/execution/abc")],
        ),
        (
            "stepfunctions",
            "StartExecution",
            {"stateMachineArn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:deploy", "name": "x"},
            [("states:StartExecution", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:deploy")],
        ),
        (
            "stepfunctions",
            "SendTaskSuccess",
            {"taskToken": "tok", "output": "{}"},
            [("states:SendTaskSuccess", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:deploy")],
        ),
        (
            "stepfunctions",
            "SendTaskSuccess",
            {"taskToken": "unknown", "output": "{}"},
            [("states:SendTaskSuccess", "*")],
        ),
        (
            "dynamodb",
            "Query",
            {"TableName": "ledger", "IndexName": "by-status"},
            [
                ("dynamodb:Query", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ledger"),
                ("dynamodb:Query", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ledger/index/by-status"),
            ],
        ),
        (
            "dynamodb",
            "BatchGetItem",
            {"RequestItems": {"a": {}, "b": {}}},
            [
                ("dynamodb:BatchGetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/a"),
                ("dynamodb:BatchGetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/b"),
            ],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Update": {"TableName": "ledger"}},
                    {"Put": {"TableName": "idem"}},
                    {"ConditionCheck": {"TableName": "ledger"}},
                ]
            },
            [
                ("dynamodb:UpdateItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ledger"),
                ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/idem"),
                ("dynamodb:ConditionCheckItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ledger"),
            ],
        ),
        (
            "lambda",
            "Invoke",
            {"FunctionName": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tasks:live"},
            [("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tasks")],
        ),
        (
            "cloudwatch",
            "DescribeAlarms",
            {"AlarmNames": ["a1", "a2"]},
            [
                ("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:a1"),
                ("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:a2"),
            ],
        ),
        ("cloudwatch", "DescribeAlarms", {}, [("cloudwatch:DescribeAlarms", "*")]),
        ("s3", "HeadObject", {"Bucket": "logs", "Key": "k"}, [("s3:GetObject", "arn:aws:s3:::logs/k")]),
        (
            "s3",
            "GetObject",
            {"Bucket": "logs", "Key": "k", "VersionId": "v"},
            [("s3:GetObjectVersion", "arn:aws:s3:::logs/k")],
        ),
        ("s3", "ListObjectsV2", {"Bucket": "logs", "Prefix": "a/"}, [("s3:ListBucket", "arn:aws:s3:::logs")]),
    ],
)
def test_call_is_authorized_on_the_resources_aws_builds(
    service: str, operation: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert pairs(service, operation, params) == expected


def test_create_with_a_role_and_tags_needs_pass_role_and_add_tags() -> None:
    requests = authorization_requests(
        "sagemaker",
        "CreateModel",
        {"ModelName": "Stack-M1", "ExecutionRoleArn": ROLE, "Tags": [{"Key": "mlops:stack", "Value": "s"}]},
        CTX,
    )
    assert [(r.action, r.resource) for r in requests] == [
        ("sagemaker:CreateModel", f"{SM}:model/stack-m1"),
        ("iam:PassRole", ROLE),
        ("sagemaker:AddTags", f"{SM}:model/stack-m1"),
    ]
    assert requests[1].context["iam:PassedToService"] == "sagemaker.amazonaws.com"
    assert requests[0].context["aws:TagKeys"] == ["mlops:stack"]


def test_create_without_tags_needs_no_add_tags() -> None:
    assert [a for a, _ in pairs("sagemaker", "CreateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"})] == [
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpoint",
    ]


def test_nested_role_arns_are_passed_roles_too() -> None:
    params = {"LabelingJobName": "j", "RoleArn": ROLE, "HumanTaskConfig": {"PreHumanTaskLambdaArn": "x"}}
    assert ("iam:PassRole", ROLE) in pairs("sagemaker", "CreateLabelingJob", params)


def test_sse_kms_object_read_and_write_need_the_key() -> None:
    assert pairs("s3", "GetObject", {"Bucket": "data", "Key": "k"}) == [
        ("s3:GetObject", "arn:aws:s3:::data/k"),
        ("kms:Decrypt", KEY),
    ]
    assert pairs("s3", "PutObject", {"Bucket": "data", "Key": "k"}) == [
        ("s3:PutObject", "arn:aws:s3:::data/k"),
        ("kms:GenerateDataKey", KEY),
    ]
    assert pairs("s3", "PutObject", {"Bucket": "logs", "Key": "k"}) == [("s3:PutObject", "arn:aws:s3:::logs/k")]


def test_encrypted_queue_and_topic_need_generate_data_key_and_decrypt() -> None:
    sent = pairs("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "x"})
    assert sent == [
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"),
        ("kms:GenerateDataKey", KEY),
        ("kms:Decrypt", KEY),
    ]
    published = pairs("sns", "Publish", {"TopicArn": TOPIC, "Message": "x"})
    assert published == [("sns:Publish", TOPIC), ("kms:GenerateDataKey", KEY), ("kms:Decrypt", KEY)]


def test_put_metric_data_carries_its_namespace() -> None:
    (request,) = authorization_requests("cloudwatch", "PutMetricData", {"Namespace": "/aws/sagemaker/Endpoints"}, CTX)
    assert (request.resource, request.context["cloudwatch:namespace"]) == ("*", "/aws/sagemaker/Endpoints")


def test_an_operation_without_a_known_permission_is_an_error() -> None:
    with pytest.raises(ValueError, match="no action"):
        authorization_requests("s3", "SelectObjectContent2", {}, CTX)


def test_copy_object_reads_the_source_and_writes_the_destination_with_both_keys() -> None:
    params = {
        "Bucket": "data",
        "Key": "manifests/b/train.jsonl",
        "CopySource": {"Bucket": "data", "Key": "labeled/a b"},
    }
    assert pairs("s3", "CopyObject", params) == [
        ("s3:GetObject", "arn:aws:s3:::data/labeled/a b"),
        ("kms:Decrypt", KEY),
        ("s3:PutObject", "arn:aws:s3:::data/manifests/b/train.jsonl"),
        ("kms:GenerateDataKey", KEY),
        ("s3:GetObjectTagging", "arn:aws:s3:::data/labeled/a b"),
        ("s3:PutObjectTagging", "arn:aws:s3:::data/manifests/b/train.jsonl"),
    ]
    assert pairs("s3", "CopyObject", {"Bucket": "logs", "Key": "k", "CopySource": "logs/a%20b?versionId=v1"})[0] == (
        "s3:GetObjectVersion",
        "arn:aws:s3:::logs/a b",
    )


class TableFacts(Facts):
    def dynamodb_table_kms_key(self, table: str) -> str | None:
        return KEY if table == "ledger" else None


def test_a_table_encrypted_with_a_customer_managed_key_needs_decrypt_for_reads_and_writes() -> None:
    ctx = CallContext("aws", "us-east-1", ACCOUNT, TableFacts())
    got = [(r.action, r.resource) for r in authorization_requests("dynamodb", "PutItem", {"TableName": "ledger"}, ctx)]
    assert got == [("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ledger"), ("kms:Decrypt", KEY)]
    other = authorization_requests("dynamodb", "GetItem", {"TableName": "other"}, ctx)
    assert [r.action for r in other] == ["dynamodb:GetItem"]
    transaction = {"TransactItems": [{"Put": {"TableName": "ledger"}}]}
    assert [r.action for r in authorization_requests("dynamodb", "TransactWriteItems", transaction, ctx)] == [
        "dynamodb:PutItem",
        "kms:Decrypt",
    ]


class MissingObjects(Facts):
    def s3_object_exists(self, bucket: str, key: str) -> bool:
        return False


def test_reading_a_missing_object_needs_list_bucket_for_a_404_rather_than_a_403() -> None:
    ctx = CallContext("aws", "us-east-1", ACCOUNT, MissingObjects())
    got = [
        (r.action, r.resource) for r in authorization_requests("s3", "HeadObject", {"Bucket": "logs", "Key": "k"}, ctx)
    ]
    assert got == [("s3:GetObject", "arn:aws:s3:::logs/k"), ("s3:ListBucket", "arn:aws:s3:::logs")]


def test_add_tags_is_authorized_on_the_resource_it_names() -> None:
    tags = [{"Key": "mlops:model-package-arn", "Value": "p"}]
    requests = authorization_requests(
        "sagemaker", "AddTags", {"ResourceArn": f"{SM}:endpoint/My-Endpoint", "Tags": tags}, CTX
    )
    assert [(r.action, r.resource) for r in requests] == [("sagemaker:AddTags", f"{SM}:endpoint/my-endpoint")]
    assert requests[0].context["aws:TagKeys"] == ["mlops:model-package-arn"]


def test_add_tags_on_an_arn_of_no_taggable_type_is_checked_on_every_resource() -> None:
    assert pairs("sagemaker", "AddTags", {"ResourceArn": f"{SM}:no-such-type/x", "Tags": []}) == [
        ("sagemaker:AddTags", "*")
    ]
