"""Pure functions: French post-correction and OCR metrics, with property-based tests."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.document import BBox
from socratext_llm.metrics import cer, match_words, wer
from socratext_llm.ocr.french import correct_french

FRENCH = st.text(alphabet="abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœABCDEÉÈ023456789 ,.;:!?'«»()-€", max_size=60)
LEXICON = frozenset({"bibliothèque", "financière", "abîme"})


@given(FRENCH)
def test_french_text_is_left_alone(text):
    assert correct_french(text, LEXICON) == text


def test_foreign_lookalikes_become_french():
    assert correct_french("la Bibliothēque", LEXICON) == "la Bibliothèque"
    assert correct_french("-:ー:ー-・", LEXICON) == "-:-:--·"
    assert correct_french("1'Amour et 1'ampleur", LEXICON) == "l'Amour et l'ampleur"
    assert correct_french("en 1'an 2000, 21'x", LEXICON) == "en l'an 2000, 21'x"
    assert correct_french("ōbscur", frozenset()) == "obscur"  # no word list: the plain letter


@given(st.text(max_size=40))
def test_cer_of_identical_text_is_zero(text):
    assert cer([text], [text]) == 0.0


@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()), st.text(max_size=40))
def test_cer_is_edits_over_reference_length(reference, hypothesis):
    value = cer([reference], [hypothesis])
    assert value >= 0
    assert cer([reference], [""]) == 1.0


def test_wer_and_cer_values():
    assert cer(["abcd"], ["abxd"]) == 0.25
    assert wer(["le chat dort"], ["le chien dort"]) == 1 / 3


def test_word_matching_needs_text_and_overlap():
    box = BBox(x0=0, y0=0, x1=10, y1=10)
    shifted = BBox(x0=6, y0=0, x1=16, y1=10)
    result = match_words([("Nom", box), ("Date", box)], [("nom", box), ("Date", shifted), ("x", box)])
    assert (result.matched, result.predicted, result.gold) == (1, 3, 2)
    assert result.precision == 1 / 3 and result.recall == 0.5
