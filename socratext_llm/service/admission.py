"""Bounded concurrency with a bounded queue: documents are processed by a fixed pool of threads,
a few more may wait, and beyond that a request is refused at once (503 + Retry-After) rather than
left to time out. A slot is held until the work really ends, even when the client was answered
504 earlier, so the service never runs more documents than it has slots."""
from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import RequestTimeoutError, ServiceBusyError

T = TypeVar("T")


class Admission:
    def __init__(self, slots: int, queue: int, timeout_s: float):
        self.slots, self.queue, self.timeout_s = slots, queue, timeout_s
        self.executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="socratext-work")
        self._admitted = 0
        self._lock = threading.Lock()
        self._started: dict[object, float] = {}  # work now running → when it started
        self.seconds_per_document = 2.0  # running estimate, for Retry-After

    @property
    def admitted(self) -> int:
        return self._admitted

    def retry_after_s(self) -> int:
        """Seconds until a slot is likely free: the documents ahead of a newcomer, shared among the
        slots, at the longer of the usual time per document and the time the oldest running one has
        already taken (before any document finishes, the usual time is only a guess)."""
        now = time.monotonic()
        with self._lock:
            running_for = max((now - started for started in self._started.values()), default=0.0)
            ahead = self._admitted + 1
        per_document = max(self.seconds_per_document, running_for)
        return max(1, math.ceil(per_document * ahead / self.slots))

    def _release(self, _future) -> None:
        with self._lock:
            self._admitted -= 1

    def _timed(self, work: Callable[[], T]) -> Callable[[], T]:
        """The work, with its running time recorded (its wait in the queue is not its cost)."""
        def run() -> T:
            token = object()
            started = time.monotonic()
            with self._lock:
                self._started[token] = started
            try:
                return work()
            finally:
                with self._lock:
                    del self._started[token]
                self.seconds_per_document = 0.8 * self.seconds_per_document + 0.2 * (time.monotonic() - started)
        return run

    async def run(self, work: Callable[[], T], *, queue_exempt: bool = False) -> T:
        """Run `work` in a slot; refuse when slots and queue are full (batch jobs wait instead)."""
        with self._lock:
            full = not queue_exempt and self._admitted >= self.slots + self.queue
            if not full:
                self._admitted += 1
        if full:
            error = ServiceBusyError("the service is busy: every processing slot and queue place is taken")
            error.retry_after = self.retry_after_s()
            raise error
        future = self.executor.submit(self._timed(work))
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.timeout_s)
        except asyncio.TimeoutError:
            raise RequestTimeoutError(f"processing took longer than {self.timeout_s:g} s") from None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
