"""Unit costs: the ``costs:`` section is checked with field-named errors, and the cost metrics
agree with the occupancy and delay metrics they price."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import baseline, one_service_scenario

from sim.analysis.metrics import ALL
from sim.compile import with_changes
from sim.config.loader import ScenarioError
from sim.runner import run_scenario


@pytest.fixture(scope="module")
def run():
    scenario = baseline({"time.run_days": 30, "time.warmup_days": 20, "time.replications": 2})
    result = run_scenario(scenario, progress=False, cache=None, executor="serial")
    return scenario, result.metrics.pivot_table(index=["metric", "locality"],
                                                columns="replication", values="value")


def test_a_bed_day_cost_is_occupancy_times_days_times_the_price(run):
    scenario, wide = run
    days = scenario.time.run_days
    for service, cost in scenario.costs.per_occupied_day.items():
        expected = wide.loc[(f"occupancy_mean:{service}", ALL)] * days * cost.gbp
        assert wide.loc[(f"cost:{service}", ALL)].to_numpy() == pytest.approx(expected.to_numpy(),
                                                                                 rel=1e-9)


def test_staff_time_is_priced_per_hour_with_patients(run):
    scenario, wide = run
    cost = scenario.costs.per_staff_hour["ucr"].gbp
    expected = wide.loc[("occupancy_mean:ucr", ALL)] * scenario.time.run_days * 24 * cost
    assert wide.loc[("cost:ucr", ALL)].to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)


def test_totals_add_up_over_services_and_localities(run):
    scenario, wide = run
    services = [*scenario.costs.per_occupied_day, *scenario.costs.per_staff_hour]
    localities = list(scenario.geography.localities)
    for locality in [ALL, *localities]:
        parts = sum(wide.loc[(f"cost:{s}", locality)] for s in services)
        assert wide.loc[("cost_total", locality)].to_numpy() == pytest.approx(parts.to_numpy())
    by_locality = sum(wide.loc[("cost_total", loc)] for loc in localities)
    assert by_locality.to_numpy() == pytest.approx(wide.loc[("cost_total", ALL)].to_numpy())


def test_delayed_discharge_cost_prices_the_delayed_bed_days_apart(run):
    scenario, wide = run
    for locality in [ALL, *scenario.geography.localities]:
        expected = wide.loc[("delayed_discharge_bed_days", locality)] * 346
        assert wide.loc[("delayed_discharge_cost", locality)].to_numpy() == \
            pytest.approx(expected.to_numpy())


def test_no_costs_section_no_cost_metrics():
    scenario = one_service_scenario(2, {"dist": "exponential", "mean": 1, "unit": "days"}, 1.0,
                                    run_days=20, warmup_days=5, replications=1)
    metrics = run_scenario(scenario, progress=False, cache=None, executor="serial").metrics
    assert not metrics["metric"].str.contains("cost").any()


@pytest.mark.parametrize("change, expected", [
    ({"costs.per_occupied_day.acutee": {"gbp": 300, "source": "x"}},
     "costs.per_occupied_day.acutee: no service named 'acutee'; expected one of"),
    ({"costs.per_occupied_day.ucr": {"gbp": 300, "source": "x"}},
     "costs.per_occupied_day.ucr: 'ucr' is a team service; expected a ward or caseload or "
     "delay service"),
    ({"costs.per_staff_hour.acute": {"gbp": 30, "source": "x"}},
     "costs.per_staff_hour.acute: 'acute' is a ward service; expected a team service"),
    ({"costs.per_occupied_day.acute": {"gbp": -1, "source": "x"}},
     "costs.per_occupied_day.acute.gbp"),
    ({"costs.per_occupied_day.ed": {"gbp": 300}}, "costs.per_occupied_day.ed.source"),
    ({"costs.price_year": ""}, "costs.price_year"),
])
def test_bad_costs_are_refused_naming_the_field(change, expected):
    with pytest.raises(ScenarioError) as error:
        baseline(change)
    assert any(expected in message for message in error.value.messages), error.value.messages


def test_compare_has_cost_differences():
    from sim.analysis.summary import compare
    a = baseline({"time.run_days": 20, "time.warmup_days": 10, "time.replications": 2})
    b = with_changes(a, {"services.acute.capacity": 300})
    diff = compare(*(run_scenario(s, progress=False, cache=None, executor="serial").metrics
                     for s in (a, b)))
    row = diff[(diff["metric"] == "cost:acute") & (diff["locality"] == ALL)].iloc[0]
    assert row["diff_mean"] < 0  # fewer beds occupied, fewer bed-days paid for


@pytest.mark.slow
def test_capacity_search_reports_the_cost_of_its_solution(tmp_path, capsys):
    from test_capacity_search import capacity_command, pathway, targets_file, write_yaml

    priced = {**pathway(), "costs": {"price_year": "2024", "per_occupied_day": {
        "ward": {"gbp": 300, "source": "test figure"},
        "rehab": {"gbp": 100, "source": "test figure"}}}}
    out = tmp_path / "out"
    assert capacity_command(write_yaml(tmp_path / "pathway.yaml", priced), "--search",
                            targets_file(tmp_path), "--out", out, "--executor", "serial",
                            "--no-cache", "--quiet") == 0
    assert "Cost of this configuration over the confirming run" in capsys.readouterr().out
    costs = pd.read_csv(out / "solution_costs.csv").set_index(["metric", "locality"])
    total = costs.loc[("cost_total", ALL), "mean"]
    assert total == pytest.approx(costs.loc[("cost:ward", ALL), "mean"]
                                  + costs.loc[("cost:rehab", ALL), "mean"])
    assert "Cost of the care modelled" in (out / "report.html").read_text()
