"""Bring your own data: fit a scenario to a local activity extract, and backtest it.

- ``extract``: the extract format (docs/data.md), read in chunks and checked row by row;
- ``durations``: lengths of stay, several families by maximum likelihood with censoring and
  truncation, chosen by AIC;
- ``demand``, ``routing``, ``lengths_of_stay``, ``census``: the fitted parts of a scenario;
- ``fitting``: all of them together, written as a scenario layer (``layer``) and a report;
- ``backtest``: the fitted scenario run over the extract's period and compared week by week;
- ``synthetic``: a synthetic extract from a known scenario (no real data in the repository).

Only aggregates leave this package; cells from fewer than 5 patients are pooled or flagged
(``suppression``).
"""
