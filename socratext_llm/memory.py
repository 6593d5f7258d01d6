"""Handing the memory a scanned page freed back to the system before the next page.

A scanned page allocates a few hundred megabytes for a moment (its 300 dpi image and copies of it, the OCR
models' maps); glibc keeps what is freed in its heaps, fragmented, so a process reading page after page
grew from 0.7 to 1.2 GB over its first ten pages though it held no more (docs/speed.md, "Memory").
``malloc_trim`` returns the free pages; elsewhere than glibc (musl, macOS) it is skipped.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return library.malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
