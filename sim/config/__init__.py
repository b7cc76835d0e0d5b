"""Scenario files: schema, loading, and the checks of each field and of the whole scenario.

``sim.compile.load_scenario`` reads a scenario and runs every check (this package imports
nothing above it, so it cannot run the checks that need the compiled network).
"""

from sim.config.loader import ScenarioError
from sim.config.schema import Scenario

__all__ = ["Scenario", "ScenarioError"]
