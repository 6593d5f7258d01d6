"""The recogniser narrowed to Latin script: which classes it keeps, the derived file, and what it reads."""
from __future__ import annotations

import logging

import numpy as np
import onnxruntime
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from socratext_llm.ocr.engines.rapidocr_engine import RapidOcrEngine, shipped_recogniser, word_confidences
from socratext_llm.ocr.narrowed_recogniser import CJK_START, kept_classes, narrowed_recogniser

from .conftest import DATASETS

characters = st.lists(st.one_of(st.characters(max_codepoint=0x1F6FF), st.text(min_size=2, max_size=3)), max_size=60)


@given(characters)
def test_kept_classes_are_the_blank_the_characters_before_cjk_and_the_space(listed):
    kept = kept_classes(listed)
    assert kept[0] == 0 and kept[-1] == len(listed) + 1  # CTC blank first, the space last, as RapidOCR orders them
    assert kept == sorted(set(kept))
    assert [listed[index - 1] for index in kept[1:-1]] == [c for c in listed if len(c) == 1 and ord(c) < CJK_START]


@pytest.fixture(scope="module")
def shipped(settings):
    from rapidocr import RapidOCR

    return shipped_recogniser(RapidOCR(params={"Global.log_level": "error"}))  # (path, its SHA-256)


def test_the_derived_recogniser_scores_only_the_kept_classes(shipped, tmp_path):
    from socratext_llm.ingest import file_sha256

    source, sha256 = shipped
    assert file_sha256(source) == sha256  # the model table's hash is the shipped file's
    derived = narrowed_recogniser(source, sha256, tmp_path)
    assert narrowed_recogniser(source, sha256, tmp_path) == derived and list(tmp_path.iterdir()) == [derived]
    whole = onnxruntime.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    narrow = onnxruntime.InferenceSession(str(derived), providers=["CPUExecutionProvider"])
    listed = whole.get_modelmeta().custom_metadata_map["character"].splitlines()
    kept = narrow.get_modelmeta().custom_metadata_map["character"].splitlines()
    assert len(listed) > 18_000 and kept == [listed[index - 1] for index in kept_classes(listed)[1:-1]]
    assert {"é", "è", "à", "ç", "œ", "€", "«", "»", "’", "°"} <= set(kept) and "中" not in kept
    batch = np.random.default_rng(0).random((2, 3, 48, 160), dtype=np.float32)
    scores_whole = whole.run(None, {whole.get_inputs()[0].name: batch})[0]
    scores_narrow = narrow.run(None, {narrow.get_inputs()[0].name: batch})[0]
    assert scores_narrow.shape == (*scores_whole.shape[:2], len(kept) + 2)
    logits_whole = np.log(scores_whole[..., kept_classes(listed)])  # the same logits, renormalised over fewer classes
    logits_narrow = np.log(scores_narrow)
    centred = lambda logits: logits - logits.mean(axis=-1, keepdims=True)  # noqa: E731
    assert np.allclose(centred(logits_whole), centred(logits_narrow), atol=1e-3)


def test_a_file_without_a_recogniser_head_is_refused(shipped, tmp_path):
    detector = next(shipped[0].parent.glob("*_det_*.onnx"))
    with pytest.raises(ValueError, match="character list"):
        narrowed_recogniser(detector, "0" * 64, tmp_path)
    assert not list(tmp_path.iterdir())  # no half-written file left


def test_the_narrowed_engine_reads_the_scan_as_the_whole_one_does(example_scan, settings, tmp_path):
    image = np.asarray(Image.open(example_scan).convert("RGB"))
    narrow = RapidOcrEngine(settings.model_copy(update={"models_dir": tmp_path}))
    whole = RapidOcrEngine(settings.model_copy(update={"ocr_recogniser_scripts": "all"}))
    assert narrow.engine.text_rec.session.session._model_path.startswith(str(tmp_path / "rapidocr"))
    assert whole.engine.text_rec.session.session._model_path == str(shipped_recogniser(whole.engine)[0])
    read_narrow = [line.text for line in narrow.read_page(image, settings.min_text_height_px)]
    read_whole = [line.text for line in whole.read_page(image, settings.min_text_height_px)]
    assert read_narrow == read_whole
    assert any("QUITTANCE DE LOYER" in text for text in read_narrow)


def test_a_read_only_models_folder_keeps_the_whole_recogniser_and_says_why(settings, tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="socratext.ocr"):
        engine = RapidOcrEngine(settings.model_copy(update={"models_dir": blocked}))
    assert engine.engine.text_rec.session.session._model_path == str(shipped_recogniser(engine.engine)[0])
    assert "whole recogniser" in caplog.text and "SOCRATEXT_MODELS_DIR" in caplog.text


@given(st.lists(st.tuples(st.text(alphabet="abcMë,-é1", min_size=1, max_size=8),
                          st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8)), min_size=1, max_size=5))
def test_each_word_gets_its_own_characters_confidences(words):
    """Whatever the words, a word's confidences are those of its own characters in the line's text (spaces
    between words have confidences of their own, which no word takes)."""
    text = " ".join(word for word, _ in words)
    confidences, expected = [], []
    for index, (word, values) in enumerate(words):
        mine = values[:len(word)]
        confidences += mine + ([0.01] if index < len(words) - 1 else [])
        expected.append(mine)
    assert word_confidences(text, [list(word) for word, _ in words], confidences) == expected
    assert word_confidences(text + "x", [list(word) for word, _ in words], confidences) is None


def test_a_word_is_as_sure_as_its_least_sure_letter(settings):
    """RapidOCR paired each word with the confidence of the line's n-th character: on the specimen ID card,
    'Maëlis-Gaëlle,' (its 'ë' read as 'e' at 0.47 in the pipeline) came out at 0.9997, and the name was shown
    valid."""
    specimen = DATASETS / "fr_specimens" / "idcard_fr" / "new_sample.jpg"
    if not specimen.is_file():
        pytest.skip(f"specimen absent: {specimen}")
    engine = RapidOcrEngine(settings)
    lines = engine.read_page(np.asarray(Image.open(specimen).convert("RGB")), settings.min_text_height_px)
    names = next(line for line in lines if "Marie" in line.text)
    first, last = names.words[0], names.words[-1]
    assert last.text == "Marie" and last.confidence > 0.99
    assert first.confidence < names.confidence - 0.1  # below the line's mean: an 'ë' is unsure


@pytest.mark.parametrize("types, expected", [
    (["en&num", "en&num"], [("Ma", 0.4), ("x", 0.9)]),  # whole words: each its least sure letter
    (["cn", "en&num"], [("M", 0.8), ("a", 0.4), ("x", 0.9)]),  # a line with CJK: one piece per character
])
def test_rapidocr_pairs_each_piece_with_its_own_confidence_once_realigned(types, expected):
    """Through RapidOCR's own word-box code (``CalRecBoxes``), which pairs its n-th piece with the n-th
    confidence: 'Ma x' read with an unsure 'a' (0.4) and a sure space (0.99)."""
    from rapidocr.cal_rec_boxes.main import CalRecBoxes
    from rapidocr.ch_ppocr_rec.typings import WordInfo, WordType

    from socratext_llm.ocr.engines.rapidocr_engine import aligned_confidences

    info = WordInfo(words=[["M", "a"], ["x"]], word_cols=[[0, 2], [6]], word_types=[WordType(t) for t in types],
                    line_txt_len=8.0, confs=[0.8, 0.4, 0.99, 0.9])
    box = np.array([[0, 0], [80, 0], [80, 20], [0, 20]], dtype=np.float32)
    pieces, _, confidences = CalRecBoxes().cal_ocr_word_box("Ma x", box, aligned_confidences("Ma x", info))
    assert list(zip(pieces, confidences, strict=True)) == expected
    unfound = aligned_confidences("Xa y", info)  # characters not in the text: the line's least sure for all
    assert unfound.confs == [0.4] * (2 if types[0] == "en&num" else 3)
