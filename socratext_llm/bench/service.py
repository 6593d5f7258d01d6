"""API benchmark: the overhead of HTTP over the library call on the same document, and 20
concurrent clients on this machine with the rules engine (status counts and latency percentiles).
The API runs as a real server (a child process on a loopback port), as in production."""
from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ..extract.pipeline import ExtractOptions, extract_file
from ..service.launch import ServerProcess
from ..settings import Settings
from .report import write_summary

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _post(client: httpx.Client, url: str, document: Path) -> tuple[int, float]:
    start = time.perf_counter()
    answer = client.post(url + "/v1/extract", data={"schema": "rent_receipt", "engine": "rules"},
                         files={"file": (document.name, document.read_bytes())}, timeout=600)
    return answer.status_code, (time.perf_counter() - start) * 1000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def bench_overhead(url: str, settings: Settings, document: Path, rounds: int) -> dict:
    """Alternating library call and HTTP request on one born-digital document; medians compared."""
    options = ExtractOptions(schema="rent_receipt", engine="rules")
    library, api = [], []
    with httpx.Client() as client:
        for _ in range(3):  # warm both paths (model loads, first imports)
            extract_file(document, options, settings)
            _post(client, url, document)
        for _ in range(rounds):
            start = time.perf_counter()
            extract_file(document, options, settings)
            library.append((time.perf_counter() - start) * 1000)
            status, elapsed = _post(client, url, document)
            assert status == 200, status
            api.append(elapsed)
    return {"document": document.name, "rounds": rounds, "library_ms_median": round(statistics.median(library), 1),
            "api_ms_median": round(statistics.median(api), 1),
            "overhead_ms_median": round(statistics.median(api) - statistics.median(library), 1)}


def bench_concurrency(url: str, document: Path, clients: int, requests_per_client: int) -> dict:
    """`clients` threads each sending requests back to back; every status is counted."""
    def client_run(_: int) -> list[tuple[int, float]]:
        with httpx.Client() as client:
            return [_post(client, url, document) for _ in range(requests_per_client)]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = [outcome for batch in pool.map(client_run, range(clients)) for outcome in batch]
    wall = time.perf_counter() - start
    statuses: dict[str, int] = {}
    for status, _ in outcomes:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    served = [ms for status, ms in outcomes if status == 200]
    return {"document": document.name, "clients": clients, "requests": len(outcomes), "statuses": statuses,
            "errors_other_than_503": sum(n for s, n in statuses.items() if s not in ("200", "503")),
            "latency_ms_200": {"p50": _percentile(served, 0.5), "p95": _percentile(served, 0.95),
                               "max": round(max(served), 1)} if served else None,
            "served_per_s": round(len(served) / wall, 2), "wall_s": round(wall, 1)}


def run_api_benchmark(settings: Settings, rounds: int = 30, clients: int = 20, requests_per_client: int = 5) -> Path:
    born_digital, scanned = EXAMPLES / "quittance_loyer.pdf", EXAMPLES / "quittance_loyer_scan.jpg"
    figures: dict = {"cpus": os.cpu_count(), "measured_at": time.strftime("%Y-%m-%d %H:%M")}
    with tempfile.TemporaryDirectory() as uploads:
        server = ServerProcess("api", {"SOCRATEXT_UPLOAD_DIR": uploads})
        url = server.url
        try:
            figures["overhead"] = bench_overhead(url, settings, born_digital, rounds)
            figures["concurrency_born_digital"] = bench_concurrency(url, born_digital, clients, requests_per_client)
            figures["concurrency_scanned"] = bench_concurrency(url, scanned, clients, 1)
            figures["api_settings"] = {"concurrency": settings.api_concurrency, "queue": settings.api_queue}
        finally:
            server.stop()
    path = Path(settings.results_dir) / "api.json"
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    write_summary(Path(settings.results_dir))
    return path
