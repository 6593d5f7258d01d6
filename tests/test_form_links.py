"""The form linker (`extract/form_links.py`): its pieces of text, its scorer's file, its fitting on FUNSD."""
from __future__ import annotations

import json
import math

import numpy as np
import pymupdf
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from socratext_llm.document import BBox, Line, Word
from socratext_llm.errors import EngineError
from socratext_llm.extract.form_links import (
    SHAPE_FEATURES,
    LinkModel,
    Scorer,
    link,
    linkable_lines,
    load_link_model,
    segments,
    text_shape,
)
from socratext_llm.extract.pipeline import extract_document
from socratext_llm.extract.schemas import SchemaRegistry
from socratext_llm.extract.textmatch import PlacedLine, fold, placed_lines
from socratext_llm.pipeline import OcrOptions, ocr_document

from .conftest import run_cli


@given(st.text(max_size=80))
def test_a_text_shape_is_bounded_whatever_the_text(text):
    shape = text_shape(text)
    assert len(shape) == len(SHAPE_FEATURES)
    assert all(0.0 <= value <= 1.0 and math.isfinite(value) for value in shape)


def _placed(position: int, text: str, x0: float, y0: float, width: float = 120, height: float = 14) -> PlacedLine:
    box = BBox(x0=x0, y0=y0, x1=x0 + width, y1=y0 + height)
    words = [Word(text=word, bbox=box, bbox_norm=box, confidence=0.95) for word in text.split()]
    line = Line(text=text, bbox=box, bbox_norm=box, confidence=0.95, words=words)
    return PlacedLine(position, 0, line, fold(text))


@hypothesis_settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40), st.sampled_from(
    ["Date", "12/01/1989", "Name of account:", "Dupont et fils", "and sons", "Remarks", "3.5 mg"])),
    min_size=1, max_size=14))
def test_pieces_hold_every_line_once_in_reading_order(cells):
    """Whatever the layout, joining lines into pieces loses no word, repeats none, and keeps reading order."""
    lines = [_placed(index, text, 20.0 + column * 20, 20.0 + row * 9) for index, (column, row, text) in enumerate(cells)]
    pieces = segments(lines, load_link_model().continuation)
    words = [id(word) for piece in pieces for word in piece.line.words]
    assert sorted(words) == sorted(id(word) for line in lines for word in line.line.words)
    assert [piece.position for piece in pieces] == sorted(piece.position for piece in pieces)


def test_a_pair_on_one_line_is_not_linked_again():
    lines = [_placed(0, "Name: Martin", 20, 20), _placed(1, "Date", 20, 60), _placed(2, "12/01/1989", 200, 60)]
    assert [line.text for line in linkable_lines(lines)] == ["Date", "12/01/1989"]


def _model_file(tmp_path, change) -> str:
    data = json.loads(load_link_model().model_dump_json())
    change(data)
    path = tmp_path / "links.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("change, says", [
    (lambda data: data["link"]["features"].pop(), "do not match"),
    (lambda data: data["link"]["features"].__setitem__(0, "beside:other"), "fit it again"),
    (lambda data: data["continuation"]["weights"].__setitem__(0, float("nan")), "finite"),
    (lambda data: data["link"].__setitem__("threshold", 3), "less than or equal"),
])
def test_a_broken_linker_file_is_refused_in_one_line(tmp_path, change, says):
    """A linker given in the settings is a file anyone could have edited: it is checked before use."""
    with pytest.raises(EngineError) as refused:
        load_link_model(_model_file(tmp_path, change))
    assert says in refused.value.message and "\n" not in refused.value.one_line()


def test_a_missing_or_garbled_linker_file_is_refused(tmp_path):
    with pytest.raises(EngineError, match="cannot be read"):
        load_link_model(tmp_path / "absent.json")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json", encoding="utf-8")
    with pytest.raises(EngineError, match="garbled.json"):
        load_link_model(garbled)


def test_a_scorer_without_hidden_layer_is_a_logistic_model():
    scorer = Scorer(features=["bias", "x"], mean=[0.0, 1.0], scale=[1.0, 2.0], weights=[0.5, 2.0], threshold=0.5)
    rows = np.array([[1.0, 1.0], [1.0, 5.0]])
    expected = 1 / (1 + np.exp(-(0.5 + 2.0 * (rows[:, 1] - 1.0) / 2.0)))
    assert np.allclose(scorer.probabilities(rows), expected)


def test_a_caption_takes_the_value_under_it_and_a_label_the_value_beside_it(tmp_path, settings):
    """A form printed both ways: boxes captioned on top ('SUBMITTED BY:' over a name) and labels with their value
    beside them; the caption next to it is no value of the first. (Captions without a colon over their value
    score under the threshold: FUNSD's forms, which the linker learnt from, seldom print them so.)"""
    document = pymupdf.open()
    page = document.new_page()
    for (x, y), text, size in [((60, 80), "SUBMITTED BY:", 8), ((320, 80), "DEPARTMENT:", 8),
                               ((60, 96), "Carol S. Lincoln", 12), ((320, 96), "Research and Development", 12),
                               ((60, 160), "Phone", 11), ((170, 160), "(919) 741-5000", 11)]:
        page.insert_text((x, y), text, fontname="helv", fontsize=size)
    path = tmp_path / "form.pdf"
    document.save(path)
    read = ocr_document(path, OcrOptions(), settings)
    pairs = {(key.text, value.text) for key, value, _, _ in link(linkable_lines(placed_lines(read)),
                                                                  load_link_model())}
    assert pairs == {("SUBMITTED BY:", "Carol S. Lincoln"), ("DEPARTMENT:", "Research and Development"),
                     ("Phone", "(919) 741-5000")}
    result = extract_document(read, SchemaRegistry(settings).get("form_kv"), "rules", settings)
    assert {"key": "SUBMITTED BY", "value": "Carol S. Lincoln"} in result.data["pairs"]


@pytest.mark.datasets
def test_fitting_on_funsd_forms_writes_a_linker_that_loads_and_is_the_same_twice(datasets, tmp_path):
    """`socratext eval fit-links` on six FUNSD forms read by our OCR: the linker it writes loads and links; its
    figures are real counts; fitting again on the same forms gives the same weights."""
    args = ("eval", "fit-links", "--data-dir", str(datasets), "--limit", "6", "--cache-dir", str(tmp_path / "cache"),
            "--results", str(tmp_path / "results"))
    first = run_cli(*args, "-o", str(tmp_path / "first.json"))
    assert first.returncode == 0, first.stderr
    figures = json.loads((tmp_path / "results" / "form_links.json").read_text())
    assert figures["forms"] == 6 and figures["in_sample"]["gold"] > 30 and figures["in_sample"]["right"] > 0
    assert 0 <= figures["held_out"]["f1"] <= 1
    second = run_cli(*args, "-o", str(tmp_path / "second.json"))
    assert second.returncode == 0, second.stderr
    model = load_link_model(tmp_path / "first.json")
    assert isinstance(model, LinkModel) and model.fitted_on.startswith("FUNSD, 6 forms")
    assert model.model_dump() == load_link_model(tmp_path / "second.json").model_dump()
