"""A problem found by a whole-scenario check: the path of the field it concerns and what is
wrong, so each can be reported against the file that set the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[Any, ...]
TOLERANCE = 1e-6  # how far shares and probabilities may sum from 1


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(map(str, self.path))}: {self.message}"
