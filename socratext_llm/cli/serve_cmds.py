"""`socratext serve api|demo`: the REST API (uvicorn) and the Gradio demo."""
from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Annotated

import typer

from ..errors import EngineUnavailableError
from ..service.uploads import new_upload_folder, remove_stale_upload_folders, remove_upload_folder, upload_parent
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


def _private_process() -> None:
    """Every file the server writes (uploads, renders, results: personal data) readable by its user only."""
    os.umask(0o077)


def _announce(what: str, url: str) -> None:
    print(f"socratext: {what} at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)


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
    _private_process()
    app = create_app(load_settings())
    _announce("REST API", f"http://{host}:{port} (OpenAPI at http://{host}:{port}/docs)")
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@serve_app.command("demo")
def serve_demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7860,
) -> None:
    """The Gradio demo: upload a document, see the JSON, the evidence on the page, and edit schemas."""
    _require("gradio")
    settings = load_settings()
    _private_process()
    parent = upload_parent(settings.upload_dir)
    remove_stale_upload_folders(parent)
    private = new_upload_folder(parent)
    # Gradio keeps uploads, page renders and result copies in its cache: inside our private folder,
    # and it reads this variable when it is imported
    os.environ["GRADIO_TEMP_DIR"] = str(private / "gradio")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the folder below is removed
    try:
        from ..service.demo import build_demo

        _log_to_stderr()
        _announce("demo", f"http://{host}:{port}")
        build_demo(settings, private).launch(server_name=host, server_port=port, show_error=False, quiet=True)
    finally:
        remove_upload_folder(private)
