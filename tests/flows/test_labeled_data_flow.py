"""Bring your own data, on the local stack from the project's template: labeled CSV and JSON lines under ``labeled/``
train directly; a file the pipeline could not read is refused when it arrives, with the reason, on the topic (and in
the handler's result, the logs and the ``LabeledObjectsRefused`` metric), and the rest of the batch still trains."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.stack import LocalStack
from pipelines.models.text import preprocess
from tests.support.stack_queries import executions
from tests.support.training_flow import Emulators, parameters

pytestmark = pytest.mark.flow

GOOD_CSV = "text,label\n" + "".join(f"ticket number {n},{('billing', 'technical')[n % 2]}\n" for n in range(8))
BAD = {
    "notes.txt": b"just some notes",
    "latin1.csv": "text,label\ncaf\xe9,billing\n".encode("latin-1"),
    "empty-header.csv": b"text,label\n",
    "wrong-columns.csv": b"body,category\nhello,billing\n",
    "unterminated.csv": b'text,label\n"oops,billing\n',
    "ragged.csv": b"text,label\na,billing\nb\n",
    "no-label.csv": b"text,label\na,\n",
    "pretty.json": b'{\n  "text": "a",\n  "label": "b"\n}\n',
    "no-label.jsonl": b'{"text": "a"}\n',
    "number.jsonl": b'{"text": "a", "label": 1}\n',
}
REASONS = {
    "notes.txt": "unsupported-format",
    "latin1.csv": "not-utf8",
    "empty-header.csv": "no-data",
    "wrong-columns.csv": "missing-columns",
    "unterminated.csv": "not-csv",
    "ragged.csv": "ragged-rows",
    "no-label.csv": "empty-value",
    "pretty.json": "not-json-lines",
    "no-label.jsonl": "missing-fields",
    "number.jsonl": "bad-value",
}


@pytest.fixture
def emulators() -> Emulators:
    return Emulators()


@pytest.fixture
def stack(emulators: Emulators) -> Iterator[LocalStack]:
    with LocalStack(emulators=[emulators]) as running:
        yield running


def put(stack: LocalStack, files: dict[str, bytes], prefix: str = "labeled/") -> None:
    """A user uploads files at once (no time passes between them), then the stack settles."""
    bucket = stack.physical_name("DataBucket")
    for name, body in files.items():
        stack.aws("s3", "put_object", Bucket=bucket, Key=f"{prefix}{name}", Body=body, settle=False)
    stack.settle()


def refusals(stack: LocalStack) -> list[dict[str, Any]]:
    """The ``[DATA REFUSED]`` notifications, their subject beside the message."""
    notes = [json.loads(n["Message"]) | {"subject": n.get("Subject", "")} for n in stack.notifications()]
    return [n for n in notes if n["kind"] == "data"]


def training_files(stack: LocalStack, execution: Any) -> list[bytes]:
    bucket, _, prefix = parameters(execution)["InputManifestUri"].removeprefix("s3://").partition("/")
    s3 = stack.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return sorted(s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys)


def run_preprocess(stack: LocalStack, execution: Any, workdir: Path) -> dict[str, Any]:
    """The real preprocess step on the execution's input, with the execution's columns."""
    given = parameters(execution)
    for index, body in enumerate(training_files(stack, execution)):
        suffix = ".csv" if body.count(b",") and not body.startswith(b"{") else ".jsonl"
        (workdir / "in").mkdir(parents=True, exist_ok=True)
        (workdir / "in" / f"{index}{suffix}").write_bytes(body)
    args = preprocess.parse_args(
        [
            f"--input-dir={workdir / 'in'}",
            f"--label-column={given['LabelColumn']}",
            f"--feature-columns={given['FeatureColumns']}",
            *(f"--{split}-dir={workdir / split}" for split in preprocess.SPLITS),
        ]
    )
    return preprocess.run(args)


def test_a_labeled_csv_trains_directly(stack: LocalStack, tmp_path: Path) -> None:
    put(stack, {"tickets.csv": GOOD_CSV.encode()})

    (execution,) = executions(stack)
    assert parameters(execution)["LabelColumn"] == "label"
    assert parameters(execution)["FeatureColumns"] == "text"
    assert training_files(stack, execution) == [GOOD_CSV.encode()]
    assert run_preprocess(stack, execution, tmp_path)["classes"] == {"billing": 4, "technical": 4}
    assert refusals(stack) == []


def test_the_check_reads_only_the_head_of_the_announced_version(stack: LocalStack) -> None:
    put(stack, {"tickets.csv": GOOD_CSV.encode()})

    reads = [
        e["params"]
        for e in stack.log.entries("aws_call")
        if (e["service"], e["operation"]) == ("s3", "get_object") and e["params"].get("Key") == "labeled/tickets.csv"
    ]
    (read,) = reads
    assert read["Range"] == "bytes=0-65535"
    assert read.get("VersionId")


def test_each_kind_of_unreadable_file_is_refused_with_its_reason_and_nothing_trains(stack: LocalStack) -> None:
    put(stack, BAD)

    assert executions(stack) == []
    (note,) = refusals(stack)
    assert note["outcome"] == "REFUSED"
    assert note["subject"] == f"[DATA REFUSED] {len(BAD)} files"
    assert {f["key"].removeprefix("labeled/"): f["reason"] for f in note["files"]} == REASONS
    messages = {f["key"].removeprefix("labeled/"): f["message"] for f in note["files"]}
    assert "lacks the column(s) label, text; found: body, category" in messages["wrong-columns.csv"]
    assert "line 1 is not JSON" in messages["pretty.json"]
    (run,) = [e for e in stack.log.entries("handler") if e["function"] == "DataArrivalFunction"]
    assert run["outcome"] == "ignored"
    assert "missing-columns x1" in run["reason"]


def test_a_mixed_batch_trains_its_good_files_and_refuses_the_others(stack: LocalStack) -> None:
    jsonl = "".join(json.dumps({"text": f"ticket {n}", "label": "billing"}) + "\n" for n in range(4)).encode()
    put(stack, {"good.csv": GOOD_CSV.encode(), "good.jsonl": jsonl, "wrong-columns.csv": BAD["wrong-columns.csv"]})

    (execution,) = executions(stack)
    assert training_files(stack, execution) == sorted([GOOD_CSV.encode(), jsonl])
    (note,) = refusals(stack)
    assert note["subject"] == "[DATA REFUSED] labeled/wrong-columns.csv: missing-columns"


def test_a_file_deleted_before_its_check_is_refused_as_gone(stack: LocalStack) -> None:
    bucket = stack.physical_name("DataBucket")
    put_response = stack.aws("s3", "put_object", Bucket=bucket, Key="labeled/t.csv", Body=b"x", settle=False)
    stack.aws("s3", "delete_object", Bucket=bucket, Key="labeled/t.csv", VersionId=put_response["VersionId"])

    (note,) = refusals(stack)
    assert [(f["key"], f["reason"]) for f in note["files"]] == [("labeled/t.csv", "object-gone")]
    assert executions(stack) == []


def test_non_default_columns_from_the_stack_parameters_are_checked_and_passed_to_the_pipeline(
    emulators: Emulators, tmp_path: Path
) -> None:
    columns = {"LabelColumn": "category", "FeatureColumns": "subject,body"}
    rows = "".join(f"{n},ticket {n},about {n},{('billing', 'technical')[n % 2]}\n" for n in range(8))
    with LocalStack(parameters=columns, emulators=[emulators]) as stack:
        put(stack, {"ours.csv": f"id,subject,body,category\n{rows}".encode(), "defaults.csv": GOOD_CSV.encode()})

        (execution,) = executions(stack)
        given = parameters(execution)
        summary = run_preprocess(stack, execution, tmp_path)
        (note,) = refusals(stack)

    assert (given["LabelColumn"], given["FeatureColumns"]) == ("category", "subject,body")
    assert summary["classes"] == {"billing": 4, "technical": 4}
    assert [(f["key"], f["reason"]) for f in note["files"]] == [("labeled/defaults.csv", "missing-columns")]
    assert note["label_column"] == "category"


def test_raw_data_with_labeling_off_is_checked_too(emulators: Emulators) -> None:
    with LocalStack(parameters={"LabelingBackend": "none"}, emulators=[emulators]) as stack:
        put(stack, {"tickets.csv": GOOD_CSV.encode(), "notes.txt": b"notes"}, prefix="incoming/")

        (execution,) = executions(stack)
        files = training_files(stack, execution)
        (note,) = refusals(stack)

    assert files == [GOOD_CSV.encode()]
    assert [(f["key"], f["reason"]) for f in note["files"]] == [("incoming/notes.txt", "unsupported-format")]


@pytest.mark.parametrize(
    ("parameters", "reason"),
    [
        ({"LabelColumn": "a,b"}, "One column name of 1-256 characters"),
        ({"FeatureColumns": "subject,,body"}, "1-100 comma-separated column names"),
    ],
)
def test_column_parameters_that_cannot_name_columns_are_refused_before_anything_is_created(
    parameters: dict[str, str], reason: str
) -> None:
    with pytest.raises(TemplateError, match=r"parameter \w+Column\w*=") as refused:
        LocalStack(parameters=parameters)

    assert reason in str(refused.value)
