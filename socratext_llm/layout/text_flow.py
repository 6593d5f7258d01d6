"""How printed lines become running text: line-end hyphens, bullets, French sentences.

Pure functions on strings, so they are tested with generated text (hypothesis).
"""
from __future__ import annotations

import re

SOFT_HYPHEN = "\u00ad"
HYPHENS = "-\u2010\u2011"
# Bullet glyphs as PDFs print them (some fonts map them to letters or private-use code points).
BULLET_GLYPHS = "•‒–—-■□▪▫●○◦►▶▸➢➤✓✔➔→¼´\uf0a7\uf0b7\uf0d8\uf0fco"
BULLET = re.compile(  # U+FFFD and private-use code points: bullets of fonts without a Unicode map
    r"^\s*(?:[" + re.escape(BULLET_GLYPHS) + r"](?=\s)|[•■▪►➢¼\uf0a7\uf0b7]|[\ufffd\ue000-\uf8ff](?=\s))\s*")
LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[a-h])\)\s+")  # '1) ', 'a) ' (never '1.': that is a heading's number)
TERMINAL = ".!?…:;"
DANGLING = re.compile(r"(?:^|\s)(?:un|une|le|la|les|des|de|du|d['’]|l['’]|à|au|aux|en|et|ou|avec|par|pour|sur|"
                      r"dans|chez|sans|entre|vers|que|qu['’]|dont|son|sa|ses|leur|leurs|ce|cette|ces)$", re.IGNORECASE)
# Abbreviations after which a period does not end a French sentence (lower-cased, without the period).
ABBREVIATIONS = frozenset({
    "cf", "ex", "p", "pp", "art", "al", "coll", "env", "vol", "éd", "ed", "fig", "tab", "chap",
    "ann", "réf", "ref", "n", "no", "nº", "sq", "suiv", "approx", "resp", "vs", "dr", "pr", "m", "mme",
    "mlle", "me", "st", "ste", "ibid", "op", "cit", "id", "sept", "oct", "nov", "déc", "janv", "févr", "av",
    "apr",
})  # 'etc.' is left out: it usually ends a sentence
SENTENCE_END = re.compile(r"[.!?…](?:[»\")\]’”]*)(?=\s+|$)")
NEXT_STARTS = re.compile(r"\s+[«\"(\[]?\s*[A-ZÀ-ÖØ-Þ0-9•‒–■►]")


def join_lines_with_offsets(lines: list[str]) -> tuple[str, list[int]]:
    """One running text from printed lines, and where each line starts in it: a word cut by a
    line-end hyphen before a lower-case letter is joined ('phy-' + 'sique' → 'physique'), soft
    hyphens are dropped (a line ending with one continues the word), lines meet with one space."""
    text = ""
    starts: list[int] = []
    soft_cut = False
    for raw in lines:
        line = " ".join(raw.replace(SOFT_HYPHEN, "").split())
        if not line:
            starts.append(len(text))
            continue
        if soft_cut:
            pass
        elif len(text) >= 2 and text[-1] in HYPHENS and text[-2].isalpha() and line[0].islower():
            text = text[:-1]
        elif text:
            text += " "
        starts.append(len(text))
        text += line
        soft_cut = raw.rstrip().endswith(SOFT_HYPHEN)
    return text, starts


def join_lines(lines: list[str]) -> str:
    return join_lines_with_offsets(lines)[0]


def strip_bullet(text: str) -> tuple[str | None, str]:
    """The bullet or list number a line starts with (None when none) and the text after it."""
    for pattern in (BULLET, LIST_NUMBER):
        match = pattern.match(text)
        if match and match.end() < len(text):
            return match.group().strip(), text[match.end():]
    return None, text


def _is_abbreviation(text: str, period: int) -> bool:
    """Whether the period at ``period`` closes an abbreviation ('cf.', 'p. ex.', 'Dr.', 'i.e.') or a code
    letter ('art. L. 1111-2'); a unit ('mg/j.') or a capital before a new sentence ('vitamine D. Le') does not."""
    start = period
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:period]
    if not word:
        return False
    if len(word) == 1:
        if word.isupper():
            following = text[period + 1:].lstrip()[:1]
            return following.isdigit()
        return word in ABBREVIATIONS and (start == 0 or text[start - 1] in " (")
    last = word.rsplit(".", 1)[-1].lower()
    return last in ABBREVIATIONS or "." in word  # 'p.ex', 'i.e'


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the French sentences of a text, without the whitespace between them.

    A sentence ends at '.', '!', '?' or '…' (with closing quotes or brackets) followed by a space
    and a capital, a digit or a bullet, unless the period closes an abbreviation or an initial;
    decimals ('2,5 mg', '0.5') and codes ('R.12', 'art. L. 1111-2') never end one.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        end = match.end()
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        if end < len(text) and not NEXT_STARTS.match(text, end):
            continue
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def ends_mid_sentence(text: str) -> bool:
    """Whether printed text stops on a word that cannot end a sentence ('… en lien avec un')."""
    return bool(DANGLING.search(text.rstrip()))


def ends_sentence(text: str) -> bool:
    """Whether printed text ends where a paragraph may end (a full stop, a colon, a semicolon)."""
    stripped = text.rstrip(" »\")]’”*")
    return bool(stripped) and stripped[-1] in TERMINAL
