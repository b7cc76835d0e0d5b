"""Problems found in an input file, as records rather than text.

``Problem``: what a whole-scenario check finds, the path of the field it concerns and what is
wrong. ``InputProblem``: any problem of an input file (scenario, capacity targets, sweep
file), with the file that set the field, so the command line can print it and the app can
place it beside the field it is about. ``ScenarioError`` (``sim.config.loader``) carries a
list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[Any, ...]
TOLERANCE = 1e-6  # how far shares and probabilities may sum from 1


def dotted(path: Path) -> str:
    """``("services", "ucr", "capacity")`` -> ``"services.ucr.capacity"``."""
    return ".".join(map(str, path))


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{dotted(self.path)}: {self.message}"


@dataclass(frozen=True)
class InputProblem:
    """One problem of an input: the ``file`` that set the value ("" when not from a file,
    such as a command-line option), the field ``path`` in it (() for the file as a whole)
    and what is wrong. ``str()`` is the line the command line prints: ``FILE: path: message``."""

    file: str
    path: Path
    message: str

    @property
    def field(self) -> str:
        """The dotted field path ("" for the file as a whole)."""
        return dotted(self.path)

    def about(self, prefix: str) -> bool:
        """Is this about the field ``prefix`` (dotted) or a field inside it?"""
        return bool(self.path) and (self.field == prefix or self.field.startswith(prefix + "."))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.field, self.message) if part)
