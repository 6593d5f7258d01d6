"""Running one job per input file: errors reported one line each, the batch always finishes."""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InternalError, SocratextError
from ..ingest import display_name


@dataclass
class BatchOutcome:
    done: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, SocratextError]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when all succeeded, else the exit code of the first failure."""
        return self.failed[0][1].exit_code if self.failed else 0


def report(error: SocratextError, prefix: str = "") -> None:
    print(f"socratext: error: {prefix}{error.one_line()}", file=sys.stderr)


def run_batch(files: Sequence[Path], job: Callable[[Path], None]) -> BatchOutcome:
    outcome = BatchOutcome()
    for path in files:
        try:
            job(path)
        except SocratextError as error:
            report(error)
            outcome.failed.append((path, error))
        except Exception as error:  # noqa: BLE001 — a bug on one file must not cost the others
            internal = InternalError.during(error, display_name(path))
            report(internal)
            outcome.failed.append((path, internal))
        else:
            outcome.done.append(path)
    if outcome.failed and len(files) > 1:
        print(f"socratext: {len(outcome.done)} of {len(files)} files done, {len(outcome.failed)} failed",
              file=sys.stderr)
    return outcome
