"""Regenerates socratext_llm/french/data/twoddoc_identifiers.json from the ANTS 2D-Doc specification v3.2.6.

    python scripts/twoddoc_identifiers.py ../shared/datasets/fr_2ddoc/reference/ants_2d-doc_specifications_v326.pdf

Reads the data identifier tables of section 7 (perimeter C40 '01'): identifier, name, minimum and maximum
length ('Aucune' = unbounded), type. The parser needs the lengths: a fixed-length value has no separator.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pymupdf

FIRST_PAGE, LAST_PAGE = 33, 97  # section 7, 0-based page indices
RUNNING_HEADER = re.compile(r"^(Spécifications techniques|des codes à barres 2D-Doc|Version : 3\.2\.6|"
                            r"Date : 24/03/2023|Pôle Data et Applications|Transverses|Page \d+ sur 216)")
ENTRY = re.compile(r"(?m)^([0-9A-Z]{2})(?: (.*))?\n((?:(?!Taille Min\.).*\n){0,4}?)"
                   r"Taille Min\.\s*(\S+)\s*Taille Max\.\s*(\S+)\s*Type\s*\n?(.*)")
# an enumeration or a note of the previous identifier ran into this one's heading ('... D3 Date de début')
LEAKED = re.compile(r"^.*\s((?=[0-9A-Z]{2} )[0-9A-Z]*[0-9][0-9A-Z]*|[A-Z]{2}(?= [A-ZÉ][a-zé])) ([A-ZÉ]\S*(?: \S+)*)$")


def _length(text: str) -> int | None:
    return None if text.lower().startswith("aucun") else int(text)


def identifiers(pdf: Path) -> dict[str, dict]:
    document = pymupdf.open(pdf)
    lines = [line.strip() for index in range(FIRST_PAGE, LAST_PAGE) for line in document[index].get_text().splitlines()]
    blob = "\n".join(line for line in lines if line and not RUNNING_HEADER.match(line))
    table: dict[str, dict] = {}
    for match in ENTRY.finditer(blob):
        identifier, first, rest, minimum, maximum, kind = match.groups()
        name = " ".join(part for part in [first or ""] + rest.splitlines() if part).strip()
        leaked = LEAKED.match(name)
        if leaked:
            identifier, name = leaked.groups()
        table[identifier] = {"name": name, "min": _length(minimum), "max": _length(maximum), "type": kind.strip()}
    return table


if __name__ == "__main__":
    table = identifiers(Path(sys.argv[1]))
    target = Path(__file__).resolve().parent.parent / "socratext_llm/french/data/twoddoc_identifiers.json"
    rows = ",\n".join(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in table.items())
    target.write_text("{\n" + rows + "\n}\n", encoding="utf-8")
    print(f"{len(table)} identifiers written to {target}", file=sys.stderr)
