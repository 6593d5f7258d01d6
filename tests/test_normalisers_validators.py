"""Normalisers and validators are pure functions: property-based tests over generated values."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.extract.normalize import (date_spans, inside_date, normalize_amount, normalize_date, normalize_text,
                                            parse_amount, strip_accents)
from socratext_llm.french.nationality import KNOWN_CODES, NATIONALITY_CODES, nationality_code
from socratext_llm.extract.validators import (iban_valid, luhn_valid, nir_valid,
                                              siren_valid, siret_valid)

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2049, 12, 31))


@given(DATES)
def test_french_numeric_dates(day):
    assert normalize_date(f"le {day:%d/%m/%Y}") == day.isoformat()
    assert normalize_date(f"{day:%d.%m.%Y}") == day.isoformat()
    if 1970 <= day.year <= 2069:  # two-digit years pivot at 70
        assert normalize_date(f"Date : {day:%d-%m-%y}") == day.isoformat()


@given(DATES, st.integers(0, 23), st.integers(0, 59))
def test_dates_run_into_a_time_by_ocr(day, hour, minute):
    assert normalize_date(f"{day:%d/%m/%Y}{hour}:{minute:02d}:00") == day.isoformat()
    assert normalize_date(f"Date: {day:%d-%m-%Y}{hour:02d}h{minute:02d}") == day.isoformat()


@given(DATES)
def test_french_written_dates(day):
    text = f"Fait le {day.day} {MONTHS_FR[day.month - 1]} {day.year}"
    assert normalize_date(text) == day.isoformat()
    assert normalize_date(f"{day.isoformat()}") == day.isoformat()


def test_dates_that_are_not_dates():
    assert normalize_date("Tél. 03-7731 8169") is None
    assert normalize_date("31/02/2024") is None
    assert normalize_date("12/28/2017") == "2017-12-28"  # month first only when day first is impossible
    assert normalize_date("1er octobre 2026") == "2026-10-01"


@given(st.integers(min_value=0, max_value=9_999_999), st.integers(min_value=0, max_value=99))
def test_amounts_in_french_and_english_notation(units, cents):
    value = round(units + cents / 100, 2)
    french = f"{units:,}".replace(",", " ") + f",{cents:02d}"
    english = f"{units:,}" + f".{cents:02d}"
    assert parse_amount(french) == pytest.approx(value, abs=1e-9)
    assert parse_amount(english) == pytest.approx(value, abs=1e-9)
    assert normalize_amount(f"Net à payer : {french} €") == value


def test_amount_edge_cases():
    assert parse_amount("1.234,56") == 1234.56
    assert parse_amount("-12") == -12.0
    assert normalize_amount("Total 3 articles 845,00 EUR") == 845.0
    assert normalize_amount("aucun montant") is None


def luhn_complete(body: str) -> str:
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_siren_and_siret_luhn(siren_body, nic_body):
    siren = luhn_complete(siren_body)
    assert siren_valid(siren)
    siret = luhn_complete(siren + nic_body)
    assert siret_valid(siret)
    broken = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    assert not siret_valid(broken)


def test_la_poste_siret_exception():
    establishments = [f"356000000{nic:05d}" for nic in range(1, 200)]
    by_sum = [s for s in establishments if sum(map(int, s)) % 5 == 0 and not luhn_valid(s)]
    assert by_sum and all(siret_valid(s) for s in by_sum)  # La Poste: digit sum divisible by 5
    assert not any(siret_valid(s) for s in establishments if sum(map(int, s)) % 5)


@given(st.text(alphabet="0123456789", min_size=23, max_size=23))
def test_iban_mod97(bban):
    check = 98 - int(bban + "152700") % 97  # 'FR' -> 15 27, then '00'
    iban = f"FR{check:02d}{bban}"
    assert iban_valid(iban)
    assert iban_valid(" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)))
    swapped = iban[:5] + iban[6] + iban[5] + iban[7:]
    assert iban_valid(swapped) == (iban[5] == iban[6])


@given(st.sampled_from("12"), st.integers(0, 99), st.integers(1, 12), st.sampled_from(["75", "2A", "2B", "69"]),
       st.integers(1, 999), st.integers(1, 999))
def test_nir_key(sex, year, month, department, commune, order):
    body = f"{sex}{year:02d}{month:02d}{department}{commune:03d}{order:03d}"
    numeric = int(body.replace("2A", "19").replace("2B", "18"))
    nir = f"{body}{97 - numeric % 97:02d}"
    assert nir_valid(nir)
    assert not nir_valid(nir[:-2] + f"{(97 - numeric % 97 + 1) % 97:02d}")


@given(st.text(max_size=50))
def test_text_normalisation_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(DATES, st.sampled_from(["Date: {d:%b} {d.day}, {d.year}", "le {d:%d/%m/%Y}", "Fait le {d.day} {m} {d.year}"]),
       st.text(alphabet="ABCXYZ -:", max_size=12))
def test_a_piece_of_a_printed_date_is_inside_a_date(day, form, filler):
    """The year of a printed date (what an invoice number read from 'Date: Jan 1, 2022' would be) is inside
    it; the same digits printed again outside the date are not; every span found reads as a date."""
    printed = form.format(d=day, m=MONTHS_FR[day.month - 1])
    text = filler + printed
    assert inside_date(str(day.year), text)
    assert not inside_date(str(day.year), f"N° {day.year} {text}")
    assert all(normalize_date(strip_accents(text).lower()[a:b]) for a, b in date_spans(text))
    assert not inside_date("", text) and not inside_date("QQQ", text)


@given(st.text(alphabet="abcdefghij KLMNOP:-", max_size=40), st.text(alphabet="0123456789", min_size=1, max_size=8))
def test_digits_in_a_text_without_dates_are_never_inside_a_date(words, digits):
    assert not inside_date(digits, f"{words} {digits}")


ACCENTED = {"e": "éèê", "c": "ç", "i": "ï"}


@given(st.sampled_from(sorted(NATIONALITY_CODES)), st.sampled_from([str.lower, str.upper, str.title]),
       st.randoms(use_true_random=False), st.sampled_from(["", "Nationalité ", "Nationality / "]))
def test_a_printed_nationality_gives_its_code_whatever_its_case_and_accents(name, case, random, label):
    accented = "".join(random.choice([char, *ACCENTED.get(char, "")]) for char in name)
    assert nationality_code(f"{label}{case(accented)}.") == NATIONALITY_CODES[name]


@given(st.sampled_from(sorted(KNOWN_CODES)))
def test_a_code_stands_for_itself_only_in_capitals(code):
    assert nationality_code(f"Nationalité {code}") == code
    assert nationality_code(code.lower()) is None  # 'fra', 'can', 'ind' are words, not codes


@given(st.text(alphabet="0123456789 /.-:<", max_size=30))
def test_no_nationality_named_gives_none(text):
    assert nationality_code(text) is None
