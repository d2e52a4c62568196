"""Batch life cycle rules, debounce decisions, and the helpers that keep batches small and reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlops_core.ingest.batching import (
    INLINE_OBJECTS_MAX,
    BatchRecord,
    BatchStatus,
    DebouncePolicy,
    chunked,
    dedupe,
    inline_objects,
    sorted_members,
)
from mlops_core.ingest.objects import ObjectKind, ObjectRef

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def buffer(count: int, opened: datetime = T0) -> BatchRecord:
    return BatchRecord("b", ObjectKind.LABELING, BatchStatus.OPEN, opened, opened, object_count=count)


def test_only_finished_batches_make_later_deliveries_duplicates() -> None:
    assert {s for s in BatchStatus if s.is_done} == {
        BatchStatus.LABELING,
        BatchStatus.READY_FOR_TRAINING,
        BatchStatus.EMPTY,
    }
    assert BatchStatus.FAILED.is_final
    assert not BatchStatus.FAILED.is_done
    assert not BatchStatus.OPEN.is_final
    assert not BatchStatus.SEALED.is_final


@pytest.mark.parametrize(
    ("count", "age", "due"),
    [
        (0, timedelta(0), False),
        (9, timedelta(minutes=14), False),
        (10, timedelta(0), True),
        (1, timedelta(minutes=15), True),
    ],
)
def test_a_buffer_is_due_when_full_or_old_enough(count: int, age: timedelta, due: bool) -> None:
    policy = DebouncePolicy(max_objects=10, max_age=timedelta(minutes=15))
    assert policy.is_due(buffer(count), T0 + age) is due


def test_without_debouncing_any_open_buffer_is_due() -> None:
    policy = DebouncePolicy()
    assert not policy.enabled
    assert policy.is_due(buffer(0), T0)


def test_room_in_a_buffer_never_goes_negative() -> None:
    policy = DebouncePolicy(max_objects=10)
    assert policy.room_in(buffer(3)) == 7
    assert policy.room_in(buffer(12)) == 0


def test_dedupe_keeps_the_first_of_each_and_returns_the_repeats() -> None:
    assert dedupe(["a", "b", "a", "c", "b"], key=str) == (["a", "b", "c"], ["a", "b"])


def test_chunks_cover_everything_in_order() -> None:
    assert [list(c) for c in chunked([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))


def test_members_have_one_canonical_order() -> None:
    a, b = ObjectRef("d", "b.txt", 1, "e"), ObjectRef("d", "a.txt", 1, "e")
    assert sorted_members([a, b]) == sorted_members([b, a]) == [b, a]


def test_large_batches_do_not_list_their_objects_in_the_ledger() -> None:
    small = [ObjectRef("d", f"{i}.txt", 1, "e") for i in range(INLINE_OBJECTS_MAX)]
    assert len(inline_objects(small)) == INLINE_OBJECTS_MAX
    assert inline_objects([*small, ObjectRef("d", "x.txt", 1, "e")]) == ()
