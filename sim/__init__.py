"""Integrated care pathway simulator: a discrete-event simulation (SimPy) of patients flowing
through a single point of access, urgent community response, intermediate care and the acute
hospital, comparing locality and baseline configurations.

Layout, each layer importing only those before it: ``config`` (scenario files and their
checks), ``compile`` (the whole-scenario checks that need the network, and the network's
tables), ``engine`` (the SimPy model), ``analysis`` (measures
from the event log), ``runner`` (replications), ``output`` (results folders and plots),
``cli`` (``python -m sim``).
"""

from sim.analysis.summary import compare
from sim.compile import load_scenario, validate, with_changes
from sim.config import Scenario, ScenarioError
from sim.engine.model import ReplicationLog, run_replication
from sim.runner import ScenarioResult, run_scenario, simulate

__version__ = "0.1.0"

__all__ = [
    "ReplicationLog",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "compare",
    "load_scenario",
    "run_replication",
    "run_scenario",
    "simulate",
    "validate",
    "with_changes",
]
