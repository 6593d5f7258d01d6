"""Uploaded files: copied to a private temporary folder under a neutral name (never the client's
file name, which can carry a person's name), size-checked while copied, and deleted after use."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import InputTooLargeError

CHUNK = 1 << 20


def copy_limited(source: BinaryIO, target: Path, max_bytes: int) -> int:
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise InputTooLargeError(f"upload over the limit of {max_bytes / 2**20:g} MB",
                                         hint="send a smaller file, or raise SOCRATEXT_API_MAX_UPLOAD_MB")
            out.write(chunk)
    return written


def new_upload_folder(parent: Path | None) -> Path:
    """A private folder (mode 700) for one request's or one job's files."""
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="socratext-", dir=parent))


def remove_upload_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def upload_folder(parent: Path | None) -> Iterator[Path]:
    """A private folder for one request's files, removed with everything in it when the request ends."""
    folder = new_upload_folder(parent)
    try:
        yield folder
    finally:
        remove_upload_folder(folder)


def neutral_name(index: int, filename: str | None) -> str:
    """document-0.pdf: the extension helps nobody but is harmless; the name itself is dropped."""
    suffix = Path(filename or "").suffix.lower()
    return f"document-{index}{suffix if suffix.isascii() and len(suffix) <= 6 else ''}"
