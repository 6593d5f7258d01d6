"""Machine-readable zones (ICAO 9303 and the French formats): layouts, check digits, repair, parsing.

Pure functions. Formats: TD1 (3×30, French CNI since 2021), TD2 (2×36), TD3 (2×44, passports),
the visas MRV-A (2×44) and MRV-B (2×36), the French CNI before 2021 (2×36, ``IDFRA``) and the
French driving licence (1×30, ``D1FRA``). OCR-B look-alikes (0/O, 1/I, 2/Z, 5/S, 6/G, 8/B) are
repaired where the field's type forces the class (a date holds digits only, a name letters only) and,
in fields that hold both (document numbers), only where one change makes the check digits hold.
Reading zones on page images is ``mrz_reader``'s job.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date

FILLER = "<"
ALPHABET = re.compile(r"[A-Z0-9<]*")
TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
# look-alikes of fields that may hold letters and digits: swapped only when check digits decide
# (6/G cannot be: G counts 16, the same as 6 modulo 10, so check digits never see that confusion)
SWAPS = {"0": "OD", "O": "0", "D": "0", "Q": "0", "1": "I", "I": "1", "2": "Z", "Z": "2", "5": "S", "S": "5",
         "8": "B", "B": "8"}
MAX_SWAPS = 1  # two swaps would satisfy a check digit and a composite by chance too often


@dataclass(frozen=True)
class Span:
    line: int
    start: int
    end: int

    def of(self, lines: list[str]) -> str:
        return lines[self.line][self.start:self.end]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    digit: Span
    covers: tuple[Span, ...]
    optional: bool = False  # an empty field ('<' only) may carry '<' or '0' as its digit


@dataclass(frozen=True)
class MrzFormat:
    name: str
    lengths: tuple[int, ...]
    fields: dict[str, Span]
    kinds: dict[str, str]  # field name -> digits | letters | alnum | sex | text
    checks: tuple[CheckSpec, ...]
    prefix: str = ""  # what the first line starts with, when the format is told apart by it
    codes: str = "IAC"  # first letters of the document code this format allows (ICAO 9303: I, A, C cards)

    def shaped(self, lines: list[str]) -> bool:
        return tuple(len(line) for line in lines) == self.lengths and lines[0].startswith(self.prefix)

    def fits(self, lines: list[str]) -> bool:
        return self.shaped(lines) and lines[0][:1] in tuple(self.codes)


def _s(line: int, start: int, end: int) -> Span:
    return Span(line, start, end)


def _check(name: str, line: int, position: int, *covers: Span, optional: bool = False) -> CheckSpec:
    return CheckSpec(name, _s(line, position, position + 1), covers, optional)


DATE_KINDS = {"birth_date": "digits", "expiry_date": "digits"}
COMMON_KINDS = {"document_code": "letters", "issuing_state": "letters", "nationality": "letters",
                "document_number": "alnum", "sex": "sex", "names": "letters", "optional": "text",
                "optional_2": "text", **DATE_KINDS}

TD1 = MrzFormat("TD1", (30, 30, 30), {
    "document_code": _s(0, 0, 2), "issuing_state": _s(0, 2, 5), "document_number": _s(0, 5, 14),
    "optional": _s(0, 15, 30), "birth_date": _s(1, 0, 6), "sex": _s(1, 7, 8), "expiry_date": _s(1, 8, 14),
    "nationality": _s(1, 15, 18), "optional_2": _s(1, 18, 29), "names": _s(2, 0, 30)}, COMMON_KINDS, (
    _check("document number", 0, 14, _s(0, 5, 14)), _check("birth date", 1, 6, _s(1, 0, 6)),
    _check("expiry date", 1, 14, _s(1, 8, 14)),
    _check("composite", 1, 29, _s(0, 5, 30), _s(1, 0, 7), _s(1, 8, 15), _s(1, 18, 29))))


def _two_line(name: str, length: int, composite: bool, prefix: str = "", codes: str = "IAC") -> MrzFormat:
    """TD2, TD3 and the visas share their second line's layout up to the expiry date."""
    fields = {"document_code": _s(0, 0, 2), "issuing_state": _s(0, 2, 5), "names": _s(0, 5, length),
              "document_number": _s(1, 0, 9), "nationality": _s(1, 10, 13), "birth_date": _s(1, 13, 19),
              "sex": _s(1, 20, 21), "expiry_date": _s(1, 21, 27)}
    checks = [_check("document number", 1, 9, _s(1, 0, 9)), _check("birth date", 1, 19, _s(1, 13, 19)),
              _check("expiry date", 1, 27, _s(1, 21, 27))]
    if not composite:
        fields["optional"] = _s(1, 28, length)
    elif length == 44:
        fields["optional"] = _s(1, 28, 42)
        checks += [_check("personal number", 1, 42, _s(1, 28, 42), optional=True),
                   _check("composite", 1, 43, _s(1, 0, 10), _s(1, 13, 20), _s(1, 21, 43))]
    else:
        fields["optional"] = _s(1, 28, 35)
        checks.append(_check("composite", 1, 35, _s(1, 0, 10), _s(1, 13, 20), _s(1, 21, 35)))
    return MrzFormat(name, (length, length), fields, COMMON_KINDS, tuple(checks), prefix, codes)


TD3 = _two_line("TD3", 44, composite=True, codes="P")
TD2 = _two_line("TD2", 36, composite=True)
MRVA = _two_line("MRV-A", 44, composite=False, codes="V")
MRVB = _two_line("MRV-B", 36, composite=False, codes="V")
FRENCH_ID_CARD = MrzFormat("FR-CNI-1988", (36, 36), {
    "document_code": _s(0, 0, 2), "issuing_state": _s(0, 2, 5), "surname": _s(0, 5, 30), "optional": _s(0, 30, 36),
    "document_number": _s(1, 0, 12), "given_names": _s(1, 13, 27), "birth_date": _s(1, 27, 33), "sex": _s(1, 34, 35)},
    {**COMMON_KINDS, "surname": "letters", "given_names": "letters", "optional": "alnum"}, (
    _check("document number", 1, 12, _s(1, 0, 12)), _check("birth date", 1, 33, _s(1, 27, 33)),
    _check("composite", 1, 35, _s(0, 0, 36), _s(1, 0, 35))), prefix="IDFRA")
FRENCH_DRIVING_LICENCE = MrzFormat("FR-PERMIS", (30,), {
    "document_code": _s(0, 0, 2), "issuing_state": _s(0, 2, 5), "document_number": _s(0, 5, 14),
    "expiry_date": _s(0, 15, 21), "surname": _s(0, 21, 29)},
    {**COMMON_KINDS, "document_code": "alnum", "surname": "letters"}, (
    _check("document number", 0, 14, _s(0, 0, 14)), _check("composite", 0, 29, _s(0, 0, 29))), prefix="D1", codes="D")

# the most specific first: a French CNI or a visa also has the length of TD2/TD3
FORMATS = (FRENCH_ID_CARD, MRVA, MRVB, TD1, TD2, TD3, FRENCH_DRIVING_LICENCE)


def check_digit(text: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1; digits as themselves, A–Z as 10–35, '<' as 0."""
    total = 0
    for position, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char.upper() <= "Z":
            value = ord(char.upper()) - 55
        else:
            value = 0
        total += value * (7, 3, 1)[position % 3]
    return total % 10


def _holds(check: CheckSpec, lines: list[str]) -> bool:
    digit = check.digit.of(lines)
    covered = "".join(span.of(lines) for span in check.covers)
    if check.optional and set(covered) <= {FILLER} and digit in (FILLER, "0"):
        return True
    return digit.isdigit() and check_digit(covered) == int(digit)


def failed_checks(lines: list[str], layout: MrzFormat) -> list[str]:
    """Check digits that fail, and digits-only fields holding something else (a check digit values 'A'
    like '0', so it cannot see that confusion)."""
    failed = [f"{check.name} check digit" for check in layout.checks if not _holds(check, lines)]
    if lines[0][:1] not in tuple(layout.codes):
        failed.append("document code")
    for name, span in layout.fields.items():
        value = span.of(lines)
        if layout.kinds.get(name) == "digits" and not value.isdigit() and set(value) != {FILLER}:
            failed.append(f"{name.replace('_', ' ')} not digits")
    return failed


def detect_format(lines: list[str]) -> MrzFormat | None:
    """The format of lines of the right lengths (a misread document code, '1D' for 'ID', is forgiven)."""
    shape = tuple(len(line) for line in lines)
    return next((layout for layout in FORMATS
                 if layout.lengths == shape and layout.fits(_force_classes(lines, layout)[0])), None)


def mrz_errors(lines: list[str]) -> list[str]:
    """Failed check digits of an MRZ given as its lines; [] when every check digit holds."""
    lines = [normalise_line(line) for line in lines if line.strip()]
    layout = detect_format(lines)
    if layout is None:
        shape = "×".join(str(len(line)) for line in lines) or "nothing"
        return [f"unknown MRZ shape ({shape}): expected 3×30, 2×36, 2×44 or 1×30 (French driving licence)"]
    return failed_checks(lines, layout)


def normalise_line(text: str) -> str:
    """Upper case, no spaces; '«' (two fillers read as one glyph) and other strays become fillers."""
    compact = text.upper().replace(" ", "").replace("«", "<<")
    return re.sub(r"[^A-Z0-9<]", FILLER, compact)


def fit_length(line: str, length: int) -> list[str]:
    """Ways a line read with characters missing or added may have been printed: the longest run of
    fillers absorbs the difference (OCR miscounts long runs of '<'), or, when too long, characters
    picked up beside the zone are cut at either end. The check digits choose among them."""
    if len(line) == length:
        return [line]
    fits = []
    runs = list(re.finditer(r"<+", line))
    if runs:
        run = max(runs, key=lambda m: (len(m.group()), m.start()))
        size = max(1, len(run.group()) + length - len(line))
        fits.append((line[:run.start()] + FILLER * size + line[run.end():] + FILLER * length)[:length])
    if len(line) > length:
        fits += [line[len(line) - length:], line[:length]]
    else:
        fits.append(line + FILLER * (length - len(line)))
    return list(dict.fromkeys(fits))


def _positions(layout: MrzFormat, kind: str) -> list[tuple[int, int]]:
    spots = [(span.line, i) for name, span in layout.fields.items() if layout.kinds.get(name) == kind
             for i in range(span.start, span.end)]
    if kind == "digits":
        spots += [(check.digit.line, check.digit.start) for check in layout.checks]
    return spots


def _force_classes(lines: list[str], layout: MrzFormat) -> tuple[list[str], list[str]]:
    """Digits where only digits may stand (dates, check digits), letters where only letters may."""
    rows = [list(line) for line in lines]
    repairs = []
    for kind, table in (("digits", TO_DIGIT), ("letters", TO_LETTER)):
        for line, index in _positions(layout, kind):
            char = rows[line][index]
            if char in table:
                rows[line][index] = table[char]
                repairs.append(f"line {line + 1} position {index + 1}: {char} -> {table[char]} ({kind} only)")
    names = layout.fields.get("names")
    if names is not None:  # names never hold '<<<': what follows is filler, a stray letter there is a misread '<'
        text = "".join(rows[names.line][names.start:names.end])
        tail = text.find("<<<", 1)
        if tail > 0 and text[tail:].strip(FILLER) and len(text[tail:].replace(FILLER, "")) <= 2:
            for index in range(names.start + tail, names.end):
                if rows[names.line][index] != FILLER:
                    repairs.append(f"line {names.line + 1} position {index + 1}: {rows[names.line][index]} -> < "
                                   "(filler run)")
                    rows[names.line][index] = FILLER
    return ["".join(row) for row in rows], repairs


def _swap_candidates(lines: list[str], layout: MrzFormat) -> list[tuple[int, int]]:
    """Positions of look-alikes in fields that may hold letters and digits, and under a check digit."""
    covered = {(span.line, i) for check in layout.checks for span in check.covers for i in range(span.start, span.end)}
    return [(line, i) for name, span in layout.fields.items() if layout.kinds.get(name) in ("alnum", "text")
            for line, i in ((span.line, i) for i in range(span.start, span.end))
            if (line, i) in covered and lines[line][i] in SWAPS]


def repair(lines: list[str], layout: MrzFormat) -> tuple[list[str], list[str]]:
    """Lines with class-forced repairs, then the one look-alike swap that makes every check digit hold;
    no swap when none or several would."""
    lines, repairs = _force_classes(lines, layout)
    if not failed_checks(lines, layout):
        return lines, repairs
    spots = _swap_candidates(lines, layout)
    for count in range(1, MAX_SWAPS + 1):
        solutions = []
        for chosen in itertools.combinations(spots, count):
            for replacements in itertools.product(*(SWAPS[lines[line][i]] for line, i in chosen)):
                rows = [list(line) for line in lines]
                for (line, i), char in zip(chosen, replacements):
                    rows[line][i] = char
                candidate = ["".join(row) for row in rows]
                if not failed_checks(candidate, layout):
                    solutions.append((candidate, chosen, replacements))
        if len(solutions) == 1:
            candidate, chosen, replacements = solutions[0]
            repairs += [f"line {line + 1} position {i + 1}: {lines[line][i]} -> {char} (check digits)"
                        for (line, i), char in zip(chosen, replacements)]
            return candidate, repairs
        if solutions:
            break  # several repairs would do: the check digits do not decide
    return lines, repairs


@dataclass
class MrzData:
    """A parsed MRZ: its (repaired) lines, its fields, what was repaired and which check digits fail."""

    format: str
    lines: list[str]
    document_code: str
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    nationality: str | None
    birth_date: str | None
    sex: str | None
    expiry_date: str | None
    failed: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.failed


def _text(value: str) -> str:
    return " ".join(value.replace(FILLER, " ").split())


def _date(value: str, kind: str, today: date) -> str | None:
    """YYMMDD to ISO: a birth date is never in the future; an expiry date at most 50 years ahead."""
    if not re.fullmatch(r"\d{6}", value):
        return None
    year, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    full = 2000 + year
    if (kind == "birth_date" and full > today.year) or full > today.year + 50:
        full -= 100
    try:
        return date(full, month, day).isoformat()
    except ValueError:
        return None


def _names(lines: list[str], layout: MrzFormat) -> tuple[str, str]:
    if "names" in layout.fields:
        primary, _, secondary = layout.fields["names"].of(lines).strip(FILLER).partition("<<")
        return _text(primary), _text(secondary)
    given = layout.fields.get("given_names")
    given_names = ", ".join(_text(part) for part in given.of(lines).strip(FILLER).split("<<") if part) if given else ""
    return _text(layout.fields["surname"].of(lines)), given_names


def parse_mrz(lines: list[str], today: date | None = None, layout: MrzFormat | None = None) -> MrzData | None:
    """The fields of an MRZ (lines of the right lengths), after repair; None for an unknown shape."""
    lines = [normalise_line(line) for line in lines if line.strip()]
    layout = layout or detect_format(lines)
    if layout is None:
        return None
    lines, repairs = repair(lines, layout)
    today = today or date.today()

    def value(name: str) -> str:
        span = layout.fields.get(name)
        return span.of(lines) if span else ""

    surname, given_names = _names(lines, layout)
    nationality = value("nationality") or ("FRA" if layout in (FRENCH_ID_CARD, FRENCH_DRIVING_LICENCE) else "")
    sex = value("sex")
    return MrzData(format=layout.name, lines=lines, document_code=_text(value("document_code")),
                   issuing_state=_text(value("issuing_state")), document_number=_text(value("document_number")),
                   surname=surname, given_names=given_names, nationality=_text(nationality) or None,
                   birth_date=_date(value("birth_date"), "birth_date", today),
                   sex={"<": "X"}.get(sex, sex) or None,
                   expiry_date=_date(value("expiry_date"), "expiry_date", today),
                   failed=failed_checks(lines, layout), repairs=repairs)


def best_reading(candidates: list[list[str]], today: date | None = None, shortlist: int = 6) -> MrzData | None:
    """Of several readings of one zone (each a list of lines), the one whose check digits hold best.

    Per line, every reader's version and every way of fitting it to each format's length is tried;
    the ranking is: fewest failed check digits, then the fewest characters added or cut to fit
    (which tells TD2 from TD3 and a visa from a passport), then the fewest repairs. Look-alike
    swaps, the costly part, are tried on a short list only.
    """
    if not candidates:
        return None
    count = max(len(reading) for reading in candidates)
    per_line = [list(dict.fromkeys(normalise_line(reading[i]) for reading in candidates
                                   if i < len(reading) and reading[i].strip())) for i in range(count)]
    if any(not options for options in per_line):
        return None
    ranked = []
    for layout in FORMATS:
        if len(layout.lengths) != count:
            continue
        options = [[(fit, abs(len(raw) - length)) for raw in raws for fit in fit_length(raw, length)]
                   for raws, length in zip(per_line, layout.lengths)]
        for choice in itertools.product(*options):
            fitted = [fit for fit, _ in choice]
            forced, _ = _force_classes(fitted, layout)
            if not layout.shaped(forced):
                continue
            ranked.append((len(failed_checks(forced, layout)), sum(cost for _, cost in choice), layout, fitted))
    ranked.sort(key=lambda item: item[:2])
    best: tuple | None = None
    for _, cost, layout, fitted in ranked[:shortlist]:
        parsed = parse_mrz(fitted, today, layout)
        if parsed is None:
            continue
        key = (len(parsed.failed), cost, len(parsed.repairs))
        if best is None or key < best[0]:
            best = (key, parsed)
    return best[1] if best else None
