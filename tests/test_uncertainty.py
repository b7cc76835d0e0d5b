"""Parameter uncertainty: fields given as distributions, drawn once per replication from a
stream of their own (common across scenarios), validated at both ends, and traced to the
spread of the results."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import BASELINE, SHORT, baseline

from sim.analysis.uncertainty import parameter_influence
from sim.compile import load_scenario, with_changes
from sim.config import ScenarioError
from sim.config.uncertainty import TriangularParameter, UniformParameter
from sim.engine.parameters import draw_parameters
from sim.runner import run_scenario

MDT = "policies.mdt_case_management.crisis_reduction"
GRID = (np.arange(20_000) + 0.5) / 20_000  # evenly spread cumulative probabilities


def test_uniform_and_triangular_quantiles_have_the_right_moments():
    uniform = np.array([UniformParameter(uniform=(2, 6)).value_at(u) for u in GRID])
    assert uniform.mean() == pytest.approx(4.0, abs=1e-3)
    assert uniform.min() >= 2 and uniform.max() <= 6
    low, mode, high = 0.1, 0.2, 0.5
    triangular = np.array([TriangularParameter(triangular=(low, mode, high)).value_at(u)
                           for u in GRID])
    assert triangular.mean() == pytest.approx((low + mode + high) / 3, abs=1e-4)
    variance = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    assert triangular.var() == pytest.approx(variance, rel=1e-3)
    assert np.median(triangular) == pytest.approx(high - np.sqrt((high - low) * (high - mode) / 2),
                                                  abs=1e-4)


def with_uncertain(entries, base=None):
    return with_changes(base or baseline(), {"uncertain": entries})


@pytest.mark.parametrize("entries, message", [
    ({"policies.mdt_case_management.crisis_reducton": {"uniform": [0, 0.1]}}, "no such field"),
    ({"geography.localities.north": {"uniform": [0, 1]}}, "holding a number"),
    ({MDT: {"uniform": [0, 1.5]}}, "not valid with 1.5"),
    ({"services.acute.capacity": {"uniform": [-10, 400]}}, "not valid with -10"),
    ({MDT: {"triangular": [0.3, 0.1, 0.5]}}, "low <= mode <= high"),
    ({MDT: {"normal": [0, 1]}}, "expected {uniform: [low, high]}"),
])
def test_bad_uncertain_fields_are_rejected_before_anything_runs(entries, message):
    with pytest.raises(ScenarioError) as error:
        with_uncertain(entries)
    assert f"uncertain.{next(iter(entries))}" in str(error.value)
    assert message in str(error.value)


def test_errors_in_a_file_name_the_file(tmp_path):
    path = tmp_path / "what_if.yaml"
    path.write_text(f"extends: {BASELINE}\nuncertain:\n  {MDT}: {{uniform: [0, 2]}}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(f"{path}: uncertain.{MDT}")


def test_each_replication_draws_once_the_same_value_in_every_scenario():
    entries = {MDT: {"uniform": [0.0, 0.2]}}
    one = with_uncertain(entries)
    other = with_uncertain(entries, baseline({"services.acute.capacity": 420}))
    draws = [draw_parameters(one, r)[1][MDT] for r in range(5)]
    assert draws == [draw_parameters(other, r)[1][MDT] for r in range(5)]
    assert len(set(draws)) == 5 and all(0 <= d <= 0.2 for d in draws)
    drawn, _ = draw_parameters(one, 3)
    assert drawn.policies.mdt_case_management.crisis_reduction == draws[3]
    assert drawn.uncertain == {}


def test_a_count_is_drawn_whole():
    scenario = with_uncertain({"services.acute.capacity": {"uniform": [395, 415]}})
    values = [draw_parameters(scenario, r)[1]["services.acute.capacity"] for r in range(8)]
    assert all(isinstance(v, int) and 395 <= v <= 415 for v in values)
    # checked at the whole numbers that can be drawn: 0.6 rounds to 1, a valid capacity
    with_uncertain({"services.ucr.capacity": {"uniform": [0.6, 3.4]}})


@pytest.mark.slow
def test_influence_names_the_parameter_that_drives_a_metric():
    """MDT crisis reduction drawn between 0 and 40% drives crises prevented; a parameter with
    no bearing on that count (acute beds, 405 +- 1) explains little of it."""
    scenario = with_changes(baseline({**SHORT, "time.replications": 8}), {"uncertain": {
        MDT: {"uniform": [0.0, 0.4]},
        "services.acute.capacity": {"uniform": [404, 406]},
    }})
    result = run_scenario(scenario, executor="serial", progress=False)
    influence = parameter_influence(result.metrics).set_index(["metric", "parameter"])
    prevented = influence.loc["crises_prevented"]
    assert prevented.loc[MDT, "variance_share"] > 0.9
    assert prevented.loc[MDT, "spearman"] > 0.9
    assert prevented.loc["services.acute.capacity", "variance_share"] < 0.5
    drawn = result.metrics.query("metric == 'parameter:' + @MDT")["value"]
    assert len(drawn) == 8 and drawn.between(0, 0.4).all()


def test_no_uncertainty_no_influence_table():
    result = run_scenario(baseline(), replications=2, executor="serial", progress=False)
    assert parameter_influence(result.metrics).empty


def test_paired_differences_keep_the_drawn_values_undifferenced():
    import pandas as pd

    from sim.analysis.summary import paired_differences

    reps = range(3)
    a = pd.DataFrame({"replication": reps, "metric": "m", "locality": "all", "value": [10, 20, 30]})
    b = pd.concat([
        pd.DataFrame({"replication": reps, "metric": "m", "locality": "all", "value": [9, 18, 27]}),
        pd.DataFrame({"replication": reps, "metric": f"parameter:{MDT}", "locality": "all",
                      "value": [0.01, 0.02, 0.03]}),
    ])
    diffs = paired_differences(a, b).set_index(["metric", "replication"])["value"]
    assert diffs.loc["m"].tolist() == [-1, -2, -3]
    assert diffs.loc[f"parameter:{MDT}"].tolist() == [0.01, 0.02, 0.03]


def test_setting_an_uncertain_field_fixes_it():
    """A sweep, a capacity search or an unlimited-capacity run sets fields by path: an
    uncertain entry for that field must give way, or every point would draw the same values."""
    scenario = with_uncertain({MDT: {"uniform": [0.0, 0.2]},
                               "services.ucr.capacity": {"uniform": [3, 5]}})
    fixed = with_changes(scenario, {MDT: 0.5, "services.ucr": {"capacity": "unlimited"}})
    assert fixed.uncertain == {}
    assert draw_parameters(fixed, 0)[0].policies.mdt_case_management.crisis_reduction == 0.5
    kept = with_changes(scenario, {"services.acute.capacity": 400})
    assert set(kept.uncertain) == {MDT, "services.ucr.capacity"}
