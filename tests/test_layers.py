"""The package's layers import in one direction: ``config`` -> ``compile`` -> ``engine`` ->
``analysis`` -> everything else (runner, outputs, command line, app).

Imports are read from the source with ``ast`` at any depth, so an import inside a function
(a way round an import cycle that hides the cycle) counts like one at the top; only imports
under ``if TYPE_CHECKING:`` are left out, as they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
LAYERS = ["config", "compile", "engine", "analysis"]  # each may import only those before it
NO_FUNCTION_IMPORTS = ["config", "compile", "engine"]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_name(path: Path, root: Path) -> str:
    """The dotted name of the module at ``path`` in the package folder ``root``."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, module: str) -> Iterator[tuple[int, str, bool]]:
    """(line, imported module, whether inside a function) of each import of ``module`` (at
    ``path``) that can run."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[int, str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    yield from walk(other, in_function)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child.lineno, alias.name, in_function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: resolved against this module's package
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # "from sim import config" imports sim.config
                names = [f"{base}.{alias.name}" for alias in child.names] if base == "sim" \
                    else [base]
                for name in names:
                    yield child.lineno, name, in_function
            yield from walk(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


def _layer(module: str) -> int | None:
    """Index in LAYERS of a ``sim`` module's layer; len(LAYERS) for the layers above them."""
    parts = module.split(".")
    if parts[0] != "sim":
        return None
    if len(parts) == 1:
        return len(LAYERS)  # the package itself imports every layer
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else len(LAYERS)


def violations(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        name = _module_name(path, root)
        own = _layer(name)
        for line, module, in_function in imports(path, name):
            target = _layer(module)
            where = f"{path.relative_to(root.parent)}:{line} imports {module}"
            if own is not None and own < len(LAYERS) and target is not None and target > own:
                found.append(f"{where} (a layer above {LAYERS[own]})")
            if in_function and target is not None and own is not None and \
                    own < len(LAYERS) and LAYERS[own] in NO_FUNCTION_IMPORTS:
                found.append(f"{where} inside a function")
    return found


def test_layers_import_only_the_layers_before_them() -> None:
    assert violations(SIM) == []


@pytest.mark.parametrize("source, expected", [
    ("from sim.engine.model import Model\n", "a layer above config"),
    ("def f():\n    from sim.compile import load_scenario\n", "a layer above config"),
    ("def f():\n    from sim.config.schema import Scenario\n", "inside a function"),
    ("import sim.analysis.metrics\n", "a layer above config"),
    ("from sim import runner\n", "a layer above config"),
    ("from ..engine import model\n", "a layer above config"),
])
def test_an_import_against_the_layers_is_caught(tmp_path: Path, source: str,
                                                expected: str) -> None:
    """The check itself: a config module importing upwards, at the top or in a function, or
    importing from its own layer inside a function, is reported."""
    config = tmp_path / "sim" / "config"
    config.mkdir(parents=True)
    (config / "bad.py").write_text(source, encoding="utf-8")
    found = violations(tmp_path / "sim")
    assert any(expected in problem for problem in found), found


def test_imports_under_type_checking_are_left_out(tmp_path: Path) -> None:
    engine = tmp_path / "sim" / "engine"
    engine.mkdir(parents=True)
    (engine / "ok.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                  "    from sim.analysis.metrics import Row\n", encoding="utf-8")
    assert violations(tmp_path / "sim") == []
