"""``python -m sim warmup``: MSER-5 finds where a series settles, and the command writes its
folder, report and recommendation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS

from sim.cli import main
from sim.report.html import REPORT
from sim.warmup import mser5, recommended_days


def test_mser5_finds_the_end_of_a_ramp():
    rng = np.random.default_rng(3)
    ramp = np.concatenate([np.linspace(0, 100, 60), np.full(340, 100.0)])
    days, settled = mser5(ramp + rng.normal(0, 3, len(ramp)))
    assert 45 <= days <= 75 and settled


def test_mser5_keeps_everything_of_a_stationary_series_and_flags_a_short_run():
    rng = np.random.default_rng(4)
    days, settled = mser5(rng.normal(50, 5, 300))
    assert days <= 30 and settled
    days, settled = mser5(np.linspace(0, 100, 200))  # still rising at the end
    assert days == 100 and not settled
    with pytest.raises(ValueError, match="at least 20 days"):
        mser5(np.ones(12))


def test_recommendation_is_the_longest_rounded_up():
    table = pd.DataFrame({"service": ["a", "b"], "mser5_days": [35, 140]})
    assert recommended_days(table) == 140
    assert recommended_days(table.assign(mser5_days=[35, 141])) == 150


@pytest.mark.slow
def test_warmup_command_writes_a_folder_with_its_report(tmp_path, capsys):
    out = tmp_path / "warmup"
    assert main(["warmup", str(SCENARIOS / "baseline.yaml"), "--days", "150", "--reps", "2",
                 "--out", str(out), "--executor", "serial", "--no-cache", "--quiet"]) == 0
    table = pd.read_csv(out / "warmup.csv")
    assert set(table["service"]) == {"spa", "ucr", "acute", "ic_home", "ic_beds"}  # not ED
    assert (table["recommended_days"] >= table["mser5_days"]).all()
    assert (table["mser5_days"] <= 75).all()  # at most half the run is searched
    assert (out / "plots" / "welch.png").exists() and (out / REPORT).exists()
    assert "Recommended warm-up:" in capsys.readouterr().out
    assert "Recommended warm-up:" in (out / REPORT).read_text()
