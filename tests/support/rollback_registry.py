"""The user of the rollback flows on the local stack: approves model versions, sets the alarm by hand, reads the
ledger and the notifications."""

from __future__ import annotations

import json
from typing import Any

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.ledger_records import items_of


class Registry:
    """What a user does on the local stack, and what it shows."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.sagemaker = stack.client("sagemaker")
        self.endpoint = str(stack.template.parameters["EndpointName"])
        self.alarm = stack.physical_name("EndpointErrorsAlarm")
        self.store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))

    def approve_new_version(self) -> str:
        """Register a model version already approved (the emulator sends the registry's event)."""
        bucket = self.stack.physical_name("ArtifactsBucket")
        self.stack.client("s3").put_object(Bucket=bucket, Key="pipelines/runs/run-1/model/model.tar.gz", Body=b"model")
        # What the training pipeline registers: the template's image, model data under pipelines/runs/ (the model
        # role may pull and read nothing else, as in AWS).
        container = {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3",
                     "ModelDataUrl": f"s3://{bucket}/pipelines/runs/run-1/model/model.tar.gz"}  # fmt: skip
        created = self.stack.aws(
            "sagemaker",
            "create_model_package",
            ModelPackageGroupName=self.stack.physical_name("ModelPackageGroup"),
            InferenceSpecification={
                "Containers": [container],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="Approved",
        )
        return str(created["ModelPackageArn"])

    def set_alarm(self, state: str) -> list[dict[str, Any]]:
        """Set the 5xx alarm's state by hand; the action log entries it caused."""
        mark = len(self.stack.log.entries())
        self.stack.aws("cloudwatch", "set_alarm_state", AlarmName=self.alarm, StateValue=state, StateReason="by hand")
        return list(self.stack.log.entries()[mark:])

    def serves(self) -> str:
        endpoint = self.sagemaker.describe_endpoint(EndpointName=self.endpoint)
        assert endpoint["EndpointStatus"] == "InService"
        return str(endpoint["EndpointConfigName"])

    def deployment_of(self, package_arn: str) -> dict[str, Any]:
        records = items_of(self.store.deployments(self.endpoint))
        return next(d for d in records if d.get("model_package_arn") == package_arn and "rollback_of" not in d)

    def notifications(self) -> list[dict[str, Any]]:
        return [json.loads(envelope["Message"]) for envelope in self.stack.notifications()]
