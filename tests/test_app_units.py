"""The app's pieces without a browser: an upload's ``extends:`` kept inside the shipped
scenarios, the form's levers written as a what-if that the command line loads to the same
scenario, and the scenario described in words."""

from __future__ import annotations

import pytest

from sim.app import edits, scenarios
from sim.config import ScenarioError, load_scenario
from tests.helpers import BASELINE, SCENARIOS


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
    assert loaded == base.with_changes(dotted).model_copy(update={"name": "w"})
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
