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


# ISO 3166-1 alpha-2 codes (and XK, used by banks for Kosovo): the country inside a BIC
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW""".split())
BIC = re.compile(r"[A-Z]{4}([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def bic_valid(value: str) -> bool:
    """ISO 9362: 4-letter bank code, a real ISO 3166 country, 2-character location, optional branch."""
    match = BIC.fullmatch(value.replace(" ", "").upper())
    return match is not None and match.group(1) in COUNTRIES


def postcode_valid(value: str) -> bool:
    """A French postcode: 5 digits whose department exists (01–95, Corsica 20, overseas 971–976, 98x)."""
    compact = value.replace(" ", "")
    if not re.fullmatch(r"\d{5}", compact):
        return False
    department = int(compact[:2])
    return 1 <= department <= 95 or compact[:3] in {"971", "972", "973", "974", "975", "976"} or compact[:2] == "98"


VALIDATORS = {
    "siret": siret_valid,
    "siren": siren_valid,
    "iban": iban_valid,
    "nir": nir_valid,
    "bic": bic_valid,
    "postcode": postcode_valid,
}
