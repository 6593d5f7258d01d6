"""Writing a 2D-Doc (ANTS specification v3.2.6, header version 04): for synthetic test documents only.

The code is signed with a test key derived from a seed, under the authority ``SY00`` (an authority
ending in '00' is a test one for the parser, and no ANTS authority is called SY): its certificate is
not an ANTS one, so a reader reports the signature ``unverified (certificate unknown)`` unless that
certificate (``test_certificate_pem``) is put in the certificates folder it is given. Signing is
deterministic (RFC 6979): the same seed and data give the same code.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timezone

import numpy as np

from .twoddoc import EPOCH, GS, US, identifier_table

TEST_AUTHORITY, TEST_CERTIFICATE = "SY00", "0001"


def hex_date(day: date) -> str:
    """Days since 2000-01-01 as 4 hexadecimal digits."""
    return f"{(day - EPOCH).days:04X}"


def header_v04(document_type: str, issued: date, signed: date, perimeter: str = "01", country: str = "FR",
               authority: str = TEST_AUTHORITY, certificate: str = TEST_CERTIFICATE) -> str:
    return f"DC04{authority}{certificate}{hex_date(issued)}{hex_date(signed)}{document_type}{perimeter}{country}"


def message(fields: list[tuple[str, str]]) -> str:
    """Data identifiers and values in order; a value of variable length ends with <GS> unless last."""
    table = identifier_table()
    parts = []
    for position, (identifier, value) in enumerate(fields):
        spec = table[identifier]
        fixed = spec["min"] is not None and spec["min"] == spec["max"] and spec["min"] > 0
        if fixed and len(value) != spec["max"]:
            raise ValueError(f"2D-Doc identifier {identifier} holds exactly {spec['max']} characters")
        if spec["max"] is not None and len(value) > spec["max"]:
            raise ValueError(f"2D-Doc identifier {identifier} holds at most {spec['max']} characters")
        last = position == len(fields) - 1
        parts.append(identifier + value + ("" if fixed or last else GS))
    return "".join(parts)


def test_signing_key(seed: int | str):
    """A P-256 private key derived from the seed (a test key: anyone with the seed has it)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    secret = int.from_bytes(hashlib.sha256(f"socratext-2ddoc-test/{seed}".encode()).digest(), "big") % (order - 1) + 1
    return ec.derive_private_key(secret, ec.SECP256R1())


def sign(signed_data: str, seed: int | str) -> str:
    """The raw r‖s ECDSA-SHA256 signature of header and message, in Base32 without padding."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    der = test_signing_key(seed).sign(signed_data.encode("latin-1"),
                                      ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return base64.b32encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode().rstrip("=")


def encode_2ddoc(header: str, fields: list[tuple[str, str]], seed: int | str) -> str:
    """The text a DataMatrix holds: header, message, <US>, signature."""
    signed_data = header + message(fields)
    return f"{signed_data}{US}{sign(signed_data, seed)}"


def test_certificate_pem(seed: int | str) -> bytes:
    """A self-signed certificate of the seed's test key, to verify the synthetic codes explicitly
    (saved as ``SY00-0001.pem`` in a certificates folder)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = test_signing_key(seed)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Socratext synthetic 2D-Doc test key {seed}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST ONLY - not an ANTS certificate")])
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(int(hashlib.sha256(str(seed).encode()).hexdigest()[:15], 16))
                   .not_valid_before(start).not_valid_after(start.replace(year=2040))
                   .sign(key, hashes.SHA256(), ecdsa_deterministic=True))
    return certificate.public_bytes(serialization.Encoding.PEM)


def datamatrix_pixels(text: str, module_px: int = 8) -> np.ndarray:
    """The DataMatrix of a text as a grey image (0 dark, 255 light), ``module_px`` pixels a module,
    with its quiet zone (the symbol may be square or rectangular)."""
    import zxingcpp

    symbol = zxingcpp.create_barcode(text.encode("latin-1"), zxingcpp.BarcodeFormat.DataMatrix)
    return np.asarray(symbol.to_image(scale=module_px, add_quiet_zones=True))
