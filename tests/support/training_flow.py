"""Labeling and training on the local stack: the tickets users drop, the labels the emulated workforce answers."""

from __future__ import annotations

from typing import Any

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack

WORKTEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
LABELS = ("billing", "technical")
TICKETS = {
    "t1.txt": "I was charged twice",
    "t2.txt": "the app crashes on start",
    "t3.txt": "refund please",
    "t4.txt": "login page times out",
    "t5.txt": "invoice shows the wrong address",
    "t6.txt": "sync fails with error 500",
}
GOLD = {"t1.txt": "billing", "t3.txt": "billing", "t5.txt": "billing"}


class Emulators:
    """The SageMaker emulator the stack drives (kept for steering failures)."""

    def __init__(self) -> None:
        self.sagemaker: SageMakerEmulator | None = None

    def __call__(self, stack: LocalStack) -> SageMakerEmulator:
        self.sagemaker = SageMakerEmulator(
            stack.clock.now,
            account_id=stack.template.account_id,
            region=stack.template.region,
            workforce=GoldLabelWorkforce(GOLD, default="technical"),
        )
        return self.sagemaker


def drop(stack: LocalStack, files: dict[str, str], prefix: str = "incoming/") -> None:
    bucket = stack.physical_name("DataBucket")
    for name, text in files.items():
        stack.aws("s3", "put_object", Bucket=bucket, Key=f"{prefix}{name}", Body=text.encode(), settle=False)
    stack.settle()


def parameters(execution: Any) -> dict[str, str]:
    return parameters_of(execution)


def parameters_of(execution: Any) -> dict[str, str]:
    return {p["Name"]: p["Value"] for p in execution.pipeline_parameters}
