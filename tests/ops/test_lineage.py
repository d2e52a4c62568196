"""``mlopsctl lineage`` against the local stack over HTTP: a version trained from data, and one registered by hand."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.lineage_flow import LABELING, lifecycle_sagemaker
from tests.support.ops_stack import OpsStack, ops_stack
from tests.support.training_flow import TICKETS, drop

pytestmark = pytest.mark.flow


def package_arn(ops: OpsStack, version: int) -> str:
    template = ops.stack.template
    return f"arn:aws:sagemaker:{template.region}:{template.account_id}:model-package/{ops.flow.group}/{version}"


@pytest.fixture(scope="module")
def ops() -> OpsStack:
    with ops_stack(LABELING, sagemaker=lifecycle_sagemaker) as running:
        drop(running.stack, TICKETS)  # → labeling job → pipeline execution → version 1 (PendingManualApproval)
        running.flow.approve(package_arn(running, 1))  # → deployed
        running.flow.register()  # version 2, by hand
        yield running


def test_a_version_trained_from_data_shows_every_link_down_to_its_deployment(ops: OpsStack) -> None:
    lineage = ops.json("lineage", "1")

    package, execution = lineage["model_package"], lineage["pipeline_execution"]
    assert (package["version"], package["status"]) == (1, "Approved")
    assert package["generated_by"] == execution["arn"]
    assert (execution["status"], execution["recorded"]) == ("Succeeded", True)
    job = lineage["labeling_job"]
    assert (job["name"], job["status"]) == (execution["labeling_job_name"], "Completed")
    batch = lineage["batch"]
    assert batch["id"] == execution["batch_id"] == job["batch_id"]
    assert batch["objects"] == len(TICKETS)
    bucket = ops.stack.physical_name("DataBucket")
    assert batch["keys"] == [f"s3://{bucket}/incoming/{name}" for name in sorted(TICKETS)][:5]
    (deployment,) = lineage["deployments"]
    assert (deployment["outcome"], deployment["endpoint_name"]) == ("SUCCEEDED", ops.flow.endpoint)
    assert deployment["deployment_id"] == ops.flow.records()[1]["deployment_id"]
    assert lineage["gaps"] == []


def test_the_same_lineage_is_found_from_the_package_arn(ops: OpsStack) -> None:
    assert ops.json("lineage", package_arn(ops, 1)) == ops.json("lineage", "1")


def test_a_version_registered_by_hand_has_gaps_that_say_why(ops: OpsStack) -> None:
    lineage: dict[str, Any] = ops.json("lineage", "2")

    assert lineage["model_package"]["status"] == "PendingManualApproval"
    assert (lineage["pipeline_execution"], lineage["labeling_job"], lineage["batch"]) == (None, None, None)
    assert lineage["deployments"] == []
    assert lineage["gaps"] == [
        "registered by hand: no pipeline execution",
        "registered by hand: no labeling job",
        "registered by hand: no data batch",
        f"never deployed to {ops.flow.endpoint}: no deployments",
    ]


def test_people_see_the_chain_as_a_tree(ops: OpsStack) -> None:
    result = ops.run("lineage", "1")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    chain = ["data batch", "labeling job", "pipeline execution", "model package", "deployments", "SUCCEEDED"]
    positions = [next(i for i, line in enumerate(lines) if word in line) for word in chain]
    assert positions == sorted(positions), result.stdout


@pytest.mark.parametrize("wanted", ["99", "arn:aws:sagemaker:us-east-1:123456789012:model-package/nope/1", "latest"])
def test_an_unknown_version_is_one_line_and_exit_2(ops: OpsStack, wanted: str) -> None:
    result = ops.run("lineage", wanted)

    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ")
