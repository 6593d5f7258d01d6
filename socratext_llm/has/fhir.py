"""HL7 FHIR R4 export following the Clinical Practice Guidelines implementation guide (CPG).

A ``collection`` Bundle holding: a CodeSystem for the HAS grade scale; one PlanDefinition per
statement with the recommendation-definition profile, its grade in the ``strengthOfRecommendation``
extension of its action and its condition as the action's applicability; one PlanDefinition per
decision tree, each node an action whose incoming arrows are ``relatedAction`` links and whose arrow
label (Oui, Non…) is its applicability condition.
"""
from __future__ import annotations

import json
import re

from .model import DecisionTree, Recommendation, Statement

CPG = "http://hl7.org/fhir/uv/cpg"
RECOMMENDATION_PROFILE = f"{CPG}/StructureDefinition/cpg-recommendationdefinition"
STRENGTH_EXTENSION = f"{CPG}/StructureDefinition/cpg-strengthOfRecommendation"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
GRADE_SYSTEM = "urn:socratext:fhir:CodeSystem:has-grade"
GRADES = {"A": "Grade A : preuve scientifique établie", "B": "Grade B : présomption scientifique",
          "C": "Grade C : faible niveau de preuve scientifique", "AE": "Accord d'experts"}
DIRECTIONS = {"recommended": "recommandé", "not_recommended": "non recommandé", "may_be_considered": "peut être envisagé"}


def _fhir_id(text: str) -> str:
    """FHIR ids: letters, digits, '-' and '.', at most 64 characters."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64]


def _text_condition(expression: str) -> dict:
    return {"kind": "applicability", "expression": {"language": "text/plain", "expression": expression}}


def grade_code_system() -> dict:
    return {"resourceType": "CodeSystem", "id": "has-grade", "url": GRADE_SYSTEM, "status": "active",
            "content": "complete", "name": "HasRecommendationGrade",
            "title": "Gradation des recommandations de la Haute Autorité de Santé",
            "concept": [{"code": code, "display": display} for code, display in GRADES.items()]}


def statement_plan(statement: Statement, index: int, name: str) -> dict:
    action: dict = {"title": statement.action or statement.text[:250], "description": statement.text}
    if statement.grade:
        action["extension"] = [{"url": STRENGTH_EXTENSION, "valueCodeableConcept": {
            "coding": [{"system": GRADE_SYSTEM, "code": statement.grade, "display": GRADES[statement.grade]}]}}]
    if statement.condition:
        action["condition"] = [_text_condition(statement.condition)]
    if statement.direction:
        action["textEquivalent"] = DIRECTIONS[statement.direction]
    plan = {"resourceType": "PlanDefinition", "id": _fhir_id(f"{name}-s{index}"),
            "meta": {"profile": [RECOMMENDATION_PROFILE]}, "status": "draft",
            "title": statement.id or f"Recommandation {index}",
            "type": {"coding": [{"system": PLAN_TYPE, "code": "eca-rule"}]},
            "description": statement.text,
            "relatedArtifact": [{"type": "citation", "display": f"{name}, page {statement.page}"}],
            "action": [action]}
    if statement.section:
        plan["subtitle"] = " > ".join(statement.section)[:250]
    return plan


def tree_plan(tree: DecisionTree, name: str) -> dict:
    texts = {node.id: node.text for node in tree.nodes}
    actions = []
    for node in tree.nodes:
        action: dict = {"id": _fhir_id(node.id), "title": node.text[:250] or node.id, "description": node.text or node.id,
                        "code": [{"text": node.kind}]}
        incoming = [edge for edge in tree.edges if edge.target == node.id]
        if incoming:
            action["relatedAction"] = [{"actionId": _fhir_id(edge.source), "relationship": "after-end"} for edge in incoming]
        labelled = [edge for edge in incoming if edge.label]
        if labelled:
            action["condition"] = [_text_condition(f"{texts[edge.source]} : {edge.label}") for edge in labelled]
        actions.append(action)
    return {"resourceType": "PlanDefinition", "id": _fhir_id(f"{name}-{tree.id}"), "status": "draft",
            "title": tree.title or f"Arbre {tree.id}",
            "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol"}]},
            "description": f"Arbre de décision ({tree.source}), pages {', '.join(map(str, tree.pages))}",
            "action": actions}


def to_fhir(recommendation: Recommendation, name: str) -> dict:
    resources = [grade_code_system()]
    resources += [statement_plan(s, i, name) for i, s in enumerate(recommendation.statements, start=1)]
    resources += [tree_plan(tree, name) for tree in recommendation.decision_trees]
    return {"resourceType": "Bundle", "id": _fhir_id(name), "type": "collection",
            "entry": [{"fullUrl": f"urn:socratext:{r['resourceType']}:{r['id']}", "resource": r} for r in resources]}


def to_fhir_json(recommendation: Recommendation, name: str) -> str:
    return json.dumps(to_fhir(recommendation, name), ensure_ascii=False, indent=2) + "\n"
