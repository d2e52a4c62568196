"""The local stack, end to end, on a small fixture template shaped like the project's (tests/fixtures/local_stack)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.errors import NotQuiescentError
from mlopsctl.local.runtime.settle import SettleLimits
from mlopsctl.local.runtime.stack import LocalStack

pytestmark = pytest.mark.flow

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local_stack" / "template.yaml"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(FIXTURE) as running:
        yield running


def put_object(stack: LocalStack, key: str, *, settle: bool = True) -> None:
    stack.aws("s3", "put_object", Bucket=stack.physical_name("DataBucket"), Key=key, Body=b"data", settle=settle)


def ledger_item(stack: LocalStack, pk: str, sk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        stack.client("dynamodb")
        .get_item(TableName=stack.physical_name("LedgerTable"), Key={"pk": {"S": pk}, "sk": {"S": sk}})
        .get("Item")
    )
    return item


def handler_runs(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    return [e for e in stack.log.entries("handler") if e["function"] == function]


def model_package_event(group: str, status: str, package: str = "pkg-1") -> dict[str, Any]:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{group}/{package}"
    return {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Model Package State Change",
        "resources": [arn],
        "detail": {"ModelPackageGroupName": group, "ModelPackageArn": arn, "ModelApprovalStatus": status},
    }


class SignalAt:
    """A minimal emulator: emits one ``local.fixture``/``Signal`` event at a virtual instant."""

    def __init__(self, due: datetime, package: str) -> None:
        self._due: datetime | None = due
        self._package = package

    def next_due(self) -> datetime | None:
        return self._due

    def run_due(self, now: datetime) -> list[dict[str, Any]]:
        self._due = None
        return [{"source": "local.fixture", "detail-type": "Signal", "detail": {"package": self._package}}]


def test_stack_is_created_from_the_template_with_deterministic_names(stack: LocalStack) -> None:
    s3, sqs = stack.client("s3"), stack.client("sqs")
    bucket = stack.physical_name("DataBucket")
    assert bucket == "mlops-local-databucket"
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert stack.physical_name("ModelPackageGroup") == "fixture-models"  # named by the template's parameter
    queue_url = sqs.get_queue_url(QueueName=stack.physical_name("DataArrivalQueue"))["QueueUrl"]
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    assert redrive == {"deadLetterTargetArn": stack.arn("DataArrivalDeadLetterQueue"), "maxReceiveCount": 2}
    environment = stack.client("lambda").get_function_configuration(
        FunctionName=stack.physical_name("DataArrivalFunction")
    )["Environment"]["Variables"]
    assert environment["GREETING"] == "hello from mlops-local in us-east-1"
    assert environment["LEDGER_TABLE_NAME"] == stack.physical_name("LedgerTable")  # from Globals
    assert environment["POWERTOOLS_LOG_LEVEL"] == "DEBUG"  # Fn::FindInMap on the Stage parameter
    assert "ProdOnlyQueue" not in stack.resources.records  # its condition is false


def test_state_machine_definition_has_its_substitutions_applied(stack: LocalStack) -> None:
    definition = stack.client("stepfunctions").describe_state_machine(stateMachineArn=stack.arn("DeployStateMachine"))[
        "definition"
    ]
    assert "${" not in definition
    assert json.loads(definition)["States"]["Notify"]["Parameters"]["FunctionName"] == stack.arn("NotifyFunction")


def test_object_matching_the_rule_reaches_the_function_and_others_do_not(stack: LocalStack) -> None:
    put_object(stack, "incoming/a.txt")
    put_object(stack, "elsewhere/b.txt")

    assert ledger_item(stack, "BATCH#incoming/a.txt", "BATCH") is not None
    assert ledger_item(stack, "BATCH#elsewhere/b.txt", "BATCH") is None
    assert [run["outcome"] for run in handler_runs(stack, "DataArrivalFunction")] == ["ok"]


def test_changing_the_rule_pattern_in_a_copy_of_the_template_changes_routing(tmp_path: Path) -> None:
    copy = tmp_path / "template.yaml"
    copy.write_text(FIXTURE.read_text(encoding="utf-8").replace("prefix: incoming/", "prefix: elsewhere/"))
    for folder in ("functions", "statemachines"):
        (tmp_path / folder).symlink_to(FIXTURE.parent / folder, target_is_directory=True)

    with LocalStack(copy) as stack:
        put_object(stack, "incoming/a.txt")
        put_object(stack, "elsewhere/b.txt")

        assert ledger_item(stack, "BATCH#incoming/a.txt", "BATCH") is None
        assert ledger_item(stack, "BATCH#elsewhere/b.txt", "BATCH") is not None


def test_batching_window_gathers_objects_into_one_invocation(stack: LocalStack) -> None:
    for key in ("incoming/1.txt", "incoming/2.txt", "incoming/3.txt"):
        put_object(stack, key, settle=False)
    stack.settle()

    assert len(handler_runs(stack, "DataArrivalFunction")) == 1
    assert ledger_item(stack, "BATCH#incoming/2.txt", "BATCH")["batch_size"] == {"N": "3"}  # type: ignore[index]
    assert stack.clock.elapsed() == timedelta(seconds=30)  # the template's MaximumBatchingWindowInSeconds


def test_failed_items_are_redelivered_then_moved_to_the_dead_letter_queue(stack: LocalStack) -> None:
    put_object(stack, "incoming/poison.txt", settle=False)
    put_object(stack, "incoming/good.txt")

    runs = handler_runs(stack, "DataArrivalFunction")
    assert [run["outcome"] for run in runs] == ["error", "error"]  # maxReceiveCount 2, then the DLQ
    assert runs[0]["reason"] == "1 of 2 batch items failed"
    assert runs[1]["t"] - runs[0]["t"] == 120 + 30  # the queue's VisibilityTimeout, then the batching window
    sqs = stack.client("sqs")
    dlq = sqs.get_queue_url(QueueName=stack.physical_name("DataArrivalDeadLetterQueue"))["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["detail"]["object"]["key"] for m in dead] == ["incoming/poison.txt"]
    assert ledger_item(stack, "BATCH#incoming/good.txt", "BATCH") is not None


def test_handler_that_ignores_its_input_is_logged_as_ignored_with_its_reason(stack: LocalStack) -> None:
    put_object(stack, "incoming/x.skip")

    assert handler_runs(stack, "DataArrivalFunction") == [
        {"kind": "handler", "function": "DataArrivalFunction", "outcome": "ignored", "reason": "only .skip objects",
         "t": 30.0}
    ]  # fmt: skip


def test_approval_event_starts_a_deployment_that_waits_in_virtual_time(stack: LocalStack) -> None:
    stack.emulators.append(SignalAt(stack.clock.now() + timedelta(minutes=20), "pkg-1"))

    stack.put_event(model_package_event("fixture-models", "Approved"))

    assert [(e["state_machine"], e["status"]) for e in stack.log.entries("execution")] == [
        ("DeployStateMachine", "SUCCEEDED")
    ]
    assert stack.clock.elapsed() == timedelta(minutes=20)  # a 10-minute Wait, then the signal at 20 minutes
    assert ledger_item(stack, "DEPLOYMENT#pkg-1", "DONE") is not None  # the state machine's own DynamoDB task
    assert [json.loads(n["Message"]) for n in stack.notifications()] == [{"package": "pkg-1"}]


def test_events_of_other_groups_are_not_routed_and_pending_packages_are_ignored(stack: LocalStack) -> None:
    stack.put_event(model_package_event("someone-elses-models", "Approved"))
    stack.put_event(model_package_event("fixture-models", "PendingManualApproval"))

    runs = handler_runs(stack, "ApprovalFunction")
    assert [(r["outcome"], r["reason"]) for r in runs] == [("ignored", "approval status is PendingManualApproval")]
    assert stack.log.entries("execution") == []


def test_failing_event_target_is_retried_asynchronously(stack: LocalStack) -> None:
    event = model_package_event("fixture-models", "Approved")
    del event["detail"]["ModelPackageArn"]

    stack.put_event(event)

    runs = handler_runs(stack, "ApprovalFunction")
    assert [r["outcome"] for r in runs] == ["error"] * 3  # Lambda's two async retries
    assert [r["t"] for r in runs] == [0.0, 60.0, 180.0]
    assert runs[0]["reason"] == "KeyError: 'ModelPackageArn'"


def test_task_token_wait_times_out_in_virtual_time(stack: LocalStack) -> None:
    start = {"package": "pkg-2", "wait_seconds": 600}
    stack.aws(
        "stepfunctions", "start_execution", stateMachineArn=stack.arn("DeployStateMachine"), input=json.dumps(start)
    )

    [execution] = stack.log.entries("execution")
    assert (execution["status"], execution["error"]) == ("FAILED", "SignalTimeout")
    assert stack.clock.elapsed() == timedelta(seconds=600 + 3600)  # Wait, then the task's TimeoutSeconds


def test_retry_intervals_pass_in_virtual_time(stack: LocalStack) -> None:
    start = {"package": "pkg-3", "wait_seconds": 0, "fail_notify": True}
    stack.aws(
        "stepfunctions", "start_execution", stateMachineArn=stack.arn("DeployStateMachine"), input=json.dumps(start)
    )

    assert [r["outcome"] for r in handler_runs(stack, "NotifyFunction")] == ["error"] * 3
    [execution] = stack.log.entries("execution")
    assert (execution["status"], execution["error"]) == ("FAILED", "NotifyFailed")
    assert stack.clock.elapsed() == timedelta(seconds=2 * 300)


def test_action_log_holds_the_systems_calls_not_the_users_nor_the_stacks(stack: LocalStack) -> None:
    put_object(stack, "incoming/a.txt")

    calls = [(e["service"], e["operation"]) for e in stack.log.entries("aws_call")]
    assert calls == [("dynamodb", "put_item")]
    [call] = stack.log.entries("aws_call")
    assert call["params"]["Item"]["pk"] == {"S": "BATCH#incoming/a.txt"}
    # moto also sends "Object Tags Added" for every put_object; AWS does not for an untagged put, nor does the stack
    assert [(e["source"], e["detail_type"]) for e in stack.log.entries("event")] == [("aws.s3", "Object Created")]


def test_stack_that_does_not_settle_within_its_virtual_bound_raises() -> None:
    with LocalStack(FIXTURE, limits=SettleLimits(max_virtual=timedelta(minutes=5))) as stack:
        start = json.dumps({"package": "pkg-4", "wait_seconds": 600})
        with pytest.raises(NotQuiescentError, match="work still due after 0:05:00"):
            stack.aws("stepfunctions", "start_execution", stateMachineArn=stack.arn("DeployStateMachine"), input=start)


def test_server_mode_runs_the_same_flow_over_http() -> None:
    with LocalStack(FIXTURE, server=True) as stack:
        assert stack.endpoint_url is not None
        assert stack.endpoint_url.startswith("http://127.0.0.1:")
        put_object(stack, "incoming/a.txt")

        assert ledger_item(stack, "BATCH#incoming/a.txt", "BATCH") is not None
        assert [(e["service"], e["operation"]) for e in stack.log.entries("aws_call")] == [("dynamodb", "put_item")]


def test_the_stack_has_one_scheduler_holding_the_waits_and_the_emulators_due_work() -> None:
    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)

    with LocalStack(FIXTURE, emulators=[sagemaker]) as stack:
        [emulator] = stack.emulators
        assert isinstance(emulator, SageMakerEmulator)
        assert emulator.scheduler is stack.scheduler  # handed the stack's, it has no queue of its own
        start, t0 = json.dumps({"package": "pkg-5", "wait_seconds": 600}), stack.clock.now()
        stack.aws(
            "stepfunctions", "start_execution", stateMachineArn=stack.arn("DeployStateMachine"), input=start,
            settle=False,
        )  # fmt: skip
        stack.run_until(t0)  # the execution runs to its Wait and parks there
        assert stack.scheduler.pending() == [f"wait of {stack.executions.poll().running[0]}"]
        assert stack.scheduler.next_due() == t0 + timedelta(seconds=600)

        stack.aws("sagemaker", "create_model_package_group", ModelPackageGroupName="other-models", settle=False)
        package = stack.client("sagemaker").create_model_package(
            ModelPackageGroupName="other-models",
            InferenceSpecification={
                "Containers": [{"Image": "img:1"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
        assert package["ModelPackageArn"]
        assert stack.scheduler.pending()[0] == "sagemaker model_package.changed"  # reported: due now, before the wait
        assert stack.scheduler.next_due() == t0

        stack.settle()
        assert stack.scheduler.pending() == []
