"""Handing the memory a scanned page freed back to the system before the next page; collecting cycles
less often while pages are read.

A scanned page allocates a few hundred megabytes for a moment (its 300 dpi image and copies of it, the OCR
models' maps); glibc keeps what is freed in its heaps, fragmented, so a process reading page after page
grew from 0.7 to 1.2 GB over its first ten pages though it held no more (docs/speed.md, "Memory").
``malloc_trim`` returns the free pages; elsewhere than glibc (musl, macOS) it is skipped. (Found without
``ctypes.util.find_library``, which runs a program: a fork of a process this size counted as a second one
of 700 MB in the benchmark's peak.)
"""
from __future__ import annotations

import ctypes
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

# Reading a page allocates tens of thousands of small objects (words, boxes, the model's validated lines) that
# hold no reference cycles; at Python's default thresholds the cycle collector ran every 700 allocations and
# walked the pages already read, 40 % of a born-digital page's time (docs/speed.md). While pages are read it
# runs every 20,000, and the older generations 50 times less often than that.
READING_GC_THRESHOLDS = (20_000, 50, 50)
_READERS = {"count": 0, "saved": gc.get_threshold()}
_READERS_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # the process's own symbols: ctypes.util.find_library would fork
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector at ``READING_GC_THRESHOLDS`` for the time of the block; documents read at once
    (the service's threads) share the setting, and the last one out puts the thresholds back."""
    with _READERS_LOCK:
        if _READERS["count"] == 0:
            _READERS["saved"] = gc.get_threshold()
            gc.set_threshold(*READING_GC_THRESHOLDS)
        _READERS["count"] += 1
    try:
        yield
    finally:
        with _READERS_LOCK:
            _READERS["count"] -= 1
            if _READERS["count"] == 0:
                gc.set_threshold(*_READERS["saved"])
