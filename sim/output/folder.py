"""Deprecated: results folders are written and read by ``sim.results`` (the one door).

The names that were here are re-exported from there, with a ``DeprecationWarning``, for one
release."""

from __future__ import annotations

import warnings

_MOVED = ("COMPARE_SIDES", "DEPENDENCIES", "atomic_folder", "default_folder", "manifest",
          "resolved_yaml", "write_json", "write_scenario", "write_winter_outputs")


def __getattr__(name: str) -> object:
    if name not in _MOVED:
        raise AttributeError(f"module 'sim.output.folder' has no attribute {name!r}")
    warnings.warn(f"sim.output.folder.{name} is now sim.results.{name}", DeprecationWarning,
                  stacklevel=2)
    import sim.results.folder
    import sim.results.run

    home = sim.results.run if name == "write_winter_outputs" else sim.results.folder
    return getattr(home, name)
