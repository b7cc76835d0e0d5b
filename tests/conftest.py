"""Fixtures shared by the suite.

``shipped_run``: one short replication (``helpers.BRIEF``, replication 0) of each shipped
scenario, run at most once a session and shared by the event-log grammar, model and places
tests. Under pytest-xdist (``--dist loadgroup``) the tests of one scenario share a worker
(``helpers.shipped_cases`` puts them in its group), so each scenario still runs once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from helpers import BRIEF

from sim.analysis.logview import LogView
from sim.analysis.metrics import replication_metrics
from sim.compile import load_scenario
from sim.config.schema import Scenario
from sim.engine.model import ReplicationLog, run_replication


@dataclass(frozen=True)
class ShippedRun:
    """A shipped scenario shortened to ``BRIEF`` and the log of its replication 0."""

    scenario: Scenario
    log: ReplicationLog

    @functools.cached_property
    def metrics(self) -> pd.DataFrame:
        """The replication's metrics (metric, locality, value), as ``sim.runner.simulate``
        measures them before costs are added."""
        return pd.DataFrame(replication_metrics(self.log, LogView(self.log)),
                            columns=["metric", "locality", "value"])


@pytest.fixture(scope="session")
def shipped_run() -> Callable[[Path], ShippedRun]:
    """The session's one run of the shipped scenario at a path (run when first asked for)."""

    @functools.cache
    def run(path: Path) -> ShippedRun:
        scenario = load_scenario(path, BRIEF)
        return ShippedRun(scenario, run_replication(scenario, 0))

    return run
