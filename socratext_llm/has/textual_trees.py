"""Decision trees assembled from the text: conditional statements as condition → action branches.

One tree per top-level section holding at least two conditional statements: the section is the
start, its sub-sections split it, each distinct condition is a question whose "oui" branch is the
action recommended. Every question and action points to the statement (and page) it came from.
"""
from __future__ import annotations

from .model import DecisionTree, Statement, TreeEdge, TreeNode

MIN_CONDITIONAL = 2


def _key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(" ,;:")


def textual_trees(statements: list[Statement], start: int = 0) -> list[DecisionTree]:
    """Trees from the statements that state a condition, numbered after the first ``start`` trees."""
    by_section: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        if statement.condition:
            by_section.setdefault(statement.section[0] if statement.section else "", []).append(index)
    trees = []
    for section, indices in by_section.items():
        if len(indices) < MIN_CONDITIONAL:
            continue
        tree_id = f"t{start + len(trees) + 1}"
        trees.append(_tree(tree_id, section, [(i, statements[i]) for i in indices]))
    return trees


def _tree(tree_id: str, section: str, members: list[tuple[int, Statement]]) -> DecisionTree:
    first = members[0][1]
    nodes = [TreeNode(id=f"{tree_id}.n1", text=section or "Recommandations", kind="start", page=first.page, bbox=None)]
    edges: list[TreeEdge] = []
    known: dict[tuple, str] = {}

    def node(key: tuple, text: str, kind: str, statement: Statement, index: int | None) -> str:
        if key not in known:
            known[key] = f"{tree_id}.n{len(nodes) + 1}"
            nodes.append(TreeNode(id=known[key], text=text, kind=kind, page=statement.page,
                                  bbox=statement.bbox if index is not None else None, statement_index=index))
        return known[key]

    for index, statement in members:
        parent = nodes[0].id
        for depth, heading in enumerate(statement.section[1:], start=1):
            child = node(("section", *statement.section[: depth + 1]), heading, "question", statement, None)
            if not any(e.source == parent and e.target == child for e in edges):
                edges.append(TreeEdge(source=parent, target=child))
            parent = child
        question = node(("condition", parent, _key(statement.condition or "")), statement.condition or "",
                        "question", statement, index)
        if not any(e.source == parent and e.target == question for e in edges):
            edges.append(TreeEdge(source=parent, target=question))
        action = node(("action", index), statement.action or statement.text, "end", statement, index)
        edges.append(TreeEdge(source=question, target=action, label="oui"))
    pages = sorted({s.page for _, s in members})
    return DecisionTree(id=tree_id, title=section or None, source="text", pages=pages, nodes=nodes, edges=edges)
