"""Handing the memory a scanned page freed back to the system before the next page.

A scanned page allocates a few hundred megabytes for a moment (its 300 dpi image and copies of it, the OCR
models' maps); glibc keeps what is freed in its heaps, fragmented, so a process reading page after page
grew from 0.7 to 1.2 GB over its first ten pages though it held no more (docs/speed.md, "Memory").
``malloc_trim`` returns the free pages; elsewhere than glibc (musl, macOS) it is skipped. (Found without
``ctypes.util.find_library``, which runs a program: a fork of a process this size counted as a second one
of 700 MB in the benchmark's peak.)
"""
from __future__ import annotations

import ctypes
from functools import lru_cache


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
