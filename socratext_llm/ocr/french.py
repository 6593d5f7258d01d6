"""French post-correction of OCR output: characters French never uses, and elisions read as '1'.

Recognisers trained on many scripts sometimes answer with look-alikes from
other repertoires (a CJK long dash for '-', 'ē' for 'è'). Such characters are
mapped back to French ones, choosing among accent variants with a French word
list when one is installed (Debian's ``wfrench``). Ordinary words are never
spell-corrected.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

LOOKALIKES = {
    "ー": "-", "一": "-", "－": "-", "・": "·", "，": ",", "：": ":", "；": ";", "（": "(", "）": ")",
    "！": "!", "？": "?", "。": ".", "「": "«", "」": "»", "＂": '"', "＇": "'",
}
FRENCH_VARIANTS = {
    "a": "aàâä", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "c": "cç", "y": "yÿ",
}
FRENCH_LETTERS = set("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ")
ELISION = re.compile(r"(?<![\w'’])1(?=['’][A-Za-zÀ-ÿ])")


@lru_cache(maxsize=4)
def load_lexicon(path: str | None) -> frozenset[str]:
    """Lower-cased French words, or an empty set when no word list is installed."""
    if not path or not Path(path).is_file():
        return frozenset()
    return frozenset(word.strip().lower() for word in Path(path).read_text(encoding="utf-8").splitlines())


def _is_foreign_letter(char: str) -> bool:
    return char.isalpha() and char.lower() not in FRENCH_LETTERS and \
        unicodedata.normalize("NFD", char)[0].lower() in FRENCH_VARIANTS


def _fix_word(word: str, lexicon: frozenset[str]) -> str:
    positions = [i for i, char in enumerate(word) if _is_foreign_letter(char)]
    if not positions:
        return word
    candidates = [word]
    for position in positions:
        base = unicodedata.normalize("NFD", word[position])[0]
        variants = FRENCH_VARIANTS[base.lower()]
        if base.isupper():
            variants = variants.upper()
        candidates = [c[:position] + v + c[position + 1:] for c in candidates for v in variants]
    core = re.compile(r"[\w'’-]+")
    for candidate in candidates:
        if any(part.lower() in lexicon for part in core.findall(candidate) if any(map(_is_candidate_char, part))):
            return candidate
    # no word list, or no known word: the plain letter is the least wrong guess
    return "".join(unicodedata.normalize("NFD", c)[0] if _is_foreign_letter(c) else c for c in word)


def _is_candidate_char(char: str) -> bool:
    return char.isalpha()


def correct_french(text: str, lexicon: frozenset[str] = frozenset()) -> str:
    """Map foreign look-alike characters to French ones and '1'' elisions to 'l''."""
    text = "".join(LOOKALIKES.get(char, char) for char in text)
    text = ELISION.sub("l", text)
    return " ".join(_fix_word(word, lexicon) for word in text.split(" "))
