"""A job role on its own IAM account, as the emulator checks a SageMaker job's calls against it (roles_with, allow)."""

from __future__ import annotations

from typing import Any

from mlopsctl.local.emulators.sagemaker.service_roles import ServiceRoles
from mlopsctl.local.iam.call_context import NoFacts
from mlopsctl.local.iam.enforce import IamEnforcer
from mlopsctl.local.iam.evaluate import Policy
from mlopsctl.local.iam.principals import AccountPolicies, NamedPolicy, RolePolicies

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/job-role"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
REGISTRY = "arn:aws:ecr:us-east-1:683313688378:repository"
REPOSITORY = f"{REGISTRY}/sagemaker-scikit-learn"
JOB = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/pipelines-abc-train"
TRUST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
}


def roles_with(*statements: dict[str, Any], trust: dict[str, Any] = TRUST) -> ServiceRoles:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    role = RolePolicies(
        "JobRole",
        ROLE,
        (NamedPolicy("Job", document, Policy.of(document, owner="JobRole", name="Job")),),
        Policy.of(trust, owner="JobRole", name="trust", resource_based=True),
    )
    iam = IamEnforcer(
        AccountPolicies(roles={ROLE: role}),
        NoFacts(),
        partition="aws",
        region="us-east-1",
        account=ACCOUNT,
        role_of_execution=lambda _arn: None,
        execution_of_thread=lambda: "",
    )
    return ServiceRoles(iam, region="us-east-1", account=ACCOUNT)


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}
