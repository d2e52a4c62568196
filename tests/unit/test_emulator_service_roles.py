"""SageMaker's requests as a role (pure): the requests it makes and IAM's answers, on hand-written policies.

The IAM evaluation is the local stack's real one (:class:`~mlopsctl.local.iam.enforce.IamEnforcer` over
:class:`~mlopsctl.local.iam.principals.AccountPolicies` built here); no moto, no template.
"""

from __future__ import annotations

import pytest

from mlopsctl.local.emulators.sagemaker.service_roles import (
    FAILURE_REASON_LIMIT,
    AccessFailure,
    ServiceAccessError,
    image_repository_arn,
)
from tests.support.service_roles import ACCOUNT, IMAGE, JOB, REGISTRY, REPOSITORY, ROLE, TRUST, allow, roles_with

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = pytest.mark.iam_denials


@pytest.mark.parametrize(
    ("image", "arn"),
    [
        (IMAGE, REPOSITORY),
        (f"683313688378.dkr.ecr.us-east-1.amazonaws.com/team/model@sha256:{'a' * 64}", f"{REGISTRY}/team/model"),
        ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app", "arn:aws:ecr:eu-west-1:111122223333:repository/app"),
    ],
)
def test_an_image_uri_names_the_repository_its_layers_are_pulled_from(image: str, arn: str) -> None:
    assert image_repository_arn(image) == arn


def test_an_image_that_is_not_in_ecr_is_refused() -> None:
    with pytest.raises(ValueError, match="not an ECR image URI"):
        image_repository_arn("docker.io/library/python:3.12")


def test_pulling_an_image_needs_the_token_on_star_and_the_layers_on_its_repository() -> None:
    layers = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    roles = roles_with(allow("ecr:GetAuthorizationToken", "*"), allow(layers, REPOSITORY))
    elsewhere = roles_with(allow("ecr:GetAuthorizationToken", "*"), allow(layers, REPOSITORY + "-other"))

    assert roles.authorize(ROLE, roles.image_pull(IMAGE)) is None
    failure = elsewhere.authorize(ROLE, elsewhere.image_pull(IMAGE))
    assert failure is not None
    assert (failure.code, failure.action, failure.resource) == (
        "AccessDeniedException",
        "ecr:BatchCheckLayerAvailability",
        REPOSITORY,
    )
    assert failure.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/job-role/SageMaker is not authorized to perform: "
        f"ecr:BatchCheckLayerAvailability on resource: {REPOSITORY} because no identity-based policy allows the "
        "ecr:BatchCheckLayerAvailability action"
    )


def test_a_log_group_grant_written_as_group_star_does_not_cover_creating_the_group() -> None:
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs"
    stars_only = roles_with(allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], f"{group}:*"))
    both = roles_with(
        allow("logs:CreateLogGroup", group),
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{group}:log-stream:*"),
    )

    requests = stars_only.log_stream("/aws/sagemaker/TrainingJobs", "job/algo-1-0")
    failure = stars_only.authorize(ROLE, requests)
    assert failure is not None
    assert (failure.action, failure.resource) == ("logs:CreateLogGroup", group)
    assert both.authorize(ROLE, requests) is None


def test_reading_and_writing_s3_are_checked_on_the_object_and_listing_on_the_bucket() -> None:
    roles = roles_with(
        allow("s3:GetObject", "arn:aws:s3:::data/in/*"),
        allow("s3:PutObject", "arn:aws:s3:::data/out/*"),
        allow("s3:ListBucket", "arn:aws:s3:::data"),
    )
    session = roles.session(ROLE, JOB)

    session.read_prefix("s3://data/in/", ["s3://data/in/a.txt"])
    session.write("s3://data/out/model.tar.gz")
    with pytest.raises(ServiceAccessError) as denied:
        session.read("s3://data/out/model.tar.gz", "the model")
    assert denied.value.failure.code == "AccessDenied"  # S3's own code
    assert denied.value.reason().startswith("reading the model s3://data/out/model.tar.gz: AccessDenied: User: ")


def test_sagemaker_assumes_a_role_only_as_its_trust_policy_says() -> None:
    trusting = roles_with()
    foreign = {**TRUST["Statement"][0], "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}
    elsewhere = roles_with(trust={"Statement": [foreign]})

    assert trusting.assume(ROLE, JOB) is None
    failure = elsewhere.assume(ROLE, JOB)
    assert failure is not None
    assert (failure.action, failure.resource) == ("sts:AssumeRole", ROLE)
    assert f"aws:SourceArn={JOB}" in failure.message


def test_the_source_arn_sagemaker_sends_is_the_resource_it_acts_for() -> None:
    jobs = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/pipelines-*"
    statement = {**TRUST["Statement"][0], "Condition": {"ArnLike": {"aws:SourceArn": jobs}}}
    roles = roles_with(trust={"Statement": [statement]})

    assert roles.assume(ROLE, JOB) is None
    assert roles.assume(ROLE, JOB.replace("training-job", "processing-job")) is not None


def test_alarms_are_described_on_each_alarm_arn() -> None:
    alarm = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:errors"
    roles = roles_with(allow("cloudwatch:DescribeAlarms", alarm))

    assert roles.authorize(ROLE, roles.describe_alarms(["errors"])) is None
    failure = roles.authorize(ROLE, roles.describe_alarms(["errors", "latency"]))
    assert failure is not None
    assert failure.resource == alarm.replace("errors", "latency")


def test_a_failure_reason_fits_in_the_1024_characters_sagemaker_reports() -> None:
    failure = AccessFailure("AccessDenied", "x" * 5000, "s3:GetObject", "arn:aws:s3:::b/k")

    assert len(failure.reason("reading s3://b/k")) == FAILURE_REASON_LIMIT
