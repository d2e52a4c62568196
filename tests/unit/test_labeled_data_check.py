"""The arrival check in the data-arrival use case, on in-memory ports: refused files never join a batch, the rest
of the batch still does, and one notification lists what was refused (kept short for a large drop)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mlops_core.errors import TransientError
from mlops_core.ingest import labeled_check as labeled_data
from mlops_core.ingest.labeled_check import LabeledDataCheck
from mlops_core.ingest.labeled_data import Columns
from mlops_core.ingest.objects import ObjectKind
from mlops_core.ingest.service import DataArrival, handle_messages
from tests.support.fakes.data_arrival import InMemoryBatchStore, InMemoryObjectStore, make_arrival, sqs_message
from tests.support.fakes.training import FakeNotifier

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GOOD = "text,label\nmy printer jams,technical\n"


def world(texts: dict[str, str], *, labeling: bool = True) -> tuple[InMemoryBatchStore, FakeNotifier, DataArrival]:
    store, objects, notifier = InMemoryBatchStore(), InMemoryObjectStore("mlops-dev-data", texts), FakeNotifier()
    kinds = frozenset({ObjectKind.LABELED} if labeling else {ObjectKind.LABELED, ObjectKind.LABELING})
    check = LabeledDataCheck(objects, Columns(), kinds, notifier)
    arrival = replace(make_arrival(store, objects, jobs=None), labeled_check=check)
    return store, notifier, arrival


def test_a_refused_file_stays_out_of_the_batch_and_the_others_join_it() -> None:
    store, notifier, arrival = world({"labeled/good.csv": GOOD, "labeled/bad.csv": "body\nx\n"})

    report = handle_messages([sqs_message("labeled/good.csv"), sqs_message("labeled/bad.csv")], arrival, NOW)

    (batch_id,) = report.batches_ready
    assert [m.key for m in store.members(batch_id)] == ["labeled/good.csv"]
    assert [(r.key, r.reason) for r in report.refused] == [("labeled/bad.csv", "missing-columns")]
    assert (report.accepted, report.ignored, report.ignored_reasons["missing-columns"]) == (1, 1, 1)
    ((subject, message),) = notifier.published
    assert subject == "[DATA REFUSED] labeled/bad.csv: missing-columns"
    assert (message["kind"], message["outcome"], message["refused"]) == ("data", "REFUSED", 1)


def test_raw_files_for_labeling_are_not_read_but_with_labeling_off_they_are() -> None:
    texts = {"incoming/a.txt": "raw text"}
    _, notifier, arrival = world(texts)
    handle_messages([sqs_message("incoming/a.txt")], arrival, NOW)
    assert notifier.published == []

    _, notifier, arrival = world(texts, labeling=False)
    report = handle_messages([sqs_message("incoming/a.txt")], arrival, NOW)
    assert [r.reason for r in report.refused] == ["unsupported-format"]


def test_a_large_refused_drop_is_one_notification_listing_the_first_files() -> None:
    keys = [f"labeled/{n:03d}.txt" for n in range(labeled_data.MAX_LISTED + 5)]
    _, notifier, arrival = world(dict.fromkeys(keys, "x"))

    report = handle_messages([sqs_message(key) for key in keys], arrival, NOW)

    assert report.ignored_outcome() is not None
    ((subject, message),) = notifier.published
    assert subject == f"[DATA REFUSED] {len(keys)} files"
    assert message["refused"] == len(keys)
    assert [f["key"] for f in message["files"]] == keys[: labeled_data.MAX_LISTED]


def test_a_notification_that_cannot_be_sent_yet_fails_the_invocation_so_sqs_retries() -> None:
    _, notifier, arrival = world({"labeled/bad.txt": "x"})
    notifier.failing = 1

    with pytest.raises(TransientError):
        handle_messages([sqs_message("labeled/bad.txt")], arrival, NOW)
