"""The stated public API, ``sim.__all__``: every name in it resolves, and the python examples
of the README, the docs and the notebooks' sources use only those names or submodules of
``sim`` (``sim.analysis.registry``), never a name of ``sim`` that is not stated."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO

import sim

PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NOTEBOOK_SOURCES = sorted((REPO / "notebooks").glob("make_*.py"))


def python_examples() -> Iterator[tuple[str, str]]:
    """(where, code) of each python block of the pages, and of each notebook's source."""
    for page in PAGES:
        for k, code in enumerate(PYTHON_BLOCK.findall(page.read_text()), start=1):
            yield f"{page.relative_to(REPO)} block {k}", code
    for source in NOTEBOOK_SOURCES:
        yield str(source.relative_to(REPO)), source.read_text()


def names_used_from_sim(code: str) -> set[str]:
    """Names taken from the package itself: ``sim.X`` after ``import sim``, and
    ``from sim import X``."""
    used = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "sim":
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module == "sim" and node.level == 0:
            used.update(alias.name for alias in node.names)
    return used


def is_submodule(name: str) -> bool:
    return importlib.util.find_spec(f"sim.{name}") is not None


def test_every_stated_name_resolves():
    assert sim.__all__ == sorted(set(sim.__all__))
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name


def test_an_unstated_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Model'"):
        _ = sim.Model  # type: ignore[attr-defined]


def test_importing_sim_loads_no_numeric_library():
    """The names load when first used, so ``python -m sim`` starts fast (sim/__init__.py)."""
    code = ("import sys, sim; heavy = {'pandas', 'scipy', 'simpy'} & set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_checker_finds_names_taken_from_sim():
    code = "import sim\nfrom sim import Model, load_scenario\nsim.run_scenario(sim.analysis)\n"
    assert names_used_from_sim(code) == {"Model", "load_scenario", "run_scenario", "analysis"}
    assert is_submodule("analysis") and is_submodule("pages") and not is_submodule("Model")


def test_the_examples_use_only_stated_names_or_submodules():
    examples = list(python_examples())
    assert len(examples) >= 10  # the README's, docs/extending.md's and the notebooks'
    unstated = {f"{where}: sim.{name}" for where, code in examples
                for name in names_used_from_sim(code)
                if name not in sim.__all__ and not is_submodule(name)}
    assert not unstated, f"names not in sim.__all__ (sim/__init__.py): {sorted(unstated)}"


def test_the_package_says_it_is_typed():
    assert (Path(sim.__file__).parent / "py.typed").is_file()
    assert '"sim" = ["py.typed"]' in (REPO / "pyproject.toml").read_text()
