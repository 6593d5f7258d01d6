"""Engines registered by name: built-in modules of a package, plus outside plugins via entry points.

A new engine is a new module in the engines package (or a package declaring the
entry point); nothing else is edited.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from .errors import UnknownEngineError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, package: str, entry_point_group: str):
        self.kind = kind
        self.package = package
        self.entry_point_group = entry_point_group
        self._classes: dict[str, type[T]] = {}
        self._discovered = False
        self._lock = threading.RLock()

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: the class's ``name`` attribute is its public name."""
        self._classes[cls.name] = cls  # type: ignore[attr-defined]
        return cls

    def _discover(self) -> None:
        """Import every engine module once; the lock keeps concurrent first calls (API threads)
        from reading a half-filled registry."""
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            package = importlib.import_module(self.package)
            for module in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{self.package}.{module.name}")
            for entry in entry_points(group=self.entry_point_group):
                self.register(entry.load())
            self._discovered = True

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._classes)

    def get(self, name: str) -> type[T]:
        self._discover()
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownEngineError(
                f"unknown {self.kind} engine '{name}'", hint=f"choose one of: {', '.join(self.names())}"
            ) from None
