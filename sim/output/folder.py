"""Deprecated: results folders are written and read by ``sim.results`` (the one door).

The names that were here are re-exported from there, with a ``DeprecationWarning``, for one
release."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.config.schema import Scenario

_MOVED = ("COMPARE_SIDES", "DEPENDENCIES", "atomic_folder", "default_folder", "resolved_yaml",
          "write_json", "write_scenario", "write_winter_outputs")


def manifest(scenarios: list[Scenario], replications: int, wall_seconds: float,
             reproduce: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deprecated: ``sim.results.write_folder`` writes a registered kind's manifest (or
    ``sim.results.manifest(kind, ...)``). This one, as before, names no kind."""
    warnings.warn("sim.output.folder.manifest is now sim.results.manifest(kind, ...); better, "
                  "register the folder's kind and write it with sim.results.write_folder",
                  DeprecationWarning, stacklevel=2)
    from sim.results.folder import manifest as named

    return named(None, scenarios, replications, wall_seconds, reproduce, extra)


def __getattr__(name: str) -> object:
    if name not in _MOVED:
        raise AttributeError(f"module 'sim.output.folder' has no attribute {name!r}")
    warnings.warn(f"sim.output.folder.{name} is now sim.results.{name}", DeprecationWarning,
                  stacklevel=2)
    import sim.results.folder
    import sim.results.run

    home = sim.results.run if name == "write_winter_outputs" else sim.results.folder
    return getattr(home, name)
