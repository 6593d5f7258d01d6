"""The real servers (API, demo) as child processes on a free loopback port, run from the repository root."""
from __future__ import annotations

from pathlib import Path

from socratext_llm.service.launch import ServerProcess

from .conftest import ROOT


def start_server(kind: str, env: dict[str, str], log_path: Path, ready_path: str = "/health") -> ServerProcess:
    return ServerProcess(kind, env, log_path, ready_path, cwd=ROOT)
