"""DataArrival's partial batch response: what Powertools' batch processor answered, without its cold-start cost."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError, UnexpectedBatchTypeError

from mlops_core.ingest.service import ArrivalReport, partial_response


def records(*ids: str) -> list[dict[str, str]]:
    return [{"messageId": mid, "body": "{}"} for mid in ids]


def test_only_the_messages_of_refused_batches_are_reported_in_batch_order() -> None:
    report = ArrivalReport(failed_message_ids={"m3", "m1"})
    assert partial_response(records("m1", "m2", "m3"), report) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]
    }


def test_a_batch_without_failures_reports_none() -> None:
    assert partial_response(records("m1"), ArrivalReport()) == {"batchItemFailures": []}


def test_a_batch_whose_every_message_failed_raises_so_that_lambda_retries_it_whole() -> None:
    with pytest.raises(BatchProcessingError, match=r"All records failed processing\. 2 individual errors") as caught:
        partial_response(records("m1", "m2"), ArrivalReport(failed_message_ids={"m1", "m2"}))
    assert "message m2: its batch was refused" in str(caught.value)


def test_an_empty_batch_is_not_an_sqs_batch() -> None:
    with pytest.raises(UnexpectedBatchTypeError, match="Unexpected batch event type"):
        partial_response([], ArrivalReport())
