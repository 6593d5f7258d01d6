from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from socratext_llm.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATASETS = Path(os.environ.get("SOCRATEXT_DATASETS_DIR", ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(datasets_dir=DATASETS)


@pytest.fixture(scope="session")
def example_pdf() -> Path:
    return EXAMPLES / "quittance_loyer.pdf"


@pytest.fixture(scope="session")
def example_scan() -> Path:
    return EXAMPLES / "quittance_loyer_scan.jpg"


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"datasets not found at {DATASETS} (set SOCRATEXT_DATASETS_DIR)")
    return DATASETS


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real `socratext` command in a child process, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "socratext_llm", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or ROOT, timeout=600)
