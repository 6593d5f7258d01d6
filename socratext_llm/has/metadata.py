"""Metadata of a HAS recommendation: title from the cover, organisations, kind, validation date, grade scale.

The date is read only where HAS prints it (the cover, 'Validé par le Collège le …', 'Version du …',
the running footer), never from the body, where laws and studies are dated.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from ..document import FURNITURE, Document, Line, Page
from ..layout.structure import block_text
from .model import DocumentKind, RecommendationMetadata

MONTHS = {"janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
          "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12}
FRENCH_DATE = re.compile(r"\b(?:(?P<day>\d{1,2})(?:er)?\s+)?(?P<month>janvier|f[ée]vrier|mars|avril|mai|juin|juillet|"
                         r"ao[uû]t|septembre|octobre|novembre|d[ée]cembre)\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
VALIDATION = re.compile(r"(?:valid[ée]e?s?|adopt[ée]e?s?)\s+par\s+le\s+coll[èe]ge|version\s+du|date\s+de\s+validation|"
                        r"date\s+de\s+(?:publication|mise\s+en\s+ligne)|mise\s+(?:en\s+ligne|à\s+jour)", re.IGNORECASE)
KINDS: list[tuple[DocumentKind, re.Pattern[str]]] = [
    ("synthese", re.compile(r"\bsynth[èe]se\b", re.IGNORECASE)),
    ("fiche_memo", re.compile(r"\bfiche\s+m[ée]mo\b", re.IGNORECASE)),
    ("algorithme", re.compile(r"\balgorithme\b", re.IGNORECASE)),
    ("guide_parcours", re.compile(r"\bguide\b.*\bparcours\b|\bparcours\s+de\s+soins\b", re.IGNORECASE)),
    ("other", re.compile(r"\bétat\s+des\s+lieux\b|\bguide\s+méthodologique\b|\brapport\s+d['’]évaluation\b",
                         re.IGNORECASE)),
    ("rbp", re.compile(r"recommand\w*\s+(?:de\s+|des\s+)?bonnes?\s+pratiques?|pratique\s+clinique|"
                       r"texte\s+des\s+recommandations|\brecommandations?\b", re.IGNORECASE)),
]
BANNER = re.compile(r"recommand|synth[èe]se|fiche|m[ée]mo|guide|parcours|algorithme|bonnes?\s+pratiques?|m[ée]thode|"
                    r"haute\s+autorit|\bhas\b|messages?\s+cl[ée]s|texte\s+des|argumentaire|mise\s+[àa]\s+jour|"
                    r"valid[ée]|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|"
                    r"d[ée]cembre", re.IGNORECASE)
ORGANISATION = re.compile(
    r"(?:Soci[ée]t[ée]|Coll[èe]ge|F[ée]d[ée]ration|Association|Acad[ée]mie|Conseil\s+national|Institut|Agence)"
    r"\s+(?:fran[çc]aise?\s+|nationale?\s+|europ[ée]enne?\s+)?(?:d[e'’]\s*|des\s+|du\s+|de\s+la\s+)"
    r"[A-ZÀ-Ýa-zà-ÿ'’ \-]{3,80}?(?=\s*[(,.;\n]|\s+et\s|$)")
HAS = "Haute Autorité de santé"
GRADE_KEY = re.compile(r"preuve\s+scientifique\s+établie|grade\s+des\s+recommandations|accord\s+d['’]experts|"
                       r"\(grade\s+[ABC]\)|accord\s+professionnel", re.IGNORECASE)
MIN_TITLE_LETTERS = 8


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


def parse_french_date(text: str) -> str | None:
    """'30 mai 2024' → '2024-05-30'; a month and year alone ('Janvier 2020') → its first day."""
    match = FRENCH_DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match["year"]), MONTHS[_fold(match["month"])], int(match["day"] or 1)).isoformat()
    except ValueError:
        return None  # '31 février


def _cover_lines(page: Page) -> list[Line]:
    return [line for block in page.blocks if block.kind not in FURNITURE for line in block.lines]


def cover_title(document: Document) -> str | None:
    """The largest text of the first page, without the series banner ('RECOMMANDER LES BONNES PRATIQUES')."""
    if not document.pages:
        return None
    lines = [line for line in _cover_lines(document.pages[0]) if line.font_size]
    for size in sorted({round(line.font_size or 0) for line in lines}, reverse=True):
        chosen = [line for line in lines if round(line.font_size or 0) == size
                  and not (BANNER.search(line.text) and (line.text.isupper() or len(line.text.split()) <= 3))]
        text = " ".join(" ".join(line.text for line in chosen).split())
        if sum(char.isalpha() for char in text) >= MIN_TITLE_LETTERS:
            return text
    headings = [block for block in document.pages[0].blocks if block.kind == "heading"]
    return " ".join(block_text(headings[0]).split()) if headings else None


def _printed_dates(document: Document) -> Iterable[str]:
    """Dates where HAS prints its own: after a validation phrase anywhere, then the cover, then the footers."""
    for page in document.pages:
        for block in page.blocks:
            text = block_text(block)
            for match in VALIDATION.finditer(text):
                found = parse_french_date(text[match.end():match.end() + 40])
                if found:
                    yield found
    if document.pages:
        for block in document.pages[0].blocks:
            found = parse_french_date(block_text(block))
            if found:
                yield found
    for page in document.pages:
        for block in page.blocks:
            if block.kind in FURNITURE:
                found = parse_french_date(block_text(block))
                if found:
                    yield found


def document_kind(document: Document) -> DocumentKind:
    """Kind from the cover's banner and title (a synthesis names itself 'Synthèse de la recommandation')."""
    cover = " ".join(page.text for page in document.pages[:1])
    for kind, pattern in KINDS:
        if pattern.search(cover):
            return kind
    return "other"


def organisations(document: Document) -> list[str]:
    names: list[str] = []
    front = " ".join(page.text for page in document.pages[:3])
    if re.search(r"haute\s+autorit[ée]\s+de\s+sant[ée]|\bHAS\b", " ".join(page.text for page in document.pages),
                 re.IGNORECASE):
        names.append(HAS)
    for match in ORGANISATION.finditer(front.replace("\n", " ")):
        name = " ".join(match.group().split())
        if name not in names and not re.search(r"coll[èe]ge\s+de\s+la\s+haute", name, re.IGNORECASE):
            names.append(name)
    return names


def publication_date(document: Document) -> str | None:
    """The first printed date; a month alone ('Novembre 2017') gives way to a full date of that month
    printed elsewhere in the same places ('22 novembre 2017' in the footer)."""
    dates = list(_printed_dates(document))
    if not dates:
        return None
    first = dates[0]
    if first.endswith("-01"):
        return next((found for found in dates if found[:7] == first[:7] and not found.endswith("-01")), first)
    return first


def extract_metadata(document: Document) -> RecommendationMetadata:
    key = GRADE_KEY.search(document.text)
    return RecommendationMetadata(title=cover_title(document), organisations=organisations(document),
                                  kind=document_kind(document) if document.pages else None,
                                  date=publication_date(document), grade_scale=["A", "B", "C", "AE"] if key else [])
