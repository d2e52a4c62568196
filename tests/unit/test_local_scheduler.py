"""The local stack's one scheduler: one queue by due time, one tie rule across everything that puts work in it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from mlopsctl.local.runtime.scheduler import Callback, Lane, Scheduler

T0 = datetime(2030, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(seconds=60)


def test_at_one_instant_wakes_run_before_emulated_work_before_the_stacks_own_whatever_the_order_scheduled() -> None:
    queue: Scheduler[str] = Scheduler()
    queue.schedule(T1, "stack: redeliver", "stack-1")
    queue.schedule(T1, "emulated: endpoint InService", "emulated-1", lane=Lane.EMULATED)
    queue.schedule(T1, "emulated: reported by an API call", "reported", lane=Lane.EMULATED, first=True)
    queue.schedule(T1, "wait of execution A", "wake-A", lane=Lane.WAKE)
    queue.schedule(T1, "stack: async retry", "stack-2")
    queue.schedule(T1, "wait of execution B", "wake-B", lane=Lane.WAKE)
    queue.schedule(T0 + timedelta(seconds=59), "stack: earlier", "earlier")

    taken = [item for _, item in iter(lambda: queue.pop_due(T1), None)]

    assert taken == ["earlier", "wake-A", "wake-B", "reported", "emulated-1", "stack-1", "stack-2"]


def test_pending_lists_labels_in_the_order_they_will_run() -> None:
    queue: Scheduler[str] = Scheduler()
    queue.schedule(T1, "stack", "s")
    queue.schedule(T1, "emulated", "e", lane=Lane.EMULATED)
    queue.schedule(T1, "wake", "w", lane=Lane.WAKE)

    assert queue.pending() == ["wake", "emulated", "stack"]


def test_a_wake_up_carries_no_work_but_counts_as_due_and_a_dead_one_is_dropped() -> None:
    queue: Scheduler[Callback] = Scheduler()
    ran: list[str] = []
    queue.wake_at(T1, "batching window of Q ends")
    queue.wake_at(T0, "a window that closed early", alive=lambda: False)
    queue.schedule(T1, "callback", lambda: ran.append("callback"))

    assert queue.next_due() == T1
    assert queue.run_due(T1) == 2
    assert ran == ["callback"]
    assert queue.next_due() is None


def test_the_owner_may_run_the_due_work_of_some_lanes_only_the_rest_staying_due() -> None:
    queue: Scheduler[Callback] = Scheduler()
    ran: list[str] = []
    queue.schedule(T0, "wake", lambda: ran.append("wake"), lane=Lane.WAKE)
    queue.schedule(T0, "stack", lambda: ran.append("stack"))
    queue.schedule(T0, "emulated", lambda: ran.append("emulated"), lane=Lane.EMULATED)

    assert queue.run_due(T0, (Lane.STACK,)) == 1
    assert ran == ["stack"]
    assert queue.pending() == ["wake", "emulated"]
    assert queue.run_due(T0, (Lane.WAKE, Lane.EMULATED)) == 2
    assert ran == ["stack", "wake", "emulated"]


def test_threads_may_schedule_while_the_owner_runs_due_work() -> None:
    queue: Scheduler[Callback] = Scheduler()
    ran: list[int] = []
    start = threading.Barrier(4)

    def schedule_many(offset: int) -> None:
        start.wait()
        for i in range(500):
            queue.schedule(T0, f"item {offset + i}", lambda n=offset + i: ran.append(n))

    threads = [threading.Thread(target=schedule_many, args=(k * 1000,)) for k in range(3)]
    for thread in threads:
        thread.start()
    start.wait()
    done = 0
    while any(t.is_alive() for t in threads):
        done += queue.run_due(T0)
    for thread in threads:
        thread.join()
    done += queue.run_due(T0)

    assert done == 1500
    assert sorted(ran) == sorted(k * 1000 + i for k in range(3) for i in range(500))
