"""`socratext serve api|demo`: the REST API (uvicorn) and the Gradio demo."""
from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from ..errors import EngineUnavailableError
from ..settings import load_settings
from .batch import report

serve_app = typer.Typer(help="Run the REST API or the Gradio demo.", no_args_is_help=True)


def _log_to_stderr() -> None:
    """Our request lines (method, route, status, time, size) and nothing else: no document content."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("socratext.api", "socratext.demo"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        error = EngineUnavailableError(f"the {module} package is not installed", hint="pip install 'socratext-llm[serve]'")
        report(error)
        raise typer.Exit(error.exit_code) from None


@serve_app.command("api")
def serve_api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
) -> None:
    """The REST API: /v1/extract, /v1/ocr, /v1/schemas, /v1/jobs, /health; OpenAPI at /docs."""
    _require("uvicorn")
    import uvicorn

    from ..service.api import create_app

    _log_to_stderr()
    uvicorn.run(create_app(load_settings()), host=host, port=port, access_log=False, log_level="warning")


@serve_app.command("demo")
def serve_demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7860,
) -> None:
    """The Gradio demo: upload a document, see the JSON, the evidence on the page, and edit schemas."""
    _require("gradio")
    from ..service.demo import build_demo

    _log_to_stderr()
    build_demo(load_settings()).launch(server_name=host, server_port=port, show_error=False, quiet=True)
