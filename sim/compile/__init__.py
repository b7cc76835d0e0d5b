"""The compile step: a scenario whose fields are valid, checked as a whole and turned into the
lookup tables the engine runs on (``network``), with the census's patients (``census``).

Layers depend in one direction only: ``sim.config`` (schema, loading, field and
whole-scenario checks) -> ``sim.compile`` -> ``sim.engine`` -> ``sim.analysis`` -> outputs
and the command line (tests/test_layers.py holds them to it).
"""

from sim.compile.scenario import load_scenario, validate, with_changes

__all__ = ["load_scenario", "validate", "with_changes"]
