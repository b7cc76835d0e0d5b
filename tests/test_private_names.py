"""Our code uses no private name of another package (simpy, numpy, the standard library ...):
a name with one leading underscore is free to change in any release.

Read from the source with ``ast``: no import of a ``_module`` or of a ``_name`` from outside our
packages; no attribute ``x._name`` unless the module, or a module of ours it imports, defines
``_name``; and no class of
ours that extends another package's class touches, on itself, a private name that class
defines (as ``Pool`` once set ``simpy.Resource``'s ``_capacity``). The one exception is a
library's documented extension hook: SimPy's ``BaseResource`` says a subclass customises a
resource through ``_do_put`` and ``_do_get`` (``DOCUMENTED_HOOKS``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import simpy

REPO = Path(__file__).resolve().parent.parent
OURS = ("sim", "benchmarks", "tests", "notebooks")
SCANNED = [REPO / "sim", REPO / "benchmarks", REPO / "tests", REPO / "notebooks"]
# private names a base class documents as the way to extend it: (base class, names)
DOCUMENTED_HOOKS = [(simpy.resources.base.BaseResource, {"_do_put", "_do_get"})]
HOOK_NAMES = set().union(*(names for _, names in DOCUMENTED_HOOKS))


def is_private(name: str) -> bool:
    """One leading underscore; not a dunder (``__init__``) or an enum-style ``_sunder_``."""
    return name.startswith("_") and not name.startswith("__") and not name.endswith("_")


def sources(roots: list[Path]) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.py"))


def defined_names(tree: ast.AST) -> set[str]:
    """Private names a module defines: functions, classes, variables, attributes of ``self``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {name for name in names if is_private(name)}


def foreign_uses(source: str, where: str, ours: set[str]) -> Iterator[str]:
    """Private names of other packages used in ``source`` (the module at ``where``)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in OURS and any(
                        is_private(part) for part in alias.name.split(".")):
                    yield f"{where}:{node.lineno} imports {alias.name}"
        elif isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            if module.split(".")[0] in OURS:
                continue
            if any(is_private(part) for part in module.split(".")):
                yield f"{where}:{node.lineno} imports from {module}"
            for alias in node.names:
                if is_private(alias.name):
                    yield f"{where}:{node.lineno} imports {alias.name} from {module}"
        elif isinstance(node, ast.Attribute) and is_private(node.attr) and node.attr not in ours \
                and not (node.attr in HOOK_NAMES and on_itself(node)):
            yield f"{where}:{node.lineno} uses .{node.attr}"


def on_itself(node: ast.Attribute) -> bool:
    """``self.x``, ``cls.x`` or ``super().x``: a class reaching its own (inherited) name, which
    ``inherited_uses`` checks against the base classes' documented hooks."""
    value = node.value
    return (isinstance(value, ast.Name) and value.id in ("self", "cls")) or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super")


def _private_names_of(cls: type) -> set[str]:
    """Private names a class of another package defines, on itself or (in its source) on
    its instances."""
    names = {name for name in vars(cls) if is_private(name)}
    try:
        tree = ast.parse(_source(cls))
    except (OSError, TypeError):  # no Python source (a C type): its vars are all there is
        return names
    return names | {node.attr for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and is_private(node.attr)}


def _source(cls: type) -> str:
    return textwrap.dedent(inspect.getsource(cls))


def inherited_uses(module_name: str) -> Iterator[str]:
    """Private names that classes of ``module_name`` touch on themselves, or define, which
    another package's base class of theirs defines."""
    module = importlib.import_module(module_name)
    for cls in vars(module).values():
        if not (isinstance(cls, type) and cls.__module__ == module_name):
            continue
        foreign = [base for base in cls.__mro__[1:]
                   if base is not object and base.__module__.split(".")[0] not in OURS]
        try:
            tree = ast.parse(_source(cls))
        except OSError:  # built at run time (a parametrised generic): no source of its own
            continue
        theirs = set().union(*map(_private_names_of, foreign)) if foreign else set()
        theirs -= documented_hooks(cls)
        touched = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                   and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")}
        touched |= {node.name for node in ast.walk(tree)
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for name in sorted(touched & theirs):
            yield f"{module_name}.{cls.__qualname__} uses {name} of {foreign[0].__qualname__}"


def documented_hooks(cls: type) -> set[str]:
    """The private names ``cls``'s base classes document as extension hooks."""
    return set().union(*(names for base, names in DOCUMENTED_HOOKS if issubclass(cls, base)))


def _module_names(root: Path) -> list[str]:
    return [module_name(path) for path in sources([root])]


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def own_names(tree: ast.AST, defined: dict[str, set[str]]) -> set[str]:
    """Private names a module may use as attributes: its own, and those of the modules of
    ours it imports (``from sim.x import y`` brings sim.x's and, if y is a module, y's)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OURS:
            names |= defined.get(node.module or "", set())
            for alias in node.names:
                names |= defined.get(f"{node.module}.{alias.name}", set())
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names |= defined.get(alias.name, set())
    return names


def test_no_private_name_of_another_package_is_used() -> None:
    paths = sources(SCANNED)
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    defined = {module_name(path): defined_names(tree) for path, tree in trees.items()}
    assert [use for path, tree in trees.items() for use in foreign_uses(
        path.read_text(encoding="utf-8"), str(path.relative_to(REPO)),
        defined[module_name(path)] | own_names(tree, defined))] == []


def test_a_private_name_defined_elsewhere_in_our_code_does_not_excuse_its_use() -> None:
    """``pool._capacity`` is refused even where another module of ours has a ``_capacity``."""
    source = "def f(pool):\n    return pool._capacity\n"
    defined = {"sim.app.page": {"_capacity"}}
    assert list(foreign_uses(source, "x.py", own_names(ast.parse(source), defined))) == [
        "x.py:2 uses ._capacity"]


@pytest.mark.parametrize("module_name", [
    name for name in _module_names(REPO / "sim")
    if not name.startswith(("sim.app", "sim.__main__"))  # the app needs streamlit installed
])
def test_no_class_of_ours_touches_its_base_classes_private_names(module_name: str) -> None:
    assert list(inherited_uses(module_name)) == []


@pytest.mark.parametrize("source, expected", [
    ("from _random import Random\n", "imports from _random"),
    ("def f(pool):\n    pool._do_put(pool.queue[0])\n", "uses ._do_put"),  # a hook, not on itself
    ("import simpy\ndef f(env):\n    return env._queue\n", "uses ._queue"),
    ("from simpy.core import _helper\n", "imports _helper from simpy.core"),
    ("import numpy._core\n", "imports numpy._core"),
])
def test_a_private_name_of_another_package_is_caught(source: str, expected: str) -> None:
    found = list(foreign_uses(source, "probe.py", set()))
    assert any(expected in use for use in found), found


def test_a_subclass_setting_its_simpy_base_classes_private_field_is_caught(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sim_probe_pool.py").write_text(
        "import simpy\n\n\nclass Pool(simpy.Resource):\n"
        "    def set_capacity(self, capacity):\n        self._capacity = capacity\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(inherited_uses("sim_probe_pool")) == [
        "sim_probe_pool.Pool uses _capacity of Resource"]


def test_only_the_documented_hooks_of_a_simpy_resource_are_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Overriding and calling ``_do_put`` / ``_do_get`` is SimPy's extension model; any other
    private name of the resource (here ``_trigger_put``) is still caught."""
    (tmp_path / "sim_probe_hooks.py").write_text(
        "import simpy\n\n\nclass Pool(simpy.Resource):\n"
        "    def _do_get(self, event):\n        return super()._do_get(event)\n\n"
        "    def grant(self):\n        self._do_put(self.queue[0])\n"
        "        self._trigger_put(None)\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(inherited_uses("sim_probe_hooks")) == [
        "sim_probe_hooks.Pool uses _trigger_put of Resource"]
