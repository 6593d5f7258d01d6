"""What an invoice says about its seller, read after the rules engine's generic pass.

The first header line is not always the seller: the client's address block is often printed at the
top too ('Facturé à', 'Bill to', or the window-envelope block), and the seller may only be named in
the footer's legal mention ('Free SAS au capital de … RCS Paris', 'NETPRESSE / Sarl au capital …').
Here the seller's name is chosen among the first page's names by evidence a client's name does not
have: a legal mention beside it, the web or e-mail domain of the document, being printed again.

The SIREN comes from any French legal identifier the invoice prints, each checked: a SIREN, an RCS
mention ('RCS Paris B 421 938 861' or 'B 421 938 861 RCS Paris'), a SIRET (its first 9 digits) or an
intra-community VAT number (FR + key + SIREN, the key checked). And a total missing from an invoice
whose two others were read is their sum or difference (HT = TTC − TVA).

Pure functions over (text, box) lines; the rules engine records the evidence.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..extract.normalize import normalize_amount, normalize_date
from ..extract.result import Check
from ..extract.textmatch import fold
from ..extract.validators import luhn_valid

LEGAL_FORMS = ("SAS", "SASU", "SARL", "EURL", "SA", "SNC", "SCI", "SCOP", "SELARL", "GIE", "AG", "GMBH", "BV",
               "B.V.", "NV", "N.V.", "LTD", "LIMITED", "LLC", "INC", "PLC", "SPA", "S.P.A.", "SRL", "SL")
_FORM = r"(?:" + "|".join(re.escape(form) for form in LEGAL_FORMS) + r")"
# a legal mention: registered capital, trade register, company identifiers (fr, de, nl, en)
LEGAL_MENTION = re.compile(r"au capital|capital social|\bR\.?C\.?S\b|\bRSC\b|\bSIRE[NT]\b|\bHRB\b|Handelsregister|"
                           r"Registergericht|\bKvK\b|Kamer van Koophandel|Company Reg", re.IGNORECASE)
# the mention starts with the company's name, then its form: 'Free SAS au capital de …'
NAME_BEFORE_FORM = re.compile(rf"^\s*(?P<name>[^\W\d][\w&'.\- ]{{0,50}}?)\s+{_FORM}\b", re.IGNORECASE)
# labels of the client's blocks: what follows them names the buyer, never the seller
CLIENT_LABELS = ("facture a", "facturee a", "facture pour", "adresse a", "client", "destinataire", "bill to",
                 "billed to", "invoice to", "ship to", "sold to", "customer", "adresse de facturation",
                 "adresse de livraison", "billing address", "shipping address", "factuuradres", "afleveradres",
                 "rechnungsadresse", "lieferadresse", "nom de l'abonne", "guest name", "attn", "a l'attention")
# a block's heading starts its line: 'Facturé à', 'Client :', 'Bill To:' ('Service Clients' is no heading)
_CLIENT = re.compile(r"^\W*(?:" + "|".join(re.escape(label) for label in CLIENT_LABELS) + r")(?![a-z])")
DOMAIN = re.compile(r"(?:(?:https?://)?www\.|https?://)(?P<web>[a-z0-9-]+)\.[a-z]{2,}|"
                    r"@(?P<mail>[a-z0-9-]+)\.[a-z]{2,}|(?<![@\w.])(?P<bare>[a-z0-9-]{3,})\.(?:fr|com|de|nl|be|eu)\b",
                    re.IGNORECASE)
# mail providers name the sender's mailbox, not the seller
MAIL_PROVIDERS = {"gmail", "yahoo", "hotmail", "outlook", "live", "icloud", "orange", "wanadoo", "sfr", "free",
                  "laposte", "aol", "gmx", "web", "example", "protonmail"}
STARTS_WITH_FORM = re.compile(rf"^\W*(?:{_FORM}\b|soci[ée]t[ée]\b|au capital|capital social)", re.IGNORECASE)
# words of a document's title: 'PAYMENT RECEIPT', 'FACTURE', 'Kopie factuur' name no seller
TITLE_WORDS = {"facture", "invoice", "factuur", "rechnung", "receipt", "recu", "quittance", "payment", "paiement",
               "bill", "tax", "copy", "copie", "kopie", "duplicata", "original", "avoir", "credit", "note", "retail",
               "proforma", "pro", "forma", "de", "du", "la", "le"}
SEGMENT = re.compile(r"\s+[-–|]\s+|,\s*")
BOX_ROWS_ABOVE = 3  # how far above a mention that starts with a form the name may be printed

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextLine:
    text: str
    box: Box  # x0, y0, x1, y1 in page pixels
    page: int = 0


# ---- SIREN from French legal identifiers -------------------------------------------------------

def vat_key(siren: str) -> int:
    """The key of a French intra-community VAT number: (12 + 3 × (SIREN mod 97)) mod 97."""
    return (12 + 3 * (int(siren) % 97)) % 97


def siren_of_vat(vat: str) -> str | None:
    """The SIREN inside a French VAT number ('FR 60 421938861'), when its key holds."""
    compact = re.sub(r"[\s.\-]", "", vat.upper())
    match = re.fullmatch(r"FR(\d{2})(\d{9})", compact)
    if match is None or int(match[1]) != vat_key(match[2]) or not luhn_valid(match[2]):
        return None
    return match[2]


_NINE = r"(\d{3}[\s.]?\d{3}[\s.]?\d{3})"
SIREN_SOURCES = (  # (pattern, what it is); the group holds the digits
    (re.compile(r"\bSIREN\b\s*(?:n°|no|:)?\s*:?\s*" + _NINE + r"(?![\d])", re.IGNORECASE), "SIREN"),
    (re.compile(r"\bR\.?\s?C\.?\s?S\.?\b[\s:]*(?:[A-Z][\w'\-]+\s){0,3}(?:[AB]\s?)?" + _NINE + r"(?!\d)"), "RCS"),
    (re.compile(r"\bRSC\b[\s:]*(?:[A-Z][\w'\-]+\s){0,3}(?:[AB]\s?)?" + _NINE + r"(?!\d)"), "RCS"),
    (re.compile(r"(?<![\d])(?:[AB]\s?)?" + _NINE + r"\s+R\.?\s?C\.?\s?S\b"), "RCS"),
    (re.compile(r"\bSIRET\b\D{0,12}(\d{3}[\s.]?\d{3}[\s.]?\d{3}[\s.]?\d{5})(?!\d)", re.IGNORECASE), "SIRET"),
    (re.compile(r"\bFR(?:\s?\d){11}(?!\d)"), "TVA"),
)


TRUST = ("SIREN", "RCS", "SIRET", "TVA")


def legal_sirens(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """Every valid SIREN the text states, with its source ('SIREN', 'RCS', 'SIRET', 'TVA') and span,
    in that order of trust, without repeats."""
    found: list[tuple[str, str, tuple[int, int]]] = []
    for pattern, source in SIREN_SOURCES:
        for match in pattern.finditer(text):
            if source == "TVA":
                siren = siren_of_vat(match[0])
            else:
                digits = re.sub(r"\D", "", match[1])
                siren = digits[:9] if luhn_valid(digits) else None
            if siren and luhn_valid(siren) and siren not in (s for s, _, _ in found):
                found.append((siren, source, match.span()))
    return found


# ---- the seller's name ------------------------------------------------------------------------

def compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def strip_form(name: str) -> str:
    """'Coolblue B.V.' → 'Coolblue': the name without a legal form at its end."""
    return re.sub(rf"[\s,]+{_FORM}\s*$", "", name, flags=re.IGNORECASE).strip() or name


def document_domains(texts: Sequence[str]) -> set[str]:
    """Second-level names of the web sites and mail domains printed (mail providers left out)."""
    domains = set()
    for text in texts:
        for match in DOMAIN.finditer(text):
            if match["web"] or match["bare"]:
                domains.add(compact(match["web"] or match["bare"]))
            elif match["mail"] and match["mail"].lower() not in MAIL_PROVIDERS:
                domains.add(compact(match["mail"]))
    return {domain for domain in domains if len(domain) >= 3}


def matches_domain(name: str, domains: set[str]) -> bool:
    """The name is the domain's ('Azure Interior' ~ azure-interior.com, 'QualityHosting AG' ~
    qualityhosting.de): one holds the other and the shorter is most of the longer."""
    key = compact(strip_form(name))
    if len(key) < 3:
        return False
    return any((key.startswith(domain) or domain.startswith(key))
               and min(len(key), len(domain)) >= 0.6 * max(len(key), len(domain)) for domain in domains)


def _name_like(text: str) -> bool:
    letters = len(re.findall(r"[^\W\d_]", text))
    return (not DOMAIN.search(text) and letters >= 3 and ":" not in text and len(text) <= 60 and len(text.split()) <= 7
            and letters >= 0.6 * len(re.sub(r"\s", "", text)) and not normalize_date(text))


def _client_lines(lines: Sequence[TextLine]) -> set[int]:
    """Lines of the client's blocks: a client label, what follows it on its line, and the lines under
    it (overlapping it horizontally) down to a blank gap."""
    marked: set[int] = set()
    for index, line in enumerate(lines):
        if not _CLIENT.search(fold(line.text)):
            continue
        marked.add(index)
        bottom, height = line.box[3], max(1.0, line.box[3] - line.box[1])
        for other_index, other in sorted(enumerate(lines), key=lambda item: item[1].box[1]):
            if other.page != line.page or other.box[1] < bottom - 0.3 * height:
                continue
            overlap = min(line.box[2], other.box[2]) - max(line.box[0], other.box[0])
            if overlap > 0 and other.box[1] - bottom < 1.2 * height:
                marked.add(other_index)
                bottom = max(bottom, other.box[3])
    return marked


def _mention_names(lines: Sequence[TextLine], skip: set[int]) -> list[tuple[int, str]]:
    """Names a legal mention gives: the words before the form on its line ('Free SAS au capital'),
    else the nearest name printed just above it (a footer 'NETPRESSE' over 'Sarl au capital …')."""
    names = []
    for index, line in enumerate(lines):
        if not LEGAL_MENTION.search(line.text):
            continue
        before = NAME_BEFORE_FORM.match(line.text)
        if before and not LEGAL_MENTION.search(before["name"]) and _name_like(before["name"]):
            names.append((index, before["name"].strip()))
            continue
        if not STARTS_WITH_FORM.match(line.text):  # 'KvK Rotterdam …', 'Registergericht …' name no one above
            continue
        height = max(1.0, line.box[3] - line.box[1])
        above = [(line.box[1] - other.box[3], other_index) for other_index, other in enumerate(lines)
                 if other.page == line.page and other_index not in skip
                 and 0 <= line.box[1] - other.box[3] < BOX_ROWS_ABOVE * 1.6 * height
                 and min(line.box[2], other.box[2]) - max(line.box[0], other.box[0]) > 0]
        for _, other_index in sorted(above):
            text = SEGMENT.split(lines[other_index].text.strip())[0]
            if _name_like(text) and not LEGAL_MENTION.search(text):
                names.append((other_index, text))
                break
    return names


def _is_title(text: str) -> bool:
    words = re.findall(r"[a-z]+", fold(text))
    return bool(words) and all(word in TITLE_WORDS for word in words)


@dataclass(frozen=True)
class SellerChoice:
    name: str | None
    line: int | None  # index of the line it was read from
    reason: str


def seller_name(lines: Sequence[TextLine], current: str | None, is_label: Callable[[str], bool]) -> SellerChoice | None:
    """The seller's name when the evidence points elsewhere than ``current`` (the header's first name):
    a candidate with a legal mention or the document's domain, stronger than ``current``; ``None``
    name when ``current`` is the client's block or a label and nothing better is found; else None
    (keep ``current``)."""
    client = _client_lines(lines)
    domains = document_domains([line.text for line in lines])
    texts = [compact(line.text) for line in lines]
    scores: dict[str, tuple[float, int, list[str]]] = {}

    def score(name: str, index: int, reason: str, points: float) -> None:
        key = compact(name)
        if len(key) < 3:
            return
        total, where, why = scores.get(key, (0.0, index, []))
        scores[key] = (total + points, where, why + [reason])
        names.setdefault(key, name)

    names: dict[str, str] = {}
    for index, name in _mention_names(lines, client):
        if lines[index].page == 0 and "legal mention" not in scores.get(compact(name), (0, 0, []))[2]:
            score(name, index, "legal mention", 3)
    for index, line in enumerate(lines):
        if line.page != 0 or index in client:
            continue
        name = SEGMENT.split(line.text.strip())[0].strip()
        if not _name_like(name) or _is_title(name) or is_label(name) or is_label(line.text):
            continue
        score(name, index, "printed", 0)
    for key, (total, index, why) in list(scores.items()):
        name = names[key]
        extra, reasons = 0.0, []
        if matches_domain(name, domains):
            extra, reasons = extra + 3, reasons + ["web/mail domain"]
        repeats = sum(1 for i, text in enumerate(texts)  # on the first page: footers repeat on every page
                      if i != index and lines[i].page == 0 and len(key) >= 4 and key in text)
        if repeats:
            extra, reasons = extra + min(2, repeats), reasons + [f"printed {repeats + 1} times"]
        scores[key] = (total + extra, index, why + reasons)
    current_key = compact(current or "")
    current_is_client = bool(current) and (is_label(current) or _is_title(current) or any(
        current_key and current_key in texts[i] for i in client) or bool(_CLIENT.search(fold(current))))
    current_score = scores.get(current_key, (0.0, -1, []))[0] + 1  # the header's choice, by position
    best = max(scores.items(), key=lambda item: (item[1][0], -item[1][1]), default=None)
    if best is not None and best[1][0] >= 3 and (best[1][0] > current_score or current_is_client) \
            and best[0] != current_key:
        key, (total, index, why) = best
        return SellerChoice(names[key], index, ", ".join(why))
    if current_is_client:
        return SellerChoice(None, None, "the header's first name is the client's block or a label")
    return None


# ---- totals -----------------------------------------------------------------------------------

def complete_sum(parts: Sequence[float | None], total: float | None) -> tuple[int, float] | None:
    """With one of (parts…, total) missing and the others read, its value: (index, value), index
    len(parts) for the total. None when nothing or more than one is missing."""
    values = list(parts) + [total]
    missing = [i for i, value in enumerate(values) if value is None]
    if len(missing) != 1:
        return None
    index = missing[0]
    if index == len(parts):
        return index, round(sum(parts), 2)
    value = round(total - sum(v for i, v in enumerate(parts) if i != index), 2)
    return (index, value) if 0 <= value <= total else None


AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:[  .,]?\d{3})*(?:[.,]\d{2})(?![\d])")


def printed_amounts(lines) -> list[float]:
    """Every amount with cents printed in the lines ('1 234,56', '29.99')."""
    found = []
    for placed in lines:
        for match in AMOUNT.finditer(placed.text):
            value = normalize_amount(match[0])
            if value is not None:
                found.append(value)
    return found


# ---- applied to the rules engine's result -----------------------------------------------------

def apply_invoice_rules(reader, schema: dict, data: dict) -> list[Check]:
    """Seller name, SIREN and a missing total, in place, with evidence, on the rules engine's
    ``reader`` (its placed lines, ``record`` and ``is_label``); returns what it reports. Fields the
    schema lacks are left alone."""
    fields = schema.get("properties", {})
    checks: list[Check] = []
    lines = [TextLine(p.text, (p.bbox.x0, p.bbox.y0, p.bbox.x1, p.bbox.y1), p.page) for p in reader.lines]
    if "issuer_name" in fields:
        choice = seller_name(lines, data.get("issuer_name"), reader.is_label)
        if choice is not None:
            data["issuer_name"] = choice.name
            reader.evidence.pop("/issuer_name", None)
            if choice.line is not None:
                placed = reader.lines[choice.line]
                start = max(0, placed.text.find(choice.name))
                reader.record("/issuer_name", placed, start, start + len(choice.name), 0.8)
    if "issuer_siren" in fields:
        client = _client_lines(lines)
        found = sorted(((TRUST.index(source), index, siren, span) for index, placed in enumerate(reader.lines)
                        if index not in client for siren, source, span in legal_sirens(placed.text)))
        if found and data.get("issuer_siren") not in {siren for _, _, siren, _ in found}:
            source, index, siren, (start, end) = found[0]
            if data.get("issuer_siren"):  # the reading replaced is reported, never dropped silently
                checks.append(Check(kind="domain", field="/issuer_siren", ok=True, message=(
                    f"SIREN {data['issuer_siren']!r} read beside its label is not the one the legal mentions state; "
                    f"{siren} ({TRUST[source]}) kept")))
            data["issuer_siren"] = siren
            reader.record("/issuer_siren", reader.lines[index], start, end, 0.9)
    for rule in schema.get("x-socratext", {}).get("checks", []):
        if rule.get("kind") != "sum" or "fields" not in rule or any(f not in fields for f in [*rule["fields"], rule["total"]]):
            continue
        names = [*rule["fields"], rule["total"]]
        values = [data.get(name) if isinstance(data.get(name), (int, float)) else None for name in names]
        completed = complete_sum(values[:-1], values[-1])
        if completed is None:
            continue
        index, value = completed
        if not any(abs(value - amount) < 0.005 for amount in printed_amounts(reader.lines)):
            continue  # not printed anywhere: one of the two it comes from is likely misread
        data[names[index]] = value
        sources = [reader.evidence[f"/{name}"] for name in names if f"/{name}" in reader.evidence]
        if sources:  # where the two it is computed from were read; a lower confidence: it is not printed
            reader.evidence[f"/{names[index]}"] = sources[-1].model_copy(update={
                "confidence": round(min(e.confidence for e in sources) * 0.8, 3),
                "source_text": " / ".join(e.source_text for e in sources)[:300]})
    return checks
