"""Regular expressions written by schema authors, run with a time bound.

A schema is user input: a pattern such as ``^(a+)+$`` backtracks for hours on a line of forty
``a`` and, with Python's ``re``, holds the interpreter lock all that time (the whole API froze).
Patterns from schemas therefore go through the ``regex`` engine, which releases the lock while it
matches (``concurrent``) and stops after a timeout; a pattern that times out is the schema's fault
and is reported as such (exit 14, HTTP 422), never a frozen server.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import regex

from ..errors import SchemaError

MAX_PATTERN_CHARS = 1000
MATCH_TIMEOUT_S = 0.5


@lru_cache(maxsize=1024)
def compile_user_pattern(pattern: str, ignore_case: bool = False) -> regex.Pattern:
    """The compiled pattern; SchemaError when it is too long or not a regular expression."""
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_CHARS:
        raise SchemaError(f"a pattern longer than {MAX_PATTERN_CHARS} characters is refused")
    try:
        return regex.compile(pattern, regex.V0 | (regex.IGNORECASE if ignore_case else 0))
    except (regex.error, RecursionError, OverflowError) as error:
        raise SchemaError(f"bad regular expression {pattern[:60]!r}: {error}") from None


def _too_slow(pattern: str) -> SchemaError:
    return SchemaError(f"the pattern {pattern[:60]!r} took over {MATCH_TIMEOUT_S:g} s on one line of the document",
                       hint="rewrite it without nested repetition such as (a+)+ or (a|aa)+")


def search(pattern: str, text: str, ignore_case: bool = False) -> regex.Match | None:
    try:
        return compile_user_pattern(pattern, ignore_case).search(text, timeout=MATCH_TIMEOUT_S, concurrent=True)
    except TimeoutError:
        raise _too_slow(pattern) from None


def finditer(pattern: str, text: str, ignore_case: bool = False) -> Iterator[regex.Match]:
    try:
        yield from compile_user_pattern(pattern, ignore_case).finditer(text, timeout=MATCH_TIMEOUT_S,
                                                                       concurrent=True)
    except TimeoutError:
        raise _too_slow(pattern) from None


def sub(pattern: str, replacement: str, text: str, ignore_case: bool = False) -> str:
    try:
        return compile_user_pattern(pattern, ignore_case).sub(replacement, text, timeout=MATCH_TIMEOUT_S,
                                                              concurrent=True)
    except TimeoutError:
        raise _too_slow(pattern) from None
