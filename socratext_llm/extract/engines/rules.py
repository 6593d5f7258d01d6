"""The rules engine: no model, only the schema's hints and the layout.

For each field: find its label, read the value after it on the same line, else
in the line to its right, else just below; check the value's format and
validator; fall back to the field's pattern anywhere in the document. Special
strategies (header, block_after, mrz, key_values, line_items, ...) cover
fields that have no label.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ...document import BBox, Document
from ...french.authority import apply_machine_readable, mrz_field
from ...french.invoice import apply_invoice_rules
from ...has.model import Statement
from ...has.statements import extract_metadata, extract_statements
from ...layout.structure import PAGE_NUMBER
from .. import user_patterns
from ..normalize import AMOUNT, inside_date, normalize_amount, normalize_date, parse_amount
from ..base import ExtractionEngine, FieldValues, extraction_engines
from ..checks import domain_checks
from ..result import Check, Evidence
from ..classify import label_vocabularies
from ..schemas import DocumentType, SchemaRegistry
from ..form_links import KEY_VALUE, LinkModel, link, linkable_lines, load_link_model
from ..labels import LabelVocabulary
from ..tables import TableIndex, rows_from_tables, value_from_tables
from ..textmatch import (PlacedLine, contains_any, find_label, fold, lines_below, placed_lines,
                         right_neighbours, span_box)
from ..values import SEPARATORS, ParsedValue, field_types, parse_value

HEADER_LINES = 8
LINE_ITEM_KEYS = {"description", "quantity", "unit_price", "total_price"}
ROUNDING = 0.05
ENGINE = "rules"
# how much the way a value was found vouches for it (a confidence signal, calibrated later)
LABEL_SCORES = {"label": 1.0, "table": 0.9, "keywords": 0.8, "header": 0.5, "block": 0.4, "heading": 0.5,
                "line_item": 0.5, "statement": 0.5, "date_form": 0.3, "form": 0.0}
BELOW_LABEL = 0.7  # factor of a value under its label (a column's cell, the next row's text), not beside it
INSIDE_PHRASE = 0.6  # factor of a label found after other words ('Part employeur' is no 'Employeur')
# a word just before a label, elided article included ('dues par l'employeur'): the label ends a longer phrase
WORD_BEFORE_LABEL = re.compile(r"[a-z]{2,}\W*(?:\b[a-z]['’]\s*)?$")
LABEL_INSIDE_VALUE = re.compile(r"[A-Za-zÀ-ÿ]{3,}\s*:\s*\S|[A-Za-zÀ-ÿ]{2,}\s*/|/\s*[A-Za-zÀ-ÿ]{2,}")
BARE_INTEGER = re.compile(r"\s*-?\d{1,4}\s*")
PHONE = re.compile(r"\(?\+?\d[\d ()\-]{8,}\d")
LABELLED_CODE = re.compile(r"[A-Za-zÀ-ÿ .]{2,30}\s*[:#]\s*[\w-]+(?: [\w-]+)?")  # 'Site: 1046', 'Invoice No: CS 12'
LABELLED_VALUE = re.compile(r"^[A-Za-zÀ-ÿ .]{2,30}\s*[:#]\s*\S")  # 'DOCUMENT NO : TD011' ends a block
RATE = re.compile(r"\d+(?:[.,]\d+)?\s*%")
LEADING_QUANTITY = re.compile(r"^([1-9]\d?)\s*[xX×]?\s+(\S.*[A-Za-zÀ-ÿ].*)$")
ITEM_LINE = re.compile(r"^(?P<description>.*?[A-Za-zÀ-ÿ].*?)\s+(?P<amounts>(?:-?\d+(?:[.,]\d{1,3})?\s*(?:[x×*]\s*)?(?:€|EUR)?\s*){1,3})$")


class Reader:
    """Extraction state for one document: its lines and the evidence found so far."""

    def __init__(self, document: Document, doctype: DocumentType | None = None):
        self.lines = placed_lines(document)
        self.vocabulary = LabelVocabulary(doctype) if doctype is not None else None
        self.used: list[tuple[int, int, int]] = []  # (line id, start, end) of values already taken
        self.evidence: dict[str, Evidence] = {}
        self.anchors: dict[str, PlacedLine] = {}
        self._rows: list[list[PlacedLine]] | None = None
        self.tables = TableIndex(document)  # label cells and text rows, read once for every field
        self._document = document
        self._has_statements: list[Statement] | None = None

    @property
    def has_statements(self) -> list[Statement]:
        """A HAS recommendation's statements, read once: the statements field and the trees both need them."""
        if self._has_statements is None:
            self._has_statements = extract_statements(self._document)
        return self._has_statements

    @property
    def rows(self) -> list[list[PlacedLine]]:
        """Visual rows, computed once per document (header and block strategies both read them)."""
        if self._rows is None:
            self._rows = _rows(self)
        return self._rows

    def is_label(self, text: str) -> bool:
        return self.vocabulary is not None and self.vocabulary.is_label(text)

    def taken(self, placed: PlacedLine, start: int, end: int) -> bool:
        return any(line == id(placed.line) and start < e and s < end for line, s, e in self.used)

    def record(self, pointer: str, placed: PlacedLine, start: int, end: int, label_score: float = 1.0) -> None:
        """The value read at characters start..end of a line; ``label_score`` says how it was found
        (1 beside its label, 0 by its form alone: see ``LABEL_SCORES``)."""
        self.used.append((id(placed.line), start, end))
        box, confidence = span_box(placed.line, start, end)
        self.evidence[pointer] = Evidence(page=placed.page, bbox=box, source_text=placed.text,
                                          confidence=round(confidence, 3), engine=ENGINE,
                                          signals=_signals(confidence, label_score))


def _candidates_after_label(reader: Reader, placed: PlacedLine, span: tuple[int, int]):
    """Where a labelled value may be: after the label on its line (its other-language twin skipped:
    'Nom / Surname'), the pieces of the row to its right (nearest first); only when nothing follows it
    on its line, the lines below. Each with True when it is beside the label, False below it."""
    full = placed.text[span[1]:]
    rest = reader.vocabulary.strip_leading(full) if reader.vocabulary else full
    if rest.strip(SEPARATORS):
        yield placed, span[1] + len(full) - len(rest), rest, True
    for neighbour in right_neighbours(reader.lines, placed):
        yield neighbour, 0, neighbour.text, True
    if not RATE.sub("", rest).strip(SEPARATORS):  # nothing, or only the label's rate ('TVA 20 %')
        for below in lines_below(reader.lines, placed):
            yield below, 0, below.text, False


def _column_head(reader: Reader, placed: PlacedLine) -> bool:
    """The label heads a table column ('Désignation | Qté | Total HT'): three pieces or more side by
    side on its row, none with a digit; what is under it is the column's first cell, not its value."""
    row = next((row for row in reader.rows if placed in row), [placed])
    return len(row) >= 3 and not any(re.search(r"\d", p.text) for p in row)


def _matches_of_label(reader: Reader, label: str, field: dict, excluded: list[str]):
    """Each printed occurrence's value with its rank, best first: valid before invalid (kept, to be
    reported), a value under a column head last, then in reading order."""
    found = []
    for order, placed in enumerate(reader.lines):
        span = find_label(placed, [label])
        if span is None or (excluded and contains_any(placed, excluded)):
            continue
        for target, offset, text, beside in _candidates_after_label(reader, placed, span):
            parsed = parse_value(text, field, reader.is_label, keep_invalid=True)
            if parsed is not None and "pattern" in field.get("x-socratext", {}) and \
                    _word_in_prose(text, parsed.start, parsed.end):
                continue  # a code's form inside a phrase beside the label ('CENTRE AFFAIRES GRD')
            if parsed is not None:
                rank = (not parsed.valid, not beside and _column_head(reader, placed), order)
                found.append((rank, (parsed.value, target, offset + parsed.start, offset + parsed.end,
                                     _label_fit(placed.folded[:span[0]], beside))))
                break
    return sorted(found, key=lambda entry: entry[0])


def _labelled(reader: Reader, field: dict, hints: dict) -> tuple | None:
    """Labels are tried in their order of preference; 'select' picks among one label's matches
    (or among all labels' matches for 'largest')."""
    labels, excluded = hints.get("labels", []), hints.get("exclude_labels", [])
    select = hints.get("select", "first")
    if select == "largest":
        found = [match for label in labels for _, match in _matches_of_label(reader, label, field, excluded)]
        if not found:
            return None
        # the largest total, or the one printed after it once rounded (a few cents less)
        largest = max(_as_number(item[0]) for item in found)
        close = [item for item in found if largest - _as_number(item[0]) <= ROUNDING]
        return _cash_rounded(reader, max(close, key=lambda item: item[1].position), field)
    for label in labels:
        ranked = _matches_of_label(reader, label, field, excluded)
        if ranked:
            if select == "last":  # the last printed among the best kind (valid, not under a column head)
                best = ranked[0][0][:2]
                return max((entry for entry in ranked if entry[0][:2] == best), key=lambda entry: entry[0][2])[1]
            return ranked[0][1]
    return None


def _cash_rounded(reader: Reader, found: tuple, field: dict, lookahead: int = 6) -> tuple:
    """Where cash is rounded to 5 cents, the amount paid is printed just after the exact total, often
    without a label ('Rounding adj' above it): take it when it is that total rounded."""
    cents = round(_as_number(found[0]) * 100)
    if cents % 5 == 0:
        return found
    following = [p for p in reader.lines if p.page == found[1].page and 0 < p.position - found[1].position <= lookahead]
    for placed in following:
        parsed = parse_value(placed.text, field)
        if parsed is not None:
            other = round(_as_number(parsed.value) * 100)
            if other % 5 == 0 and abs(other - cents) < 5:
                return parsed.value, placed, parsed.start, parsed.end
    return found


def _as_number(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return normalize_amount(str(value)) or 0.0


def _anywhere(reader: Reader, field: dict) -> tuple[Any, PlacedLine, int, int] | None:
    """A value recognisable by its form alone (pattern, date, validated identifier), first in reading order."""
    hints = field.get("x-socratext", {})
    if not hints.get("anywhere", True):  # a form too common to mean anything without its label
        return None
    if not ("pattern" in hints or hints.get("normalizer") == "date" or field.get("format") == "date"):
        return None
    for placed in reader.lines:
        parsed: ParsedValue | None = parse_value(placed.text, field, reader.is_label)
        if parsed is None or reader.taken(placed, parsed.start, parsed.end) or \
                _word_in_prose(placed.text, parsed.start, parsed.end):
            continue
        return parsed.value, placed, parsed.start, parsed.end
    return None


def _matches_any(patterns: list[str], text: str) -> bool:
    return any(user_patterns.search(pattern, text, ignore_case=True) for pattern in patterns)


def _word_in_prose(text: str, start: int, end: int) -> bool:
    """A code found by its form alone inside a run of words ('CENTRE AFFAIRES GRD' is no BIC): a word
    on each side of it, and it holds no digit."""
    before, after = text[:start].split(), text[end:].split()
    token = text[start:end]
    return bool(before and after) and not re.search(r"\d", token) and \
        re.search(r"[A-Za-zÀ-ÿ]{2,}$", before[-1]) is not None and re.match(r"[A-Za-zÀ-ÿ]{2,}", after[0]) is not None


def _strip(text: str, patterns: list[str]) -> str:
    """Patterns of a schema's hints match regardless of case, as its labels do."""
    for pattern in patterns:
        text = user_patterns.sub(pattern, " ", text, ignore_case=True)
    return " ".join(text.split()).strip(" ,:;-")


def _rows(reader: Reader) -> list[list[PlacedLine]]:
    """Pieces of one printed row, left to right, rows top to bottom.

    Engines cut a printed line where the gap is wide ('SAM SAM' | 'TRADING CO'). Pieces of a row sit
    side by side: their centres are close vertically and they do not overlap horizontally (lines of
    a tilted photo overlap vertically but are stacked).
    """
    rows: list[list[PlacedLine]] = []
    ordered = sorted(reader.lines, key=lambda p: (p.page, (p.bbox.y0 + p.bbox.y1) / 2))
    for placed in ordered:
        home = None
        for row in rows[-3:]:
            if row[0].page != placed.page:
                continue
            centre = (row[-1].bbox.y0 + row[-1].bbox.y1) / 2
            close = abs((placed.bbox.y0 + placed.bbox.y1) / 2 - centre) < 0.4 * min(placed.bbox.height,
                                                                                   row[-1].bbox.height)
            apart = all(min(p.bbox.x1, placed.bbox.x1) - max(p.bbox.x0, placed.bbox.x0) <= 0 for p in row)
            if close and apart:
                home = row
                break
        if home is None:
            rows.append([placed])
        else:
            home.append(placed)
    return [sorted(row, key=lambda p: p.bbox.x0) for row in rows]


def _row_text(row: list[PlacedLine]) -> str:
    return " ".join(p.text.strip() for p in row)


def _date_or_phone(text: str) -> bool:
    """A real date (not 'NO 43-45-47G', a house number) or a phone number."""
    return bool(normalize_date(text) or PHONE.search(text))


def _ends_with_any(text: str, keywords: list[str]) -> bool:
    """'TRI SHAAS SDN BHD' ends with a keyword: a complete name, the next row is something else."""
    return any(re.search(r"(?<![A-Za-z])" + re.escape(keyword) + r"\W*$", text, re.IGNORECASE) for keyword in keywords)


def _header(reader: Reader, field: dict, hints: dict) -> tuple[str, PlacedLine] | None:
    rows = [row for row in reader.rows if row[0].page == 0][:HEADER_LINES]
    skips = hints.get("skip_patterns", [])
    rows = [row for row in rows  # 'Company Reg No.: 75495-W', '(CO. NO. JM0195368-D)', 'INVOICE', 'Page 2 de 2'
            if not LABELLED_CODE.fullmatch(_row_text(row)) and not _matches_any(skips, _row_text(row))
            and not reader.is_label(_row_text(row)) and not PAGE_NUMBER.match(_row_text(row))]
    keywords = hints.get("keywords", [])
    keyworded = [i for i, row in enumerate(rows) if any(contains_any(p, keywords) for p in row)]
    wordy = [i for i, row in enumerate(rows)
             if len(re.findall(r"[A-Za-zÀ-ÿ]", _row_text(row))) >= 3 and not _date_or_phone(_row_text(row))]
    for index in keyworded[:1] or wordy[:1]:
        text, anchor = _row_text(rows[index]), rows[index][-1]
        previous = _row_text(rows[index - 1]) if index > 0 else ""
        bare = text
        for keyword in keywords:
            bare = re.sub(re.escape(keyword), " ", bare, flags=re.IGNORECASE)
        if len(re.findall(r"[A-Za-zÀ-ÿ]", bare)) < 3 and previous and not re.search(r"\d", previous):
            text = f"{previous} {text}"  # 'SDN BHD' alone: the name is on the row above
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and not re.search(r"\d", _row_text(following)) and (
                re.search(r"(?:&|-|\bAND|\bET)\s*$", text) or _ends_with_any(_row_text(following), keywords)
                or (not _ends_with_any(_strip(text, hints.get("strip_patterns", [])), keywords)
                    and any(contains_any(p, keywords) for p in following))):
            text = f"{text} {_row_text(following)}"  # a name printed over two lines
            anchor = following[-1]
        value = _strip(text, hints.get("strip_patterns", []))
        if value:
            return value[: field.get("maxLength", len(value))], anchor
    return None


def _block_after(reader: Reader, field: dict, hints: dict) -> tuple[str, list[PlacedLine]] | None:
    anchor = reader.anchors.get(hints.get("after", ""))
    if anchor is None:
        return None
    rows = reader.rows
    start = next(i for i, row in enumerate(rows) if anchor in row) + 1
    taken: list[list[PlacedLine]] = []
    skips = hints.get("skip_patterns", [])
    first = hints.get("start_pattern", "")
    for row in rows[start:]:
        if row[0].page != anchor.page or len(taken) >= hints.get("max_lines", 3):
            break
        text = _row_text(row)
        if _matches_any(skips, text) or normalize_date(text) or (
                not taken and (not user_patterns.search(first, text, ignore_case=True) or LABELLED_CODE.fullmatch(text))):
            if taken:
                break
            continue  # rows before the block's first row (registration numbers, 'Site: 1046', a shop's second name…)
        if any(contains_any(p, hints.get("stop_labels", [])) for p in row) or _date_or_phone(text) or \
                (taken and LABELLED_VALUE.search(text)):
            break
        taken.append(row)
    if not taken:
        return None
    return " ".join(_row_text(row) for row in taken)[: field.get("maxLength", 10_000)], [p for row in taken for p in row]


def _key_values(reader: Reader, model: LinkModel) -> list[tuple[str, str, PlacedLine, float]]:
    """A form's key/value pairs in the keys' reading order, each with the line the value was read from and how
    well the pair is vouched for: 'Key: value' on one line, as a label; else the pairs of lines the form linker
    keeps (``form_links``: a key beside or above its value), with the probability it gives them."""
    pairs = []
    for placed in reader.lines:
        match = KEY_VALUE.match(placed.text.strip())
        if match:
            key = match.group(1).strip()
            pairs.append((placed.position, key, match.group(2).strip(), placed,
                          LABEL_SCORES["label" if _is_words(key) else "form"]))
    for key_line, value_line, _, probability in link(linkable_lines(reader.lines), model):
        key = key_line.text.strip().rstrip(" :")
        if any(char.isalnum() for char in key):  # a dash or a lone colon names nothing
            pairs.append((key_line.position, key, value_line.text.strip(), value_line, probability))
    return [pair[1:] for pair in sorted(pairs, key=lambda pair: pair[0])]


def _line_items(reader: Reader, field: dict, hints: dict) -> list[tuple[dict, PlacedLine]]:
    items = []
    stops = hints.get("stop_labels", [])
    for placed in reader.tables.row_lines():  # printed rows: OCR cuts 'Meantime Pale' | '10.20' at a wide gap
        if contains_any(placed, stops):
            if items:
                break
            continue
        match = ITEM_LINE.match(placed.text.strip())
        if not match:
            continue
        amounts = [parse_amount(a) for a in re.findall(r"-?\d+(?:[.,]\d{1,3})?", match["amounts"])]
        amounts = [a for a in amounts if a is not None]
        if not amounts or not any("." in a or "," in a for a in re.findall(r"\d+[.,]\d+", match["amounts"])):
            continue
        quantity = amounts[0] if len(amounts) == 3 else (1.0 if len(amounts) == 1 else None)
        unit = amounts[-2] if len(amounts) >= 2 else amounts[-1]
        description = match["description"].strip()
        counted = LEADING_QUANTITY.match(description)
        if counted and len(amounts) == 1:  # '2 Meantime Pale 10.20': two at 5.10
            quantity, description = float(counted[1]), counted[2]
            unit = round(amounts[-1] / quantity, 2)
        items.append(({"description": description[:80], "quantity": quantity,
                       "unit_price": unit, "total_price": amounts[-1]}, placed))
    return items[: field.get("maxItems", 100)]


def _signals(ocr_confidence: float | None, label_score: float) -> dict[str, float | bool | str]:
    """What a rules value's confidence is computed from (``Evidence.signals``): read from one line of the
    document (grounding 'line'), the validator's verdict added once every field is read."""
    signals: dict[str, float | bool | str] = {"source": ENGINE, "label_score": label_score, "grounding": "line"}
    if ocr_confidence is not None:
        signals["ocr_confidence"] = round(ocr_confidence, 3)
    return signals


def _label_fit(before_label: str, beside: bool) -> float:
    """How well a label vouches for its value: printed on its own and with the value beside it, 1; under
    it, or ending a longer phrase (a word just before it: 'Part employeur', 'dues par l'employeur'; not 'du 1er
    mars 2026 au'), less. ``before_label`` is folded (lower case)."""
    score = LABEL_SCORES["label"] * (1.0 if beside else BELOW_LABEL)
    return round(score * (INSIDE_PHRASE if WORD_BEFORE_LABEL.search(before_label) else 1.0), 3)


def _is_date(field: dict) -> bool:
    return field.get("format") == "date" or field.get("x-socratext", {}).get("normalizer") == "date"


def _number_in_prose(text: str, start: int, end: int, field: dict) -> bool:
    """A number or code (no letter in it, not a date) followed by words: '156' of '156 University Ave'."""
    if _is_date(field):
        return False
    return not re.search(r"[A-Za-zÀ-ÿ]", text[start:end]) and len(re.findall(r"[A-Za-zÀ-ÿ]{2,}", text[end:])) >= 2


def _label_like(value: Any, own: LabelVocabulary, others: list[LabelVocabulary]) -> bool:
    """A text value that holds a printed label ('Facture TTC Montant total à': a phrase of its own type's
    labels, or of two words or more of another type's), a 'label : value' pair, or a word beside a slash
    (bilingual labels: 'Lieu / Place of birth')."""
    if not isinstance(value, str):
        return False
    if LABEL_INSIDE_VALUE.search(value):
        return True
    words = re.findall(r"\w+", fold(value))

    def holds(phrase: tuple[str, ...]) -> bool:
        return any(tuple(words[i:i + len(phrase)]) == phrase for i in range(len(words) - len(phrase) + 1))

    return any((len(p) >= 2 or len(p[0]) >= 6) and holds(p) for p in own.phrases) or \
        any(len(p) >= 2 and holds(p) for vocabulary in others for p in vocabulary.phrases)


def _piece_of_a_date(value: Any, source_text: str, field: dict) -> bool:
    """A value of another field than a date printed only within a date of its line ('2022' of 'Date: Jan 1,
    2022' read as an invoice number)."""
    if _is_date(field) or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return False
    printed = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return bool(printed.strip()) and inside_date(printed, source_text or "")


def _read_twice(data: dict, evidence: dict[str, Evidence], fields: dict[str, dict]) -> list[str]:
    """The fields whose value was read from the same words as another field's same value ('du 1 au 28
    février 2002' read as both the start and the end of a period): one of them at least is wrong. Amounts
    are left out: one printed total is both the net and the gross where no tax applies."""
    seen: dict[tuple, list[str]] = {}
    for name, value in data.items():
        found = evidence.get(f"/{name}")
        if found is None or found.engine != ENGINE or found.bbox is None or value in (None, "", []) or \
                isinstance(value, (list, dict)) or _is_amount(fields[name]):
            continue
        box = tuple(round(v) for v in (found.bbox.x0, found.bbox.y0, found.bbox.x1, found.bbox.y1))
        seen.setdefault((found.page, box, repr(value)), []).append(f"/{name}")
    return [pointer for pointers in seen.values() if len(pointers) > 1 for pointer in pointers]


def _is_amount(field: dict) -> bool:
    return field.get("x-socratext", {}).get("normalizer") == "amount"


def _amount_of(value: Any) -> float | None:
    """An amount value as a number (a receipt keeps its total as printed: '80.90')."""
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, (int, float)) else normalize_amount(value) if isinstance(value, str) else None


def _lines_per_amount(lines: list[PlacedLine]) -> Counter:
    """How many lines print each amount (in cents): a total printed again as the amount paid, a net as the
    amount transferred, is read twice and vouched for by its second reading."""
    counts: Counter = Counter()
    for placed in lines:
        counts.update({round(a * 100) for a in (parse_amount(token) for token in AMOUNT.findall(placed.text))
                       if a is not None})
    return counts


def _is_words(key: str) -> bool:
    """A printed key holds a word ('N° client', 'Date'); '"0003401' of a cheque's magnetic line is no label."""
    return re.search(r"[A-Za-zÀ-ÿ]{2,}", key) is not None


def _completeness(row: dict, field: dict) -> float:
    """Share of an item's fields that hold a value (a bank operation without its amount is suspect)."""
    names = list(field.get("items", {}).get("properties", {})) or list(row)
    return round(sum(row.get(name) not in (None, "", []) for name in names) / max(1, len(names)), 3)


def _with_signals(evidence: Evidence, label_score: float) -> Evidence:
    """A table cell's evidence (its words' OCR confidence is not kept with the cell)."""
    evidence.signals.update(_signals(None, label_score))
    return evidence


def _graded_statements(reader: Reader, document: Document) -> list[tuple[dict, Evidence]]:
    """HAS statements (``has/statements.py``), each with its evidence box back in page pixels."""
    found = []
    for statement in reader.has_statements:
        page = document.pages[statement.page - 1]
        scale = page.dpi / 72.0
        x0, y0, x1, y1 = (value * scale for value in statement.bbox)
        found.append((statement.model_dump(mode="json"),
                      Evidence(page=page.index, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), source_text=statement.text,
                               confidence=1.0, engine=ENGINE,
                               signals=_signals(1.0, LABEL_SCORES["statement"]))))
    return found


@extraction_engines.register
class RulesEngine(ExtractionEngine):
    name = ENGINE

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        reader = Reader(document, doctype)
        data: dict[str, Any] = {}
        for name, field in doctype.fields.items():
            data[name] = self._field(reader, document, name, field)
        checks = []
        if doctype.schema.get("x-socratext", {}).get("invoice_rules"):  # seller, SIREN, a missing total
            checks = apply_invoice_rules(reader, doctype.schema, data)
        checks += apply_machine_readable(document, doctype.name, doctype.fields, data, reader.evidence,
                                         self.settings.twoddoc_certificates_dir)
        for check in domain_checks(data, doctype):  # the validator's verdict is a confidence signal
            if check.field in reader.evidence:
                reader.evidence[check.field].signals["validator"] = check.ok
        others = [vocabulary for name, vocabulary in label_vocabularies(SchemaRegistry(self.settings)).items()
                  if name != doctype.name]
        per_amount: Counter | None = None
        for name, value in data.items():
            evidence = reader.evidence.get(f"/{name}")
            if evidence is not None and evidence.engine == ENGINE and "enum" not in doctype.fields[name]:
                evidence.signals["label_like"] = _label_like(value, reader.vocabulary, others)
                if _piece_of_a_date(value, evidence.source_text, doctype.fields[name]):
                    evidence.signals["in_date"] = True
            amount = _amount_of(value) if _is_amount(doctype.fields[name]) else None
            if evidence is not None and evidence.engine == ENGINE and amount is not None:
                per_amount = _lines_per_amount(reader.lines) if per_amount is None else per_amount
                evidence.signals["printed_again"] = per_amount[round(amount * 100)] >= 2
        for pointer in _read_twice(data, reader.evidence, doctype.fields):
            reader.evidence[pointer].signals["read_twice"] = True
            checks.append(Check(kind="consistency", field=pointer, ok=False, message=(
                "read from the same words as another field's same value: one of them at least is wrong")))
        return FieldValues(data, reader.evidence, checks=checks)

    def _field(self, reader: Reader, document: Document, name: str, field: dict) -> Any:
        hints = field.get("x-socratext", {})
        strategy = hints.get("strategy", "label")
        pointer = f"/{name}"
        if strategy == "header":
            found = _header(reader, field, hints)
            if found:
                reader.anchors[name] = found[1]
                reader.record(pointer, found[1], 0, len(found[1].text), LABEL_SCORES["header"])
                return found[0]
        elif strategy == "block_after":
            found = _block_after(reader, field, hints)
            if found:
                reader.anchors[name] = found[1][-1]
                reader.record(pointer, found[1][0], 0, len(found[1][0].text), LABEL_SCORES["block"])
                return found[0]
        elif strategy == "mrz":
            found = mrz_field(document)
            if found:
                reader.evidence[pointer] = found[1]
                return found[0]
            return []
        elif strategy in ("key_values", "line_items"):
            return self._list(reader, document, name, field, hints, strategy)
        elif strategy == "graded_statements":
            statements = _graded_statements(reader, document)
            for index, (_, evidence) in enumerate(statements):
                reader.evidence[f"{pointer}/{index}"] = evidence
            return [row for row, _ in statements]
        elif strategy in ("has_metadata", "has_decision_trees"):
            return _has_part(reader, document, strategy)
        elif strategy == "largest_heading":
            heading = _largest_heading(reader, document)
            if heading:
                reader.record(pointer, heading[0], 0, len(heading[0].text), LABEL_SCORES["heading"])
                return heading[1][: field.get("maxLength", 300)]
        elif "keywords_map" in hints:
            for value, keywords in hints["keywords_map"].items():
                for placed in reader.lines:
                    if contains_any(placed, keywords):
                        reader.record(pointer, placed, 0, len(placed.text), LABEL_SCORES["keywords"])
                        return value
        else:
            # a code of fixed form (IBAN, BIC) printed in boxes is read from its grid before the text, whose
            # order may cut it; other values from their grid only when the text rules find none
            found = None if "pattern" in hints else _labelled(reader, field, hints) if hints.get("labels") else None
            from_table = value_from_tables(reader.tables, field) if found is None else None
            if from_table:
                reader.evidence[pointer] = _with_signals(from_table[1].evidence(ENGINE), LABEL_SCORES["table"])
                return from_table[0]
            if found is None and "pattern" in hints and hints.get("labels"):
                found = _labelled(reader, field, hints)
            how = "label"
            if found is None:  # a calendar date is a telling form; a code's pattern, less so
                found, how = _anywhere(reader, field), "date_form" if _is_date(field) else "form"
            if found:
                value, placed, start, end = found[:4]
                reader.anchors[name] = placed
                reader.record(pointer, placed, start, end, found[4] if len(found) > 4 else LABEL_SCORES[how])
                if hints.get("normalizer") == "amount" and BARE_INTEGER.fullmatch(placed.text[start:end]):
                    reader.evidence[pointer].signals["bare_amount"] = True  # '31' of 'au 31 janvier', 'Page 1'
                if _number_in_prose(placed.text, start, end, field):
                    reader.evidence[pointer].signals["in_prose"] = True
                return value
        return [] if "array" in field_types(field) else None

    def numbers_by_page(self, document: Document, doctype: DocumentType, field: str) -> dict[int, Any]:
        """The field that numbers a document (an invoice's number) read on each page alone: a file whose pages
        print different ones holds several documents (``extract.pipeline.several_documents``)."""
        numbers = {}
        for page in document.pages:
            alone = document.model_copy(update={"pages": [page]})
            numbers[page.index] = self._field(Reader(alone, doctype), alone, field, doctype.fields[field])
        return numbers

    def _list(self, reader: Reader, document: Document, name: str, field: dict, hints: dict, strategy: str) -> list:
        if strategy == "key_values":
            pairs = _key_values(reader, load_link_model(self.settings.form_link_model))
            rows = [({"key": k[:120], "value": v[:300]}, p) for k, v, p, _ in pairs]
            label_scores = [score for _, _, _, score in pairs]
        else:  # line_items: a table naming the columns first, else a receipt's printed lines
            from_table = rows_from_tables(reader.tables, field)
            if from_table:
                for index, (row, where) in enumerate(from_table):
                    reader.evidence[f"/{name}/{index}"] = _with_signals(where.evidence(ENGINE), LABEL_SCORES["table"])
                    reader.evidence[f"/{name}/{index}"].signals["completeness"] = _completeness(row, field)
                return [row for row, _ in from_table]
            if not LINE_ITEM_KEYS <= set(field.get("items", {}).get("properties", {})):
                return []  # items of another shape than a receipt line: only a table can give them
            rows = _line_items(reader, field, hints)
            label_scores = [LABEL_SCORES["line_item"]] * len(rows)
        for index, ((row, placed), label_score) in enumerate(zip(rows, label_scores, strict=True)):
            reader.record(f"/{name}/{index}", placed, 0, len(placed.text), label_score)
            reader.evidence[f"/{name}/{index}"].signals["completeness"] = _completeness(row, field)
        return [row for row, _ in rows]


def _has_part(reader: Reader, document: Document, strategy: str) -> Any:
    """A HAS recommendation's metadata, or its decision trees from the text (drawn flowcharts need the
    PDF's drawings: ``socratext has`` reads them)."""
    from ...has.recommendation import decision_trees_of
    if strategy == "has_metadata":
        return extract_metadata(document).model_dump(mode="json")
    return [tree.model_dump(mode="json") for tree in decision_trees_of(document, reader.has_statements)]


def _largest_heading(reader: Reader, document: Document) -> tuple[PlacedLine, str] | None:
    """The top-level heading of the first pages (consecutive blocks of that level joined: a title
    printed over several lines), else the first line."""
    by_line = {id(p.line): p for p in reader.lines}
    for page in document.pages[:2]:
        headings = [b for b in page.blocks if b.kind == "heading" and b.heading_level]
        if headings:
            first = min(headings, key=lambda b: (b.heading_level, b.order))
            parts = [first]
            for block in page.blocks[first.order + 1:]:
                if block.kind != "heading" or block.heading_level != first.heading_level:
                    break
                parts.append(block)
            text = " ".join(" ".join(line.text for line in block.lines) for block in parts)
            return by_line[id(first.lines[0])], " ".join(text.split())
    return (reader.lines[0], reader.lines[0].text.strip()) if reader.lines else None
