"""The types a type checker sees for the scenario's tagged unions (``if TYPE_CHECKING:``
aliases) hold the same members as the unions pydantic validates with, so the two cannot
drift apart: each alias written for mypy is evaluated here and compared, constraints
(``Annotated``) and tags aside, with the runtime union of the same name."""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from typing import Annotated, Any, Union, get_args, get_origin

import pytest

MODULES = ["sim.config.schema", "sim.config.census", "sim.config.distributions",
           "sim.config.uncertainty", "sim.config.staffing"]


def _plain(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` anywhere inside it; a union as a frozenset."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return frozenset(_plain(arg) for arg in get_args(annotation))
    if origin is not None and origin.__module__ != "typing":
        return origin[tuple(_plain(arg) for arg in get_args(annotation))]
    return annotation


def checker_aliases(module_name: str) -> dict[str, Any]:
    """Name -> the value of each alias assigned under ``if TYPE_CHECKING:`` in the module."""
    module = importlib.import_module(module_name)
    tree = ast.parse(inspect.getsource(module))
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    name = statement.targets[0]
                    assert isinstance(name, ast.Name)
                    aliases[name.id] = eval(ast.unparse(statement.value), vars(module))
    return aliases


@pytest.mark.parametrize("module_name", MODULES)
def test_the_type_checkers_unions_are_the_validated_ones(module_name: str) -> None:
    module = importlib.import_module(module_name)
    aliases = checker_aliases(module_name)
    assert aliases, f"{module_name} has no aliases for a type checker"
    for name, checked in aliases.items():
        assert _plain(checked) == _plain(getattr(module, name)), name


def test_a_member_missing_from_an_alias_is_seen() -> None:
    from sim.config.schema import CapacitatedService, DelayService, Service

    assert _plain(CapacitatedService | DelayService) != _plain(Service)
