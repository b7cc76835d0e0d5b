"""A results folder read back: which command wrote it, and its tables.

The spreadsheet and the HTML report are pure functions of the folder's files, so
``python -m sim report RESULTS_DIR`` can rebuild both from a folder written earlier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

Kind = Literal["run", "compare", "capacity", "capacity_search", "sweep", "warmup"]
# the file that tells each kind apart, checked in this order
MARKERS: tuple[tuple[str, Kind], ...] = (
    ("comparison.csv", "compare"), ("sweep.csv", "sweep"), ("capacity.csv", "capacity"),
    ("search.csv", "capacity_search"), ("warmup.csv", "warmup"), ("summary.csv", "run"))


class NotAResultsFolder(ValueError):
    """The folder holds none of the files a results folder has."""


@dataclass
class ResultsFolder:
    """The files of one results folder, read on demand and kept."""

    path: Path
    kind: Kind
    manifest: dict[str, Any]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path) -> ResultsFolder:
        if not path.is_dir():
            raise NotAResultsFolder(f"{path}: not a folder")
        kind = next((k for name, k in MARKERS if (path / name).exists()), None)
        if kind is None:
            raise NotAResultsFolder(
                f"{path}: not a results folder; expected one of "
                f"{', '.join(name for name, _ in MARKERS)} (written by python -m sim run, "
                "compare, sweep, capacity or warmup)")
        manifest_path = path / "manifest.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        return cls(path, kind, manifest)

    def table(self, name: str) -> pd.DataFrame | None:
        """``name``.csv as a frame, or None when the folder has no such file (or it is
        empty)."""
        if name not in self._tables:
            path = self.path / f"{name}.csv"
            frame = pd.read_csv(path) if path.exists() and path.stat().st_size else None
            self._tables[name] = frame if frame is not None and len(frame) else None
        return self._tables[name]

    def scenario(self, prefix: str = "") -> dict[str, Any]:
        """The resolved scenario the folder records (``a_``/``b_`` for compare)."""
        path = self.path / f"{prefix}scenario.yaml"
        return yaml.safe_load(path.read_text()) if path.exists() else {}

    @property
    def scenario_names(self) -> list[str]:
        return list(self.manifest.get("scenarios", [])) or [self.scenario().get("name", "?")]

    @property
    def replications(self) -> int | None:
        return self.manifest.get("replications")
