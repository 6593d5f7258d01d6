"""Every bad input gets one clear line on stderr and its own exit code; a batch never stops."""
from __future__ import annotations

import json

import pymupdf
from PIL import Image

from socratext_llm import errors

from .conftest import run_cli

ZERO_PAGE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                 b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def assert_one_line_error(result, exit_code: int, *words: str) -> None:
    assert result.returncode == exit_code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("socratext: error: ")
    for word in words:
        assert word in lines[0]


def test_exit_codes_are_distinct():
    classes = [errors.MissingInputError, errors.UnsupportedInputError, errors.CorruptInputError,
               errors.EncryptedInputError, errors.EmptyInputError, errors.InputTooLargeError,
               errors.EngineError, errors.EngineUnavailableError, errors.UnknownEngineError]
    codes = [cls.exit_code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert 2 not in codes  # 2 is the usage error of the command-line parser


def test_missing_file(tmp_path):
    result = run_cli("ocr", str(tmp_path / "absent.pdf"))
    assert_one_line_error(result, errors.MissingInputError.exit_code, "absent.pdf", "no such file")


def test_unsupported_type_detected_from_bytes(tmp_path):
    fake = tmp_path / "notes.pdf"
    fake.write_text("just some text, not a PDF", encoding="utf-8")
    result = run_cli("ocr", str(fake))
    assert_one_line_error(result, errors.UnsupportedInputError.exit_code, "notes.pdf", "PDF")


def test_truncated_pdf(tmp_path, example_pdf):
    data = example_pdf.read_bytes()
    broken = tmp_path / "truncated.pdf"
    broken.write_bytes(data[: len(data) // 2])
    result = run_cli("ocr", str(broken))
    assert_one_line_error(result, errors.CorruptInputError.exit_code, "truncated.pdf")


def test_encrypted_pdf_needs_password(tmp_path, example_pdf):
    locked = tmp_path / "locked.pdf"
    pymupdf.open(example_pdf).save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="s3cret",
                                   owner_pw="owner")
    result = run_cli("ocr", str(locked))
    assert_one_line_error(result, errors.EncryptedInputError.exit_code, "encrypted", "--password")
    wrong = run_cli("ocr", str(locked), "--password", "nope")
    assert_one_line_error(wrong, errors.EncryptedInputError.exit_code, "wrong password")
    opened = run_cli("ocr", str(locked), "--password", "s3cret", "-f", "text")
    assert opened.returncode == 0, opened.stderr
    assert "QUITTANCE DE LOYER" in opened.stdout


def test_zero_page_pdf(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(ZERO_PAGE_PDF)
    result = run_cli("ocr", str(empty))
    assert_one_line_error(result, errors.EmptyInputError.exit_code, "no page")


def test_decompression_bomb(tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12_000, 12_000), 1).save(bomb)  # 144 Mpx in a few hundred KB
    assert bomb.stat().st_size < 2_000_000
    result = run_cli("ocr", str(bomb))
    assert_one_line_error(result, errors.InputTooLargeError.exit_code, "bomb.png", "pixels")


def test_page_larger_than_limit(tmp_path, example_pdf):
    result = run_cli("ocr", str(example_pdf), env={"SOCRATEXT_MAX_PAGE_SIDE_PT": "500"})
    assert_one_line_error(result, errors.InputTooLargeError.exit_code, "page 1", "limit")


def test_unknown_engine(example_scan):
    result = run_cli("ocr", str(example_scan), "--engine", "nope")
    assert_one_line_error(result, errors.UnknownEngineError.exit_code, "nope", "rapidocr")


def test_truncated_image(tmp_path, example_scan):
    broken = tmp_path / "cut.jpg"
    broken.write_bytes(example_scan.read_bytes()[:5000])
    result = run_cli("ocr", str(broken))
    assert_one_line_error(result, errors.CorruptInputError.exit_code, "cut.jpg")


def test_one_bad_file_does_not_stop_the_batch(tmp_path, example_pdf):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"x" * 300)
    out = tmp_path / "out"
    result = run_cli("ocr", str(bad), str(example_pdf), str(tmp_path / "missing.png"), "-o", str(out))
    assert result.returncode == errors.CorruptInputError.exit_code  # the first failure's code
    errors_printed = [line for line in result.stderr.splitlines() if line.startswith("socratext: error:")]
    assert len(errors_printed) == 2
    assert "1 of 3 files done, 2 failed" in result.stderr
    document = json.loads((out / "quittance_loyer.json").read_text(encoding="utf-8"))
    assert document["pages"][0]["text_source"] == "text-layer"
    assert not (out / "bad.json").exists()
