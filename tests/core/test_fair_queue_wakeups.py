"""The parse queue wakes the slots that wait on it: every job put is taken by a waiting slot, and a
job held back by its key's share is taken once a share is freed (no slot left waiting with work queued)."""

import queue
import threading
import time

from core.fair_queue import FairQueue

WAIT_S = 10.0  # a lost wake-up shows as nothing taken at all, not as a slow take


def waiting_slots(jobs: FairQueue, count: int) -> queue.Queue:
    """`count` threads, each waiting on `jobs.get()` once; what they take lands in the returned queue."""
    taken: queue.Queue = queue.Queue()
    started = threading.Barrier(count + 1)

    def slot() -> None:
        started.wait()
        taken.put(jobs.get())

    for _ in range(count):
        threading.Thread(target=slot, daemon=True).start()
    started.wait()
    time.sleep(0.2)  # let them reach their wait on the queue: a job put before is taken without a wake-up
    return taken


def test_every_job_put_is_taken_by_a_waiting_slot() -> None:
    jobs = FairQueue(share=8)
    taken = waiting_slots(jobs, 4)
    for n in range(4):
        jobs.put(f"k-{n}", f"job-{n}")
    got = sorted(taken.get(timeout=WAIT_S) for _ in range(4))
    assert got == [(f"k-{n}", f"job-{n}") for n in range(4)]


def test_a_job_held_back_by_its_share_is_taken_when_a_share_is_freed() -> None:
    jobs = FairQueue(share=1)
    taken = waiting_slots(jobs, 2)
    jobs.put("k-a", "a0")
    jobs.put("k-a", "a1")
    assert taken.get(timeout=WAIT_S) == ("k-a", "a0")
    time.sleep(0.2)  # the other slot, woken for a1, finds k-a at its share and waits again
    jobs.done("k-a")
    assert taken.get(timeout=WAIT_S) == ("k-a", "a1")
