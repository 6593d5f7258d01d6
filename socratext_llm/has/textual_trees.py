"""Decision trees assembled from the text: conditional statements as condition → action branches.

Statements that state a condition are grouped by section; a section with fewer than two of them hands
them to its parent section. Each group is one tree: its section is the start, each distinct condition a
question whose "oui" branch is the action recommended. Every question and action points to the
statement (and page) it came from.
"""
from __future__ import annotations

from collections import Counter

from .model import DecisionTree, Statement, TreeEdge, TreeNode

MIN_CONDITIONAL = 2


def _key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(" ,;:.")


def _groups(statements: list[Statement]) -> dict[tuple[str, ...], list[int]]:
    """Conditional statements by section, small sections merged into their parents (deepest first)."""
    where = {i: tuple(s.section) for i, s in enumerate(statements) if s.condition}
    while True:
        counts = Counter(where.values())
        small = [key for key, count in counts.items() if count < MIN_CONDITIONAL and key]
        if not small:
            break
        deepest = max(len(key) for key in small)
        for index, key in where.items():
            if key in small and len(key) == deepest:
                where[index] = key[:-1]
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, key in sorted(where.items()):
        groups.setdefault(key, []).append(index)
    return {key: indices for key, indices in groups.items() if len(indices) >= MIN_CONDITIONAL}


def textual_trees(statements: list[Statement], start: int = 0) -> list[DecisionTree]:
    """Trees from the statements that state a condition, numbered after the first ``start`` trees."""
    trees = []
    for section, indices in _groups(statements).items():
        trees.append(_tree(f"t{start + len(trees) + 1}", section, [(i, statements[i]) for i in indices]))
    return trees


def _tree(tree_id: str, section: tuple[str, ...], members: list[tuple[int, Statement]]) -> DecisionTree:
    first = members[0][1]
    title = section[-1] if section else "Recommandations"
    nodes = [TreeNode(id=f"{tree_id}.n1", text=title, kind="start", page=first.page, bbox=None)]
    edges: list[TreeEdge] = []
    questions: dict[str, str] = {}
    for index, statement in members:
        condition = statement.condition or ""
        if _key(condition) not in questions:
            questions[_key(condition)] = f"{tree_id}.n{len(nodes) + 1}"
            nodes.append(TreeNode(id=questions[_key(condition)], text=condition, kind="question", page=statement.page,
                                  bbox=statement.bbox, statement_index=index))
            edges.append(TreeEdge(source=nodes[0].id, target=questions[_key(condition)]))
        action = f"{tree_id}.n{len(nodes) + 1}"
        nodes.append(TreeNode(id=action, text=statement.action or statement.text, kind="end", page=statement.page,
                              bbox=statement.bbox, statement_index=index))
        edges.append(TreeEdge(source=questions[_key(condition)], target=action, label="oui"))
    return DecisionTree(id=tree_id, title=" › ".join(section) or None, source="text",
                        pages=sorted({s.page for _, s in members}), nodes=nodes, edges=edges)
