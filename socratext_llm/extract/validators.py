"""Domain validators: check digits of French and international identifiers. Pure functions."""
from __future__ import annotations

import re

LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_valid(value: str) -> bool:
    return len(value) == 9 and luhn_valid(value)


def siret_valid(value: str) -> bool:
    """14 digits, Luhn; La Poste's establishments use a digit sum divisible by 5 instead."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(map(int, value)) % 5 == 0
    return luhn_valid(value)


def iban_valid(value: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 equals 1."""
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def nir_valid(value: str) -> bool:
    """French social security number: 13 characters (Corsica 2A/2B) and a 2-digit key = 97 - n mod 97."""
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[12]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}", compact):
        return False
    body, key = compact[:13], int(compact[13:])
    body = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == key


VALIDATORS = {
    "siret": siret_valid,
    "siren": siren_valid,
    "iban": iban_valid,
    "nir": nir_valid,
}
