"""The rules engine: no model, only the schema's hints and the layout.

For each field: find its label, read the value after it on the same line, else
in the line to its right, else just below; check the value's format and
validator; fall back to the field's pattern anywhere in the document. Special
strategies (header, block_after, mrz, key_values, line_items, ...) cover
fields that have no label.
"""
from __future__ import annotations

import re
from typing import Any

from ...document import Document
from ..normalize import normalize_amount, normalize_date
from ..base import ExtractionEngine, FieldValues, extraction_engines
from ..result import Evidence
from ..schemas import DocumentType
from ..tables import rows_from_tables, value_from_tables
from ..textmatch import (PlacedLine, contains_any, find_label, lines_below, placed_lines, right_neighbour,
                         right_neighbours, span_box)
from ..values import SEPARATORS, ParsedValue, field_types, parse_value

HEADER_LINES = 8
LINE_ITEM_KEYS = {"description", "quantity", "unit_price", "total_price"}
MIN_STATEMENT_WORDS = 5
ROUNDING = 0.05
ENGINE = "rules"
PHONE = re.compile(r"\(?\+?\d[\d ()\-]{8,}\d")
LABELLED_CODE = re.compile(r"[A-Za-zÀ-ÿ .]{2,30}\s*[:#]\s*[\w-]+(?: [\w-]+)?")  # 'Site: 1046', 'Invoice No: CS 12'
LABELLED_VALUE = re.compile(r"^[A-Za-zÀ-ÿ .]{2,30}\s*[:#]\s*\S")  # 'DOCUMENT NO : TD011' ends a block
MRZ_LINE = re.compile(r"^[A-Z0-9<]{28,44}$")
GRADE = re.compile(r"\((?:grade\s*)?(A|B|C|AE)\)|\bgrade\s+(A|B|C)\b|\b(AE)\b|accord d'experts", re.IGNORECASE)
KEY_VALUE = re.compile(r"^\s*([^:]{2,60}?)\s*:\s*(.+)$")
ITEM_LINE = re.compile(r"^(?P<description>.*?[A-Za-zÀ-ÿ].*?)\s+(?P<amounts>(?:-?\d+(?:[.,]\d{1,3})?\s*(?:[x×*]\s*)?(?:€|EUR)?\s*){1,3})$")


class Reader:
    """Extraction state for one document: its lines and the evidence found so far."""

    def __init__(self, document: Document):
        self.lines = placed_lines(document)
        self.evidence: dict[str, Evidence] = {}
        self.anchors: dict[str, PlacedLine] = {}
        self._rows: list[list[PlacedLine]] | None = None

    @property
    def rows(self) -> list[list[PlacedLine]]:
        """Visual rows, computed once per document (header and block strategies both read them)."""
        if self._rows is None:
            self._rows = _rows(self)
        return self._rows

    def record(self, pointer: str, placed: PlacedLine, start: int, end: int, confidence_factor: float = 1.0) -> None:
        box, confidence = span_box(placed.line, start, end)
        self.evidence[pointer] = Evidence(page=placed.page, bbox=box, source_text=placed.text,
                                          confidence=round(confidence * confidence_factor, 3), engine=ENGINE)


def _candidates_after_label(reader: Reader, placed: PlacedLine, span: tuple[int, int]):
    """Where a labelled value may be: after the label on its line, the pieces of the row to its right
    (nearest first); only when nothing follows it on its line, the lines below."""
    rest = placed.text[span[1]:]
    if rest.strip(SEPARATORS):
        yield placed, span[1], rest
    for neighbour in right_neighbours(reader.lines, placed):
        yield neighbour, 0, neighbour.text
    if not rest.strip(SEPARATORS):
        for below in lines_below(reader.lines, placed):
            yield below, 0, below.text


def _matches_of_label(reader: Reader, label: str, field: dict, excluded: list[str]):
    for placed in reader.lines:
        span = find_label(placed, [label])
        if span is None or (excluded and contains_any(placed, excluded)):
            continue
        for target, offset, text in _candidates_after_label(reader, placed, span):
            parsed = parse_value(text, field)
            if parsed is not None:
                yield parsed.value, target, offset + parsed.start, offset + parsed.end
                break


def _labelled(reader: Reader, field: dict, hints: dict) -> tuple[Any, PlacedLine, int, int] | None:
    """Labels are tried in their order of preference; 'select' picks among one label's matches
    (or among all labels' matches for 'largest')."""
    labels, excluded = hints.get("labels", []), hints.get("exclude_labels", [])
    select = hints.get("select", "first")
    if select == "largest":
        found = [match for label in labels for match in _matches_of_label(reader, label, field, excluded)]
        if not found:
            return None
        # the largest total, or the one printed after it once rounded (a few cents less)
        largest = max(_as_number(item[0]) for item in found)
        close = [item for item in found if largest - _as_number(item[0]) <= ROUNDING]
        return _cash_rounded(reader, max(close, key=lambda item: item[1].position), field)
    for label in labels:
        found = list(_matches_of_label(reader, label, field, excluded))
        if found:
            return found[-1] if select == "last" else found[0]
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
    if not ("pattern" in hints or hints.get("normalizer") == "date" or field.get("format") == "date"):
        return None
    for placed in reader.lines:
        parsed: ParsedValue | None = parse_value(placed.text, field)
        if parsed is not None:
            return parsed.value, placed, parsed.start, parsed.end
    return None


def _strip(text: str, patterns: list[str]) -> str:
    """Patterns of a schema's hints match regardless of case, as its labels do."""
    for pattern in patterns:
        text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
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
    skips = [re.compile(p, re.IGNORECASE) for p in hints.get("skip_patterns", [])]
    rows = [row for row in rows  # 'Company Reg No.: 75495-W', '(CO. NO. JM0195368-D)' name no one
            if not LABELLED_CODE.fullmatch(_row_text(row)) and not any(p.search(_row_text(row)) for p in skips)]
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
    skips = [re.compile(p, re.IGNORECASE) for p in hints.get("skip_patterns", [])]
    first = re.compile(hints.get("start_pattern", ""), re.IGNORECASE)
    for row in rows[start:]:
        if row[0].page != anchor.page or len(taken) >= hints.get("max_lines", 3):
            break
        text = _row_text(row)
        if any(p.search(text) for p in skips) or normalize_date(text) or (
                not taken and (not first.search(text) or LABELLED_CODE.fullmatch(text))):
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


def _mrz(reader: Reader) -> tuple[list[str], list[PlacedLine]] | None:
    candidates = [(p, p.text.replace(" ", "").replace("«", "<").upper()) for p in reader.lines]
    run: list[tuple[PlacedLine, str]] = []
    for placed, compact in candidates:
        if MRZ_LINE.match(compact) and "<" in compact:
            run.append((placed, compact))
        elif run:
            break
    if len(run) < 2:
        return None
    return [c for _, c in run[:3]], [p for p, _ in run[:3]]


def _key_values(reader: Reader) -> list[tuple[str, str, PlacedLine]]:
    pairs = []
    for placed in reader.lines:
        match = KEY_VALUE.match(placed.text)
        if match:
            pairs.append((match.group(1).strip(), match.group(2).strip(), placed))
        elif placed.text.rstrip().endswith(":"):
            # the answer to the right, else just below (forms print both ways)
            neighbour = right_neighbour(reader.lines, placed) or next(iter(lines_below(reader.lines, placed, 1)), None)
            if neighbour is not None and not neighbour.text.rstrip().endswith(":") and \
                    not KEY_VALUE.match(neighbour.text):
                pairs.append((placed.text.rstrip(" :"), neighbour.text.strip(), neighbour))
    return pairs


def _line_items(reader: Reader, field: dict, hints: dict) -> list[tuple[dict, PlacedLine]]:
    from ..normalize import parse_amount

    items = []
    stops = hints.get("stop_labels", [])
    for placed in reader.lines:
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
        items.append(({"description": match["description"].strip()[:80], "quantity": quantity,
                       "unit_price": unit, "total_price": amounts[-1]}, placed))
    return items[: field.get("maxItems", 100)]


def _graded_statements(reader: Reader, document: Document) -> list[tuple[dict, PlacedLine]]:
    headings = {}
    for page in document.pages:
        for block in page.blocks:
            if block.kind == "heading":
                for line in block.lines:
                    headings[id(line)] = block.text.replace("\n", " ")
    section = None
    statements = []
    for placed in reader.lines:
        if id(placed.line) in headings:
            section = headings[id(placed.line)]
        match = GRADE.search(placed.text)
        if match and len(placed.text.split()) >= MIN_STATEMENT_WORDS:  # not a grade legend or a lone 'AE'
            grade = next((g for g in match.groups() if g), "AE").upper()
            statements.append(({"text": placed.text.strip()[:1500], "grade": grade, "section": section,
                                "page": placed.page + 1}, placed))
    return statements


@extraction_engines.register
class RulesEngine(ExtractionEngine):
    name = ENGINE

    def extract(self, document: Document, doctype: DocumentType) -> FieldValues:
        reader = Reader(document)
        data: dict[str, Any] = {}
        for name, field in doctype.fields.items():
            data[name] = self._field(reader, document, name, field)
        return FieldValues(data, reader.evidence)

    def _field(self, reader: Reader, document: Document, name: str, field: dict) -> Any:
        hints = field.get("x-socratext", {})
        strategy = hints.get("strategy", "label")
        pointer = f"/{name}"
        if strategy == "header":
            found = _header(reader, field, hints)
            if found:
                reader.anchors[name] = found[1]
                reader.record(pointer, found[1], 0, len(found[1].text), 0.8)
                return found[0]
        elif strategy == "block_after":
            found = _block_after(reader, field, hints)
            if found:
                reader.anchors[name] = found[1][-1]
                reader.record(pointer, found[1][0], 0, len(found[1][0].text), 0.7)
                return found[0]
        elif strategy == "mrz":
            found = _mrz(reader)
            if found:
                reader.record(pointer, found[1][0], 0, len(found[1][0].text))
                return found[0]
            return []
        elif strategy in ("key_values", "line_items", "graded_statements"):
            return self._list(reader, document, name, field, hints, strategy)
        elif strategy == "largest_heading":
            heading = _largest_heading(reader, document)
            if heading:
                reader.record(pointer, heading[0], 0, len(heading[0].text), 0.8)
                return heading[1][: field.get("maxLength", 300)]
        elif "keywords_map" in hints:
            for value, keywords in hints["keywords_map"].items():
                for placed in reader.lines:
                    if contains_any(placed, keywords):
                        reader.record(pointer, placed, 0, len(placed.text), 0.8)
                        return value
        else:
            # a code of fixed form (IBAN, BIC) printed in boxes is read from its grid before the text, whose
            # order may cut it; other values from their grid only when the text rules find none
            found = None if "pattern" in hints else _labelled(reader, field, hints) if hints.get("labels") else None
            from_table = value_from_tables(document, field) if found is None else None
            if from_table:
                reader.evidence[pointer] = from_table[1].evidence(ENGINE)
                return from_table[0]
            if found is None and "pattern" in hints and hints.get("labels"):
                found = _labelled(reader, field, hints)
            factor = 1.0
            if found is None:
                found, factor = _anywhere(reader, field), 0.6
            if found:
                value, placed, start, end = found
                reader.anchors[name] = placed
                reader.record(pointer, placed, start, end, factor)
                return value
        return [] if "array" in field_types(field) else None

    def _list(self, reader: Reader, document: Document, name: str, field: dict, hints: dict, strategy: str) -> list:
        if strategy == "key_values":
            rows = [({"key": k[:120], "value": v[:300]}, p) for k, v, p in _key_values(reader)]
        elif strategy == "line_items":
            from_table = rows_from_tables(document, field)  # a table naming the columns first
            if from_table:
                for index, (_, where) in enumerate(from_table):
                    reader.evidence[f"/{name}/{index}"] = where.evidence(ENGINE, 0.8)
                return [row for row, _ in from_table]
            if not LINE_ITEM_KEYS <= set(field.get("items", {}).get("properties", {})):
                return []  # items of another shape than a receipt line: only a table can give them
            rows = _line_items(reader, field, hints)
        else:
            rows = _graded_statements(reader, document)
        for index, (_, placed) in enumerate(rows):
            reader.record(f"/{name}/{index}", placed, 0, len(placed.text), 0.8)
        return [row for row, _ in rows]


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
