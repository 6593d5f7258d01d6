"""Uploaded files: copied to a private temporary folder under a neutral name (never the client's
file name, which can carry a person's name), size-checked while copied, and deleted after use."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import InputTooLargeError

CHUNK = 1 << 20
PREFIX = "socratext-"
FOLDER_NAME = re.compile(r"socratext-(?P<pid>\d+)-\w+")
SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


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


def upload_parent(configured: Path | None) -> Path:
    """Where this service's upload folders live: the configured folder, else the system temp dir."""
    parent = Path(configured) if configured is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return parent


def new_upload_folder(parent: Path | None) -> Path:
    """A private folder (mode 700) for one request's or one job's files, named after this process
    so that a successor can tell a dead process's leftovers from a live neighbour's."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=upload_parent(parent)))


def _owner_pid(folder: Path) -> int | None:
    match = FOLDER_NAME.fullmatch(folder.name)
    return int(match["pid"]) if match else None


def remove_upload_folders(parent: Path, pid: int) -> None:
    """Every upload folder of one process (a service shutting down removes its own)."""
    for folder in parent.glob(f"{PREFIX}{pid}-*"):
        remove_upload_folder(folder)


def remove_stale_upload_folders(parent: Path) -> int:
    """Upload folders of processes that no longer exist (a service killed with SIGKILL), ours only."""
    removed = 0
    for folder in parent.glob(f"{PREFIX}*"):
        pid = _owner_pid(folder)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        try:
            if folder.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        remove_upload_folder(folder)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    """document-0.pdf: the extension helps nobody but is harmless; the name itself is dropped, and an
    extension that is not a few plain letters and digits (a NUL byte, a slash) is dropped too."""
    suffix = os.path.splitext(filename or "")[1].lower()
    return f"document-{index}{suffix if SAFE_SUFFIX.fullmatch(suffix) else ''}"
