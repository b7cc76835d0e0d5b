"""Regenerate the saved figures the regression tests compare against.

    python tests/data/expected/regenerate.py

``baseline_replication0.json``: two whole-area metrics of replication 0 of the shortened
baseline (``helpers.baseline()``: 60 results days, 30 warm-up), read by
tests/test_demand_profile.py. Rerun this only in a commit that changes numbers on purpose,
and say in its message what changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for helpers
sys.path.insert(0, str(HERE.parents[2]))  # the repository, for sim

from helpers import baseline  # noqa: E402

from sim.runner import simulate  # noqa: E402

BASELINE_FIGURES = HERE / "baseline_replication0.json"
METRICS = ["emergency_admissions", "acute_occupancy_mean"]  # whole area ("all" localities)


def baseline_figures() -> dict[str, float]:
    """``METRICS`` of replication 0 of the shortened baseline, by name."""
    metrics = simulate(baseline(), 0).metrics.set_index(["metric", "locality"])["value"]
    return {name: float(metrics.loc[(name, "all")]) for name in METRICS}


if __name__ == "__main__":
    BASELINE_FIGURES.write_text(json.dumps(baseline_figures(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE_FIGURES}")
