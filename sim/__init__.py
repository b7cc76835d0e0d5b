"""Integrated care pathway simulator: a discrete-event simulation (SimPy) of patients flowing
through a single point of access, urgent community response, intermediate care and the acute
hospital, comparing locality and baseline configurations.

Layout, each layer importing only those before it: ``config`` (scenario files and their
checks), ``compile`` (the whole-scenario checks that need the network, and the network's
tables), ``engine`` (the SimPy model), ``analysis`` (measures
from the event log), ``runner`` (replications), ``output`` (plots), ``results`` (the one door
to results folders, written and read), ``cli`` (``python -m sim``).

The stated public API is ``sim.__all__``: the names below, which the README, the docs and the
notebooks use (``tests/test_public_api.py`` keeps it so). Anything else is reached through its
submodule (``sim.analysis.registry``, ``sim.pages.tables``) and may move between releases;
``docs/extending.md`` says which of those an extension uses.

These names are imported when first used, so that ``python -m sim`` reaches its own
Ctrl-C handling before pandas and scipy load (a second or two in which Ctrl-C would otherwise
print a traceback).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # "x as x": re-exported, for type checkers and editors
    from sim.analysis.logview import LogView as LogView
    from sim.analysis.summary import compare as compare
    from sim.compile import load_scenario as load_scenario
    from sim.compile import validate as validate
    from sim.compile import with_changes as with_changes
    from sim.config import Scenario as Scenario
    from sim.config import ScenarioError as ScenarioError
    from sim.engine.model import ReplicationLog as ReplicationLog
    from sim.engine.model import run_replication as run_replication
    from sim.runner import ScenarioResult as ScenarioResult
    from sim.runner import run_scenario as run_scenario
    from sim.runner import simulate as simulate

__version__ = "0.1.0"

_HOMES = {  # public name -> the module that defines it
    "compare": "sim.analysis.summary",
    "LogView": "sim.analysis.logview",
    "load_scenario": "sim.compile",
    "validate": "sim.compile",
    "with_changes": "sim.compile",
    "Scenario": "sim.config",
    "ScenarioError": "sim.config",
    "ReplicationLog": "sim.engine.model",
    "run_replication": "sim.engine.model",
    "ScenarioResult": "sim.runner",
    "run_scenario": "sim.runner",
    "simulate": "sim.runner",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value
