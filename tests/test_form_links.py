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
    CONTINUATION_FEATURES,
    MAX_SEGMENT_LINES,
    SHAPE_FEATURES,
    Candidate,
    LinkModel,
    Scorer,
    candidates,
    features,
    keep_pairs,
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


def _joining_every_line() -> Scorer:
    """A continuation model that joins every line to the one under it (its intercept alone decides)."""
    width = len(CONTINUATION_FEATURES)
    return Scorer(features=list(CONTINUATION_FEATURES), mean=[0.0] * width, scale=[1.0] * width,
                  weights=[50.0] + [0.0] * (width - 1), threshold=0.5)


def test_a_long_run_of_lines_is_cut_into_pieces_and_loses_no_line():
    """Fifteen lines of one paragraph, each under the last: joined at most twelve to a piece, the rest a piece of
    its own, every word kept; and no piece reaches further than its own lines' height (a joined piece's reach is
    one printed line's)."""
    always = _joining_every_line()
    lines = [_placed(index, f"word{index} of the paragraph", 20, 20 + index * 16) for index in range(15)]
    pieces = segments(lines, always)
    assert [piece.line_count for piece in pieces] == [MAX_SEGMENT_LINES, 15 - MAX_SEGMENT_LINES]
    assert [word.text for piece in pieces for word in piece.line.words] == \
        [word.text for line in lines for word in line.line.words]
    under = [candidate for candidate in candidates(pieces) if not candidate.beside]
    assert [(candidate.key.line_count, round(candidate.gap, 2)) for candidate in under] == [(12, 0.13)]


def test_lines_at_the_same_height_never_continue_each_other():
    """Two boxes less than a pixel high at the same place: neither is 'under' the other, so no loop of joins
    can drop them."""
    always = _joining_every_line()
    lines = [_placed(0, "a", 20, 20, height=0.4), _placed(1, "b", 20, 20, height=0.4)]
    assert [piece.text for piece in segments(lines, always)] == ["a", "b"]


def test_a_column_header_has_every_cell_under_it_as_a_candidate():
    """A header over five cells, with a column of cells beside it a little nearer in height: two of those take
    places among the three nearest pieces under the header, and four more pieces within its width are
    candidates too, so each of its five cells is one."""
    header = _placed(0, "AMOUNT", 300, 20, width=60)
    cells = [_placed(1 + 2 * row, f"{row + 1}.50", 300, 40 + 20 * row, width=40) for row in range(5)]
    beside = [_placed(2 + 2 * row, f"item {row}", 200, 38 + 20 * row, width=80) for row in range(5)]
    under_header = {c.value.text for c in candidates([header, *cells, *beside]) if c.key is header and not c.beside}
    assert {cell.text for cell in cells} <= under_header
    assert len(under_header) == 7


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.floats(0, 1)), max_size=40),
       st.floats(0.05, 0.95))
def test_kept_pairs_give_each_value_one_key_and_no_piece_both_roles(links, threshold):
    """Whatever the scores: pairs reach the threshold, a value has one key, a key is never a value, and a
    candidate left out was blocked by a pair scored at least as high that holds its value, or holds its key as
    a value (a key already naming another value does not block it)."""
    pieces = [_placed(index, f"piece {index}", 20.0, 20.0 * index) for index in range(8)]
    found = [Candidate(pieces[key], pieces[value], False, 1.0) for key, value, _ in links if key != value]
    scores = np.array([score for key, value, score in links if key != value])
    kept = keep_pairs(found, scores, threshold)
    keys, values = {id(key) for key, *_ in kept}, [id(value) for _, value, *_ in kept]
    assert all(score >= threshold for *_, score in kept)
    assert len(values) == len(set(values)) and not keys & set(values)
    for candidate, score in zip(found, scores, strict=True):
        if score >= threshold and (candidate.key, candidate.value, False, score) not in kept:
            assert any(other >= score and (candidate.value in (key, value) or candidate.key is value)
                       for key, value, _, other in kept)


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
    (lambda data: data["continuation"]["weights"].__setitem__(0, 1e300), "at most"),
    (lambda data: data["link"]["scale"].__setitem__(3, 1e-300), "at least"),
    (lambda data: data["link"]["hidden"][0].pop(), "do not match"),
    (lambda data: data["link"]["hidden_bias"].pop(), "do not match"),
    (lambda data: data["link"].update(hidden=data["link"]["hidden"] * 9, hidden_bias=data["link"]["hidden_bias"] * 9,
                                      weights=data["link"]["weights"] * 9), "over 256"),
    (lambda data: data["link"].__setitem__("threshold", 3), "less than or equal"),
])
def test_a_broken_linker_file_is_refused_in_one_line(tmp_path, change, says):
    """A linker given in the settings is a file anyone could have edited: it is checked before use."""
    with pytest.raises(EngineError) as refused:
        load_link_model(_model_file(tmp_path, change))
    assert says in refused.value.message and "\n" not in refused.value.one_line()


def test_a_missing_garbled_or_odd_linker_file_is_refused(tmp_path):
    with pytest.raises(EngineError, match="cannot be read"):
        load_link_model(tmp_path / "absent.json")
    with pytest.raises(EngineError, match="not a file"):
        load_link_model(tmp_path)
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json", encoding="utf-8")
    with pytest.raises(EngineError, match="garbled.json"):
        load_link_model(garbled)
    nested = tmp_path / "nested.json"
    nested.write_text('{"figures": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(EngineError, match="nested.json"):
        load_link_model(nested)


def test_a_scorer_without_hidden_layer_is_a_logistic_model():
    scorer = Scorer(features=["bias", "x"], mean=[0.0, 1.0], scale=[1.0, 2.0], weights=[0.5, 2.0], threshold=0.5)
    rows = np.array([[1.0, 1.0], [1.0, 5.0]])
    expected = 1 / (1 + np.exp(-(0.5 + 2.0 * (rows[:, 1] - 1.0) / 2.0)))
    assert np.allclose(scorer.probabilities(rows), expected)


def test_each_key_scores_its_own_value_highest_and_no_wrong_pair_is_kept(tmp_path, settings):
    """A form printed both ways: boxes captioned on top ('SUBMITTED BY:' over a name) and a label with its value
    beside it. Every key's best candidate is its own value (the caption next to it, the line under its
    neighbour score far lower), no wrong pair is kept, and the label beside its value is. Captions over their
    value score near the threshold (FUNSD's forms, which the linker learnt from, seldom print them so)."""
    document = pymupdf.open()
    page = document.new_page()
    for (x, y), text, size in [((60, 80), "SUBMITTED BY:", 8), ((320, 80), "DEPARTMENT:", 8),
                               ((60, 96), "Carol S. Lincoln", 12), ((320, 96), "Research and Development", 12),
                               ((60, 160), "Phone", 11), ((170, 160), "(919) 741-5000", 11)]:
        page.insert_text((x, y), text, fontname="helv", fontsize=size)
    path = tmp_path / "form.pdf"
    document.save(path)
    read = ocr_document(path, OcrOptions(), settings)
    model, lines = load_link_model(), linkable_lines(placed_lines(read))
    right = {("SUBMITTED BY:", "Carol S. Lincoln"), ("DEPARTMENT:", "Research and Development"),
             ("Phone", "(919) 741-5000")}
    pieces = segments(lines, model.continuation)
    found = candidates(pieces)
    scores = {(c.key.text, c.value.text): score for c, score in zip(found, model.link.probabilities(features(found, pieces)),
                                                                     strict=True)}
    for key, value in right:
        assert scores[(key, value)] == max(score for (other, _), score in scores.items() if other == key)
    kept = {(key.text, value.text) for key, value, _, _ in link(lines, model)}
    assert kept <= right and ("Phone", "(919) 741-5000") in kept
    result = extract_document(read, SchemaRegistry(settings).get("form_kv"), "rules", settings)
    assert {"key": "Phone", "value": "(919) 741-5000"} in result.data["pairs"]


@pytest.mark.datasets
def test_fitting_on_funsd_forms_writes_a_linker_that_loads_and_is_the_same_twice(datasets, tmp_path):
    """`socratext eval fit-links` on six FUNSD forms read by our OCR: the linker it writes loads and links; its
    figures are real counts; fitting again on the same forms gives the same weights."""
    args = ("eval", "fit-links", "--data-dir", str(datasets), "--limit", "6", "--cache-dir", str(tmp_path / "cache"),
            "--results", str(tmp_path / "results"))
    first = run_cli(*args, "-o", str(tmp_path / "first.json"))
    assert first.returncode == 0, first.stderr
    figures = json.loads((tmp_path / "results" / "form_links.json").read_text())
    assert figures["forms"] == 6
    for reading in ("our_ocr", "dataset_ocr"):
        assert figures[reading]["in_sample"]["gold"] > 30 and figures[reading]["in_sample"]["right"] > 0
        assert 0 <= figures[reading]["held_out"]["f1"] <= 1
        folds = figures[reading]["held_out"]["folds"]
        assert sum(fold["gold"] for fold in folds) == figures[reading]["in_sample"]["gold"]
    second = run_cli(*args, "-o", str(tmp_path / "second.json"))
    assert second.returncode == 0, second.stderr
    model = load_link_model(tmp_path / "first.json")
    assert isinstance(model, LinkModel) and model.fitted_on.startswith("FUNSD, 6 forms")
    assert model.model_dump() == load_link_model(tmp_path / "second.json").model_dump()
