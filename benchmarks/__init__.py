"""Benchmarks of the simulator's speed, parallel efficiency, memory and statistical
efficiency; run ``python benchmarks/run_benchmarks.py`` (a script, never a timed test)."""
