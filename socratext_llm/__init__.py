"""Socratext LLM: French administrative documents into JSON that follows a JSON Schema."""
from .document import Document
from .errors import SocratextError
from .extract.pipeline import extract
from .pipeline import ocr
from .settings import Settings, load_settings

__version__ = "0.1.0"
__all__ = ["Document", "Settings", "SocratextError", "load_settings", "extract", "ocr", "__version__"]
