"""Bring your own data: fit a scenario to a local activity extract, and backtest it
(docs/data.md).

- ``extract``: the extract format, read in chunks and checked row by row;
- ``durations``: lengths of stay, three families by maximum likelihood with censoring and
  truncation, chosen by AIC;
- ``demand``, ``routing``, ``lengths_of_stay``, ``delay_routes``, ``handoffs``, ``census``:
  the fitted parts of a scenario;
- ``fitting``: all of them together, written as scenario layers (``layer``) with the fit
  report (``report``);
- ``backtest``: a scenario run over the extract's period and compared week by week, with its
  figures (``plots``);
- ``command``: ``python -m sim fit`` and ``python -m sim backtest``;
- ``synthetic``: a synthetic extract from a known scenario (no real data in the repository).

Only aggregates leave this package; cells from fewer than 5 patients are pooled or flagged
(``suppression``).
"""
