"""The app's pieces without a browser: an upload's ``extends:`` kept inside the shipped
scenarios, the form's levers written as a what-if that the command line loads to the same
scenario, and the scenario described in words."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import BASELINE, SCENARIOS

from sim.app import edits, runs, scenarios
from sim.compile import load_scenario, with_changes
from sim.config import ScenarioError
from sim.config.problems import InputProblem


def test_shipped_scenarios_start_with_the_baseline_and_include_places_and_winter():
    labels = list(scenarios.shipped())
    assert labels[0] == "baseline.yaml"
    assert {"locality.yaml", "places/havering.yaml", "winter/flu_wave.yaml"} <= set(labels)


def test_upload_may_extend_a_shipped_scenario_by_its_name(tmp_path):
    path, scenario = scenarios.save_upload(
        "mine.yaml", b"extends: baseline.yaml\nname: mine\nservices: {ucr: {capacity: 7}}\n",
        tmp_path)
    assert scenario.name == "mine" and scenario.services["ucr"].capacity == 7
    assert path.parent == tmp_path


@pytest.mark.parametrize("extends", ["/etc/passwd", "../../outside.yaml",
                                     str(SCENARIOS.parent / "pyproject.toml")])
def test_upload_extending_a_file_elsewhere_is_refused(tmp_path, extends):
    (tmp_path.parent / "outside.yaml").write_text("name: outside\n")
    with pytest.raises(ScenarioError, match="outside the shipped scenarios"):
        scenarios.save_upload("evil.yaml", f"extends: {extends}\n".encode(), tmp_path / "a" / "b")


def test_whatif_of_an_upload_in_a_relative_session_folder_finds_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the app's session folders are relative: results/app/...
    path, scenario = scenarios.save_upload(
        "mine.yaml", b"extends: baseline.yaml\nname: mine\n", Path("results") / "uploads")
    _, loaded = edits.write_whatif(path, "w", {"services.ucr.capacity": 4}, Path("results") / "w")
    assert loaded.services["ucr"].capacity == 4


def test_upload_name_cannot_choose_its_folder(tmp_path):
    path, _ = scenarios.save_upload("../../x.yaml", b"extends: baseline.yaml\n", tmp_path)
    assert path == tmp_path / "x.yaml"


def test_upload_with_a_python_tag_is_refused_by_the_safe_loader(tmp_path):
    with pytest.raises(ScenarioError, match="not valid YAML"):
        scenarios.save_upload("tag.yaml", b"name: !!python/object/apply:os.system [ls]\n",
                              tmp_path)


def test_whatif_yaml_loads_to_the_scenario_with_the_changes(tmp_path):
    base = load_scenario(BASELINE)
    levers = edits.Levers(capacity={"ucr": 5, "acute": base.services["acute"].capacity},
                          level={"ucr": "locality"}, mean={"ic_beds": 30.0},
                          routes={("ucr", "managed_at_home"): 0.72, ("ucr", "conveyed"): 0.2},
                          demand_growth=dict.fromkeys(base.geography.localities, 0.1),
                          time={"replications": 2})
    dotted = edits.changes(base, levers)
    assert "services.acute.capacity" not in dotted  # unchanged values are not written
    path, loaded = edits.write_whatif(BASELINE, "w", dotted, tmp_path)
    assert loaded == with_changes(base, dotted).model_copy(update={"name": "w"})
    assert loaded.demand["ed_attendance"].rate_per_1000_per_year["85+"] == pytest.approx(550)
    assert load_scenario(path) == loaded  # the file alone, as the command line reads it


def test_invalid_whatif_raises_the_field_message_and_leaves_no_file(tmp_path):
    base = load_scenario(BASELINE)
    dotted = edits.changes(base, edits.Levers(routes={("ucr", "conveyed"): 0.5}))
    with pytest.raises(ScenarioError, match="services.ucr.routes"):
        edits.write_whatif(BASELINE, "w", dotted, tmp_path)
    assert not list(tmp_path.iterdir())


def test_description_names_localities_population_and_services():
    base = load_scenario(BASELINE)
    text = scenarios.describe(base)
    assert "3 localities (north, central, south) with 250,000 residents" in text
    table = scenarios.services_table(base).set_index("service")
    assert table.loc["ucr", "capacity"] == "3" and table.loc["ucr", "level"] == "system"
    assert scenarios.localities_table(base)["population"].sum() == 250_000


@pytest.mark.parametrize("label", list(scenarios.shipped()))
def test_the_form_untouched_changes_nothing_in_any_shipped_scenario(label, tmp_path):
    path = scenarios.shipped()[label]
    scenario = load_scenario(path)
    now = edits.current(scenario)
    assert edits.changes(scenario, now) == {}
    assert not scenarios.services_table(scenario).empty and scenarios.describe(scenario)


def test_pathway_diagram_draws_every_service_and_route():
    base = load_scenario(BASELINE)
    dot = scenarios.pathway_dot(base)
    assert dot.startswith("digraph") and dot.endswith("}")
    for name, service in base.services.items():
        assert f'"{name}" [shape=' in dot
        for route in getattr(service, "routes", {}).values():
            assert f'"{name}" -> "{route.to}"' in dot
    assert '"ucr" -> "ed" [label="conveyed 22%"]' in dot


def test_the_app_listens_on_this_machine_only_unless_told():
    from sim.app.launch import command
    from sim.cli import _parser

    args = _parser().parse_args(["app", "--no-browser"])
    assert (args.address, args.port, args.no_browser) == ("127.0.0.1", 8501, True)
    line = command(args.port, args.address)
    assert line[line.index("--server.address") + 1] == "127.0.0.1"
    assert line[line.index("--browser.gatherUsageStats") + 1] == "false"


# --- the newer levers: per unit and locality, policies, surges, escalation -----------------

WINTER = SCENARIOS / "winter"


def _whatif(path, tmp_path, **changed):
    """The what-if of ``path`` with ``changed`` levers (the rest as the scenario has them),
    written and loaded as the command line would: (file text, scenario loaded)."""
    scenario = load_scenario(path)
    levers = dataclasses.replace(edits.current(scenario), **changed)
    written, loaded = edits.write_whatif(path, "w", edits.changes(scenario, levers), tmp_path)
    return written.read_text(), loaded


def test_capacity_of_one_locality_team_is_written_per_unit(tmp_path):
    locality = load_scenario(SCENARIOS / "locality.yaml")
    now = edits.current(locality)
    # ucr: a total split by need; ic_home: given per unit; acute: one unit, no per-unit field
    assert list(now.unit_capacity["ucr"]) == ["north", "central", "south"]
    assert sum(now.unit_capacity["ucr"].values()) == locality.services["ucr"].capacity
    assert now.unit_capacity["ic_home"] == {"north": 31, "central": 29, "south": 25}
    assert "acute" not in now.unit_capacity
    teams = {**now.unit_capacity["ucr"], "north": now.unit_capacity["ucr"]["north"] + 1}
    text, loaded = _whatif(SCENARIOS / "locality.yaml", tmp_path,
                           unit_capacity={**now.unit_capacity, "ucr": teams})
    assert loaded.services["ucr"].capacity is None
    assert loaded.services["ucr"].capacity_by_unit == teams
    assert loaded.services["ic_home"] == locality.services["ic_home"]  # unchanged: not written
    assert "ic_home" not in text


def test_total_and_per_unit_capacity_changed_together_is_refused():
    locality = load_scenario(SCENARIOS / "locality.yaml")
    now = edits.current(locality)
    teams = {unit: units + 1 for unit, units in now.unit_capacity["ucr"].items()}
    levers = dataclasses.replace(now, capacity={**now.capacity, "ucr": 9},
                                 unit_capacity={**now.unit_capacity, "ucr": teams})
    with pytest.raises(ScenarioError, match="services.ucr: change its total capacity or its "
                                            "capacity per unit, not both"):
        edits.changes(locality, levers)


def test_demand_growth_in_one_locality_gives_it_its_own_rates(tmp_path):
    base = load_scenario(BASELINE)
    growth = {"north": 0.1, "central": 0.0, "south": 0.0}
    _, loaded = _whatif(BASELINE, tmp_path, demand_growth=growth)
    for name, stream in base.demand.items():
        own = loaded.demand[name].rate_per_1000_per_year_by_locality
        assert set(own) == {"north"}  # the others keep the shared rates and their need index
        need = base.geography.localities["north"].need_index if stream.scale_by_need else 1.0
        for band, rate in stream.rate_per_1000_per_year.items():
            assert own["north"][band] == pytest.approx(rate * need * 1.1)
        assert loaded.demand[name].rate_per_1000_per_year == stream.rate_per_1000_per_year


def test_policy_effects_by_locality(tmp_path):
    effects = {"north": 0.1, "central": 0.05, "south": 0.0}
    _, loaded = _whatif(BASELINE, tmp_path, policies={
        "mdt_case_management": effects,
        "care_home_support": dict.fromkeys(effects, 0.2)})
    policies = loaded.policies
    assert [policies.mdt_case_management.reduction(loc) for loc in effects] == [0.1, 0.05, 0.0]
    assert policies.care_home_support.crisis_reduction == 0.2  # alike everywhere: one number


def test_a_surge_switched_off_is_removed_and_the_shipped_flu_wave_can_be_switched_on(tmp_path):
    text, loaded = _whatif(WINTER / "flu_wave.yaml", tmp_path / "off", surges={"flu": False})
    assert loaded.surges == {} and "replace:\n- surges" in text
    assert loaded.model_copy(update={"name": "x"}) == load_scenario(
        WINTER / "baseline_winter.yaml").model_copy(update={"name": "x"})
    _, on = _whatif(WINTER / "baseline_winter.yaml", tmp_path / "on", surges={"flu": True})
    assert on.surges == load_scenario(WINTER / "flu_wave.yaml").surges


def test_escalation_beds_switched_on_off_and_resized(tmp_path):
    shipped = load_scenario(WINTER / "escalation_20_beds.yaml").escalation
    name = "acute_escalation_beds"
    lever = edits.EscalationLever(True, 20, 95, 90)
    _, on = _whatif(WINTER / "baseline_winter.yaml", tmp_path / "on", escalation={name: lever})
    assert on.escalation == shipped
    _, off = _whatif(WINTER / "escalation_20_beds.yaml", tmp_path / "off",
                     escalation={name: dataclasses.replace(lever, on=False)})
    assert off.escalation == {}
    text, resized = _whatif(WINTER / "escalation_20_beds.yaml", tmp_path / "resized",
                            escalation={name: dataclasses.replace(lever, capacity=8)})
    assert resized.escalation[name].capacity == 8 and "replace" not in text


@pytest.mark.parametrize(("path", "changed", "message"), [
    (WINTER / "escalation_20_beds.yaml",
     {"escalation": {"acute_escalation_beds": edits.EscalationLever(True, 20, 95, 96)}},
     "close_below (96.0) must be below open_above (95.0)"),
    (BASELINE, {"surges": {"flu": True}, "time": {"run_days": 21.0}},
     "surges.flu.start: the surge (2025-12-01 to 2026-02-16) is outside the simulated period"),
    (BASELINE, {"policies": {"mdt_case_management": {"north": 1.5, "central": 0, "south": 0}}},
     "policies.mdt_case_management.crisis_reduction"),
])
def test_new_levers_refused_with_the_scenarios_own_message(path, changed, message, tmp_path):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        _whatif(path, tmp_path, **changed)
    assert not list(tmp_path.glob("*.yaml"))


def test_precision_settings_are_checked_before_anything_runs():
    with pytest.raises(ScenarioError) as error:
        runs.Precision(1.5, [], 2).check()
    assert error.value.messages == [
        "precision: expected a fraction between 0 and 1 (0.05 = 5%), got 1.5",
        "most replications: expected at least 3, got 2",
        "precision metrics: choose at least one metric"]


def _short(tmp_path, name, changes):
    path, _ = edits.write_whatif(BASELINE, name, {"time.run_days": 7.0, "time.warmup_days": 0.0,
                                                  "time.replications": 2, **changes}, tmp_path)
    return path


def test_a_run_to_precision_stops_at_the_cap_or_when_reached(tmp_path):
    a = _short(tmp_path, "a", {})
    b = _short(tmp_path, "b", {"services.ucr.capacity": 5})
    seen = []
    loose = runs.to_precision(a, b, runs.Precision(0.5, ["emergency_admissions"], 6),
                              tmp_path / "loose", lambda done, total: seen.append((done, total)),
                              tmp_path / "cache", 2)
    report = loose.precision
    assert set(report["n_reps"]) == {3} and report["reached"].all()  # the first round: 3 a side
    assert seen[-1] == (6, 6) and list(report["scenario"]) == ["a", "b"]
    # the folder is the command line's compare folder, with the report and the count reached
    assert (tmp_path / "loose" / "precision.csv").is_file()
    assert load_scenario(tmp_path / "loose" / "b_scenario.yaml").time.replications == 3
    tight = runs.to_precision(a, b, runs.Precision(0.0001, ["emergency_admissions"], 6),
                              tmp_path / "tight", lambda done, total: seen.append((done, total)),
                              tmp_path / "cache", 2)
    assert set(tight.precision["n_reps"]) == {6} and not tight.precision["reached"].any()
    assert seen[-1] == (12, 12)  # counted over both rounds, 6 replications a side
    assert len(tight.a.replications) == len(tight.b.replications) == 6


def test_finder_reports_every_candidate_it_evaluates(tmp_path):
    from sim.app import finder

    path = _short(tmp_path, "s", {})
    form = finder.FinderForm([("ucr_within_target_pct", "at_least", 75.0)], {"ucr": (2, 5)},
                             7.0, 0.0, 2, 2)
    targets = finder.write_targets(form, load_scenario(path), tmp_path / "finder")
    calls = []
    out = finder.search(path, targets, tmp_path / "out", lambda *call: calls.append(call),
                        tmp_path / "cache")
    candidates = [c for c in calls if c[2] not in ("now the confirming run", "solved",
                                                   "infeasible")]
    assert [c[0] for c in candidates] == list(range(1, len(pd.read_csv(out / "search.csv")) + 1))
    assert all(evaluated <= expected for evaluated, expected, _ in calls)
    assert calls[-1][0] == calls[-1][1]  # the bar ends full


def test_problems_are_placed_by_the_field_they_name():
    from sim.app.messages import about, shown

    problems = [
        InputProblem("whatif/w.yaml", ("services", "ucr", "capacity"),
                     "expected greater than or equal to 0, got -1"),
        InputProblem("", ("services", "ucr"),
                     "change its total capacity or its capacity per unit, not both"),
        InputProblem("whatif/w.yaml", ("policies", "mdt_case_management", "crisis_reduction",
                                       "north"), "expected less than or equal to 1, got 1.5"),
        InputProblem("", (), "precision: expected a fraction between 0 and 1 (0.05 = 5%), got 2"),
        InputProblem("whatif/w.yaml", ("staffing", "absence"), "expected a mapping, got 3")]
    assert about(problems, "services.ucr") == [
        "services.ucr.capacity: expected greater than or equal to 0, got -1",
        "services.ucr: change its total capacity or its capacity per unit, not both"]
    assert about(problems, "services.ucr_team") == []  # a name that merely begins alike
    assert len(about(problems, "policies.mdt_case_management")) == 1
    assert about(problems, "precision") == []  # not a field of the scenario
    session = Path("/tmp/session")
    assert shown(InputProblem(f"{session}/whatif/w.yaml", ("time", "run_days"), "expected a "
                              "number"), session) == "whatif/w.yaml: time.run_days: expected a number"
