"""What a document type prints as labels and titles, so that no label is ever taken for a value:
'/ Surname' after 'Nom', 'PASSEPORT', 'INVOICE', 'Numéro' are pieces of printed labels, not values."""
from __future__ import annotations

import re
from functools import lru_cache

from .schemas import DETECTION, HINT, DocumentType
from .textmatch import fold

MAX_FOREIGN_LABEL_WORDS = 3
ABBREVIATION = 4  # letters from which a word cut short still names its label word
SLASHED = re.compile(r"^\s*/\s*([^:/\d]+)")  # '/ Given names : ...' (bilingual cards print both)


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold(text)))


@lru_cache(maxsize=256)
def _vocabulary(schema_key: str, phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({words for words in map(_words, phrases) if words}, key=len, reverse=True))


def _same_word(word: str, printed: str) -> bool:
    """Equal, or an abbreviation or a cut of the printed word ('naiss' for 'naissance')."""
    return word == printed or (len(word) >= ABBREVIATION and printed.startswith(word))


class LabelVocabulary:
    """The type's printed phrases: every field's labels (and excluded labels), keyword-map phrases, titles."""

    def __init__(self, doctype: DocumentType):
        phrases: list[str] = []
        for field in doctype.fields.values():
            hints = field.get(HINT, {})
            phrases += [p for key in ("labels", "exclude_labels") for p in hints.get(key, []) if isinstance(p, str)]
            for options in hints.get("keywords_map", {}).values():
                phrases += [p for p in options if isinstance(p, str)]
        phrases += [p for p in doctype.schema.get(DETECTION, {}).get("titles", []) if isinstance(p, str)]
        self.phrases = _vocabulary(doctype.name, tuple(phrases))

    def is_label(self, text: str) -> bool:
        """The whole text is a printed label or a piece of one ('NATIONALE', 'Numéro', '/ Given names'),
        abbreviated or cut short ('DATE DE NAISS. / Date of birt': each side of a slash is one)."""
        parts = [_words(part) for part in text.split("/")]
        parts = [words for words in parts if words]
        return bool(parts) and all(self._fragment(words) for words in parts)

    def _fragment(self, words: tuple[str, ...]) -> bool:
        if any(w.isdigit() for w in words):
            return False
        size = len(words)
        return any(all(_same_word(word, printed) for word, printed in zip(words, phrase[i:i + size]))
                   for phrase in self.phrases for i in range(len(phrase) - size + 1))

    def strip_leading(self, text: str) -> str:
        """The text without the other-language label printed after a slash before the value
        ('/ Surname : DUPONT' → ' : DUPONT', '/Sumame' (misread) → ''): on bilingual documents what
        follows the label's slash is the same label in English, a known one or up to three words."""
        match = SLASHED.match(text)
        if not match:
            return text
        words = list(re.finditer(r"\w+", text[match.start(1):match.end(1)]))
        folded = [fold(w.group(0)) for w in words]
        for size in range(len(words), 0, -1):
            if self.is_label(" ".join(folded[:size])) or (size == len(words) and size <= MAX_FOREIGN_LABEL_WORDS):
                return text[match.start(1) + words[size - 1].end():]
        return text
