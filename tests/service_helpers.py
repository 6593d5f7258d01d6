"""The real servers (API, demo) as child processes on a free loopback port, run from the repository root."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from socratext_llm.service.launch import ServerProcess

from .conftest import ROOT


def start_server(kind: str, env: dict[str, str], log_path: Path, ready_path: str = "/health") -> ServerProcess:
    return ServerProcess(kind, env, log_path, ready_path, cwd=ROOT)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def launch_chromium(playwright):
    """Debian's Chromium, headless (no browser download), or the test skipped with the reason."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/setup.sh test installs it)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
