"""The benchmark script's pure helpers (nothing here is timed)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from ciw.data_record import DataRecord
from helpers import baseline, days, one_service_scenario
from scipy import stats

# benchmarks/ is a folder of scripts at the repository root, not part of the installed package
from benchmarks.bare_simpy import bare_stages, run_bare_network
from benchmarks.figures import Figure, render_table, write_figures
from benchmarks.parallel import efficiency
from benchmarks.peer_networks import STARTED, ciw_visits, lognormal
from benchmarks.replications_needed import (
    paired_half_width,
    smallest_n,
    welch_half_width,
)
from sim.compile import load_scenario

FROZEN = Path(__file__).resolve().parents[1] / "benchmarks" / "scenarios"


def brute_force_n(sd: float, target: float) -> int:
    n = 2
    while stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) > target:
        n += 1
    return n


@pytest.mark.parametrize(("sd", "target"), [(6.7, 37.4), (54.6, 37.4), (100.0, 5.0), (1.0, 100.0)])
def test_smallest_n_is_the_first_n_whose_paired_interval_is_narrow_enough(sd: float,
                                                                          target: float) -> None:
    n = smallest_n(lambda k: paired_half_width(sd, k), target)
    assert n == brute_force_n(sd, target)
    assert paired_half_width(sd, n) <= target
    if n > 2:
        assert paired_half_width(sd, n - 1) > target


def test_paired_half_width_is_the_t_interval() -> None:
    assert paired_half_width(10.0, 20) == pytest.approx(stats.t.ppf(0.975, 19) * 10 / math.sqrt(20))


def test_welch_with_one_constant_sample_is_the_one_sample_interval() -> None:
    assert welch_half_width(8.0, 0.0, 12) == pytest.approx(paired_half_width(8.0, 12))


def test_welch_with_equal_spreads_has_twice_the_degrees_of_freedom() -> None:
    n, sd = 10, 5.0
    expected = stats.t.ppf(0.975, 2 * (n - 1)) * math.sqrt(2 * sd**2 / n)
    assert welch_half_width(sd, sd, n) == pytest.approx(expected)


def test_smallest_n_refuses_a_target_out_of_reach() -> None:
    with pytest.raises(ValueError, match="replications would be needed"):
        smallest_n(lambda k: paired_half_width(1000.0, k), 1.0, n_max=100)


def test_efficiency_is_one_when_the_work_divides_evenly() -> None:
    assert efficiency(10.0, 5.0, 2) == 1.0
    assert efficiency(10.0, 10.0, 2) == 0.5


def test_a_goal_is_met_only_when_judged_and_measured() -> None:
    assert Figure("s", "ratio", 1.4, at_most=1.5).met is True
    assert Figure("s", "ratio", 1.6, at_most=1.5).met is False
    assert Figure("s", "efficiency", 0.95, at_least=0.9).met is True
    assert Figure("s", "ratio", 1.6, at_most=1.5, assessed=False).met is None
    assert Figure("s", "efficiency", None, at_least=0.9, note="dask not installed").met is None
    assert Figure("s", "seconds", 3.0).met is None


def test_figures_are_written_as_json_and_shown_in_a_table(tmp_path: Path) -> None:
    figures = [Figure("memory", "peak", 241.3, "MB", at_most=300), Figure("replications", "n", 3)]
    write_figures(figures, tmp_path / "f.json", {"mode": "full"})
    saved = json.loads((tmp_path / "f.json").read_text())
    assert saved["figures"][0]["met"] is True and saved["figures"][0]["goal"] == "<= 300"
    assert saved["figures"][1]["value"] == 3 and saved["context"] == {"mode": "full"}
    table = render_table(figures)
    assert "memory: peak" in table and "241.3 MB" in table and "yes" in table


def test_bare_network_copies_capacities_routes_and_blocking() -> None:
    scenario = baseline()
    stages = {stage.name: stage for stage in bare_stages(scenario)}
    assert stages["acute"].capacity == scenario.services["acute"].capacity
    assert stages["ed"].capacity is None  # unlimited: no resource, as in the model
    assert [route.blocking for route in stages["acute"].routes] == [
        route.blocking for route in scenario.services["acute"].routes.values()]
    for stage in stages.values():
        if not stage.is_exit:
            assert sum(route.probability for route in stage.routes) == pytest.approx(1.0)


def test_bare_network_stops_after_the_stage_visits_asked_for() -> None:
    scenario = one_service_scenario(2, days(0.5), 3.0, run_days=100)
    result = run_bare_network(scenario, 150)
    assert result.stage_visits == 150
    assert 30 < result.simulated_days < 70  # 150 arrivals at 3 a day


def test_ciw_lognormal_has_the_mean_and_sd_asked_for() -> None:
    stay = lognormal(10.0, 6.0)
    assert stay.mean == pytest.approx(10.0) and math.sqrt(stay.variance) == pytest.approx(6.0)


def ciw_record(node: int, arrival: float, start: float, end: float, leave: float,
               kind: str = "service") -> Any:
    return DataRecord(id_number=1, customer_class="Customer", original_customer_class="Customer",
                      node=node, arrival_date=arrival, waiting_time=start - arrival,
                      service_start_date=start, service_time=end - start, service_end_date=end,
                      time_blocked=leave - end, exit_date=leave, destination=-1,
                      queue_size_at_arrival=0, queue_size_at_departure=0, server_id=1,
                      record_type=kind)


def test_a_blocked_patient_in_ciw_waits_from_the_end_of_the_previous_service() -> None:
    # acute from day 1 (bed at once) to day 5, blocked until day 8; step-down from day 8
    records = [ciw_record(2, 8.0, 8.0, 18.0, 18.0), ciw_record(1, 1.0, 1.0, 5.0, 8.0)]
    visits = ciw_visits(records, (0.0, 100.0))
    assert visits.node.tolist() == [0, 1] and visits.asked.tolist() == [1.0, 5.0]
    assert visits.waited.tolist() == [0.0, 3.0]  # the step-down wait is the time blocked
    assert visits.outcome.tolist() == [STARTED, STARTED] and visits.arrivals.tolist() == [1.0]


def test_the_frozen_benchmark_scenarios_are_valid() -> None:
    for name in ("baseline", "kent_medway"):
        scenario = load_scenario(FROZEN / f"{name}.yaml")
        assert scenario.name == name
