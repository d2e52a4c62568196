"""IAM's evaluation logic as the IAM User Guide documents it (policy evaluation logic, condition operators)."""

from __future__ import annotations

from typing import Any

import pytest

from mlopsctl.local.iam.evaluate import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Policy, Principal, Request, evaluate

ROLE = "arn:aws:iam::123456789012:role/fn-role"
PRINCIPAL = Principal(ROLE, "fn")


def policy(*statements: dict[str, Any], resource_based: bool = False) -> Policy:
    return Policy.of({"Statement": list(statements)}, owner="Role", name="P", resource_based=resource_based)


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(policies: list[Policy], action: str, resource: str, **context: Any) -> str:
    return evaluate(policies, Request(action, resource, context)).effect


def test_nothing_allows_means_implicit_deny() -> None:
    assert decide([], "s3:GetObject", "arn:aws:s3:::b/k") == IMPLICIT_DENY


def test_allow_on_matching_action_and_resource() -> None:
    assert (
        decide([policy(allow("s3:GetObject", "arn:aws:s3:::b/in/*"))], "s3:GetObject", "arn:aws:s3:::b/in/a") == ALLOW
    )


def test_actions_match_ignoring_case_resources_do_not() -> None:
    p = [policy(allow("S3:getobject", "arn:aws:s3:::b/in/*"))]
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/in/a") == ALLOW
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/IN/a") == IMPLICIT_DENY


def test_upper_case_name_in_a_policy_never_matches_a_lower_cased_sagemaker_arn() -> None:
    p = [policy(allow("sagemaker:UpdateEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/My-Endpoint"))]
    assert decide(p, "sagemaker:UpdateEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/my-endpoint") == IMPLICIT_DENY


def test_wildcards_span_slashes_and_colons_and_question_mark_is_one_character() -> None:
    p = [policy(allow("logs:PutLogEvents", "arn:aws:logs:r:1:log-group:/aws/sagemaker/*"))]
    assert decide(p, "logs:PutLogEvents", "arn:aws:logs:r:1:log-group:/aws/sagemaker/X:log-stream:s") == ALLOW
    q = [policy(allow("s3:GetObject", "arn:aws:s3:::b/v?"))]
    assert decide(q, "s3:GetObject", "arn:aws:s3:::b/v1") == ALLOW
    assert decide(q, "s3:GetObject", "arn:aws:s3:::b/v10") == IMPLICIT_DENY


def test_log_group_grant_with_trailing_colon_star_does_not_cover_the_log_group_itself() -> None:
    p = [policy(allow("logs:CreateLogGroup", "arn:aws:logs:r:1:log-group:/aws/sagemaker/TrainingJobs:*"))]
    assert decide(p, "logs:CreateLogGroup", "arn:aws:logs:r:1:log-group:/aws/sagemaker/TrainingJobs") == IMPLICIT_DENY


def test_explicit_deny_wins_over_any_allow() -> None:
    p = [policy(allow("s3:*")), policy({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})]
    assert decide(p, "s3:DeleteObject", "arn:aws:s3:::b/k") == EXPLICIT_DENY
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/k") == ALLOW


def test_not_action_and_not_resource() -> None:
    p = [policy({"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::secret/*"})]
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/k") == ALLOW
    assert decide(p, "s3:DeleteObject", "arn:aws:s3:::b/k") == IMPLICIT_DENY
    assert decide(p, "s3:GetObject", "arn:aws:s3:::secret/k") == IMPLICIT_DENY


def test_pass_role_condition_on_the_service_it_is_passed_to() -> None:
    p = [
        policy(
            allow("iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})
        )
    ]
    assert decide(p, "iam:PassRole", ROLE, **{"iam:PassedToService": "sagemaker.amazonaws.com"}) == ALLOW
    assert decide(p, "iam:PassRole", ROLE, **{"iam:PassedToService": "lambda.amazonaws.com"}) == IMPLICIT_DENY
    assert decide(p, "iam:PassRole", ROLE) == IMPLICIT_DENY


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        (
            {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            {"cloudwatch:namespace": "/aws/sagemaker/E"},
            ALLOW,
        ),
        ({"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}, {"cloudwatch:namespace": "Mine"}, IMPLICIT_DENY),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {}, ALLOW),  # negated operator, key absent: true
        ({"StringEquals": {"aws:SourceAccount": "1"}}, {}, IMPLICIT_DENY),  # positive operator, key absent: false
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, ALLOW),
        ({"Null": {"aws:SourceArn": "true"}}, {}, ALLOW),
        ({"Null": {"aws:SourceArn": "false"}}, {}, IMPLICIT_DENY),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:1:rule/x-*"}},
            {"aws:SourceArn": "arn:aws:events:r:1:rule/x-a"},
            ALLOW,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:1:rule/x-*"}},
            {"aws:SourceArn": "arn:aws:events:r:2:rule/x-a"},
            IMPLICIT_DENY,
        ),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, ALLOW),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, ALLOW),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["a", "c"]}, IMPLICIT_DENY),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["c"]}}, {"aws:TagKeys": ["a", "c"]}, ALLOW),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, ALLOW),
    ],
)
def test_condition_operators(condition: dict[str, Any], context: dict[str, Any], expected: str) -> None:
    assert decide([policy(allow("x:Y", Condition=condition))], "x:Y", "*", **context) == expected


def test_unknown_condition_operator_is_an_error_not_a_match() -> None:
    with pytest.raises(ValueError, match="not supported"):
        decide([policy(allow("x:Y", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))], "x:Y", "*")


def test_resource_policy_explicit_deny_applies_to_the_caller() -> None:
    bucket_policy = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        resource_based=True,
    )
    identity = [policy(allow("s3:GetObject", "arn:aws:s3:::b/*"))]
    insecure = Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})
    secure = Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert evaluate(identity, insecure, resource_policies=[bucket_policy], principal=PRINCIPAL).effect == EXPLICIT_DENY
    assert evaluate(identity, secure, resource_policies=[bucket_policy], principal=PRINCIPAL).effect == ALLOW


def test_resource_policy_naming_only_the_account_does_not_grant_by_itself() -> None:
    key_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
        resource_based=True,
    )
    request = Request("kms:Decrypt", "arn:aws:kms:r:123456789012:key/k")
    assert evaluate([], request, resource_policies=[key_policy], principal=PRINCIPAL).effect == IMPLICIT_DENY


def test_resource_policy_naming_the_role_grants() -> None:
    queue_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": "*"},
        resource_based=True,
    )
    request = Request("sqs:SendMessage", "arn:aws:sqs:r:123456789012:q")
    assert evaluate([], request, resource_policies=[queue_policy], principal=PRINCIPAL).effect == ALLOW


def test_decision_names_the_statements_that_allowed() -> None:
    p = Policy.of({"Statement": [allow("s3:GetObject", Sid="ReadIt"), allow("s3:PutObject")]}, owner="R", name="P")
    decision = evaluate([p], Request("s3:GetObject", "arn:aws:s3:::b/k"))
    assert [ref.label() for ref in decision.statements] == ["R/P/ReadIt"]


def test_denial_message_has_aws_shape() -> None:
    from mlopsctl.local.iam.enforce import denial_message

    request = Request("sagemaker:CreateModel", "arn:aws:sagemaker:us-east-1:123456789012:model/m")
    message = denial_message(PRINCIPAL, request, evaluate([], request))
    assert message == (
        "User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: sagemaker:CreateModel "
        "on resource: arn:aws:sagemaker:us-east-1:123456789012:model/m because no identity-based policy allows the "
        "sagemaker:CreateModel action"
    )
