"""Regenerate the example documents shipped in examples/ (fictitious data, made by us).

    python examples/make_examples.py

quittance_loyer.pdf: a born-digital rent receipt (text layer).
quittance_loyer_scan.jpg: the same page printed and scanned: 200 dpi, tilted 1.5°, grey paper, noise.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

HERE = Path(__file__).parent

LINES = [
    ("QUITTANCE DE LOYER", 18, True),
    ("Période du 1er octobre 2026 au 31 octobre 2026", 11, False),
    ("", 11, False),
    ("Bailleur : Mme Hélène Durand, 12 rue des Lilas, 69003 Lyon", 11, False),
    ("Locataire : M. François Lefèvre", 11, False),
    ("Adresse du logement : 8 place Bellecour, Appartement 4B, 69002 Lyon", 11, False),
    ("", 11, False),
    ("Je soussignée, Hélène Durand, propriétaire du logement désigné ci-dessus,", 11, False),
    ("déclare avoir reçu de M. François Lefèvre la somme de 845,00 euros", 11, False),
    ("au titre du paiement du loyer et des charges pour la période indiquée.", 11, False),
    ("", 11, False),
    ("Détail du règlement", 13, True),
    ("Loyer hors charges : 780,00 EUR", 11, False),
    ("Provision pour charges : 65,00 EUR", 11, False),
    ("Total payé : 845,00 EUR", 11, True),
    ("Date du paiement : 05/10/2026", 11, False),
    ("", 11, False),
    ("Fait à Lyon, le 6 octobre 2026", 11, False),
    ("Signature du bailleur : H. Durand", 11, False),
]


def make_pdf(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)  # A4
    y = 90.0
    for text, size, bold in LINES:
        if text:
            page.insert_text((72, y), text, fontsize=size, fontname="hebo" if bold else "helv")
        y += size * 1.9
    doc.save(path, garbage=4, deflate=True)


def make_scan(pdf: Path, path: Path) -> None:
    page = pymupdf.open(pdf)[0]
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples).rotate(
        1.5, resample=Image.BICUBIC, expand=False, fillcolor=255)
    rng = np.random.default_rng(7)
    pixels = np.asarray(image, dtype=np.float32) * 0.93 + 8
    pixels += rng.normal(0, 4, pixels.shape)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=70, dpi=(200, 200))


if __name__ == "__main__":
    make_pdf(HERE / "quittance_loyer.pdf")
    make_scan(HERE / "quittance_loyer.pdf", HERE / "quittance_loyer_scan.jpg")
