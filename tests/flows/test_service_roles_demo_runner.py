"""The real pipeline runner moves data and runs the step scripts as the job's role, on the local stack.

:class:`~mlopsctl.local.emulators.pipelines.runner.StepScriptPipelineRunner` (the demo's) downloads each input and
uploads each output as
the job's ``RoleArn``, and the step script's own boto3 calls (the preprocess step reading ``source-ref`` objects)
are authorized as that role too. Each test takes a grant out of a copy of ``template.yaml``, starts one execution on
a small Ground Truth output manifest and shows the ``Preprocess`` step failing with the AccessDenied. With the
project's template the whole demo succeeds (``tests/flows/test_demo.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlopsctl.demo.artifacts import upload_step_code
from mlopsctl.local.emulators.pipelines.container import ContainerAccess
from mlopsctl.local.emulators.pipelines.runner import StepScriptPipelineRunner
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.actionlog import STACK_USER_AGENT
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.template_copies import role_section, template_with

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]

SESSION = "assumed-role/mlops-local-sagemakerexecutionrole/SageMaker"
TICKETS = {"t1.txt": "I was charged twice", "t2.txt": "the app crashes on start", "t3.txt": "refund please"}


def emulator(stack: LocalStack) -> SageMakerEmulator:
    access = ContainerAccess(region=stack.template.region, user_agent_extra=STACK_USER_AGENT)
    runner = StepScriptPipelineRunner(stack.client, access=access)
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region, pipeline_runner=runner)


def preprocess_failure(template: Path) -> str:
    """Run one execution on a manifest under ``manifests/`` whose objects are under ``incoming/`` (where data arrives,
    and one of the two prefixes the preprocess step reads ``source-ref`` objects from)."""
    with LocalStack(template, emulators=[emulator]) as stack:
        s3, data = stack.client("s3"), stack.physical_name("DataBucket")
        upload_step_code(s3, stack.physical_name("ArtifactsBucket"))
        lines = []
        for number, (name, text) in enumerate(TICKETS.items()):
            s3.put_object(Bucket=data, Key=f"incoming/objects/{name}", Body=text.encode())
            label = {"class-name": ("billing", "technical")[number % 2], "confidence": 1.0}
            source = f"s3://{data}/incoming/objects/{name}"
            lines.append({"source-ref": source, "label": number % 2, "label-metadata": label})
        body = "".join(json.dumps(line) + "\n" for line in lines)
        s3.put_object(Bucket=data, Key="manifests/job-1/output.manifest", Body=body.encode())
        arn = stack.aws(
            "sagemaker",
            "start_pipeline_execution",
            PipelineName=stack.physical_name("TrainingPipeline"),
            PipelineParameters=[{"Name": "InputManifestUri", "Value": f"s3://{data}/manifests/job-1/output.manifest"}],
        )["PipelineExecutionArn"]
        sagemaker = stack.client("sagemaker")
        assert sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Failed"
        steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
        (step,) = [s for s in steps if s["StepStatus"] == "Failed"]
        assert step["StepName"] == "Preprocess"
        return str(step["FailureReason"])


def test_the_step_script_reads_its_source_ref_objects_as_the_job_role(tmp_path: Path) -> None:
    section = role_section("SageMakerExecutionRole")
    incoming = '                  - !Sub "${DataBucket.Arn}/incoming/*"\n'

    reason = preprocess_failure(template_with(tmp_path, (section, section.replace(incoming, "", 1))))

    assert reason.startswith("AlgorithmError: "), reason  # the script's own GetObject failed: the container's error
    assert "AccessDenied" in reason
    denied = f"{SESSION} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::mlops-local-databucket"
    assert f"{denied}/incoming/objects/t" in reason


def test_the_runner_downloads_the_step_code_as_the_job_role(tmp_path: Path) -> None:
    section = role_section("SageMakerExecutionRole")
    artifacts = 'Resource: !Sub "${ArtifactsBucket.Arn}/pipelines/*"'
    without_code = section.replace(artifacts, artifacts.replace("/pipelines/*", "/pipelines/runs/*"), 1)

    reason = preprocess_failure(template_with(tmp_path, (section, without_code)))

    assert reason.startswith("ClientError: reading the input s3://mlops-local-artifactsbucket/pipelines/code/"), reason
    assert f"{SESSION} is not authorized to perform: s3:GetObject" in reason
