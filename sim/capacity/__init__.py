"""Capacity estimation and capacity search (``python -m sim capacity``).

- ``occupancy``: run with chosen services' capacity unlimited and record how many units are
  in use, per service, unit and month;
- ``criteria``: capacity needed so that arrivals rarely find all units busy, mean occupancy
  stays under a target, or a percentile of occupancy is covered;
- ``targets`` and ``search``: the smallest capacities meeting several targets at once in the
  constrained model;
- ``plots`` and ``command``: results folders and the command line.
"""
