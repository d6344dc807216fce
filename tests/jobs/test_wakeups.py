"""The wakeable stop event DBOS's queue threads wait on: a wake-up starts a poll, and
never reads as "stop" to a thread that began waiting before the event was made
wakeable (DBOS's queue manager ended for good when it did, and its worker took no job).

Whether a thread is blocked is read from the condition's waiters: the order these tests
need, with no clock.
"""

from __future__ import annotations

import threading

from pixmill.jobs.wakeups import WakeableEvent


def _waiting(condition: threading.Condition, count: int) -> None:
    while len(condition._waiters) != count:  # type: ignore[attr-defined]
        threading.Event().wait(0.001)


def _waiter(event: threading.Event, results: list[bool], times: int) -> threading.Thread:
    def run() -> None:
        for _ in range(times):
            results.append(event.wait(60))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_wait_begun_before_the_swap_is_not_ended_by_a_wake_up():
    event = threading.Event()
    results: list[bool] = []
    thread = _waiter(event, results, 1)
    _waiting(event._cond, 1)  # type: ignore[attr-defined]

    wakeable = WakeableEvent.swap(event)
    wakeable.wake()
    assert len(event._cond._waiters) == 1  # type: ignore[attr-defined]
    assert results == []

    wakeable.set()  # a real stop still reaches it
    thread.join(10)
    assert results == [True]


def test_a_wait_after_the_swap_ends_unset_on_a_wake_up_and_set_on_a_stop():
    event = WakeableEvent.swap(threading.Event())
    results: list[bool] = []
    thread = _waiter(event, results, 2)

    _waiting(event._wakes, 1)
    event.wake()
    _waiting(event._wakes, 1)  # the thread polled, and waits again
    assert results == [False]

    event.set()
    thread.join(10)
    assert results == [False, True]
    assert event.wait(0) is True


def test_a_wake_up_while_a_thread_polls_ends_its_next_wait():
    event = WakeableEvent.swap(threading.Event())
    results: list[bool] = []
    polling, go = threading.Event(), threading.Event()

    def run() -> None:
        results.append(event.wait(60))
        polling.set()
        go.wait()  # "polling": not waiting on the event when the next wake-up comes
        results.append(event.wait(60))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _waiting(event._wakes, 1)
    event.wake()
    polling.wait()
    event.wake()
    go.set()
    thread.join(30)  # a lost wake-up would leave it waiting its whole 60 s
    assert results == [False, False]
