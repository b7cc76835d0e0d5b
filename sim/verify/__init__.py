"""The model's validation suite (``python -m sim verify``): analytic checks against queueing
theory and exact accounting, and the shipped baseline's plausibility against published
figures, written as a report anyone can rerun.

- ``queueing``: Erlang A, B and C, Poisson, and the one-service scenarios the theory applies
  to;
- ``measure``: one replication reduced (in the worker) to what every check needs;
- ``checks``: kinds of check and the rules deciding them (Bonferroni-adjusted intervals,
  tolerances, exact identities, published ranges);
- ``experiment``: scenarios with their checks, and the quick and full budgets;
- ``analytic`` and ``plausibility``: the experiments themselves;
- ``suite``: runs them all through ``sim.runner.map_replications`` and reads the checks;
- ``report``, ``plots`` and ``command``: the results folder and the command line.

See docs/validation.md for the latest full report and what the model does not capture.
"""
