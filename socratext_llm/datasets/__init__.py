"""Adapters for the real datasets kept in ``../shared/datasets`` (path from settings, never copied)."""
from __future__ import annotations

from pathlib import Path

from ..errors import DatasetError
from ..settings import Settings


def dataset_dir(settings: Settings, name: str) -> Path:
    """The folder of one dataset, or a clear error naming the setting that locates it."""
    folder = Path(settings.datasets_dir) / name
    if not folder.is_dir():
        raise DatasetError(f"dataset '{name}' not found at {folder}")
    return folder
