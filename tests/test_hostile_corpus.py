"""The bad-input corpus (tests/hostile_corpus.py) through the real CLI and the real API: for every
case a clear error with its documented code, in bounded time and memory, no traceback, nothing left
on disk, and no other document lost."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from socratext_llm.service.launch import free_port

from .conftest import ROOT, run_cli
from .hostile_corpus import FileCase, build
from .service_helpers import start_server

TOKEN = "corpus-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_PEAK_RSS_MB = 1500
# the command's own peak memory: a parent whose only child is the command (the test process has others)
MEASURED = ("import resource, subprocess, sys, pathlib; code = subprocess.run(sys.argv[2:]).returncode; "
            "pathlib.Path(sys.argv[1]).write_text(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
            "sys.exit(code)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("corpus"))


def _default_type_cases(corpus) -> list[FileCase]:
    return [case for case in corpus.files if case.schema is None and case.cli]


def test_cli_batch_reports_every_bad_file_and_loses_no_good_one(corpus, tmp_path):
    cases = _default_type_cases(corpus)
    out, peak = tmp_path / "out.jsonl", tmp_path / "peak_kb"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", MEASURED, str(peak), sys.executable, "-m", "socratext_llm", "extract",
                             *[str(corpus.folder / c.filename) for c in cases], "--schema", "rent_receipt",
                             "-f", "jsonl", "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600,
                            env={**os.environ, "SOCRATEXT_MAX_PAGES": "3"})
    elapsed = time.monotonic() - start
    peak_mb = int(peak.read_text()) / 1024
    assert all(line.startswith("socratext: ") for line in result.stderr.splitlines()), result.stderr  # no libtiff line
    assert elapsed < 300 and peak_mb < MAX_PEAK_RSS_MB, (elapsed, peak_mb)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(cases), "one row per input, in order"
    for case, row in zip(cases, rows):
        if case.code is None:
            assert row["status"] != "failure" and row["schema_name"] == "rent_receipt", case.name
        else:
            assert row["status"] == "failure" and row["error"]["code"] == case.code, (case.name, row)
    good = [row for case, row in zip(cases, rows) if case.filename.startswith(("good", "quittance"))]
    assert [row["data"]["total"] for row in good] == [845.0, 845.0, 845.0]
    errors = [line for line in result.stderr.splitlines() if line.startswith("socratext: error: ")]
    assert len(errors) == sum(case.code is not None for case in cases)
    first_failure = next(case for case in cases if case.code is not None)
    assert result.returncode == first_failure.exit_code


def test_cli_refuses_every_bad_schema_with_the_reason(corpus):
    names = sorted(corpus.schemas)
    result = run_cli("schemas", "validate", *[str(corpus.folder / name) for name in names])
    assert result.returncode == 14 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    for name in names:
        line = next((line for line in lines if name in line), "")
        assert corpus.schemas[name] in line, (name, line)


@pytest.mark.parametrize("case_name", ["catastrophic pattern in the JSON Schema", "catastrophic pattern in a hint"])
def test_cli_catastrophic_pattern_is_a_schema_error_in_bounded_time(corpus, case_name):
    case = next(c for c in corpus.files if c.name == case_name)
    start = time.monotonic()
    result = run_cli("extract", str(corpus.folder / case.filename), "--schema", str(corpus.folder / case.schema))
    assert time.monotonic() - start < 60
    assert result.returncode == 14 and "took over" in result.stderr and "Traceback" not in result.stderr


class _CountingHandler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 — http.server's name
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"type": "string"}')

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-api")
    env = {"SOCRATEXT_API_TOKEN": TOKEN, "SOCRATEXT_API_MAX_PAGES": "3", "SOCRATEXT_UPLOAD_DIR": str(folder / "up"),
           "SOCRATEXT_USER_SCHEMA_DIR": str(folder / "schemas")}
    server = start_server("api", env, folder / "server.log")
    server.uploads = folder / "up"
    yield server
    server.stop()


def test_api_answers_every_bad_file_with_its_status_and_code(api, corpus):
    client = httpx.Client(base_url=api.url, headers=AUTH, timeout=120)
    for case in corpus.files:
        if not case.api:
            continue
        form = {"schema": "rent_receipt"}
        if case.schema:
            form = {"schema_json": (corpus.folder / case.schema).read_text(encoding="utf-8")}
        start = time.monotonic()
        answer = client.post("/v1/extract", data=form,
                             files={"file": (case.filename, (corpus.folder / case.filename).read_bytes())})
        assert time.monotonic() - start < 60, case.name
        assert answer.status_code == case.http_status, (case.name, answer.text[:300])
        if case.code:
            error = answer.json()["error"]
            assert error["code"] == case.code and "\n" not in error["message"], case.name
            assert str(api.uploads) not in error["message"] and "/tmp" not in error["message"], error
    log = api.log_path.read_text()
    assert "Traceback" not in log and "internal" not in log
    assert list(api.uploads.iterdir()) == []


def test_api_refuses_every_bad_inline_schema_and_fetches_nothing(api, corpus):
    listener = HTTPServer(("127.0.0.1", free_port()), _CountingHandler)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    remote = {"type": "object", "properties": {"total": {"$ref": f"http://127.0.0.1:{listener.server_port}/s.json"}}}
    schemas = {name: (corpus.folder / name).read_bytes() for name in corpus.schemas} | {
        "remote": json.dumps(remote).encode()}
    good = (corpus.folder / "good-1.pdf").read_bytes()
    try:
        for name, text in schemas.items():
            answer = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=60,
                                data={"schema_json": text.decode("utf-8", "replace")},
                                files={"file": ("q.pdf", good)})
            assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_schema", (name, answer.text)
            assert "root:" not in answer.text and "/bin/" not in answer.text  # nothing of /etc/passwd
    finally:
        listener.shutdown()
    assert _CountingHandler.hits == 0


@pytest.mark.parametrize("path", ["/etc/passwd", "pyproject.toml", "schemas/rib.schema.json", "../README.md",
                                  "absent.json"])
def test_api_never_opens_a_server_path_as_a_schema(api, path):
    by_form = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=60, data={"schema": path},
                         files={"file": ("q.pdf", b"%PDF-1.4")})
    by_url = httpx.get(api.url + "/v1/schemas/" + path.replace("/", "%2F"), headers=AUTH)
    assert by_form.status_code == 404 and by_form.json()["error"]["code"] == "unknown_schema"
    assert by_form.json()["error"]["message"] == f"'{path}' is not a document type name"
    assert by_url.status_code == 404


def test_the_api_still_extracts_a_good_document_after_the_corpus(api, example_pdf):
    answer = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=120, data={"schema": "auto"},
                        files={"file": ("q.pdf", example_pdf.read_bytes())})
    assert answer.status_code == 200 and answer.json()["data"]["total"] == 845.0
    assert Path(api.uploads).is_dir() and list(Path(api.uploads).iterdir()) == []
