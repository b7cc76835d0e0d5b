"""Deprecated: a results folder is read by ``sim.results`` (``open_folder``,
``ResultsFolder``); the names that were here are re-exported from there, with a
``DeprecationWarning``, for one release."""

from __future__ import annotations

import warnings

_MOVED = {"ResultsFolder": "ResultsFolder", "NotAResultsFolder": "NotAResultsFolder",
          "MARKERS": "V1_MARKERS"}


def __getattr__(name: str) -> object:
    if name not in _MOVED:
        raise AttributeError(f"module 'sim.report.folder' has no attribute {name!r}")
    warnings.warn(f"sim.report.folder.{name} is now sim.results.folder.{_MOVED[name]}",
                  DeprecationWarning, stacklevel=2)
    import sim.results.folder

    return getattr(sim.results.folder, _MOVED[name])
