"""Normalisers: printed values into canonical forms (ISO dates, numbers, compact identifiers).

Pure functions; each returns None when the text holds no such value.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

MONTHS = {
    "jan": 1, "janv": 1, "janvier": 1, "january": 1, "fev": 2, "fevr": 2, "fevrier": 2, "feb": 2, "february": 2,
    "mar": 3, "mars": 3, "march": 3, "avr": 4, "avril": 4, "apr": 4, "april": 4, "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "june": 6, "juil": 7, "juillet": 7, "jul": 7, "july": 7, "aou": 8, "aout": 8,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "septembre": 9, "september": 9, "oct": 10, "octobre": 10,
    "october": 10, "nov": 11, "novembre": 11, "november": 11, "dec": 12, "decembre": 12, "december": 12,
    # Dutch and German, for the invoices of neighbours
    "januari": 1, "januar": 1, "februari": 2, "februar": 2, "maart": 3, "mrt": 3, "marz": 3, "mei": 5,
    "juni": 6, "juli": 7, "augustus": 8, "okt": 10, "oktober": 10, "dezember": 12,
}
# the year may run straight into a time when OCR drops the space ("18/01/201810:27:03")
NUMERIC_DATE = re.compile(r"(?<![\d/.\-])(\d{1,4})([/.\-])(\d{1,2})\2(\d{4}(?=\d{1,2}[:h]\d{2})|\d{2,4}(?![\d/\-]|\.\d))")
WORD_DATE = re.compile(r"(?<!\d)(\d{1,2})(?:er|\.)?\s*[-/ ]?\s*([a-z]{3,9})\.?\s*[-/ ,]?\s*(\d{2,4})(?!\d)")
MONTH_FIRST_DATE = re.compile(r"(?<![a-z])([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,\s*(\d{4})(?!\d)")  # 'August 3, 2014'
AMOUNT = re.compile(r"[-−]?\s?\d{1,3}(?:[ .,'\u00a0\u202f]\d{3})*(?:[.,]\d{1,2})?(?!\d)|[-−]?\d+(?:[.,]\d{1,2})?")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _year(value: int) -> int:
    if value >= 100:
        return value
    return 2000 + value if value < 70 else 1900 + value


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(_year(year), month, day).isoformat()
    except ValueError:
        return None


def normalize_date(text: str) -> str | None:
    """The first date in the text as ISO 8601 (day-first, as printed in France), or None."""
    plain = strip_accents(text).lower()
    compact = re.fullmatch(r"\s*((?:19|20)\d\d)(\d\d)(\d\d)\s*", plain)  # ISO 8601 basic, alone: 20180304
    if compact:
        return _iso(*(int(part) for part in compact.groups()))
    for match in NUMERIC_DATE.finditer(plain):
        first, _, second, third = match.groups()
        if len(first) == 4:
            found = _iso(int(first), int(second), int(third))
        elif len(first) <= 2:  # day first, as in France; month first only when day first is impossible
            found = _iso(int(third), int(second), int(first)) or _iso(int(third), int(first), int(second))
        else:
            found = None
        if found:
            return found
    for match in WORD_DATE.finditer(plain):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name) or MONTHS.get(month_name[:4]) or MONTHS.get(month_name[:3])
        if month:
            found = _iso(int(year), month, int(day))
            if found:
                return found
    for match in MONTH_FIRST_DATE.finditer(plain):
        month_name, day, year = match.groups()
        month = MONTHS.get(month_name) or MONTHS.get(month_name[:3])
        found = _iso(int(year), month, int(day)) if month else None
        if found:
            return found
    return None


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where the text prints a calendar date (a form ``normalize_date`` reads), as character spans of
    ``strip_accents(text).lower()``."""
    plain = strip_accents(text).lower()
    return sorted(match.span() for pattern in (NUMERIC_DATE, WORD_DATE, MONTH_FIRST_DATE)
                  for match in pattern.finditer(plain) if normalize_date(match.group(0)))


def inside_date(piece: str, text: str) -> bool:
    """The piece is printed in the text, and only within its dates: '2022' of 'Date: Jan 1, 2022' is a
    year, not an invoice number."""
    plain, wanted = strip_accents(text).lower(), strip_accents(piece).lower().strip()
    starts = [match.start() for match in re.finditer(re.escape(wanted), plain)] if wanted else []
    spans = date_spans(text)
    return bool(starts) and all(any(a <= start and start + len(wanted) <= b for a, b in spans) for start in starts)


def parse_amount(token: str) -> float | None:
    """One printed amount ('1 234,56', '1.234,56', '1,234.56', '80.90', '-12') as a number."""
    cleaned = token.replace("−", "-").replace("\u00a0", " ").replace("\u202f", " ").replace("'", " ")
    negative = cleaned.strip().startswith("-")
    digits = re.sub(r"[^\d.,]", "", cleaned)
    if not digits or not any(c.isdigit() for c in digits):
        return None
    last_sep = max(digits.rfind(","), digits.rfind("."))
    if last_sep >= 0 and len(digits) - last_sep - 1 in (1, 2):
        whole, fraction = digits[:last_sep], digits[last_sep + 1:]
    else:
        whole, fraction = digits, ""
    whole = re.sub(r"[.,]", "", whole)
    value = float(f"{whole or '0'}.{fraction or '0'}")
    return -value if negative else value


def normalize_amount(text: str) -> float | None:
    """The last amount in the text (totals are printed after their label), or None."""
    matches = [m.group(0) for m in AMOUNT.finditer(text.replace("€", " ").replace("EUR", " "))]
    for token in reversed(matches):
        value = parse_amount(token)
        if value is not None:
            return round(value, 2)
    return None


MISSING_MARKS = frozenset({"-", "–", "—", "n.s.", "ns", "n.s", "n.d.", "nd", "n.d", "nc", "n.c.", "na", "n.a.", "n/a",
                           "s.o.", "x", "…", "...", "*"})
TABLE_NUMBER = re.compile(r"[+\-−]?\(?[+\-−]?(?:€|\$|£)?\s?\d[\d \u00a0\u202f.,']*\)?\s?(?:%|€|\$|£|eur|euros?)?")


def is_missing_mark(text: str) -> bool:
    """Whether a table cell prints 'no value' ('-', 'n.s.', 'n.d.'): a number column's blank."""
    return text.strip().lower() in MISSING_MARKS


def parse_table_number(text: str) -> float | None:
    """The number a whole table cell prints, French or English style, else None.

    '1 234,56', '1.234,56', '1,234.56' → 1234.56; '(123)' → -123 (accounting negative);
    '12,5 %' → 12.5 and '1,140 %' → 1.14 (as printed); '0,125' → 0.125. A cell with words around its
    number is text.
    """
    compact = text.strip().lower()
    if not compact or not TABLE_NUMBER.fullmatch(compact):
        return None
    negative = compact.startswith(("-", "−", "(-", "(−")) or (compact.startswith("(") and compact.endswith(")"))
    digits = re.sub(r"[^\d.,]", "", compact.replace("'", ""))
    separators = [char for char in digits if char in ".,"]
    if separators and len(set(separators)) == 1 and len(separators) == 1:
        whole, fraction = digits.split(separators[0])
        grouped = len(fraction) == 3 and 0 < len(whole) <= 3 and whole != "0" and not compact.endswith("%")
        if len(fraction) >= 3 and not grouped:
            value = float(f"{whole or '0'}.{fraction}")
            return -value if negative else value
    if separators and len(separators) > 1 and len(set(separators)) == 1 and len(digits) - digits.rfind(separators[0]) - 1 != 3:
        return None  # '1.2.3': no number
    value = parse_amount(digits)
    if value is None:
        return None
    return -value if negative else value


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def normalize_identifier(text: str) -> str:
    """Upper case, no spaces or separators: the form IBANs, SIRETs and document numbers are compared in."""
    return re.sub(r"[\s.\-]", "", text).upper()


def normalize_text(text: str) -> str:
    """Loose comparison form of free text: case, accents, punctuation and spacing ignored."""
    plain = strip_accents(text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def normalize_postcode(text: str) -> str | None:
    match = re.search(r"(?<!\d)(\d{2}\s?\d{3})(?!\d)", text)
    return match.group(1).replace(" ", "") if match else None


CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "₹": "INR", "RS": "INR", "RS.": "INR"}


def normalize_currency(text: str) -> str | None:
    """An ISO 4217 code from a code or a symbol ('€' → EUR; '$' is read as USD)."""
    stripped = text.strip()
    code = CURRENCY_SYMBOLS.get(stripped.upper(), stripped.upper())
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


def normalize_nationality(text: str) -> str | None:
    """The ISO alpha-3 code of the nationality a text names ('Française' → FRA), as an MRZ prints it."""
    from ..french.nationality import nationality_code  # the table is French documents' knowledge
    return nationality_code(text)


NORMALISERS = {
    "date": normalize_date,
    "amount": normalize_amount,
    "siret": lambda text: digits_only(text) or None,
    "siren": lambda text: digits_only(text) or None,
    "nir": lambda text: normalize_identifier(text) or None,
    "iban": lambda text: normalize_identifier(text) or None,
    "bic": lambda text: normalize_identifier(text) or None,
    "postcode": normalize_postcode,
    "currency": normalize_currency,
    "nationality": normalize_nationality,
    "identifier": lambda text: normalize_identifier(text) or None,
    "text": lambda text: " ".join(text.split()) or None,
}
