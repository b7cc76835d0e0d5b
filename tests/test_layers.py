"""The lower layers import at the top of their modules only.

Which layer may import which (config -> compile -> engine -> analysis -> the rest), the
independence of the top-floor features and the absence of import circles are import-linter
contracts (pyproject.toml, ``lint-imports`` in .ci/run). What those contracts cannot say is
checked here: in ``config``, ``compile`` and ``engine`` no module of ``sim`` is imported inside
a function, a way round an import circle that hides the circle. Imports are read from the
source with ``ast``; those under ``if TYPE_CHECKING:`` are left out, as they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
NO_FUNCTION_IMPORTS = ["config", "compile", "engine"]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def function_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, imported module) of each import inside a function that can run; relative imports
    (``from .x import y``) are named by their dots."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    yield from walk(other, in_function)
                continue
            if in_function and isinstance(child, ast.Import):
                yield from ((child.lineno, alias.name) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                yield child.lineno, "." * child.level + (child.module or "")
            yield from walk(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    yield from walk(tree, False)


def violations(root: Path) -> list[str]:
    """Imports of ``sim`` modules inside functions of the ``NO_FUNCTION_IMPORTS`` layers."""
    found = []
    for layer in NO_FUNCTION_IMPORTS:
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, module in function_imports(tree):
                if module.startswith(".") or module.split(".")[0] == "sim":
                    found.append(f"{path.relative_to(root.parent)}:{line} imports {module} "
                                 "inside a function")
    return found


def test_the_lower_layers_import_only_at_the_top() -> None:
    assert violations(SIM) == []


@pytest.mark.parametrize("source, caught", [
    ("def f():\n    from sim.config.schema import Scenario\n", True),
    ("def f():\n    import sim.engine.model\n", True),
    ("def f():\n    from .schema import Scenario\n", True),
    ("def f():\n    import json\n", False),  # another package: no circle of ours to hide
    ("from sim.config.schema import Scenario\n", False),
    ("from typing import TYPE_CHECKING\ndef f():\n    if TYPE_CHECKING:\n"
     "        from sim.config.schema import Scenario\n", False),
])
def test_an_import_inside_a_function_is_caught(tmp_path: Path, source: str, caught: bool) -> None:
    config = tmp_path / "sim" / "config"
    config.mkdir(parents=True)
    (config / "probe.py").write_text(source, encoding="utf-8")
    assert bool(violations(tmp_path / "sim")) == caught
