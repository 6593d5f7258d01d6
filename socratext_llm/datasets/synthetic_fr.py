"""A synthetic French gold set: payslips, rent receipts, tax notices, RIBs, bank statements, invoices
and ID-card-like specimens (marked SPECIMEN), with random but consistent values (valid SIRET, IBAN,
NIR and MRZ check digits, totals that add up), in three layout families per type, rendered to
born-digital PDF and to degraded scans (skew, blur, noise, JPEG, 150 dpi, phone-photo perspective),
each with its gold JSON. Deterministic: the same seed writes the same documents.

Layout: ``<out>/<variant>/<type>/<id>.pdf|.jpg`` + ``<id>.json`` (gold) + ``dataset.json`` per folder, so
each folder is also an ordinary gold folder for ``socratext eval run --dataset FOLDER``. Nothing
here reads a real document; the names, companies and addresses are invented from short lists.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..extract.validators import luhn_valid
from ..french.mrz import check_digit as mrz_check_digit
from ..french.twoddoc_writer import (TEST_AUTHORITY, TEST_CERTIFICATE, datamatrix_pixels, encode_2ddoc, header_v04,
                                     test_certificate_pem)

TYPES = ("payslip", "rent_receipt", "tax_notice", "rib", "bank_statement", "invoice", "id_document")
LAYOUTS = ("inline", "columns", "stacked")
VARIANTS = ("born_digital", "scan")
FONTS = {"inline": ("helv", "hebo"), "columns": ("tiro", "tibo"), "stacked": ("cour", "cobo")}
PAGE = (595, 842)  # A4 in points
SCAN_DPI = 150
TAX_NOTICE_2DDOC = "04"  # ANTS document type: avis d'impôt sur les revenus
DATAMATRIX_MODULE_PT = 1.6  # about 3 pixels a module in a 150 dpi scan
CERTIFICATES = "certificates"  # the seed's 2D-Doc test certificate, beside the variants

SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
            "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand"]
GIVEN = {"F": ["Marie", "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Louise", "Émilie", "Claire"],
         "M": ["Thomas", "Lucas", "Hugo", "Louis", "Nathan", "Jules", "Paul", "Antoine", "Julien", "Nicolas", "Karim"]}
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur", "rue des Lilas",
           "place de la Mairie", "rue du Moulin", "chemin des Vignes", "allée des Tilleuls", "rue Gambetta"]
CITIES = [("75011", "Paris", "75"), ("69003", "Lyon", "69"), ("13005", "Marseille", "13"), ("33000", "Bordeaux", "33"),
          ("59000", "Lille", "59"), ("31000", "Toulouse", "31"), ("44000", "Nantes", "44"), ("67000", "Strasbourg", "67"),
          ("35000", "Rennes", "35"), ("34000", "Montpellier", "34")]
COMPANY_WORDS = ["Atelier", "Services", "Conseil", "Bâtiment", "Informatique", "Transports", "Boulangerie", "Logistique",
                 "Horizon", "Azur", "Mistral", "Occitane", "Armor", "Vallée", "Ingénierie"]
FORMS = ["SAS", "SARL", "SA", "EURL", "SASU"]
BANKS = [("BNP Paribas", "BNPAFRPP"), ("Crédit Agricole", "AGRIFRPP"), ("Société Générale", "SOGEFRPP"),
         ("Banque Populaire", "CCBPFRPP"), ("Caisse d'Epargne", "CEPAFRPP"), ("LCL Crédit Lyonnais", "CRLYFRPP")]
OPERATIONS = ["PRLV SEPA EDF", "CB CARREFOUR", "VIR SEPA SALAIRE", "CB SNCF", "PRLV FREE MOBILE", "RETRAIT DAB",
              "CB PHARMACIE", "VIR LOYER", "CB BOULANGERIE", "PRLV ASSURANCE", "CHEQUE 1234567", "VIR CAF"]
ITEMS = ["Prestation de conseil", "Maintenance annuelle", "Licence logicielle", "Installation", "Formation (jour)",
         "Déplacement", "Fournitures", "Hébergement mensuel", "Audit", "Développement"]


# ---- identifiers with valid check digits -------------------------------------------------------

def luhn_completed(body: str) -> str:
    """The body followed by the digit that makes the whole Luhn-valid (SIREN, SIRET)."""
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def random_siren(rng: random.Random) -> str:
    return luhn_completed(str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(7)))


def random_siret(rng: random.Random, siren: str | None = None) -> str:
    return luhn_completed((siren or random_siren(rng)) + f"{rng.randint(1, 999):04d}")


def french_iban(bank: str, branch: str, account: str) -> str:
    """FR IBAN from a RIB: the RIB key (97 - (89 bank + 15 branch + 3 account) mod 97), then ISO 13616."""
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    check = 98 - int(bban + "152700") % 97  # FR00 moved to the end, letters as numbers (F=15, R=27)
    return f"FR{check:02d}{bban}"


def random_nir(rng: random.Random, sex: str, birth: date, department: str) -> str:
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{department}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def td1_mrz(number: str, surname: str, given: list[str], sex: str, birth: date, expiry: date) -> list[str]:
    """A TD1 MRZ (3×30, French ID card since 2021) whose check digits hold."""
    def name(text: str) -> str:
        return "".join(c if c.isalpha() else "<" for c in _ascii(text).upper())

    line1 = f"IDFRA{number}{mrz_check_digit(number)}".ljust(30, "<")
    born, expires = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    line2 = f"{born}{mrz_check_digit(born)}{sex}{expires}{mrz_check_digit(expires)}FRA".ljust(29, "<")
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += str(mrz_check_digit(composite))
    line3 = f"{name(surname)}<<{'<'.join(name(g) for g in given)}".ljust(30, "<")[:30]
    return [line1, line2, line3]


def _ascii(text: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# ---- value formats ----------------------------------------------------------------------------

def euros(value: float, symbol: bool = True) -> str:
    """French amount: '1 234,56 EUR' (thousands spaced; the base-14 PDF fonts have no euro sign)."""
    whole, cents = divmod(round(abs(value) * 100), 100)
    text = f"{'-' if value < 0 else ''}{whole:,}".replace(",", " ") + f",{cents:02d}"
    return f"{text} EUR" if symbol else text


def as_printed(value: float) -> float:
    """The amount a reader gets back from ``euros(value)``: rounded to the cent the same way."""
    return (-1 if value < 0 else 1) * round(abs(value) * 100) / 100


def printed_date(day: date, style: int) -> str:
    return day.strftime(("%d/%m/%Y", "%d.%m.%Y", "%d/%m/%Y")[style % 3])


def spaced(text: str, group: int = 4) -> str:
    return " ".join(text[i:i + group] for i in range(0, len(text), group))


# ---- documents: content as rows, then drawn by a layout family ----------------------------------

@dataclass
class Content:
    """What a document prints: a header block, a title, labelled rows, an optional table, free lines."""

    title: str
    header: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # first row: column heads
    after_table: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # monospace lines at the bottom (MRZ)
    specimen: bool = False
    # a 2D-Doc to print: (header, data fields), signed in ``generate`` with the seed's test key
    twoddoc: tuple[str, list[tuple[str, str]]] | None = None
    datamatrix: str = ""


def _person(rng: random.Random) -> tuple[str, str, str]:
    sex = rng.choice("FM")
    return sex, rng.choice(GIVEN[sex]), rng.choice(SURNAMES)


def _address(rng: random.Random) -> tuple[str, str, str]:
    postcode, city, department = rng.choice(CITIES)
    return f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {postcode} {city}", city, department


def _company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(FORMS)}"


def _month(rng: random.Random) -> tuple[date, date]:
    start = date(rng.randint(2022, 2025), rng.randint(1, 12), 1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


def payslip(rng: random.Random, style: int) -> tuple[Content, dict]:
    sex, given, surname = _person(rng)
    start, end = _month(rng)
    birth = date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28))
    employer, siret = _company(rng), random_siret(rng)
    nir = random_nir(rng, sex, birth, _address(rng)[2])
    gross = round(rng.uniform(1800, 5200), 2)
    contributions = round(gross * rng.uniform(0.21, 0.24), 2)
    net_before_tax = round(gross - contributions, 2)
    withheld = round(net_before_tax * rng.choice([0.0, 0.02, 0.045, 0.075]), 2)
    net_paid = round(net_before_tax - withheld, 2)
    cumulative = round((net_before_tax + gross * 0.02) * end.month, 2)
    employee = f"{given} {surname.upper()}"
    lines = [("Salaire de base", 151.67, None, gross), ("Sécurité sociale plafonnée", gross, 6.90, -gross * 0.069),
             ("Retraite complémentaire", gross, 4.01, -gross * 0.0401),
             ("CSG déductible", gross * 0.9825, 6.80, -gross * 0.9825 * 0.068)]
    gold = {"employer_name": employer, "employer_siret": siret, "employee_name": employee, "employee_nir": nir,
            "period_start": start.isoformat(), "period_end": end.isoformat(), "gross_salary": gross,
            "net_before_tax": net_before_tax, "net_paid": net_paid, "cumulative_taxable_net": cumulative,
            "lines": [{"label": label, "base": as_printed(base), "rate": rate, "employee_amount": as_printed(amount),
                       "employer_rate": None, "employer_amount": None} for label, base, rate, amount in lines]}
    content = Content(title=("BULLETIN DE PAIE", "BULLETIN DE SALAIRE", "Bulletin de paie")[style],
                      header=[employer, _address(rng)[0]],
                      rows=[("Employeur", employer), ("SIRET", f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"),
                            ("Salarié", employee), ("N° Sécurité sociale", nir),
                            ("Période du", f"{printed_date(start, style)} au {printed_date(end, style)}")],
                      table=[["Rubrique", "Base", "Taux", "Montant"]] + [
                          [label, euros(base, symbol=False), f"{rate:.2f} %".replace(".", ",") if rate else "",
                           euros(amount, symbol=False)] for label, base, rate, amount in lines],
                      after_table=[("Salaire brut", euros(gross)), ("Net à payer avant impôt sur le revenu", euros(net_before_tax)),
                                   ("Impôt sur le revenu prélevé à la source", euros(withheld)),
                                   ("Net payé", euros(net_paid)), ("Cumul net imposable", euros(cumulative))])
    return content, gold


def rent_receipt(rng: random.Random, style: int) -> tuple[Content, dict]:
    _, lg, ls = _person(rng)
    _, tg, ts = _person(rng)
    start, end = _month(rng)
    rent = round(rng.uniform(380, 1400), 2)
    charges = round(rng.uniform(20, 180), 2)
    paid = start + timedelta(days=rng.randint(0, 6))
    address = _address(rng)[0]
    landlord, tenant = f"{lg} {ls}", f"{tg} {ts}"
    gold = {"landlord": landlord, "tenant": tenant, "property_address": address, "period_start": start.isoformat(),
            "period_end": end.isoformat(), "rent_excluding_charges": rent, "charges": charges,
            "total": round(rent + charges, 2), "payment_date": paid.isoformat()}
    content = Content(title=("QUITTANCE DE LOYER", "Quittance de loyer", "QUITTANCE")[style],
                      rows=[("Bailleur", landlord), ("Locataire", tenant), ("Adresse du logement", address),
                            ("Période du", f"{printed_date(start, style)} au {printed_date(end, style)}"),
                            ("Loyer hors charges", euros(rent)), ("Provision pour charges", euros(charges)),
                            ("Total payé", euros(rent + charges)), ("Date du paiement", printed_date(paid, style))],
                      notes=[f"Je soussigné(e) {landlord}, bailleur, déclare avoir reçu du locataire la somme",
                             "indiquée ci-dessus au titre du loyer et des charges, et lui en donne quittance."])
    return content, gold


def tax_notice(rng: random.Random, style: int) -> tuple[Content, dict]:
    year = rng.randint(2021, 2024)
    people = [_person(rng) for _ in range(rng.choice([1, 2]))]
    names = [f"{surname.upper()} {given}" for _, given, surname in people]
    numbers = [f"{rng.randint(0, 3)}{rng.randint(0, 9)}{''.join(rng.choice('0123456789') for _ in range(11))}" for _ in people]
    department = rng.choice(CITIES)[2]
    reference = f"{(year + 1) % 100:02d}{department}{rng.choice('ABCDEFGH')}{rng.randint(10, 99)}{rng.randint(100000, 999999)}"
    parts = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]) if len(people) == 1 else rng.choice([2.0, 2.5, 3.0, 3.5])
    income = rng.randint(12000, 95000)
    tax = max(0, round(income * rng.uniform(0.0, 0.12)))
    gold = {"tax_year": year, "declarant_1": names[0], "fiscal_number_1": numbers[0], "notice_reference": reference,
            "parts": parts, "reference_tax_income": float(income), "net_tax": float(tax)}
    rows = [("Déclarant 1", names[0])]
    if len(people) == 2:
        gold.update(declarant_2=names[1], fiscal_number_2=numbers[1])
        rows.append(("Déclarant 2", names[1]))
    fiscal_numbers = [f"{n[:2]} {n[2:4]} {n[4:7]} {n[7:10]} {n[10:]}" for n in numbers]
    fiscal = "   ".join(f"Déclarant {i + 1} : {n}" for i, n in enumerate(fiscal_numbers))
    rows += [("Numéro fiscal", fiscal),
             ("Référence de l'avis", f"{reference[:2]} {reference[2:4]} {reference[4:7]} {reference[7:10]} {reference[10:]}"),
             ("Nombre de parts", f"{parts:.2f}".replace(".", ",")),
             ("Revenu fiscal de référence", f"{income:,} EUR".replace(",", " ")),
             ("Impôt sur le revenu net", f"{tax:,} EUR".replace(",", " "))]
    issued = date(year + 1, 8, 1)
    coded = [("46", _ascii(names[0]).upper()), ("47", numbers[0])]
    if len(people) == 2:
        coded += [("48", _ascii(names[1]).upper()), ("49", numbers[1])]
    coded += [("41", str(income)), ("43", f"{parts:g}"), ("44", reference), ("45", str(year))]
    content = Content(title=(f"AVIS D'IMPÔT {year + 1} SUR LES REVENUS DE {year}",
                             f"Avis d'impôt {year + 1} - Impôt sur les revenus de {year}",
                             f"AVIS D'IMPOSITION - Impôt sur les revenus de {year}")[style],
                      header=["DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", "impots.gouv.fr"], rows=rows,
                      notes=["Ce document est un avis d'impôt sur le revenu établi à partir de votre déclaration."],
                      twoddoc=(header_v04(TAX_NOTICE_2DDOC, issued, issued), coded))
    return content, gold


def _bank_account(rng: random.Random) -> tuple[str, str, str, str]:
    bank_name, bic = rng.choice(BANKS)
    account = "".join(rng.choice("0123456789") for _ in range(11))
    iban = french_iban(f"{rng.randint(10000, 30099):05d}", f"{rng.randint(1, 99999):05d}", account)
    return bank_name, bic + rng.choice(["", "XXX"]), iban, account


def rib(rng: random.Random, style: int) -> tuple[Content, dict]:
    _, given, surname = _person(rng)
    bank_name, bic, iban, account = _bank_account(rng)
    holder = f"{('M.', 'Mme')[rng.randint(0, 1)]} {given} {surname.upper()}"
    agency = f"{bank_name} {rng.choice(CITIES)[1]}"
    gold = {"iban": iban, "bic": bic, "holder": holder, "bank_name": agency, "bank_code": iban[4:9],
            "branch_code": iban[9:14], "account_number": iban[14:25], "rib_key": iban[25:27]}
    content = Content(title=("RELEVÉ D'IDENTITÉ BANCAIRE", "Relevé d'identité bancaire", "RIB - RELEVÉ D'IDENTITÉ BANCAIRE")[style],
                      header=[bank_name],
                      rows=[("Titulaire du compte", holder), ("Domiciliation", agency),
                            ("IBAN", spaced(iban)), ("BIC", bic)],
                      table=[["Code banque", "Code guichet", "N° de compte", "Clé RIB"],
                             [iban[4:9], iban[9:14], iban[14:25], iban[25:27]]])
    return content, gold


def bank_statement(rng: random.Random, style: int) -> tuple[Content, dict]:
    _, given, surname = _person(rng)
    bank_name, _, iban, account = _bank_account(rng)
    start, end = _month(rng)
    opening = round(rng.uniform(-300, 4000), 2)
    operations, debits, credits = [], 0.0, 0.0
    days = sorted(rng.randint(0, (end - start).days) for _ in range(rng.randint(5, 9)))
    for offset in days:
        label = rng.choice(OPERATIONS)
        amount = round(rng.uniform(1800, 3200), 2) if "SALAIRE" in label or "CAF" in label else round(rng.uniform(4, 250), 2)
        credit = "VIR SEPA SALAIRE" == label or "CAF" in label
        operations.append({"date": (start + timedelta(days=offset)).isoformat(), "label": label,
                           "debit": None if credit else amount, "credit": amount if credit else None})
        debits += 0 if credit else amount
        credits += amount if credit else 0
    debits, credits = round(debits, 2), round(credits, 2)
    closing = round(opening - debits + credits, 2)
    holder = f"{given} {surname.upper()}"
    gold = {"bank_name": bank_name, "holder": holder, "iban": iban, "account_number": account,
            "period_start": start.isoformat(), "period_end": end.isoformat(), "opening_balance": opening,
            "closing_balance": closing, "total_debits": debits, "total_credits": credits, "operations": operations}
    table = [["Date", "Libellé", "Débit", "Crédit"]] + [
        [printed_date(date.fromisoformat(op["date"]), style), op["label"],
         euros(op["debit"], symbol=False) if op["debit"] else "", euros(op["credit"], symbol=False) if op["credit"] else ""]
        for op in operations]
    content = Content(title=("RELEVÉ DE COMPTE", "Relevé de compte courant", "EXTRAIT DE COMPTE")[style],
                      header=[bank_name.upper(), f"Agence de {rng.choice(CITIES)[1]}"],
                      rows=[("Titulaire du compte", holder), ("IBAN", spaced(iban)), ("N° de compte", account),
                            ("Période du", f"{printed_date(start, style)} au {printed_date(end, style)}"),
                            ("Ancien solde", euros(opening))],
                      table=table,
                      after_table=[("Total des débits", euros(debits)), ("Total des crédits", euros(credits)),
                                   ("Nouveau solde", euros(closing))])
    return content, gold


def invoice(rng: random.Random, style: int) -> tuple[Content, dict]:
    issuer, siren = _company(rng), random_siren(rng)
    issued = date(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28))
    number = f"{rng.choice(['F', 'FA', 'INV-'])}{issued.year}-{rng.randint(1, 9999):04d}"
    lines, total_excl = [], 0.0
    for _ in range(rng.randint(2, 5)):
        quantity, unit = rng.randint(1, 10), round(rng.uniform(15, 900), 2)
        lines.append([rng.choice(ITEMS), str(quantity), euros(unit, symbol=False), euros(quantity * unit, symbol=False)])
        total_excl += round(quantity * unit, 2)
    total_excl = round(total_excl, 2)
    rate = rng.choice([20, 10, 5.5])
    vat = round(total_excl * rate / 100, 2)
    due = issued + timedelta(days=30)
    gold = {"issuer_name": issuer, "issuer_siren": siren, "invoice_number": number, "invoice_date": issued.isoformat(),
            "total_excl_vat": total_excl, "vat_amount": vat, "total_incl_vat": round(total_excl + vat, 2), "currency": "EUR"}
    rate_text = f"{rate:g}".replace(".", ",")
    content = Content(title=("FACTURE", "Facture", "FACTURE")[style],
                      header=[issuer, _address(rng)[0], f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}"],
                      rows=[("Facture n°", number), ("Date de facture", printed_date(issued, style)),
                            ("Date d'échéance", printed_date(due, style))],
                      table=[["Désignation", "Qté", "Prix unitaire HT", "Total HT"]] + lines,
                      after_table=[("Total HT", euros(total_excl)), (f"TVA {rate_text} %", euros(vat)),
                                   ("Total TTC", euros(total_excl + vat))],
                      notes=["Montants exprimés en EUR. Paiement à 30 jours, pénalités de retard au taux de 10 %."])
    return content, gold


def id_document(rng: random.Random, style: int) -> tuple[Content, dict]:
    sex, given, surname = _person(rng)
    second = rng.choice(GIVEN[sex])
    birth = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    expiry = date(rng.randint(2027, 2034), rng.randint(1, 12), rng.randint(1, 28))
    number = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))
    city = rng.choice(CITIES)[1]
    mrz = td1_mrz(number, surname, [given, second], sex, birth, expiry)
    gold = {"document_type": "carte_identite", "surname": surname.upper(), "given_names": f"{given}, {second}",
            "birth_date": birth.isoformat(), "birth_place": city.upper(), "document_number": number,
            "expiry_date": expiry.isoformat(), "nationality": "FRA", "issuing_state": "FRA", "sex": sex, "mrz_lines": mrz}
    bilingual = style == 2
    label = (lambda fr, en: f"{fr} / {en}") if bilingual else (lambda fr, en: fr)
    content = Content(title="CARTE NATIONALE D'IDENTITÉ", header=["RÉPUBLIQUE FRANÇAISE"], specimen=True,
                      rows=[(label("Nom", "Surname"), surname.upper()), (label("Prénoms", "Given names"), f"{given}, {second}"),
                            (label("Sexe", "Sex"), sex), (label("Nationalité", "Nationality"), "FRA"),
                            (label("Date de naissance", "Date of birth"), printed_date(birth, style)),
                            (label("Lieu de naissance", "Place of birth"), city.upper()),
                            (label("N° du document", "Document No"), number),
                            (label("Date d'expiration", "Date of expiry"), printed_date(expiry, style))],
                      footer=mrz)
    return content, gold


MAKERS: dict[str, Callable[[random.Random, int], tuple[Content, dict]]] = {
    "payslip": payslip, "rent_receipt": rent_receipt, "tax_notice": tax_notice, "rib": rib,
    "bank_statement": bank_statement, "invoice": invoice, "id_document": id_document}


# ---- drawing ---------------------------------------------------------------------------------

def draw_pdf(content: Content, layout: str, rng: random.Random):
    """One A4 page with a text layer; the layout family decides fonts, positions and the table's look."""
    import pymupdf as fitz

    regular, bold = FONTS[layout]
    document = fitz.open()
    page = document.new_page(width=PAGE[0], height=PAGE[1])
    size = 10 if layout != "stacked" else 9.5
    left = 50 + rng.randint(0, 20)
    y = 50 + rng.randint(0, 20)
    header_x = left if layout != "columns" else 330
    for line in content.header:
        page.insert_text((header_x, y), line, fontname=bold if line == content.header[0] else regular, fontsize=size)
        y += size * 1.5
    y += 18
    title_size = 16
    width = fitz.get_text_length(content.title, fontname=bold, fontsize=title_size)
    title_x = {"inline": left, "columns": (PAGE[0] - width) / 2, "stacked": PAGE[0] - width - 50}[layout]
    page.insert_text((title_x, y), content.title, fontname=bold, fontsize=title_size)
    if content.specimen:
        page.insert_text((PAGE[0] - 170, 40), "SPECIMEN", fontname="hebo", fontsize=22, color=(0.85, 0.1, 0.1))
    y += 34

    def rows(pairs: list[tuple[str, str]], y: float) -> float:
        for name, value in pairs:
            if layout == "inline":
                page.insert_text((left, y), f"{name} : {value}", fontname=regular, fontsize=size)
                y += size * 1.9
            elif layout == "columns":
                page.insert_text((left, y), name, fontname=bold, fontsize=size)
                page.insert_text((left + 250, y), value, fontname=regular, fontsize=size)
                page.draw_line((left, y + 5), (PAGE[0] - 50, y + 5), color=(0.7, 0.7, 0.7), width=0.5)
                y += size * 2.1
            else:
                page.insert_text((left, y), name.upper(), fontname=bold, fontsize=size - 1.5)
                page.insert_text((left, y + size * 1.3), value, fontname=regular, fontsize=size)
                y += size * 3.2
        return y

    y = rows(content.rows, y) + 10
    if content.table:
        columns = len(content.table[0])
        first = 200 if columns == 4 else 120
        xs = [left] + [left + first + i * (PAGE[0] - 100 - first) / (columns - 1) for i in range(columns - 1)]
        for number, row in enumerate(content.table):
            for x, cell in zip(xs, row):
                page.insert_text((x, y), cell, fontname=bold if number == 0 else regular, fontsize=size - 1)
            if layout != "stacked":
                page.draw_line((left, y + 4), (PAGE[0] - 50, y + 4), color=(0.6, 0.6, 0.6), width=0.5)
            y += size * 1.8
        if layout == "columns":
            top = y - size * 1.8 * len(content.table) - size
            for x in xs[1:]:
                page.draw_line((x - 6, top), (x - 6, y - size * 1.8 + 4), color=(0.6, 0.6, 0.6), width=0.5)
        y += 12
    y = rows(content.after_table, y) + 10
    for note in content.notes:
        page.insert_text((left, y), note, fontname=regular, fontsize=size - 1.5)
        y += size * 1.4
    if content.datamatrix:  # bottom right, clear of the header and the rows
        import cv2
        pixels = datamatrix_pixels(content.datamatrix, module_px=8)
        height, width = (size / 8 * DATAMATRIX_MODULE_PT for size in pixels.shape[:2])
        png = cv2.imencode(".png", pixels)[1].tobytes()
        page.insert_image(fitz.Rect(PAGE[0] - 50 - width, PAGE[1] - 50 - height, PAGE[0] - 50, PAGE[1] - 50), stream=png)
    if content.footer:
        y = max(y + 20, PAGE[1] - 60 - 16 * len(content.footer))
        for line in content.footer:
            page.insert_text((left, y), line, fontname="cour", fontsize=13)
            y += 16
    return document


def degrade(pdf_bytes: bytes, rng: random.Random, quality_floor: int = 55):
    """The page as a phone or scanner would give it: 150 dpi, slight skew or perspective, blur, noise, JPEG."""
    import cv2
    import pymupdf as fitz
    import numpy as np

    with fitz.open(stream=pdf_bytes, filetype="pdf") as document:
        pixmap = document[0].get_pixmap(dpi=SCAN_DPI)
    image = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, pixmap.n)[:, :, :3].copy()
    height, width = image.shape[:2]
    if rng.random() < 0.5:  # phone photo: the page seen slightly from one side
        shift = [rng.uniform(0, 0.04) * width for _ in range(4)]
        source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        target = np.float32([[shift[0], shift[1]], [width - shift[2], shift[1] / 2], [width - shift[3], height],
                             [shift[3] / 2, height - shift[2] / 2]])
        image = cv2.warpPerspective(image, cv2.getPerspectiveTransform(source, target), (width, height),
                                    borderValue=(235, 235, 230))
    else:  # scanner: a small skew
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-2.0, 2.0), 1.0)
        image = cv2.warpAffine(image, matrix, (width, height), borderValue=(250, 250, 250))
    if rng.random() < 0.7:
        image = cv2.GaussianBlur(image, (3, 3), rng.uniform(0.3, 0.9))
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(3, 9), image.shape)
    image = np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(quality_floor, 85)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()


@dataclass(frozen=True)
class GeneratedDocument:
    id: str
    doctype: str
    layout: str
    variant: str
    path: Path


def generate(output: Path, seed: int = 0, count: int = 10, types: tuple[str, ...] = TYPES,
             variants: tuple[str, ...] = VARIANTS) -> list[GeneratedDocument]:
    """``count`` documents per type and variant (layouts in turn), each with its gold JSON."""
    output = Path(output)
    written = []
    certificates = output / CERTIFICATES
    certificates.mkdir(parents=True, exist_ok=True)  # to verify the 2D-Docs explicitly: not an ANTS certificate
    (certificates / f"{TEST_AUTHORITY}-{TEST_CERTIFICATE}.pem").write_bytes(test_certificate_pem(seed))
    for doctype in types:
        for variant in variants:
            folder = output / variant / doctype
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "dataset.json").write_text(json.dumps({"schema": doctype}) + "\n", encoding="utf-8")
            for index in range(count):
                # one generator per document: a document's values do not depend on which others are made
                rng = random.Random(f"{seed}/{doctype}/{index}")
                layout = LAYOUTS[index % len(LAYOUTS)]
                content, gold = MAKERS[doctype](rng, LAYOUTS.index(layout))
                if content.twoddoc is not None:
                    content.datamatrix = encode_2ddoc(*content.twoddoc, seed=seed)
                pdf = draw_pdf(content, layout, rng)
                stem = f"{doctype}-{index:03d}-{layout}"
                pdf.set_metadata({})  # no creation date: the same seed gives the same bytes
                data = pdf.tobytes(garbage=3, deflate=True, no_new_id=True)
                pdf.close()
                if variant == "born_digital":
                    path = folder / f"{stem}.pdf"
                    path.write_bytes(data)
                else:
                    path = folder / f"{stem}.jpg"
                    path.write_bytes(degrade(data, random.Random(f"{seed}/{doctype}/{index}/scan")))
                (folder / f"{stem}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                written.append(GeneratedDocument(f"{variant}/{doctype}/{stem}", doctype, layout, variant, path))
    return written
