"""PubTabNet samples: table images with their HTML structure and cell contents (TEDS gold).

Two files hold them: ``examples/PubTabNet_Examples.jsonl`` (structure tokens and cell tokens)
and ``ICDAR_SLR_competition/mini_val_gt.json`` (whole HTML per image).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..settings import Settings
from . import dataset_dir


def html_from_tokens(annotation: dict) -> str:
    """PubTabNet's structure tokens with each cell's content put back before its ``</td>``."""
    cells = iter(annotation["cells"])
    parts = []
    for token in annotation["structure"]["tokens"]:
        if token == "</td>":
            parts.append("".join(next(cells, {"tokens": []})["tokens"]))
        parts.append(token)
    return "<table>" + "".join(parts) + "</table>"


def iter_samples(settings: Settings, limit: int | None = None) -> Iterator[tuple[Path, str]]:
    """(image, gold HTML) pairs, examples first then the competition's mini validation set."""
    folder = dataset_dir(settings, "pubtabnet_samples")
    samples: list[tuple[Path, str]] = []
    examples = folder / "examples" / "PubTabNet_Examples.jsonl"
    if examples.is_file():
        for line in examples.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            image = examples.parent / record["filename"]
            if image.is_file():
                samples.append((image, html_from_tokens(record["html"])))
    mini_val = folder / "ICDAR_SLR_competition" / "mini_val_gt.json"
    if mini_val.is_file():
        for name, record in sorted(json.loads(mini_val.read_text(encoding="utf-8")).items()):
            image = mini_val.parent / "mini_val" / name
            if image.is_file():
                samples.append((image, record["html"]))
    yield from samples[:limit]
