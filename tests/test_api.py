"""The REST API through a real uvicorn server on a loopback port, with real HTTP requests."""
from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pymupdf
import pytest

from .service_helpers import start_server

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TOTAL_SCHEMA = json.dumps({"type": "object", "properties": {"total": {
    "type": ["number", "null"], "x-socratext": {"labels": ["Montant total"], "normalizer": "amount"}}}})


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    env = {"SOCRATEXT_API_TOKEN": TOKEN, "SOCRATEXT_API_MAX_UPLOAD_MB": "2", "SOCRATEXT_API_MAX_PAGES": "3",
           "SOCRATEXT_API_MAX_JOB_FILES": "3",
           "SOCRATEXT_API_CONCURRENCY": "2", "SOCRATEXT_API_QUEUE": "3",
           "SOCRATEXT_UPLOAD_DIR": str(folder / "uploads"), "SOCRATEXT_USER_SCHEMA_DIR": str(folder / "schemas")}
    server = start_server("api", env, folder / "server.log")
    server.uploads = folder / "uploads"
    yield server
    server.stop()


def pdf_bytes(pages: list[str]) -> bytes:
    document = pymupdf.open()
    for text in pages:
        document.new_page().insert_text((72, 100), text, fontsize=14)
    return document.tobytes()


def scanned_bytes(text: str) -> bytes:
    """A page image (PNG at 150 dpi) so that the request goes through OCR."""
    with pymupdf.open("pdf", pdf_bytes([text])) as document:
        return document[0].get_pixmap(dpi=150, clip=pymupdf.Rect(0, 0, 595, 200)).tobytes("png")


def test_tables_route_answers_the_tables_with_cells(api):
    document = pymupdf.open()
    page = document.new_page()
    for row, (label, value) in enumerate([("Poste", "Montant"), ("Loyer", "845,00"), ("Charges", "55,50")]):
        y = 100 + 20 * row
        page.draw_line((72, y), (372, y), width=0.8)
        page.insert_text((76, y + 14), label, fontsize=10)
        page.insert_text((226, y + 14), value, fontsize=10)
    page.draw_line((72, 160), (372, 160), width=0.8)
    for x in (72, 222, 372):
        page.draw_line((x, 100), (x, 160), width=0.8)
    answer = httpx.post(api.url + "/v1/tables", headers=AUTH, timeout=120,
                        files={"file": ("t.pdf", document.tobytes(), "application/pdf")})
    assert answer.status_code == 200, answer.text
    tables = answer.json()["tables"]
    assert [t["name"] for t in tables] == ["p1-t1"]
    cells = {(c["row"], c["col"]): c for c in tables[0]["table"]["cells"]}
    assert cells[(1, 1)]["text"] == "845,00" and cells[(1, 1)]["value"] == 845.0 and cells[(0, 0)]["header"]
    assert cells[(2, 0)]["page"] == 0 and cells[(2, 0)]["bbox"]["x0"] > 0


def test_health_and_openapi(api):
    health = httpx.get(api.url + "/health").json()
    assert health["ocr_engines"]["rapidocr"]["available"] is True
    assert health["ocr_engines"]["surya"]["available"] is False and "SOCRATEXT_SURYA_DIR" in health["ocr_engines"]["surya"]["detail"]
    assert health["llm"] == {"configured": False, "reachable": None, "model": None} and health["status"] == "ok"
    assert httpx.get(api.url + "/openapi.json").status_code == 401  # docs need the token unless made public
    spec = httpx.get(api.url + "/openapi.json", headers=AUTH).json()
    assert {"/v1/extract", "/v1/ocr", "/v1/tables", "/v1/schemas", "/v1/schemas/{name}", "/v1/jobs",
            "/v1/jobs/{job_id}", "/health"} <= set(spec["paths"])
    body = spec["paths"]["/v1/extract"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = spec["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert {"file", "schema", "schema_json", "engine"} <= set(form["properties"]) and form["required"] == ["file"]
    assert "413" in spec["paths"]["/v1/extract"]["post"]["responses"]


def test_bearer_token_required(api):
    missing = httpx.get(api.url + "/v1/schemas")
    wrong = httpx.get(api.url + "/v1/schemas", headers={"Authorization": "Bearer nope"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    listed = httpx.get(api.url + "/v1/schemas", headers=AUTH).json()
    assert {"rent_receipt", "payslip", "rib"} <= {s["name"] for s in listed}
    assert "iban" in httpx.get(api.url + "/v1/schemas/rib", headers=AUTH).json()["properties"]
    unknown = httpx.get(api.url + "/v1/schemas/bulletin", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_schema"


def test_extract_by_name_auto_and_inline(api, example_pdf, example_scan):
    named = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=120, data={"schema": "rent_receipt"},
                       files={"file": ("quittance-octobre.pdf", example_pdf.read_bytes(), "application/pdf")})
    assert named.status_code == 200, named.text
    result = named.json()
    assert result["data"]["total"] == 845.0 and result["status"] == "success"
    assert result["evidence"]["/total"]["bbox"] and result["source"]["filename"] == "quittance-octobre.pdf"
    auto = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=120,
                      files={"file": ("scan.jpg", example_scan.read_bytes(), "image/jpeg")}).json()
    assert auto["schema_name"] == "rent_receipt" and auto["data"]["total"] == 845.0
    inline = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=120, data={"schema_json": TOTAL_SCHEMA},
                        files={"file": ("a.pdf", pdf_bytes(["Montant total : 1 234,56 EUR"]), "application/pdf")})
    assert inline.status_code == 200 and inline.json()["data"] == {"total": 1234.56}


def test_ocr_returns_the_document_model(api, example_pdf):
    answer = httpx.post(api.url + "/v1/ocr", headers=AUTH, timeout=120,
                        files={"file": ("q.pdf", example_pdf.read_bytes(), "application/pdf")})
    document = answer.json()
    assert answer.status_code == 200 and document["source"]["page_count"] == 1
    lines = [line["text"] for block in document["pages"][0]["blocks"] for line in block["lines"]]
    assert any("QUITTANCE" in line.upper() for line in lines)


@pytest.mark.parametrize("content, form, status, code", [
    (b"just some text, not a document", {"schema": "rent_receipt"}, 415, "unsupported_type"),
    (b"%PDF-1.7\n1 0 obj <<", {"schema": "rent_receipt"}, 422, "corrupt_input"),
    (b"\x89PNG\r\n\x1a\n" + bytes(3 * 2**20), {"schema": "rent_receipt"}, 413, "too_large"),
    (pdf_bytes(["un", "deux", "trois", "quatre"]), {"schema": "rent_receipt"}, 413, "too_large"),
    (pdf_bytes(["Montant total : 3 EUR"]), {"schema_json": "{not json"}, 422, "invalid_schema"),
    (pdf_bytes(["Montant total : 3 EUR"]), {"schema": "rent_receipt", "engine": "magic"}, 400, "unknown_engine"),
])
def test_bad_requests_get_a_status_and_a_stable_code(api, content, form, status, code):
    answer = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=60, data=form,
                        files={"file": ("doc.bin", content, "application/octet-stream")})
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and "\n" not in error["message"]


def test_batch_job_keeps_going_past_a_bad_file(api, example_pdf, example_scan):
    files = [("files", ("a.pdf", example_pdf.read_bytes(), "application/pdf")),
             ("files", ("b.jpg", example_scan.read_bytes(), "image/jpeg")),
             ("files", ("c.pdf", b"%PDF-1.7 broken", "application/pdf"))]
    created = httpx.post(api.url + "/v1/jobs", headers=AUTH, data={"schema": "rent_receipt"}, files=files, timeout=60)
    assert created.status_code == 202 and created.json()["total"] == 3
    job_url = f"{api.url}/v1/jobs/{created.json()['id']}"
    deadline = time.monotonic() + 180
    while (job := httpx.get(job_url, headers=AUTH).json())["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [item["status"] for item in job["items"]] == ["done", "done", "failure"]
    assert job["items"][1]["result"]["data"]["total"] == 845.0 and job["items"][2]["error"]["code"] == "corrupt_input"
    assert httpx.get(api.url + "/v1/jobs/nope", headers=AUTH).status_code == 404
    too_many = httpx.post(api.url + "/v1/jobs", headers=AUTH, data={"schema": "rent_receipt"}, timeout=60,
                          files=files + [("files", ("d.pdf", example_pdf.read_bytes(), "application/pdf"))])
    assert too_many.status_code == 413 and "4 files" in too_many.json()["error"]["message"]


def test_twenty_parallel_requests_complete_or_get_503_never_mixed_up(api):
    amounts = [f"{100 + n},{n:02d}" for n in range(20)]
    documents = [scanned_bytes(f"Montant total : {amount} EUR") for amount in amounts]

    def send(index: int):
        answer = httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=300, data={"schema_json": TOTAL_SCHEMA},
                            files={"file": (f"{index}.png", documents[index], "image/png")})
        return index, answer

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))
    done = [(i, a) for i, a in answers if a.status_code == 200]
    busy = [a for _, a in answers if a.status_code == 503]
    assert len(done) + len(busy) == 20, [a.status_code for _, a in answers]
    assert len(done) >= 5 and busy, "2 slots + 3 queue places: some complete, the rest are told to retry"
    assert all(int(a.headers["Retry-After"]) >= 1 and a.json()["error"]["code"] == "busy" for a in busy)
    for index, answer in done:
        assert answer.json()["data"]["total"] == float(amounts[index].replace(",", ".")), index


def test_logs_hold_no_document_content_and_uploads_are_deleted(api, example_pdf):
    httpx.post(api.url + "/v1/extract", headers=AUTH, timeout=120, data={"schema": "rent_receipt"},
               files={"file": ("Lefevre-quittance.pdf", example_pdf.read_bytes(), "application/pdf")})
    log = api.log_path.read_text()
    assert "POST /v1/extract 200" in log
    # the access lines' own numbers ('POST /v1/extract 200 845 ms 2310 bytes', the client's port) are no amount
    scrubbed = re.sub(r"\b\d+ (?:ms|bytes)\b", "", log)
    for secret in ("Durand", "Lefèvre", "Lefevre", "Bellecour", "845", "quittance", "1234,56", TOKEN):
        assert not re.search(rf"(?<![\w:]){re.escape(secret)}(?!\d)", scrubbed), secret
    assert api.uploads.is_dir() and list(api.uploads.iterdir()) == []


def test_request_over_the_time_limit_gets_504_and_the_service_stays_up(tmp_path, example_scan):
    server = start_server("api", {"SOCRATEXT_API_TIMEOUT_S": "0.05", "SOCRATEXT_UPLOAD_DIR": str(tmp_path / "up")},
                    tmp_path / "slow.log")
    try:
        answer = httpx.post(server.url + "/v1/extract", timeout=120, data={"schema": "rent_receipt"},
                            files={"file": ("scan.jpg", example_scan.read_bytes(), "image/jpeg")})
        assert answer.status_code == 504 and answer.json()["error"]["code"] == "timeout"
        assert httpx.get(server.url + "/health", timeout=60).status_code == 200
    finally:
        server.stop()
