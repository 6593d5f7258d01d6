"""How HAS recommendations phrase grades, prescriptions, directions and conditions (French rules).

Pure functions on one sentence's text.
"""
from __future__ import annotations

import re

from .model import Direction, Grade

_APOS = "['’]"
GRADE_MARKER = re.compile(
    r"\(\s*(?:grade\s+(?P<grade>A|B|C|AE)|(?P<bare>A|B|C|AE)|(?P<experts>accord\s+(?:d" + _APOS + r"\s*experts?|"
    r"professionnel))(?:[^()]{0,40})?)\s*\)", re.IGNORECASE)
CLOSING = re.compile(r"^[\s.;:!…,)\]»”*\d]*$")
PAST = r"(?:e?s?)"
PRESCRIPTIVE = re.compile(
    r"\b(?:recommandée?s?|préconisée?s?|conseillée?s?|déconseillée?s?|contre-?\s?indiquée?s?|proscrite?s?|"
    r"privilégier|requise?s?|recommande|préconise)\b"
    r"|\bil\s+(?:faut|convient|est\s+(?:nécessaire|indispensable|préférable|souhaitable|important|utile|justifié))"
    r"|\bne\s+(?:faut|doit|doivent)\b|\bdoi(?:t|vent)\b|\bdevr(?:a|ont|ait|aient)\b"
    r"|\b(?:peu(?:t|vent)|pourr(?:a|ont|ait|aient))\s+(?:(?:également|aussi|alors|être\s+)\s*)*"
    r"(?:propos|envisag|discut|considér|utilis|prescri|réalis|associ|indiqu|poursuiv|arrêt|instaur|maintenu|"
    r"remplac|début|propos|justifi|bénéfici|réévalu)\w*"
    r"|\b(?:est|sont)\s+(?:à\s+)?(?:indiqué|nécessaire|indispensable|à éviter|à privilégier|à proscrire|"
    r"à réaliser|à rechercher|à prendre|à discuter|à envisager|requis|impérati)\w*"
    r"|\bà\s+(?:éviter|privilégier|proscrire)\b"
    r"|\bconstituen?t?\s+(?:pas\s+)?une\s+(?:contre-)?indication\b"
    r"|\b(?:est|sont|reste|restent)\s+(?:le|la|les|un|une)\s+(?:traitements?|examens?|options?|stratégies?)\s+"
    r"(?:de\s+(?:référence|choix|première\s+intention)|d['’]exception)"
    r"|\bn['’](?:a|ont)\s+pas\s+d['’](?:utilité|intérêt|indication)|\bn['’](?:est|sont)\s+pas\s+(?:utiles?|indiquée?s?)"
    r"|\bà\s+considérer\b|\bne\s+pas\s+(?!être\b)\w+(?:er|ir|re)\b", re.IGNORECASE)
NOT_RECOMMENDED = re.compile(
    r"\bn" + _APOS + r"(?:est|sont)\s+(?:pas|plus)\s+(?:\w+\s+){0,2}(?:recommandé|indiqué|conseillé|justifié|nécessaire)"
    r"|\bne\s+(?:sont|est|doit|doivent|faut|pas)\s+(?:pas\s+|plus\s+)?(?:\w+\s+){0,2}"
    r"(?:recommandé|indiqué|conseillé|justifié|nécessaire|utilisé|prescrit|proposé|réalis|pratiqu|être)"
    r"|\bde\s+ne\s+pas\b|\bd[ée]conseill|\bcontre-?\s?indiqu|\bproscri|\bà\s+éviter\b|\bil\s+faut\s+éviter\b"
    r"|\bnon\s+recommandé|\bpas\s+(?:lieu|recommandé)"
    r"|\bn['’](?:a|ont)\s+pas\s+d['’](?:utilité|intérêt|indication)|\bn['’](?:est|sont)\s+pas\s+utiles?"
    r"|^\W*ne\s+pas\s+\w+", re.IGNORECASE)
MAY_BE_CONSIDERED = re.compile(
    r"\b(?:peu(?:t|vent)|pourr(?:a|ont|ait|aient))\s+(?:(?:également|aussi|alors|se)\s+)*(?:être\s+)?"
    r"(?:propos|envisag|discut|considér|utilis|prescri|réalis|associ|indiqu|justifi|bénéfici|poursuiv|proposé)\w*"
    r"|\benvisageable|\bpossible\b|\bà\s+(?:discuter|considérer)\b|\ben\s+option\b", re.IGNORECASE)
CONDITION = re.compile(
    r"(?:^|\b)(?P<condition>(?:chez|pour)\s+(?:les?|la|l" + _APOS + r"|un|une|des|tout|toute|tous)\s*[^,;:()]{3,}"
    r"|en\s+cas\s+d[e" + _APOS[1:-1] + r"][^,;:()]{2,}"
    r"|en\s+l" + _APOS + r"absence\s+d[e" + _APOS[1:-1] + r"][^,;:()]{2,}"
    r"|(?:(?:si|lorsque|quand|dès\s+que)\s+|lorsqu" + _APOS + r"|s" + _APOS + r"(?=ils?\b))[^,;:()]{3,}"
    r"|dans\s+(?:les?|la|l" + _APOS + r")\s*(?:cas|situations?|formes?|contextes?)\s+[^,;:()]{2,})", re.IGNORECASE)
ACTION_AFTER = re.compile(
    r"\b(?:il\s+(?:est|n" + _APOS + r"est\s+(?:pas|plus))\s+(?:\w+\s+)?(?:recommandé|conseillé|préconisé|"
    r"nécessaire|indispensable|préférable|proposé)\s+(?:de\s+|d" + _APOS + r")"
    r"|il\s+(?:faut|convient\s+(?:de\s+|d" + _APOS + r")))(?:ne\s+pas\s+)?", re.IGNORECASE)
ACTION_BEFORE = re.compile(
    r"\s+(?:est|sont|n" + _APOS + r"est|ne\s+sont|ne\s+est|reste|restent|peu(?:t|vent)|doi(?:t|vent))\b", re.IGNORECASE)
LEGEND = re.compile(
    r"^\W*(?:preuve\s+scientifique\s+établie|présomption\s+scientifique|faible\s+niveau\s+de\s+preuve|"
    r"accord\s+d" + _APOS + r"experts?\s*$|fondée?\s+sur\s+des\s+études|en\s+l" + _APOS +
    r"absence\s+d" + _APOS + r"études,\s+les\s+recommandations|grade\s+des\s+recommandations)", re.IGNORECASE)
BOILERPLATE = re.compile(
    r"^(?:les\s+recommandations\s+de\s+bonne\s+pratique\s+\(RBP\)\s+sont\s+définies|elles\s+ne\s+sauraient\s+dispenser|"
    r"cette\s+recommandation\s+de\s+bonne\s+pratique\s+a\s+été\s+élaborée|ce\s+dernier\s+ainsi\s+que\s+la\s+synthèse|"
    r"les\s+RBP\s+sont\s+des\s+synthèses|"
    r"l" + _APOS + r"absence\s+de\s+gradation\s+ne\s+signifie|les\s+objectifs\s+de\s+cette\s+recommandation,)", re.IGNORECASE)
MAX_CLAUSE_WORDS = 25


def grade_marker(text: str) -> tuple[Grade, bool] | None:
    """The first grade marker of a text ('(grade B)', '(B)', '(accord d'experts)', '(accord professionnel)' → AE)
    and whether it closes the text (nothing but punctuation after it)."""
    for match in GRADE_MARKER.finditer(text):
        if match["bare"] and re.search(r"experts?\s*$", text[:match.start()], re.IGNORECASE):
            continue  # 'accord d'experts (AE)' defines the abbreviation
        grade = (match["grade"] or match["bare"] or "AE").upper()
        return grade, bool(CLOSING.match(text[match.end():]))  # type: ignore[return-value]
    return None


def strip_markers(text: str) -> str:
    return " ".join(GRADE_MARKER.sub(" ", text).split()).replace(" .", ".").replace(" ,", ",")


def is_prescriptive(text: str) -> bool:
    return bool(PRESCRIPTIVE.search(text))


def is_legend(text: str) -> bool:
    """A line of the grade key ('A Preuve scientifique établie …') or of HAS's standard preface, never a statement."""
    return bool(LEGEND.match(re.sub(r"^\s*(?:A|B|C|AE)\b", "", text)) or BOILERPLATE.match(text))


def direction(text: str) -> Direction | None:
    """A negation anywhere decides; otherwise the first of 'peut être envisagé' and 'est recommandé' does."""
    if NOT_RECOMMENDED.search(text):
        return "not_recommended"
    may, must = MAY_BE_CONSIDERED.search(text), PRESCRIPTIVE.search(text)
    if may and (must is None or may.start() <= must.start()):
        return "may_be_considered"
    if must or GRADE_MARKER.search(text):
        return "recommended"
    return None


def _clause(text: str) -> str:
    words = text.split()
    return " ".join(words[:MAX_CLAUSE_WORDS]).strip(" ,;:.")


def condition_and_action(text: str) -> tuple[str | None, str | None]:
    """The population or situation a sentence states ('chez les patients …', 'en cas de …', 'si …') and
    what it asks to do: what follows 'il est recommandé de', else the subject of 'X est recommandé'."""
    found = CONDITION.search(text)
    condition = _clause(found.group("condition")) if found else None
    after = ACTION_AFTER.search(text)
    if after:
        action = text[after.end():]
    else:
        before = ACTION_BEFORE.search(text)
        action = text[:before.start()] if before else text
    if condition and condition in action:
        action = action.replace(condition, " ")
    action = " ".join(action.split()).strip(" ,;:.")
    return condition, (action[:1].upper() + action[1:]) if action else None
