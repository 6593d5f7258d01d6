"""A read recommendation written as files: JSON, Markdown, CSV, Mermaid, FHIR and HTML.

``write_outputs`` is what ``socratext has`` and the demo call; each format is one pure function of
the ``Recommendation`` so that the demo can offer the same downloads.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from .model import DecisionTree, Recommendation

CSV_COLUMNS = ["index", "id", "section", "text", "grade", "grade_source", "direction", "condition", "action",
               "page", "bbox"]
SUFFIXES = {"json": ".json", "markdown": ".md", "csv": ".csv", "mermaid": ".mmd", "fhir": ".fhir.json",
            "html": ".html"}


def to_json(recommendation: Recommendation) -> str:
    return json.dumps(recommendation.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def to_csv(recommendation: Recommendation) -> str:
    """Statements for a spreadsheet: one row each, the section path joined with ' > '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for index, statement in enumerate(recommendation.statements, start=1):
        row = statement.model_dump()
        row.update(index=index, section=" > ".join(statement.section),
                   bbox=" ".join(f"{v:.1f}" for v in statement.bbox))
        writer.writerow(row)
    return buffer.getvalue()


def _mermaid_id(node_id: str) -> str:
    return re.sub(r"\W", "_", node_id)


def _mermaid_text(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace('"', "#quot;")


def tree_to_mermaid(tree: DecisionTree) -> str:
    """One Mermaid flowchart: questions as diamonds, start and end as stadiums, actions as boxes."""
    shapes = {"question": ('{"', '"}'), "start": ('(["', '"])'), "end": ('(["', '"])'), "action": ('["', '"]')}
    lines = [f"%% {tree.id}: {_mermaid_text(tree.title or '', 200)} (pages {', '.join(map(str, tree.pages))})",
             "flowchart TD"]
    for node in tree.nodes:
        opening, closing = shapes[node.kind]
        lines.append(f"    {_mermaid_id(node.id)}{opening}{_mermaid_text(node.text)}{closing}")
    for edge in tree.edges:
        label = f"|{_mermaid_text(edge.label, 40)}|" if edge.label else ""
        lines.append(f"    {_mermaid_id(edge.source)} -->{label} {_mermaid_id(edge.target)}")
    return "\n".join(lines) + "\n"


def to_mermaid(recommendation: Recommendation) -> str:
    return "\n".join(tree_to_mermaid(tree) for tree in recommendation.decision_trees)


def to_markdown(recommendation: Recommendation) -> str:
    meta = recommendation.metadata
    lines = [f"# {meta.title or 'Recommandation'}", ""]
    facts = [("Organisation(s)", ", ".join(meta.organisations)), ("Type", meta.kind), ("Date", meta.date),
             ("Échelle de gradation", ", ".join(meta.grade_scale))]
    lines += [f"- **{name}** : {value}" for name, value in facts if value] + [""]
    lines += [f"## Recommandations ({len(recommendation.statements)})", ""]
    section: list[str] | None = None
    for index, statement in enumerate(recommendation.statements, start=1):
        if statement.section != section:
            section = statement.section
            lines += ["", f"### {' › '.join(section) or 'Sans section'}", ""]
        grade = f"**[{statement.grade}]** " if statement.grade else ""
        number = f"{statement.id} " if statement.id else ""
        lines.append(f"{index}. {number}{grade}{' '.join(statement.text.split())} _(p. {statement.page})_")
    for tree in recommendation.decision_trees:
        lines += ["", f"## Arbre {tree.id} : {tree.title or 'sans titre'} ({tree.source}, p. "
                  f"{', '.join(map(str, tree.pages))})", "", "```mermaid", tree_to_mermaid(tree).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def write_outputs(recommendation: Recommendation, name: str, folder: Path, pdf_path: Path | None = None) -> list[Path]:
    """Every format for one document in ``folder``, named after it; the paths written."""
    from .fhir import to_fhir_json
    from .report import to_html
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"json": to_json(recommendation), "markdown": to_markdown(recommendation), "csv": to_csv(recommendation),
             "mermaid": to_mermaid(recommendation), "fhir": to_fhir_json(recommendation, name),
             "html": to_html(recommendation, pdf_path)}
    written = []
    for kind, text in texts.items():
        path = folder / f"{name}{SUFFIXES[kind]}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
