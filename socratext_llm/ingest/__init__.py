"""Ingestion: turn a file into pages, one at a time, whatever its format.

The media type comes from the file's bytes, never its extension. Each backend
yields ``PageInput`` objects lazily so a long PDF never sits in memory.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import MissingInputError, UnsupportedInputError
from ..settings import Settings
from .base import PageInput, SourceFile, display_name

IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}


def sniff_media_type(head: bytes) -> str | None:
    """Media type from the first bytes of a file, or None when we do not read it.

    Image signatures sit at offset 0 and win; a PDF header may follow some junk (readers accept
    it within the first kilobyte), so a PNG whose metadata holds '%PDF-' is still a PNG."""
    for signature, media_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_source(path: Path, settings: Settings, password: str | None = None) -> SourceFile:
    """Open a document with the backend its bytes call for."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{display_name(path)}: no such file")
    with path.open("rb") as stream:
        head = stream.read(1024)
    media_type = sniff_media_type(head)
    if media_type is None:
        raise UnsupportedInputError(f"{display_name(path)}: not a PDF or a supported image (unrecognised content)")
    if media_type == "application/pdf":
        from .pdf import PdfSource
        return PdfSource(path, settings, password)
    from .image import ImageSource
    return ImageSource(path, media_type, settings)


__all__ = ["PageInput", "SourceFile", "display_name", "open_source", "sniff_media_type", "file_sha256"]
