"""2D-Doc: the ANTS signed barcode printed on French tax notices, bills, payslips, residence permits.

Decoding the DataMatrix is zxing-cpp's job; this module parses what it returns
per the ANTS specification v3.2.6 (C40 header versions 01–04, data identifiers
of perimeter '01', their lengths from the specification's tables in
``data/twoddoc_identifiers.json``), and checks the ECDSA signature against the
certificates it knows. Production certificates are published online by the
certification authorities; offline, only the specification's test certificate
(FR00/0001, which signs specimens) ships with the package, so a production
code is reported ``unverified (certificate unknown)``, never verified.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
GS, RS, US = "\x1d", "\x1e", "\x1f"
HEADER_LENGTHS = {"01": 22, "02": 22, "03": 24, "04": 26}
EPOCH = date(2000, 1, 1)
UNDATED = "FFFF"
TEST_AUTHORITY_SUFFIX = "00"  # 'XX00' authorities and '0000' certificates are reserved for tests

VERIFIED = "verified"
VERIFIED_TEST = "verified with a test certificate (a specimen, not a production document)"
INVALID = "invalid (the signature does not match the data: altered or misread)"
UNKNOWN_CERTIFICATE = "unverified (certificate unknown)"


class TwoDDocError(ValueError):
    """The text is not a 2D-Doc this parser can read (one clear reason)."""


@dataclass(frozen=True)
class Header:
    version: str
    authority: str  # certification authority, e.g. FR00
    certificate: str  # certificate identifier within it, e.g. 0001
    issue_date: date | None
    signature_date: date | None
    document_type: str
    perimeter: str
    country: str

    @property
    def document_type_name(self) -> str:
        return _document_types().get(self.document_type, "type inconnu")

    @property
    def is_test(self) -> bool:
        return self.authority.endswith(TEST_AUTHORITY_SUFFIX) or self.certificate == "0000"


@dataclass(frozen=True)
class DataField:
    identifier: str
    name: str
    value: str
    truncated: bool = False

    @property
    def as_date(self) -> date | None:
        """Dates are 4 hex digits (days since 2000-01-01) or 8 digits DDMMYYYY, depending on the identifier."""
        if "date" not in self.name.lower() and "période" not in self.name.lower():  # 53: 'Début de période'
            return None
        if re.fullmatch(r"[0-9A-F]{4}", self.value):
            return _hex_date(self.value)
        if re.fullmatch(r"\d{8}", self.value):
            try:
                return date(int(self.value[4:]), int(self.value[2:4]), int(self.value[:2]))
            except ValueError:
                return None
        return None


@dataclass
class TwoDDoc:
    raw: str
    header: Header
    fields: list[DataField]
    signed_data: str
    signature: bytes
    annex: list[DataField] = field(default_factory=list)
    signature_status: str = UNKNOWN_CERTIFICATE

    def get(self, identifier: str) -> str | None:
        return next((f.value for f in self.fields if f.identifier == identifier), None)


@lru_cache(maxsize=1)
def identifier_table() -> dict[str, dict]:
    return json.loads((DATA / "twoddoc_identifiers.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _document_types() -> dict[str, str]:
    return json.loads((DATA / "twoddoc_document_types.json").read_text(encoding="utf-8"))


def _hex_date(text: str) -> date | None:
    if text == UNDATED or not re.fullmatch(r"[0-9A-F]{4}", text):
        return None
    return EPOCH + timedelta(days=int(text, 16))


def parse_header(text: str) -> Header:
    if not text.startswith("DC"):
        raise TwoDDocError("not a 2D-Doc: the marker 'DC' is missing")
    version = text[2:4]
    if version not in HEADER_LENGTHS:
        raise TwoDDocError(f"2D-Doc version {version!r} is not supported (01 to 04 in C40)")
    head = text[:HEADER_LENGTHS[version]]
    if len(head) < HEADER_LENGTHS[version] or not re.fullmatch(r"[0-9A-Z]+", head):
        raise TwoDDocError(f"2D-Doc header of version {version} is truncated or holds invalid characters")
    return Header(version=version, authority=head[4:8], certificate=head[8:12], issue_date=_hex_date(head[12:16]),
                  signature_date=_hex_date(head[16:20]), document_type=head[20:22],
                  perimeter=head[22:24] if version in ("03", "04") else "01",
                  country=head[24:26] if version == "04" else "FR")


def parse_message(message: str) -> list[DataField]:
    """Data blocks: a fixed-length value has no separator; a variable one ends at <GS>, at <RS> when
    truncated, at its maximum length, or at the end of the message."""
    table = identifier_table()
    fields: list[DataField] = []
    position = 0
    while position < len(message):
        if message[position] in (GS, RS):  # a separator after a last or fixed field is allowed
            position += 1
            continue
        identifier = message[position:position + 2]
        spec = table.get(identifier)
        if spec is None or len(identifier) < 2:
            raise TwoDDocError(f"unknown data identifier {identifier!r} at position {position}")
        start = position + 2
        if spec["min"] is not None and spec["min"] == spec["max"] and spec["min"] > 0:
            end = start + spec["max"]
            if end > len(message):
                raise TwoDDocError(f"data identifier {identifier}: fixed length {spec['max']} runs past the message")
            value, truncated, position = message[start:end], False, end
        else:
            stops = [i for i in (message.find(GS, start), message.find(RS, start)) if i >= 0]
            stop = min(stops) if stops else len(message)
            if spec["max"] is not None and stop - start > spec["max"]:
                stop = start + spec["max"]  # a value at its maximum length needs no separator
            truncated = stop < len(message) and message[stop] == RS
            value, position = message[start:stop], stop + (1 if stop < len(message) and message[stop] in (GS, RS) else 0)
        fields.append(DataField(identifier=identifier, name=spec["name"], value=value, truncated=truncated))
    return fields


def parse_2ddoc(text: str) -> TwoDDoc:
    """Header, data fields, signature and annex of a C40 2D-Doc (versions 01 to 04), as zxing-cpp returns it."""
    header = parse_header(text)
    if US not in text:
        raise TwoDDocError("2D-Doc without a signature (no <US> separator)")
    signed_data, _, tail = text.partition(US)
    signature_text, _, annex_text = tail.partition(GS)
    try:
        padded = signature_text + "=" * (-len(signature_text) % 8)
        signature = base64.b32decode(padded)
    except (binascii.Error, ValueError) as error:
        raise TwoDDocError("the 2D-Doc signature is not valid Base32") from error
    fields = parse_message(signed_data[HEADER_LENGTHS[header.version]:])
    try:
        annex = parse_message(annex_text) if annex_text else []
    except TwoDDocError:
        annex = []  # the annex is not signed and not used: a malformed one does not void the code
    return TwoDDoc(raw=text, header=header, fields=fields, signed_data=signed_data, signature=signature, annex=annex)


@lru_cache(maxsize=4)
def certificate_store(extra_dir: Path | None = None) -> dict[tuple[str, str], object]:
    """Certificates by (authority, certificate id): the bundled test certificate and any PEM/DER
    files named ``<AUTHORITY>-<CERTIFICATE>.pem|.der`` in ``extra_dir`` (e.g. downloaded from the ANTS)."""
    from cryptography import x509

    store: dict[tuple[str, str], object] = {}
    folders = [DATA] + ([Path(extra_dir)] if extra_dir else [])
    for folder in folders:
        for path in sorted(folder.glob("*-*.*")) if folder.is_dir() else []:
            match = re.fullmatch(r"([0-9A-Z]{4})-([0-9A-Z]{4})\.(pem|der|crt|cer)", path.name)
            if not match:
                continue
            content = path.read_bytes()
            try:
                certificate = (x509.load_pem_x509_certificate(content) if content.lstrip().startswith(b"-----")
                               else x509.load_der_x509_certificate(content))
            except ValueError:
                continue  # not a certificate: ignored, the code stays unverified
            store[(match[1], match[2])] = certificate
    return store


def verify_signature(document: TwoDDoc, certificates_dir: Path | None = None) -> str:
    """ECDSA over the header and message as printed (before C40); raw r‖s signature, hash by curve size."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    certificate = certificate_store(certificates_dir).get((document.header.authority, document.header.certificate))
    if certificate is None:
        return UNKNOWN_CERTIFICATE
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return UNKNOWN_CERTIFICATE
    size = (key.curve.key_size + 7) // 8
    if len(document.signature) != 2 * size:
        return INVALID
    r, s = int.from_bytes(document.signature[:size], "big"), int.from_bytes(document.signature[size:], "big")
    digest = {256: hashes.SHA256(), 384: hashes.SHA384()}.get(key.curve.key_size, hashes.SHA512())
    try:
        key.verify(encode_dss_signature(r, s), document.signed_data.encode("latin-1"), ec.ECDSA(digest))
    except InvalidSignature:
        return INVALID
    return VERIFIED_TEST if document.header.is_test else VERIFIED


@dataclass
class FoundCode:
    """A decoded DataMatrix on a page: its text and its box in the image's pixels."""

    text: str
    box: tuple[float, float, float, float]


def find_datamatrix(image: np.ndarray) -> list[FoundCode]:
    """Every DataMatrix zxing-cpp decodes on an RGB or grey image; the text is its raw bytes (Latin-1),
    control characters included (zxing-cpp's own text spells them '<GS>')."""
    import zxingcpp

    from ..imaging import grey

    found = []
    # pages reach us upright (the pipeline rotates them) and 2D-Docs are dark on light: no rotated or
    # inverted search, which halves the time on a full page
    for result in zxingcpp.read_barcodes(np.ascontiguousarray(grey(image)), formats=zxingcpp.BarcodeFormat.DataMatrix,
                                         try_rotate=False, try_invert=False):
        if not result.valid or not result.bytes:
            continue
        corners = result.position
        xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
        ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
        found.append(FoundCode(bytes(result.bytes).decode("latin-1"), (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))))
    return found


def read_2ddoc(text: str, certificates_dir: Path | None = None) -> TwoDDoc | None:
    """A decoded DataMatrix's text as a 2D-Doc, its signature checked; None when it is not one we can read."""
    try:
        document = parse_2ddoc(text)
    except TwoDDocError:
        return None
    document.signature_status = verify_signature(document, certificates_dir)
    return document
