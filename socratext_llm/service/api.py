"""REST API: the library's extraction and OCR over HTTP, with limits, a bounded queue, optional
bearer-token auth, JSON errors with stable codes, and logs that carry no document content."""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
import warnings
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..document import Document
from ..errors import InputTooLargeError, JobNotFoundError, SchemaError, ServiceBusyError, SocratextError
from ..extract.pipeline import AUTO, ExtractOptions, read_and_extract, resolve_doctype
from ..extract.result import ExtractionResult
from ..export.tables import DocumentTables, document_tables
from ..extract.schemas import SchemaRegistry, parse_schema_text
from ..ocr import get_ocr_engine, ocr_engines
from ..pipeline import OcrOptions, ocr_document
from ..settings import Settings
from .admission import Admission
from .guard import ErrorBody, ErrorDetail, RequestGuard, error_body
from .uploads import (
    copy_limited,
    neutral_name,
    new_upload_folder,
    remove_stale_upload_folders,
    remove_upload_folder,
    remove_upload_folders,
    upload_folder,
    upload_parent,
)

log = logging.getLogger("socratext.api")
# the form field is named `schema`, as users expect; FastAPI builds a pydantic model from it
warnings.filterwarnings("ignore", message='Field name "schema', category=UserWarning)


class SchemaSummary(BaseModel):
    name: str
    title: str
    description: str
    fields: list[str]


class EngineHealth(BaseModel):
    available: bool
    detail: str = ""


class LlmHealth(BaseModel):
    configured: bool
    reachable: bool | None = None
    model: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    ocr_engines: dict[str, EngineHealth]
    llm: LlmHealth
    busy: int = Field(description="Documents processing or waiting now.")
    capacity: int = Field(description="Slots plus queue places.")


class JobItem(BaseModel):
    index: int
    filename: str
    status: Literal["queued", "done", "failure"]
    result: ExtractionResult | None = None
    error: ErrorDetail | None = None


class JobStatus(BaseModel):
    id: str
    status: Literal["queued", "running", "done"]
    total: int
    done: int
    items: list[JobItem]


ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 404, 413, 415, 422, 502, 503, 504)}


def error_response(error: SocratextError) -> JSONResponse:
    """Errors are answered with the client's words only: the upload folder never appears."""
    headers = {}
    if getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(error_body(error).model_dump(), status_code=error.http_status, headers=headers)


class Service:
    """State shared by the requests: settings, the admission queue, the batch jobs."""

    def __init__(self, settings: Settings):
        # the API's own page limit applies inside ingestion, which refuses longer documents early
        self.settings = settings.model_copy(update={"max_pages": min(settings.max_pages, settings.api_max_pages)})
        self.admission = Admission(settings.api_concurrency, settings.api_queue, settings.api_timeout_s)
        self.jobs: OrderedDict[str, JobStatus] = OrderedDict()
        self.tasks: set[asyncio.Task] = set()  # running batch jobs, referenced so they are not collected
        self.max_upload_bytes = int(settings.api_max_upload_mb * 2**20)
        self.upload_parent = upload_parent(settings.upload_dir)

    def body_limit(self, path: str) -> int:
        """Bytes a request body may have: one upload (several for a batch job) and its form fields."""
        files = self.settings.api_max_job_files if path == "/v1/jobs" else 1
        return files * self.max_upload_bytes + 2**20

    def registry(self) -> SchemaRegistry:
        return SchemaRegistry(self.settings)

    def clean_uploads(self) -> None:
        """This process's upload folders (a job cut short by SIGTERM), and those of dead processes."""
        remove_upload_folders(self.upload_parent, os.getpid())
        remove_stale_upload_folders(self.upload_parent)

    def forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self.jobs.items() if job.status == "done"]
        for job_id in finished[: max(0, len(finished) - self.settings.api_max_jobs)]:
            del self.jobs[job_id]


def _options(schema: str | None, schema_json: str | None, engine: str | None, ocr_engine: str | None,
             password: str | None, settings: Settings):
    """The extraction options and the document type (None for `auto`): over HTTP a registered name or an
    inline schema, never a path on the server."""
    requested: str | dict = parse_schema_text(schema_json, "schema_json") if schema_json else schema or AUTO
    doctype = resolve_doctype(requested, settings, allow_paths=False)
    name = doctype.name if doctype else AUTO
    return ExtractOptions(schema=name, engine=engine, ocr=OcrOptions(engine=ocr_engine, password=password)), doctype


def create_app(settings: Settings) -> FastAPI:
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        remove_stale_upload_folders(service.upload_parent)  # left by a killed predecessor
        try:
            yield
        finally:
            service.admission.shutdown()
            service.clean_uploads()

    app = FastAPI(title="Socratext LLM", version=__version__, lifespan=lifespan, responses=ERRORS,
                  description="French administrative documents into JSON that follows a JSON Schema, "
                              "with evidence and checks for every value.")
    app.state.service = service

    @app.exception_handler(SocratextError)
    async def on_socratext_error(request: Request, error: SocratextError):
        request.state.error_code = error.code
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5])
        request.state.error_code = "invalid_request"
        body = ErrorBody(error=ErrorDetail(code="invalid_request", message=problems,
                                           hint="see the OpenAPI description at /docs"))
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = ErrorBody(error=ErrorDetail(code=code, message=str(error.detail)))
        return JSONResponse(body.model_dump(), status_code=error.status_code)

    app.add_middleware(RequestGuard, settings=settings, body_limit=service.body_limit)

    async def read_upload(file: UploadFile, options: OcrOptions) -> Document:
        """One upload read into the document model in a slot, its copy deleted whatever happens."""
        with upload_folder(service.upload_parent) as folder:
            path = folder / neutral_name(0, file.filename)
            copy_limited(file.file, path, service.max_upload_bytes)
            document = await service.admission.run(lambda: ocr_document(path, options, service.settings))
        document.source.filename = file.filename or document.source.filename
        return document

    @app.get("/health", response_model=Health, tags=["service"])
    async def health() -> Health:
        """Whether the OCR engines load and the LLM server answers (no auth, no document)."""
        engines = await asyncio.to_thread(_engine_health, service.settings)
        llm = await _llm_health(service.settings)
        ok = engines.get(service.settings.ocr_engine, EngineHealth(available=False)).available and llm.reachable is not False
        return Health(status="ok" if ok else "degraded", version=__version__, ocr_engines=engines, llm=llm,
                      busy=service.admission.admitted, capacity=settings.api_concurrency + settings.api_queue)

    @app.get("/v1/schemas", response_model=list[SchemaSummary], responses=ERRORS, tags=["schemas"])
    async def list_schemas() -> list[SchemaSummary]:
        registry = service.registry()
        summaries = []
        for name in registry.names():
            try:
                doctype = registry.get(name)
            except SchemaError:
                continue
            summaries.append(SchemaSummary(name=name, title=doctype.title, description=doctype.description,
                                           fields=list(doctype.fields)))
        return summaries

    @app.get("/v1/schemas/{name}", responses=ERRORS, tags=["schemas"])
    async def get_schema(name: str) -> dict[str, Any]:
        """The document type's JSON Schema (draft 2020-12) with its x-socratext hints."""
        return service.registry().get(name, allow_paths=False).schema

    @app.post("/v1/extract", response_model=ExtractionResult, responses=ERRORS, tags=["extraction"])
    async def extract(
        file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF or WebP.")],
        schema: Annotated[str | None, Form(description="Document type name, or 'auto' (default).")] = None,
        schema_json: Annotated[str | None, Form(description="An inline JSON Schema instead of a name.")] = None,
        engine: Annotated[str | None, Form(description="rules, llm, outlines or hybrid.")] = None,
        ocr_engine: Annotated[str | None, Form(description="OCR engine for scanned pages.")] = None,
        password: Annotated[str | None, Form(description="Password of an encrypted PDF.")] = None,
    ) -> ExtractionResult:
        """One document in, the JSON of its document type out, with evidence and checks per value."""
        options, doctype = await asyncio.to_thread(_options, schema, schema_json, engine, ocr_engine, password,
                                                   service.settings)  # a big inline schema is work too
        with upload_folder(service.upload_parent) as folder:
            path = folder / neutral_name(0, file.filename)
            copy_limited(file.file, path, service.max_upload_bytes)
            _, result = await service.admission.run(lambda: read_and_extract(path, options, service.settings, doctype))
        if result.source is not None:
            result.source.filename = file.filename or result.source.filename
        return result

    @app.post("/v1/ocr", response_model=Document, responses=ERRORS, tags=["ocr"])
    async def ocr(
        file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF or WebP.")],
        ocr_engine: Annotated[str | None, Form()] = None,
        force_ocr: Annotated[bool, Form(description="OCR pages even when they have a text layer.")] = False,
        password: Annotated[str | None, Form()] = None,
    ) -> Document:
        """The document model: pages, blocks, lines and words with boxes, in reading order."""
        options = OcrOptions(engine=ocr_engine, password=password, force_ocr=force_ocr)
        document = await read_upload(file, options)
        return document

    @app.post("/v1/tables", response_model=DocumentTables, responses=ERRORS, tags=["ocr"])
    async def tables(
        file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF or WebP.")],
        ocr_engine: Annotated[str | None, Form()] = None,
        password: Annotated[str | None, Form()] = None,
    ) -> DocumentTables:
        """The tables found, named by page and position: cells with row, column, spans, header flag, text,
        typed value, box and page."""
        options = OcrOptions(engine=ocr_engine, password=password)
        document = await read_upload(file, options)
        return document_tables(document)

    @app.post("/v1/jobs", response_model=JobStatus, status_code=202, responses=ERRORS,
              tags=["extraction"])
    async def create_job(
        files: Annotated[list[UploadFile], File(description="The documents of the batch.")],
        schema: Annotated[str | None, Form()] = None,
        schema_json: Annotated[str | None, Form()] = None,
        engine: Annotated[str | None, Form()] = None,
        ocr_engine: Annotated[str | None, Form()] = None,
    ) -> JobStatus:
        """A batch: answered at once with the job id; GET /v1/jobs/{id} gives progress and results."""
        if len(files) > settings.api_max_job_files:
            raise InputTooLargeError(f"{len(files)} files in one job, over the limit of {settings.api_max_job_files}",
                                     hint="split the batch, or raise SOCRATEXT_API_MAX_JOB_FILES")
        options, doctype = await asyncio.to_thread(_options, schema, schema_json, engine, ocr_engine, None,
                                                   service.settings)
        running = sum(job.status != "done" for job in service.jobs.values())
        if running >= max(1, settings.api_queue):
            error = ServiceBusyError("too many batch jobs are running")
            error.retry_after = service.admission.retry_after_s() * 4
            raise error
        job = JobStatus(id=uuid.uuid4().hex, status="queued", total=len(files), done=0,
                        items=[JobItem(index=i, filename=f.filename or f"document-{i}", status="queued")
                               for i, f in enumerate(files)])
        folder = new_upload_folder(service.upload_parent)
        try:
            paths = [folder / neutral_name(index, upload.filename) for index, upload in enumerate(files)]
            for upload, path in zip(files, paths):
                copy_limited(upload.file, path, service.max_upload_bytes)
        except BaseException:
            remove_upload_folder(folder)
            raise
        service.jobs[job.id] = job
        service.tasks.add(task := asyncio.create_task(_run_job(service, job, paths, options, doctype, folder)))
        task.add_done_callback(service.tasks.discard)
        return job

    @app.get("/v1/jobs/{job_id}", response_model=JobStatus, responses=ERRORS, tags=["extraction"])
    async def get_job(job_id: str) -> JobStatus:
        if job_id not in service.jobs:
            raise JobNotFoundError(f"no job {job_id}")
        return service.jobs[job_id]

    return app


async def _run_job(service: Service, job: JobStatus, paths: list[Path], options: ExtractOptions, doctype,
                   folder: Path) -> None:
    """Each file in turn through the same slots as single requests; its upload folder deleted at the end."""
    job.status = "running"
    try:
        for item, path in zip(job.items, paths):
            try:
                _, result = await service.admission.run(
                    lambda p=path: read_and_extract(p, options, service.settings, doctype), queue_exempt=True)
                if result.source is not None:
                    result.source.filename = item.filename
                item.status, item.result = "done", result
            except SocratextError as error:
                item.status, item.error = "failure", error_body(error).error
            except Exception as error:  # noqa: BLE001 — this file's failure, not the job's
                log.error("internal error %s in a batch job", type(error).__name__)
                item.status, item.error = "failure", ErrorDetail(code="internal", message="internal error")
            path.unlink(missing_ok=True)
            job.done += 1
    finally:
        remove_upload_folder(folder)
        job.status = "done"
        service.forget_old_jobs()


def _engine_health(settings: Settings) -> dict[str, EngineHealth]:
    health = {}
    for name in ocr_engines.names():
        try:
            get_ocr_engine(name, settings)
            health[name] = EngineHealth(available=True)
        except SocratextError as error:
            health[name] = EngineHealth(available=False, detail=error.one_line())
    return health


async def _llm_health(settings: Settings) -> LlmHealth:
    if not settings.llm_base_url:
        return LlmHealth(configured=False)
    try:
        async with httpx.AsyncClient(timeout=3.0) as client:
            answer = await client.get(settings.llm_base_url.rstrip("/") + "/models",
                                      headers={"Authorization": f"Bearer {settings.llm_api_key}"})
        reachable = answer.status_code == 200
    except httpx.HTTPError:
        reachable = False
    return LlmHealth(configured=True, reachable=reachable, model=settings.llm_model)
