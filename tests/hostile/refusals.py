"""What every hostile-input test asserts: the input is refused with records naming the file,
the field path and what was expected (``sim.config.problems.InputProblem``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.config import ScenarioError
from sim.config.problems import InputProblem

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    """A YAML file ``name`` in ``folder`` holding ``text``."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def on_baseline(folder: Path, text: str, name: str = "hostile.yaml") -> Path:
    """A scenario file that extends the shipped baseline with ``text``."""
    return write(folder, name, f"extends: {BASELINE}\n{text}")


def refusal(load: Callable[[], Any], file: Path, path: tuple[Any, ...], words: str) -> InputProblem:
    """``load()`` raises ``ScenarioError`` with a problem of ``file`` at ``path`` whose message
    says ``words``; that problem."""
    with pytest.raises(ScenarioError) as error:
        load()
    found = [p for p in error.value.problems if p.file == str(file) and p.path == path]
    assert found, f"no problem of {file} at {path}: {error.value.problems}"
    assert any(words in p.message for p in found), found
    return found[0]
