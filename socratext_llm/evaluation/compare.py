"""Two runs side by side, field by field: what improved, what dropped, and whether a drop is over
the threshold that guards quality in CI."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError


@dataclass
class FieldDelta:
    field: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else round(self.after - self.before, 4)


def load_metrics(run_dir: Path) -> dict:
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        raise DatasetError(f"no metrics.json in {run_dir}", hint="give a folder written by `socratext eval run`")
    return json.loads(path.read_text(encoding="utf-8"))


def compare_runs(before: dict, after: dict, mode: str = "exact") -> list[FieldDelta]:
    """F1 per field in both runs (fields of either), then the micro and macro averages."""
    names = list(before["fields"]) + [name for name in after["fields"] if name not in before["fields"]]

    def f1(metrics: dict, name: str) -> float | None:
        scores = metrics["fields"].get(name)
        return scores[mode]["f1"] if scores else None

    rows = [FieldDelta(name, f1(before, name), f1(after, name)) for name in names]
    rows.append(FieldDelta("(micro)", before["averages"][mode]["micro"]["f1"], after["averages"][mode]["micro"]["f1"]))
    rows.append(FieldDelta("(macro)", before["averages"][mode]["macro_f1"], after["averages"][mode]["macro_f1"]))
    for key in ("cer", "wer"):  # OCR runs: lower is better, shown as negated so a drop is a regression too
        if key in before.get("ocr", {}) and key in after.get("ocr", {}):
            rows.append(FieldDelta(f"(ocr 1-{key})", round(1 - before["ocr"][key], 4), round(1 - after["ocr"][key], 4)))
    return rows


def regressions(rows: list[FieldDelta], threshold: float) -> list[FieldDelta]:
    """Fields that dropped by more than the threshold, or that the later run lost altogether."""
    return [row for row in rows if (row.delta is not None and row.delta < -threshold)
            or (row.before is not None and row.after is None)]
