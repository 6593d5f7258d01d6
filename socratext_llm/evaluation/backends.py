"""Running one function over many items, results as they complete: in this process, in a local
process pool, or on a Ray cluster. At most two items per worker are in flight, so memory stays
flat however long the run; a worker that dies costs its own items (as failures), never the run."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import SocratextError

BACKENDS = ("local", "ray")
PR_SET_PDEATHSIG = 1
Task = Callable[[Any, Any], dict]
OnError = Callable[[Any, BaseException], dict]


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    """Cores shared out between workers, so that two workers do not each spin a thread per core."""
    return max(1, cpu_count() // max(1, workers))


def die_with_parent() -> None:
    """Worker initialiser: the kernel kills this worker when its parent dies, even by SIGKILL, so a
    killed batch never leaves workers running (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call above
        os._exit(1)


def run_local(task: Task, items: Iterable, context: Any, workers: int, on_error: OnError) -> Iterator[dict]:
    if workers <= 1:
        for item in items:
            yield task(item, context)
        return
    pending: dict[Future, Any] = {}
    source = iter(items)
    exhausted = False
    spawn = multiprocessing.get_context("spawn")  # no inherited threads or model sessions
    while pending or not exhausted:
        with ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=die_with_parent) as pool:
            broken = False
            while not broken and (pending or not exhausted):
                while not exhausted and len(pending) < 2 * workers:
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                    else:
                        pending[pool.submit(task, item, context)] = item
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool as error:
                        broken = True
                        yield on_error(item, error)
                    except Exception as error:  # noqa: BLE001 — the item's failure, not the run's
                        yield on_error(item, error)
            for future, item in list(pending.items()):  # a dead worker takes the pool's in-flight items
                pending.pop(future)
                yield on_error(item, BrokenProcessPool("worker process died"))


def run_ray(task: Task, items: Iterable, context: Any, workers: int, on_error: OnError,
            address: str | None = None) -> Iterator[dict]:
    """Each item is a Ray task needing one CPU; with no address a local Ray instance of `workers` CPUs starts."""
    try:
        import ray
    except ImportError:
        raise SocratextError("the Ray backend needs the ray package", hint="pip install 'socratext-llm[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, num_cpus=None if address else max(1, workers), include_dashboard=False,
                 log_to_driver=False, logging_level="ERROR", configure_logging=False)
    remote = ray.remote(num_cpus=1, max_retries=1)(task)
    pending: dict = {}
    source = iter(items)
    exhausted = False
    try:
        while pending or not exhausted:
            while not exhausted and len(pending) < 2 * workers:
                item = next(source, None)
                if item is None:
                    exhausted = True
                else:
                    pending[remote.remote(item, context)] = item
            if not pending:
                break
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                item = pending.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as error:  # noqa: BLE001 — a lost task is that item's failure
                    yield on_error(item, error)
    finally:
        if started_here:
            ray.shutdown()


def run_tasks(task: Task, items: Iterable, context: Any, workers: int, on_error: OnError, backend: str = "local",
              ray_address: str | None = None) -> Iterator[dict]:
    if backend == "ray":
        return run_ray(task, items, context, workers, on_error, ray_address)
    if backend == "local":
        return run_local(task, items, context, workers, on_error)
    raise SocratextError(f"unknown backend '{backend}'", hint=f"choose {' or '.join(BACKENDS)}")
