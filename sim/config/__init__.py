"""Scenario files: schema, cross-field checks and loading."""

from sim.config.loader import ScenarioError, load_scenario
from sim.config.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]
