"""History matching: emulators, implausibility, recovery of known inputs, the report when
everything is ruled out, and one calibration end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibrate.emulator import cross_validate, fit_emulator
from sim.calibrate.history import HistoryMatch, Settings, maximin, mean_and_variance
from sim.calibrate.implausibility import Targets, deciding, implausibility, targets
from sim.calibrate.outputs import Tables, write_files
from sim.calibrate.space import calibration_space
from sim.cli import main
from sim.compile import load_scenario
from sim.figures import load_figures

DATA = Path(__file__).parent / "data" / "calibrate"
SMALL, SMALL_FIGURES = DATA / "small.yaml", DATA / "small_figures.yaml"
NOISE_SD = 0.1


def smooth(unit: np.ndarray) -> np.ndarray:
    """Four cheap 'figures' of three inputs on the unit cube, one per column."""
    u = np.atleast_2d(unit)
    return np.column_stack([10 + 5 * u[:, 0], 3 * u[:, 1] ** 2 + u[:, 0],
                            2 * np.sin(3 * u[:, 2]), u.sum(axis=1)])


class NoisySmooth:
    """A stand-in simulator: ``smooth`` plus noise drawn per replication number, the same at
    every point (common random numbers), as the scenario simulator's."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, unit: np.ndarray, replications: Sequence[int], desc: str) -> np.ndarray:
        noise = np.stack([np.random.default_rng([self.seed, r]).normal(0, NOISE_SD, 4)
                          for r in replications])
        return smooth(unit)[:, None, :] + noise[None, :, :]


def test_an_emulator_predicts_held_out_points_within_3_sd() -> None:
    rng = np.random.default_rng(3)
    unit = rng.random((40, 2))
    values = np.sin(3 * unit[:, 0]) + unit[:, 1] ** 2 + rng.normal(0, 0.02, 40)
    emulator = fit_emulator(unit, values, seed=1)
    held = cross_validate(emulator, unit, values, np.full(40, 0.02 ** 2), seed=1)
    assert (held["standardised_error"].abs() <= 3).mean() >= 0.95
    fresh = rng.random((20, 2))
    mean, variance = emulator.predict(fresh)
    truth = np.sin(3 * fresh[:, 0]) + fresh[:, 1] ** 2
    assert np.all(np.abs(mean - truth) <= 3 * np.sqrt(variance + 0.02 ** 2))
    # the input with the stronger effect has the shorter length-scale
    assert emulator.length_scales[0] < emulator.length_scales[1]


def test_the_second_largest_implausibility_decides_from_10_figures() -> None:
    values = np.array([[5.0, 2.0, 1.0]])
    assert deciding(values, 1)[0] == 5.0 and deciding(values, 2)[0] == 2.0
    nine = Targets(tuple("abcdefghi"), np.ones(9), np.ones(9), np.ones(9))
    ten = Targets(tuple("abcdefghij"), np.ones(10), np.ones(10), np.ones(10))
    assert nine.order == 1 and "largest" in nine.rule and "second" not in nine.rule
    assert ten.order == 2 and "second-largest" in ten.rule


def test_figure_variance_reads_the_interval_as_95_percent() -> None:
    figures = load_figures(SMALL_FIGURES)
    t = targets(figures, 0.05)
    assert t.figure_variance[0] == pytest.approx(((22.9 - 18.7) / 2 / 2) ** 2)
    assert t.discrepancy_variance[0] == pytest.approx((0.05 * 20.8) ** 2)


def test_maximin_spreads_the_points_it_picks() -> None:
    pool = np.random.default_rng(0).random((2000, 2))
    picked = maximin(pool, 9, np.random.SeedSequence(1))
    gaps = np.linalg.norm(picked[:, None] - picked[None], axis=2) + np.eye(9) * 9
    random = pool[:9]
    random_gaps = np.linalg.norm(random[:, None] - random[None], axis=2) + np.eye(9) * 9
    assert gaps.min() > random_gaps.min() and gaps.min() > 0.25


@pytest.mark.parametrize("seed", range(5))
def test_known_inputs_are_recovered(seed: int) -> None:
    """Figures made at known inputs (with their noise), no model discrepancy: the truth is
    not ruled out and at least 80% of the box is."""
    truth = np.array([0.3, 0.6, 0.5])
    value = smooth(truth)[0] + np.random.default_rng(100 + seed).normal(0, NOISE_SD, 4)
    half_width = 2 * NOISE_SD
    figures = Targets(tuple("abcd"), value, np.full(4, (half_width / 2) ** 2), np.zeros(4))
    match = HistoryMatch(3, figures, Settings(seed=seed, points_per_input=8, ensemble_size=10,
                                              candidates=4000), NoisySmooth(seed))
    result = match.run()
    assert result.status == "ensemble"
    assert match.not_ruled_out(result, truth[None, :])[0]
    assert 1 - result.not_ruled_out_share >= 0.8
    assert len(result.ensemble_unit) >= 10
    diagnostics = result.diagnostics
    assert (diagnostics["standardised_error"].abs() <= 3).mean() >= 0.9


def test_when_everything_is_ruled_out_the_report_names_the_figures(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL)
    data = yaml.safe_load(SMALL_FIGURES.read_text(encoding="utf-8"))
    data["figures"]["reneged"].update(value=95.0, interval=[90.0, 99.0])
    path = tmp_path / "figures.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    figures = load_figures(path)
    assert figures.ids == ["reneged", "occupancy"]

    def simulator(unit: np.ndarray, replications: Sequence[int], desc: str) -> np.ndarray:
        means = np.column_stack([20 + 10 * unit[:, 0], 50 + 20 * unit[:, 0] - 5 * unit[:, 1]])
        noise = np.array([[r * 0.1, -r * 0.1] for r in replications])
        return means[:, None, :] + noise[None, :, :]

    space = calibration_space(scenario)
    result = HistoryMatch(space.k, targets(figures, 0.05), Settings(
        seed=1, points_per_input=5, reps=2, candidates=1000), simulator).run()
    assert result.status == "ruled_out"
    write_files(tmp_path, "out", Tables.of(result, space, figures), result, space, figures, 0.05)
    assert not (tmp_path / "ensemble.csv").exists()
    assert not (tmp_path / "best.yaml").exists()
    ruled = pd.read_csv(tmp_path / "ruled_out.csv")
    assert ruled.loc[0, "figure"] == "reneged"
    assert ruled.loc[0, "points_over_cutoff_pct"] == 100.0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Every input set is ruled out" in page and "Which figures ruled" in page
    conflicts = pd.read_csv(tmp_path / "conflicts.csv")
    assert "reneged" in set(conflicts["figures"])


@pytest.mark.slow
def test_calibrate_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "calibration"
    status = main(["calibrate", str(SMALL), "--figures", str(SMALL_FIGURES), "--out", str(out),
                   "--points-per-input", "5", "--reps", "2", "--ensemble-size", "4",
                   "--discrepancy", "0", "--executor", "serial", "--no-cache", "--quiet"])
    assert status == 0, capsys.readouterr().err
    for name in ["ensemble.csv", "design.csv", "emulator_diagnostics.csv", "figures.csv",
                 "conflicts.csv", "constraints.csv", "report.html", "results.xlsx",
                 "manifest.json", "best.yaml"]:
        assert (out / name).is_file(), name
    ensemble = pd.read_csv(out / "ensemble.csv")
    assert len(ensemble) >= 4 and (ensemble["max_implausibility"] <= 3).all()
    design = pd.read_csv(out / "design.csv")
    assert sorted(design["wave"].unique()) == [1, 2] and (design["wave"] == 1).sum() == 10
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and manifest["status"] == "ensemble"
    best = yaml.safe_load((out / "best.yaml").read_text(encoding="utf-8"))
    duration = best["services"]["team"]["duration"]["mean"]
    assert duration in set(ensemble["services.team.duration.mean"])
    # the layer, over the scenario, is a valid scenario at the calibrated values
    layered = tmp_path / "calibrated.yaml"
    layered.write_text(yaml.safe_dump({"extends": [str(SMALL), str(out / "best.yaml")]}),
                       encoding="utf-8")
    assert load_scenario(layered).services["team"].duration.mean == pytest.approx(duration)
    assert "design points over 2 waves" in capsys.readouterr().out


def test_a_figure_with_no_value_in_some_replications_uses_those_that_have_one() -> None:
    values = np.array([[[1.0, np.nan], [3.0, np.nan]], [[np.nan, 2.0], [5.0, 4.0]]])
    mean, variance = mean_and_variance(values)
    assert mean[0, 0] == 2.0 and np.isnan(mean[0, 1])
    assert mean[1, 0] == 5.0 and variance[1, 0] == 0.0 and variance[0, 0] == 2.0
    t = Targets(("a", "b"), np.array([2.0, 100.0]), np.ones(2), np.zeros(2))
    values_i = implausibility(mean[:1], np.zeros((1, 2)), np.zeros(2), t)
    assert values_i[0, 1] == 0.0  # no value: cannot rule the point out


def test_the_same_seed_gives_the_same_calibration() -> None:
    figures = Targets(tuple("abcd"), smooth(np.array([0.5, 0.5, 0.5]))[0], np.full(4, 0.01),
                      np.zeros(4))
    settings = Settings(seed=11, points_per_input=3, ensemble_size=4, candidates=500)
    first, second = (HistoryMatch(3, figures, settings, NoisySmooth(1)).run() for _ in "ab")
    assert np.array_equal(first.design.unit, second.design.unit)
    assert np.array_equal(first.ensemble_unit, second.ensemble_unit)
