"""The interface every extraction engine implements, and their registry."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from ..document import Document
from ..registry import Registry
from ..settings import Settings
from .result import Check, Evidence
from .schemas import DocumentType


@dataclass
class FieldValues:
    """An engine's answer: values by field, evidence by JSON pointer, tokens spent when an LLM was used."""

    data: dict[str, Any]
    evidence: dict[str, Evidence] = field(default_factory=dict)
    llm_tokens: int | None = None
    checks: list[Check] = field(default_factory=list)


class ExtractionEngine(ABC):
    name: ClassVar[str]

    def __init__(self, settings: Settings):
        self.settings = settings

    @abstractmethod
    def extract(self, document: Document, doctype: DocumentType) -> FieldValues: ...


extraction_engines: Registry[ExtractionEngine] = Registry(
    "extraction", "socratext_llm.extract.engines", "socratext_llm.extraction_engines")


@lru_cache(maxsize=8)
def get_extraction_engine(name: str, settings: Settings) -> ExtractionEngine:
    """A new engine of that name for these settings (one is built for every document: engines are light, and
    the local model the outlines engine holds is loaded once per process)."""
    return extraction_engines.get(name)(settings)
