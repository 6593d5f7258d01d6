"""The bad-input corpus: hostile and broken files and schemas, generated (never committed as binaries).

Each case says what a user must get: the CLI's exit code, the API's HTTP status and stable error
code (the table in the README), or success for inputs that look odd but are fine.

    python -m tests.hostile_corpus OUT_DIR     # writes the files and cases.json
"""
from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
GOOD_PDF = ROOT / "examples" / "quittance_loyer.pdf"
CATASTROPHIC_LINE = "Reference : " + "a" * 40 + "!"
# Python's re backtracks for hours on ^(a+)+$ here; the regex engine we run user patterns with
# fails that one fast, but this one defeats it too: only the time bound stops it
CATASTROPHIC_PATTERN = "(?:a|(?=a)a)+$"


@dataclass
class FileCase:
    """A document sent with the `rent_receipt` type (or with `schema`, a schema file of the corpus)."""

    name: str
    filename: str
    exit_code: int
    http_status: int
    code: str | None  # None: the document is fine and must be extracted
    schema: str | None = None
    notes: str = ""
    cli: bool = True
    api: bool = True


@dataclass
class Corpus:
    folder: Path
    files: list[FileCase] = field(default_factory=list)
    schemas: dict[str, str] = field(default_factory=dict)  # schema file name → expected problem words


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand, for structures no library would write (cycles, absurd sizes)."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _one_page(media_box: bytes) -> bytes:
    return _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] >>" % media_box])


def _text_pdf(lines: list[str], pages: int = 1) -> bytes:
    document = pymupdf.open()
    for _ in range(pages):
        page = document.new_page()
        for index, line in enumerate(lines):
            page.insert_text((72, 100 + 20 * index), line, fontsize=12)
    return document.tobytes()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _bomb_png() -> bytes:
    """A 60,000 × 60,000 PNG header (3.6 Gpx) over a few bytes: refused before decoding."""
    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + _png_chunk(b"IEND", b"")


def _png_mentioning_pdf() -> bytes:
    """A real page image whose metadata holds '%PDF-' in its first kilobyte: still a PNG."""
    with pymupdf.open("pdf", GOOD_PDF.read_bytes()) as document:
        png = document[0].get_pixmap(dpi=100).tobytes("png")
    text = _png_chunk(b"tEXt", b"Comment\x00exported from %PDF-1.7 by a scanner")
    return png[:33] + text + png[33:]


def _damaged_tiff() -> bytes:
    image = Image.new("L", (400, 300), 255)
    stream = io.BytesIO()
    image.save(stream, format="TIFF", compression="tiff_deflate")
    data = bytearray(stream.getvalue())
    data[20:80] = bytes(60)  # the compressed strip made nonsense: libtiff complains on its own stderr
    return bytes(data)


def _encrypted_pdf() -> bytes:
    with pymupdf.open("pdf", GOOD_PDF.read_bytes()) as document:
        return document.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")


def build(folder: Path) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(folder)

    def add(case: FileCase, content: bytes) -> None:
        (folder / case.filename).write_bytes(content)
        corpus.files.append(case)

    good = GOOD_PDF.read_bytes()
    add(FileCase("good PDF", "good-1.pdf", 0, 200, None), good)
    add(FileCase("text named .pdf", "letter.pdf", 5, 415, "unsupported_type"), b"Dear tenant, this is not a PDF.\n")
    add(FileCase("empty file", "empty.pdf", 5, 415, "unsupported_type"), b"")
    add(FileCase("truncated PDF", "truncated.pdf", 6, 422, "corrupt_input"), good[:400])
    add(FileCase("looping page tree", "loop.pdf", 6, 422, "corrupt_input"), _raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]))
    add(FileCase("encrypted PDF", "locked.pdf", 7, 422, "encrypted_pdf"), _encrypted_pdf())
    add(FileCase("PDF with no page", "nopage.pdf", 8, 422, "empty_document"), _raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    add(FileCase("page over PDF's size limit", "huge-page.pdf", 9, 413, "too_large"), _one_page(b"0 0 20000 20000"))
    add(FileCase("poster page within the limit", "poster.pdf", 0, 200, None,
                 notes="9,000 pt: rendered at a resolution bounded by the pixel limit"), _one_page(b"0 0 9000 9000"))
    add(FileCase("too many pages", "long.pdf", 9, 413, "too_large", notes="limit set to 3 pages for the corpus"),
        _text_pdf(["page"], pages=4))
    add(FileCase("decompression bomb", "bomb.png", 9, 413, "too_large"), _bomb_png())
    add(FileCase("truncated JPEG", "cut.jpg", 6, 422, "corrupt_input"),
        (ROOT / "examples" / "quittance_loyer_scan.jpg").read_bytes()[:5000])
    add(FileCase("damaged TIFF", "damaged.tiff", 6, 422, "corrupt_input"), _damaged_tiff())
    add(FileCase("PNG whose metadata says %PDF-", "scan-note.png", 0, 200, None), _png_mentioning_pdf())
    latin1 = "quittance-h\xe9l\xe8ne.pdf".encode("latin-1")
    (folder.joinpath(Path(latin1.decode("utf-8", "surrogateescape")))).write_bytes(good)
    corpus.files.append(FileCase("file name not UTF-8", latin1.decode("utf-8", "surrogateescape"), 0, 200, None,
                                 api=False))

    schemas = {
        "ref-file.schema.json": ({"type": "object", "properties": {"total": {"$ref": "file:///etc/passwd"}}},
                                 "points outside the schema"),
        "ref-http.schema.json": ({"type": "object", "properties": {"total": {"$ref": "http://127.0.0.1:9/x.json"}}},
                                 "points outside the schema"),
        "ref-relative.schema.json": ({"type": "object", "properties": {"total": {"$ref": "secret.json"}}},
                                     "points outside the schema"),
        "ref-missing.schema.json": ({"type": "object", "properties": {"total": {"$ref": "#/$defs/absent"}}},
                                    "points to nothing"),
        "nested-id.schema.json": ({"type": "object", "properties": {"total": {"$id": "http://127.0.0.1:9/",
                                                                              "type": "number"}}}, "$id"),
        "hint-labels-string.schema.json": ({"type": "object", "properties": {"total": {
            "type": "number", "x-socratext": {"labels": "Total"}}}}, "is not of type 'array'"),
        "hint-pattern-number.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"pattern": 12}}}}, "is not of type 'string'"),
        "hint-unknown-key.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"lables": ["Total"]}}}}, "Additional properties"),
        "hint-bad-strategy.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"strategy": "magic"}}}}, "is not one of"),
        "hint-max-lines-text.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"max_lines": "three"}}}}, "is not of type 'integer'"),
        "hint-keywords-map.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"keywords_map": {"a": "b"}}}}}, "is not of type 'array'"),
        "hint-bad-regex.schema.json": ({"type": "object", "properties": {"total": {
            "type": "string", "x-socratext": {"pattern": "(unclosed"}}}}, "bad regular expression"),
        "check-not-object.schema.json": ({"type": "object", "properties": {"total": {"type": "number"}},
                                          "x-socratext": {"checks": ["sum"]}}, "is not of type 'object'"),
        "check-no-total.schema.json": ({"type": "object", "properties": {"total": {"type": "number"}},
                                        "x-socratext": {"checks": [{"kind": "sum", "fields": ["total"]}]}},
                                       "'total' is a required property"),
        "check-unknown-field.schema.json": ({"type": "object", "properties": {"total": {"type": "number"}},
                                             "x-socratext": {"checks": [{"kind": "order", "fields": ["total", "x"]}]}},
                                            "unknown field"),
        "no-properties.schema.json": ({"type": "object"}, "the root must be an object schema"),
    }
    deep: dict = {"type": "string"}
    for _ in range(160):
        deep = {"type": "object", "properties": {"a": deep}}
    schemas["nested-160.schema.json"] = (deep, "nested more than")
    for name, (schema, words) in schemas.items():
        (folder / name).write_text(json.dumps(schema), encoding="utf-8")
        corpus.schemas[name] = words
    (folder / "binary.schema.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
    corpus.schemas["binary.schema.json"] = "not UTF-8"
    (folder / "big.schema.json").write_text(json.dumps({"type": "object", "properties": {
        f"f{i}": {"type": "string", "description": "x" * 300} for i in range(1000)}}), encoding="utf-8")
    corpus.schemas["big.schema.json"] = "larger than"

    # schemas that are valid but carry catastrophic patterns, met on a document line of forty 'a'
    add(FileCase("catastrophic pattern in the JSON Schema", "catastrophic-1.pdf", 14, 422, "invalid_schema",
                 schema="catastrophic-json.schema.json"), _text_pdf([CATASTROPHIC_LINE]))
    add(FileCase("catastrophic pattern in a hint", "catastrophic-2.pdf", 14, 422, "invalid_schema",
                 schema="catastrophic-hint.schema.json"), _text_pdf([CATASTROPHIC_LINE]))
    (folder / "catastrophic-json.schema.json").write_text(json.dumps({"type": "object", "properties": {"reference": {
        "type": ["string", "null"], "pattern": CATASTROPHIC_PATTERN, "x-socratext": {"labels": ["Reference"]}}}}), encoding="utf-8")
    (folder / "catastrophic-hint.schema.json").write_text(json.dumps({"type": "object", "properties": {"reference": {
        "type": ["string", "null"], "x-socratext": {"pattern": CATASTROPHIC_PATTERN}}}}), encoding="utf-8")
    add(FileCase("good PDF after the bad ones", "good-2.pdf", 0, 200, None), good)
    (folder / "cases.json").write_text(json.dumps({"files": [asdict(c) for c in corpus.files],
                                                   "schemas": corpus.schemas}, indent=1), encoding="utf-8")
    return corpus


if __name__ == "__main__":
    built = build(Path(sys.argv[1]))
    print(f"{len(built.files)} documents and {len(built.schemas)} schemas in {built.folder}")
