"""The shape of a HAS recommendation once read: metadata, graded statements, decision trees.

It is the data object of the ``has_recommendation`` document type
(``schemas/has_recommendation.schema.json`` follows it) and the gold format of ``eval run --dataset has``.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Grade = Literal["A", "B", "C", "AE"]
GradeSource = Literal["inline", "margin", "table", "heading"]
Direction = Literal["recommended", "not_recommended", "may_be_considered"]
DocumentKind = Literal["rbp", "synthese", "fiche_memo", "guide_parcours", "algorithme", "other"]
NodeKind = Literal["start", "question", "action", "end"]
TreeSource = Literal["vector", "raster", "text"]
Box = tuple[float, float, float, float]


class Statement(BaseModel):
    id: str | None            # printed id ("R.12", "R12"), else None
    section: list[str]        # section path, outermost first (heading texts)
    text: str                 # verbatim, hyphens at line ends joined, bullet glyphs and footnote calls dropped
    grade: Grade | None
    grade_source: GradeSource | None
    direction: Direction | None
    condition: str | None     # "chez les patients …", "en cas de …", "si …"
    action: str | None
    page: int                 # 1-based
    bbox: Box                 # PDF points on that page (x0, y0, x1, y1)


class RecommendationMetadata(BaseModel):
    title: str | None
    organisations: list[str]
    kind: DocumentKind | None
    date: str | None          # ISO date of publication/validation, never a date cited in the body
    grade_scale: list[str]    # e.g. ["A", "B", "C", "AE"]


class TreeNode(BaseModel):
    id: str
    text: str
    kind: NodeKind
    page: int
    bbox: Box | None
    statement_index: int | None = None


class TreeEdge(BaseModel):
    source: str
    target: str
    label: str | None = None


class DecisionTree(BaseModel):
    id: str
    title: str | None
    source: TreeSource
    pages: list[int]
    nodes: list[TreeNode]
    edges: list[TreeEdge]


class Recommendation(BaseModel):
    metadata: RecommendationMetadata
    statements: list[Statement]
    decision_trees: list[DecisionTree]
