"""Nationalities as a French identity document prints them ('Française', 'FRANCAISE', 'British'), brought to
the ISO 3166-1 alpha-3 code that its machine-readable zone prints ('FRA'): a field read from the printed
label and one read from the MRZ then say the same thing, and an OCR that drops the cedilla still gives FRA.

The table holds the nationalities most often met in French administrative files, in French (masculine and
feminine) and in English; a word it does not know gives no value, for review, rather than a guess.
"""
from __future__ import annotations

from ..extract.normalize import strip_accents

_NAMES = {
    "FRA": "francais francaise french",
    "DEU": "allemand allemande german",
    "BEL": "belge belgian",
    "ESP": "espagnol espagnole spanish",
    "ITA": "italien italienne italian",
    "PRT": "portugais portugaise portuguese",
    "GBR": "britannique british",
    "IRL": "irlandais irlandaise irish",
    "CHE": "suisse swiss",
    "LUX": "luxembourgeois luxembourgeoise luxembourgish",
    "NLD": "neerlandais neerlandaise hollandais hollandaise dutch",
    "AUT": "autrichien autrichienne austrian",
    "POL": "polonais polonaise polish",
    "ROU": "roumain roumaine romanian",
    "BGR": "bulgare bulgarian",
    "GRC": "grec grecque greek",
    "SWE": "suedois suedoise swedish",
    "UKR": "ukrainien ukrainienne ukrainian",
    "RUS": "russe russian",
    "TUR": "turc turque turkish",
    "MAR": "marocain marocaine moroccan",
    "DZA": "algerien algerienne algerian",
    "TUN": "tunisien tunisienne tunisian",
    "SEN": "senegalais senegalaise senegalese",
    "MLI": "malien malienne malian",
    "CIV": "ivoirien ivoirienne ivorian",
    "CMR": "camerounais camerounaise cameroonian",
    "COD": "congolais congolaise congolese",
    "MDG": "malgache malagasy",
    "HTI": "haitien haitienne haitian",
    "VNM": "vietnamien vietnamienne vietnamese",
    "CHN": "chinois chinoise chinese",
    "IND": "indien indienne indian",
    "USA": "americain americaine american",
    "CAN": "canadien canadienne canadian",
    "BRA": "bresilien bresilienne brazilian",
}
NATIONALITY_CODES = {name: code for code, names in _NAMES.items() for name in names.split()}
KNOWN_CODES = frozenset(_NAMES)


def nationality_code(text: str) -> str | None:
    """The alpha-3 code of the first nationality the text names, or prints as a code; None when it names none."""
    for word in strip_accents(text).replace("-", " ").split():
        folded = word.strip(".,;:()").casefold()
        code = NATIONALITY_CODES.get(folded) or (folded.upper() if folded.upper() in KNOWN_CODES and word.isupper()
                                                 else None)
        if code:
            return code
    return None
