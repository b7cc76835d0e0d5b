"""Sweeps: value parsing, validation before anything runs, common random numbers across grid
points, resuming from the cache; and the sequential replication count (--precision)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, SHORT, Counting, assert_clean, days, one_service_scenario, sim

from sim.cache import ResultCache
from sim.config import ScenarioError
from sim.precision import precision_report, replications_wanted, run_to_precision
from sim.sweep import Sweep, build_points, load_sweep, parse_values, parse_vary, run_sweep


@pytest.mark.parametrize("text, expected", [
    ("380:440:20", [380, 400, 420, 440]),
    ("380:430:20", [380, 400, 420]),  # stop included only when it falls on the grid
    ("0:0.1:0.05", [0.0, 0.05, 0.1]),
    ("3,5,unlimited", [3, 5, "unlimited"]),
    ("0.05", [0.05]),
    ("6,unlimited", [6, "unlimited"]),
])
def test_values_and_inclusive_ranges(text, expected):
    assert parse_values(text, "x") == expected


@pytest.mark.parametrize("text, message", [
    ("440:380:20", "start <= stop"),
    ("1:5:0", "positive step"),
    ("a:b:c", "range of numbers"),
    ("0:1000000:1", "more than"),
    ("10:20", "expected a range start:stop:step"),  # YAML would read 620
    ("1:2:1,3", "expected a range"),
    ("6,6,8", "given more than once"),
])
def test_bad_ranges_say_what_was_expected(text, message):
    with pytest.raises(ScenarioError, match=message):
        parse_values(text, "--vary f")


def test_vary_options_need_a_path_and_values():
    assert parse_vary(["a.b=1,2", "c=0:2:1"]) == {"a.b": [1, 2], "c": [0, 1, 2]}
    with pytest.raises(ScenarioError, match="expected path.to.field=v1,v2"):
        parse_vary(["services.acute.capacity"])


def test_sweep_file_errors_name_the_file_and_key(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("vary:\n  services.acute.capacity: {a: 1}\nmetric: [x]\nreplications: 0\n")
    with pytest.raises(ScenarioError) as error:
        load_sweep(path)
    text = "\n".join(error.value.messages)
    assert f"{path}: metric: unknown key" in text
    assert f"{path}: vary.services.acute.capacity: expected a list" in text
    assert f"{path}: replications: expected a whole number" in text


def test_grid_is_the_product_of_the_values_first_field_slowest():
    sweep = Sweep({"a": [1, 2], "b": ["x", "y", "z"]})
    assert sweep.points() == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                              {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]


def test_every_point_is_validated_before_anything_runs():
    sweep = Sweep({"services.acute.capacity": [400, -5], "services.acute.capasity": [1]})
    executor = Counting()
    with pytest.raises(ScenarioError) as error:
        run_sweep(BASELINE, sweep, SHORT, executor=executor, progress=False)
    text = "\n".join(error.value.messages)
    assert "services.acute.capasity" in text and "did you mean 'capacity'" in text
    assert "(from the sweep: every point)" in text
    assert executor.calls == []


@pytest.fixture(scope="module")
def acute_sweep(tmp_path_factory):
    cache = ResultCache(tmp_path_factory.mktemp("cache"))
    sweep = Sweep({"services.acute.capacity": [300, 405]})
    return cache, sweep, run_sweep(BASELINE, sweep, SHORT, executor="serial", cache=cache,
                                   progress=False)


def test_points_share_their_random_numbers_and_capacity_changes_occupancy(acute_sweep):
    _, _, result = acute_sweep
    table = result.summary().set_index(["services.acute.capacity", "metric", "locality"])
    # common random numbers: the same crises reach the SPA at every grid point (ED arrivals
    # differ: readmissions and admissions after a full step-up bed depend on the beds)
    assert table.loc[(300, "arrivals:spa", "all"), "mean"] == \
        table.loc[(405, "arrivals:spa", "all"), "mean"]
    assert table.loc[(300, "acute_occupancy_pct_mean", "all"), "mean"] > \
        table.loc[(405, "acute_occupancy_pct_mean", "all"), "mean"]
    assert set(result.replications_table()["point"]) == {0, 1}


def test_repeated_sweep_recomputes_nothing_and_a_new_point_only_itself(acute_sweep):
    cache, sweep, result = acute_sweep
    again = Counting()
    repeat = run_sweep(BASELINE, sweep, SHORT, executor=again, cache=cache, progress=False)
    assert again.calls == []
    pd.testing.assert_frame_equal(repeat.summary(), result.summary(), check_exact=True)
    wider = Counting()
    run_sweep(BASELINE, Sweep({"services.acute.capacity": [300, 405, 450]}), SHORT,
              executor=wider, cache=cache, progress=False)
    assert len(wider.calls) == SHORT["time.replications"]


@pytest.mark.slow
def test_sweep_command_writes_tidy_results_and_plots(tmp_path):
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: short\ntime:\n  run_days: 60\n"
                        "  warmup_days: 30\n  replications: 2\n")
    out = tmp_path / "out"
    result = sim("sweep", scenario, "--vary", "services.ucr.capacity=3,6", "--out", out,
                 "--cache", tmp_path / "cache", "--quiet", "--metrics", "ucr_within_target_pct")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "sweep.csv")
    assert {"point", "services.ucr.capacity", "metric", "locality", "mean", "ci_low",
            "ci_high", "n_reps"} <= set(table.columns)
    ucr = table[(table["metric"] == "ucr_within_target_pct") & (table["locality"] == "all")]
    assert ucr.set_index("services.ucr.capacity")["mean"].is_monotonic_increasing
    assert (out / "plots" / "ucr_within_target_pct.png").stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert "--sweep-file sweep.yaml" in manifest["reproduce"]


# --- replications to a precision ----------------------------------------------------------

def test_replications_wanted_scales_with_the_square_of_the_width():
    report = pd.DataFrame({"relative_half_width": [0.10, 0.02], "target": 0.05})
    assert replications_wanted(report, 10) == 40
    assert replications_wanted(report.assign(relative_half_width=0.01), 10) == 10
    assert replications_wanted(report.assign(relative_half_width=np.nan), 10) == np.inf


def test_precision_report_flags_what_is_reached():
    metrics = pd.DataFrame({"replication": [0, 1, 2, 0, 1, 2], "metric": ["a"] * 3 + ["b"] * 3,
                            "locality": "all", "value": [100, 101, 99, 1, 5, 9]})
    report = precision_report(metrics, ["a", "b"], 0.05).set_index("metric")
    assert report.loc["a", "reached"] and not report.loc["b", "reached"]
    assert report.loc["a", "n_reps"] == 3


def fast_queue():
    return one_service_scenario(3, {"dist": "exponential", "mean": 1.0, "unit": "days"}, 2.0,
                                run_days=60, warmup_days=10, replications=3)


def test_loose_precision_stops_at_the_starting_replications():
    result, report = run_to_precision(fast_queue(), ["arrivals:server"], 0.5, 50,
                                      executor="serial", progress=False)
    assert len(result.replications) == 3 and report["reached"].all()


def test_tight_precision_adds_replications_until_reached_or_capped():
    result, report = run_to_precision(fast_queue(), ["arrivals:server"], 0.02, 200,
                                      executor="serial", progress=False)
    n = len(result.replications)
    assert 3 < n < 200 and report["reached"].all()
    assert report["n_reps"].iloc[0] == n
    capped, capped_report = run_to_precision(fast_queue(), ["arrivals:server"], 0.001, 6,
                                             executor="serial", progress=False)
    assert len(capped.replications) == 6 and not capped_report["reached"].any()


def test_precision_rejects_unknown_metrics_and_bad_fractions():
    with pytest.raises(ScenarioError, match="unknown metric"):
        run_to_precision(fast_queue(), ["no_such_metric"], 0.05, 10, executor="serial",
                         progress=False)
    with pytest.raises(ScenarioError, match="between 0 and 1"):
        run_to_precision(fast_queue(), ["arrivals:server"], 5, 10, executor="serial",
                         progress=False)


def test_a_metric_without_spread_is_reached_at_once():
    """No waits with unlimited capacity: an interval of zero width, even around a mean of 0."""
    scenario = one_service_scenario("unlimited", days(1.0), 2.0, run_days=30, replications=3)
    _, report = run_to_precision(scenario, ["wait_days_mean:server"], 0.05, 10,
                                 executor="serial", progress=False)
    assert report["n_reps"].iloc[0] == 3


@pytest.mark.slow
def test_run_command_with_precision_writes_its_report(tmp_path):
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: short\ntime:\n  run_days: 60\n"
                        "  warmup_days: 30\n  replications: 2\n")
    out = tmp_path / "out"
    result = sim("run", scenario, "--precision", "0.05", "--metrics", "emergency_admissions",
                 "--out", out, "--no-cache", "--quiet")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    report = pd.read_csv(out / "precision.csv")
    assert report["reached"].all() and report["n_reps"].iloc[0] >= 3
    assert "precision 5.0% reached" in result.stdout


@pytest.mark.parametrize("path", sorted((BASELINE.parent / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_sweep_files_are_valid_on_the_baseline(path):
    sweep = load_sweep(path)
    points = build_points(BASELINE, sweep, {})
    assert len(points) == len(sweep.points()) > 1
