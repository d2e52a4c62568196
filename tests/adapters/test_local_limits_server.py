"""The limits are enforced where moto serves requests, so they hold in ``moto_server`` mode as in process."""

from __future__ import annotations

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.limits import FIXTURE, IMAGE, ROLE, refusal


def test_a_too_long_model_name_is_refused_in_moto_server_mode_too() -> None:
    with LocalStack(FIXTURE, server=True) as stack:
        sagemaker = stack.client("sagemaker")
        error = refusal(
            sagemaker.create_model, ModelName="m" * 64, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE}
        )

    assert error["Code"] == "ValidationException"
    assert error["Message"].endswith(
        "at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63"
    )
