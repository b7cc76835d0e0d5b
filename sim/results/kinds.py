"""The registry of folder kinds, and the one function that writes any of them.

A kind is registered by the part of the package whose results it holds (desmod's "each part
contributes its results"): ``register(FolderKind(...))`` at the top of that part's writer
module. ``write_folder`` then writes a folder of that kind: its own files (the kind's writer),
``manifest.json`` (kind, format version, how to reproduce it) and the files derived from them
(the board report), all atomically.

Derived files are contributed the same way, by ``add_derived``: the board report
(``sim.report``) builds ``report.html`` and ``results.xlsx`` from a folder's own files for the
kinds it knows. The parts that contribute them are listed in ``DERIVED_PARTS`` and imported
before the first folder is written, as plugins are, so a folder holds them however the door is
reached (the command line, the app or a notebook) while ``sim.report``, which reads folders
through this package, is not imported by it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.schema import Scenario
from sim.results.folder import MANIFEST, atomic_folder, manifest, write_json

# the parts whose import adds derived files (add_derived); a new one is one more name here
DERIVED_PARTS = ("sim.report",)


@dataclass(frozen=True)
class FolderKind:
    """One kind of results folder: its ``name`` (the manifest's ``kind``) and, in a sentence,
    what it holds and which command writes it."""

    name: str
    holds: str


@dataclass(frozen=True)
class Derived:
    """Files built from a folder's own files, for the kinds named."""

    write: Callable[[Path], Any]
    kinds: frozenset[str]


KINDS: dict[str, FolderKind] = {}
_DERIVED: list[Derived] = []


def register(kind: FolderKind) -> FolderKind:
    """Add ``kind`` to the registry (once per name); returns it, for ``KIND = register(...)``."""
    known = KINDS.setdefault(kind.name, kind)
    if known != kind:
        raise ValueError(f"folder kind {kind.name!r} is registered twice, differently")
    return kind


def add_derived(write: Callable[[Path], Any], kinds: Iterable[str]) -> None:
    """Have ``write(folder)`` run in every new folder of ``kinds``, after its own files."""
    derived = Derived(write, frozenset(kinds))
    if derived not in _DERIVED:
        _DERIVED.append(derived)


def write_folder(kind: FolderKind, out: Path, files: Callable[[Path], Any],
                 scenarios: list[Scenario], replications: int, wall_seconds: float,
                 reproduce: str, extra: dict[str, Any] | None = None) -> Path:
    """Write the folder ``out`` of ``kind``: ``files(folder)`` writes the kind's own files,
    then the manifest (``sim.results.folder.manifest``: ``reproduce`` is the command that redoes
    it from inside the folder, ``wall_seconds`` the run's wall time), then every derived file.
    Atomic: ``out`` appears complete or not at all. Returns ``out``."""
    if KINDS.get(kind.name) != kind:
        raise ValueError(f"folder kind {kind.name!r} is not registered (sim.results.register)")
    for part in DERIVED_PARTS:
        importlib.import_module(part)  # adds its derived files (see the module docstring)
    with atomic_folder(out) as folder:
        files(folder)
        write_json(manifest(kind.name, scenarios, replications, wall_seconds, reproduce, extra),
                   folder / MANIFEST)
        for derived in _DERIVED:
            if kind.name in derived.kinds:
                derived.write(folder)
    return out
