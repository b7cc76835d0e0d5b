"""Scenario validation: every class of mistake the spec lists is rejected before anything runs.

Most tests take the parsed baseline (``yaml.safe_load`` of scenarios/baseline.yaml), change one
thing, write it to ``tmp_path`` and load it. Each asserts the exact dotted field path, the file
named and a key word of the message, so it fails if the check it guards stops working or starts
reporting the problem somewhere else. Messages have the form ``FILE: dotted.path: what``.

Fixtures kept as files: tests/data/invalid/ (YAML that cannot be parsed) and tests/data/extends/
(a small self-contained scenario and files extending it).
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from helpers import shipped_scenarios

from sim.compile import load_scenario, with_changes
from sim.config import Scenario, ScenarioError
from sim.config.distributions import DISTRIBUTIONS
from sim.config.schema import By

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
SHIPPED = shipped_scenarios()
DATA = Path(__file__).resolve().parent / "data"
INVALID = DATA / "invalid"
EXTENDS = DATA / "extends"

_BASELINE_DATA = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def base() -> dict[str, Any]:
    """A fresh, mutable copy of the parsed baseline scenario."""
    return copy.deepcopy(_BASELINE_DATA)


def get(data: dict[str, Any], dotted: str) -> Any:
    node = data
    for key in dotted.split("."):
        node = node[key]
    return node


def put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[leaf] = value


def exit_name(data: dict[str, Any]) -> str:
    return next(name for name, s in data["services"].items() if s["kind"] == "exit")


def localities(data: dict[str, Any]) -> list[str]:
    return list(data["geography"]["localities"])


def split(message: str) -> tuple[str, str, str]:
    """``FILE: path: text`` -> (file name, dotted path, text); every message is one line."""
    assert "\n" not in message, message
    assert "Traceback" not in message, message
    file, path, text = message.split(": ", 2)
    return Path(file).name, path, text


def problems(tmp_path: Path, data: dict[str, Any], name: str = "bad.yaml") -> list[tuple[str, str, str]]:
    """Write ``data`` as ``name``, load it, expect a ScenarioError and return its messages split."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.messages, "ScenarioError without messages"
    return [split(message) for message in info.value.messages]


def assert_only(found: list[tuple[str, str, str]], path: str, *words: str,
                file: str = "bad.yaml") -> None:
    """Exactly one message, at ``path``, naming ``file``, whose text contains every word."""
    assert [p for _, p, _ in found] == [path], found
    named, _, text = found[0]
    assert named == file, found
    for word in words:
        assert word in text, found


def write_valid(tmp_path: Path, data: dict[str, Any], name: str = "ok.yaml") -> Scenario:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


# --- valid scenarios --------------------------------------------------------------------------


def test_shipped_scenarios_were_found():
    assert BASELINE in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(REPO)) for p in SHIPPED])
def test_shipped_scenario_is_valid(path: Path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name


def test_baseline_is_typed_and_immutable():
    scenario = load_scenario(BASELINE)
    assert isinstance(scenario.time.replications, int)
    assert isinstance(scenario.time.start_date, datetime.date)
    assert isinstance(scenario.services["acute"].duration, (By, *DISTRIBUTIONS.values()))  # not a plain dict
    with pytest.raises(pydantic.ValidationError):
        scenario.time.replications = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        scenario.name = "changed"  # type: ignore[misc]


def test_unchanged_baseline_round_trip_through_tmp_is_valid(tmp_path, base):
    """Guards the helpers: the baseline dumped by the tests themselves is valid."""
    assert write_valid(tmp_path, base) == load_scenario(BASELINE)


# --- YAML that cannot be read -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line",
    [("bad_indent.yaml", 4), ("unclosed_flow.yaml", 3), ("tab_indent.yaml", 4)],
)
def test_invalid_yaml_syntax_gives_one_line_with_line_number(name: str, line: int):
    with pytest.raises(ScenarioError) as info:
        load_scenario(INVALID / name)
    [message] = info.value.messages
    assert "\n" not in message
    assert message.startswith(str(INVALID / name) + ":")
    assert "not valid YAML" in message
    assert f"line {line}" in message


def test_safe_loader_refuses_python_objects(tmp_path):
    marker = tmp_path / "created"
    path = tmp_path / "unsafe.yaml"
    path.write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [message] = info.value.messages
    assert "unsafe.yaml" in message and "line 1" in message
    assert not marker.exists()
    with pytest.raises(ScenarioError):
        load_scenario(INVALID / "python_tag.yaml")


def test_top_level_must_be_a_mapping():
    with pytest.raises(ScenarioError) as info:
        load_scenario(INVALID / "top_level_list.yaml")
    [message] = info.value.messages
    assert "top_level_list.yaml" in message and "mapping" in message


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nowhere.yaml")
    [message] = info.value.messages
    assert "nowhere.yaml" in message and "not found" in message


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    [message] = info.value.messages
    assert str(tmp_path) in message and "folder" in message


def test_file_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [message] = info.value.messages
    assert "latin1.yaml" in message and "UTF-8" in message and "line 1" in message


def test_control_character_gives_one_line_with_line_number(tmp_path):
    path = tmp_path / "bell.yaml"
    path.write_text("name: x\ndescription: ring \x07 ring\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [message] = info.value.messages
    assert "\n" not in message
    assert "bell.yaml" in message and "line 2" in message


# --- unknown keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "container, key, typo",
    [
        ("", "policies", "polices"),
        ("time", "replications", "replicatons"),
        ("time", "seed", "sed"),
        ("services.spa", "capacity", "capacty"),
        ("services.ed.routes.admit", "blocking", "blockng"),
        ("reporting", "ic_beds", "icbeds"),
    ],
)
def test_unknown_key_with_did_you_mean(tmp_path, base, container, key, typo):
    node = get(base, container) if container else base
    node[typo] = node.pop(key)
    path = f"{container}.{typo}" if container else typo
    # one problem, one message: a misspelt required key is not also reported as missing
    assert_only(problems(tmp_path, base), path, "unknown key", f"did you mean '{key}'")


def test_unknown_key_in_distribution(tmp_path, base):
    put(base, "services.spa.duration", {"dist": "lognormal", "mena": 20, "sd": 10, "unit": "minutes"})
    assert_only(problems(tmp_path, base), "services.spa.duration.mena", "did you mean 'mean'")


def test_unknown_key_in_locality(tmp_path, base):
    first = localities(base)[0]
    get(base, f"geography.localities.{first}")["partnershp"] = "borough"
    assert_only(problems(tmp_path, base), f"geography.localities.{first}.partnershp",
                "did you mean 'partnership'")


def test_unknown_key_without_a_close_match(tmp_path, base):
    base["time"]["flux_capacitor"] = 88
    found = problems(tmp_path, base)
    assert_only(found, "time.flux_capacitor", "unknown key")
    assert "did you mean" not in found[0][2]


def test_field_of_another_service_kind_is_not_suggested_as_itself(tmp_path, base):
    base["services"]["after_discharge"]["capacity"] = 3  # a delay has no capacity
    found = problems(tmp_path, base)
    assert_only(found, "services.after_discharge.capacity", "unknown key")
    assert "did you mean 'capacity'" not in found[0][2]


# --- wrong types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dotted, value, path, word",
    [
        ("name", 5, "name", "string"),
        ("time.replications", "ten", "time.replications", "integer"),
        ("time.replications", 2.5, "time.replications", "integer"),
        ("time.start_date", "next spring", "time.start_date", "date"),
        ("services.ed.routes.admit.blocking", "sometimes", "services.ed.routes.admit.blocking",
         "boolean"),
        ("services.acute.capacity", "lots", "services.acute.capacity", "unlimited"),
        ("services.acute.capacity", "400", "services.acute.capacity", "whole number"),
        ("services.acute.capacity", 2.5, "services.acute.capacity", "integer"),
        ("services.spa.kind", "teem", "services.spa", "kind"),
        ("services.spa.duration", {"dist": "lognorm", "mean": 1, "sd": 1, "unit": "days"},
         "services.spa.duration", "distribution"),
        ("services.spa.duration", {"dist": "fixed", "value": 1, "unit": "secs"},
         "services.spa.duration.unit", "minutes"),
        ("services.ucr.level", "borough", "services.ucr.level", "locality"),
        ("services.spa.routes.ucr", "ucr", "services.spa.routes.ucr", "dictionary"),
        ("services.spa.routes.ucr.probability", "half", "services.spa.routes.ucr.probability",
         "number"),
        ("services", ["spa"], "services", "dictionary"),
        ("services.ed.routes.admit.probability.by", "age", "services.ed.routes.admit.probability.by",
         "age_band"),
    ],
)
def test_wrong_type(tmp_path, base, dotted, value, path, word):
    put(base, dotted, value)
    assert_only(problems(tmp_path, base), path, word)


def test_missing_required_field(tmp_path, base):
    del base["time"]["seed"]
    assert_only(problems(tmp_path, base), "time.seed", "required")


def test_capacity_and_capacity_by_unit_exactly_one(tmp_path, base):
    del base["services"]["acute"]["capacity"]
    assert_only(problems(tmp_path, base), "services.acute", "exactly one")


# --- negative rates, capacities, durations, and out-of-range values ------------------------


def _dist(**fields: Any) -> dict[str, Any]:
    return {"unit": "days", **fields}


@pytest.mark.parametrize(
    "dotted, value, path",
    [
        # rates
        ("demand.ed_attendance.rate_per_1000_per_year.85+", -1,
         "demand.ed_attendance.rate_per_1000_per_year.85+"),
        ("demand.ed_attendance.care_home_rate_ratio", -1,
         "demand.ed_attendance.care_home_rate_ratio"),
        # capacities and targets
        ("services.acute.capacity", -5, "services.acute.capacity"),
        ("services.ucr.response_target_hours", -2, "services.ucr.response_target_hours"),
        # durations, wherever a distribution can appear
        ("time.run_days", -1, "time.run_days"),
        ("time.warmup_days", -1, "time.warmup_days"),
        ("time.follow_up_days", -1, "time.follow_up_days"),
        ("services.spa.duration", _dist(dist="lognormal", mean=-20, sd=10),
         "services.spa.duration.mean"),
        ("services.spa.duration", _dist(dist="gamma", mean=2, sd=-1), "services.spa.duration.sd"),
        ("services.spa.duration", _dist(dist="exponential", mean=-1), "services.spa.duration.mean"),
        ("services.spa.duration", _dist(dist="fixed", value=-1), "services.spa.duration.value"),
        ("services.spa.duration", _dist(dist="uniform", low=-1, high=2), "services.spa.duration.low"),
        ("services.spa.duration", _dist(dist="empirical", values=[1, -2]),
         "services.spa.duration.values.1"),
        ("services.care_home.delay", _dist(dist="fixed", value=-3), "services.care_home.delay.value"),
        ("services.spa.routes.ucr.duration", _dist(dist="fixed", value=-1),
         "services.spa.routes.ucr.duration.value"),
        ("services.spa.routes.ucr.handoff_delay", _dist(dist="fixed", value=-1),
         "services.spa.routes.ucr.handoff_delay.value"),
        ("services.ucr.travel_time_by_level.system", _dist(dist="fixed", value=-1),
         "services.ucr.travel_time_by_level.system.value"),
    ],
)
def test_negative_value(tmp_path, base, dotted, value, path):
    put(base, dotted, value)
    assert_only(problems(tmp_path, base), path, "greater than")


def test_negative_population(tmp_path, base):
    first = localities(base)[0]
    put(base, f"geography.localities.{first}.population.85+", -1)
    assert_only(problems(tmp_path, base), f"geography.localities.{first}.population.85+",
                "greater than")


def test_negative_capacity_by_unit(tmp_path, base):
    acute = base["services"]["acute"]
    del acute["capacity"]
    acute["level"] = "locality"
    acute["capacity_by_unit"] = {name: 10 for name in localities(base)}
    last = localities(base)[-1]
    acute["capacity_by_unit"][last] = -3
    assert_only(problems(tmp_path, base), f"services.acute.capacity_by_unit.{last}", "greater than")


def test_uniform_high_below_low(tmp_path, base):
    put(base, "services.spa.duration", _dist(dist="uniform", low=3, high=2))
    assert_only(problems(tmp_path, base), "services.spa.duration", "at least low")


@pytest.mark.parametrize(
    "dotted, value, path, word",
    [
        ("services.spa.routes.ucr.probability", 1.5, "services.spa.routes.ucr.probability",
         "less than or equal to 1"),
        ("services.spa.routes.ucr.probability", -0.1, "services.spa.routes.ucr.probability",
         "greater than or equal to 0"),
        ("demand.ed_attendance.sources.gp", -0.07, "demand.ed_attendance.sources.gp",
         "greater than or equal to 0"),
        ("geography.care_home_share.85+", 1.2, "geography.care_home_share.85+",
         "less than or equal to 1"),
        ("policies.mdt_case_management.crisis_reduction", 1.5,
         "policies.mdt_case_management.crisis_reduction", "less than or equal to 1"),
        ("time.replications", 0, "time.replications", "greater than or equal to 1"),
    ],
)
def test_out_of_range(tmp_path, base, dotted, value, path, word):
    put(base, dotted, value)
    assert_only(problems(tmp_path, base), path, word)


def test_negative_share_per_locality(tmp_path, base):
    first = localities(base)[0]
    put(base, "policies.care_home_support.crisis_reduction", {first: -0.1})
    assert_only(problems(tmp_path, base), f"policies.care_home_support.crisis_reduction.{first}",
                "greater than or equal to 0")


# --- probabilities that must sum to one -------------------------------------------------------


def test_route_probabilities_must_sum_to_one(tmp_path, base):
    route = base["services"]["spa"]["routes"]["ucr"]
    route["probability"] = round(route["probability"] + 0.1, 6)
    assert_only(problems(tmp_path, base), "services.spa.routes", "sum", "expected 1")


def test_route_probabilities_sum_to_one_per_attribute_value(tmp_path, base):
    values = base["services"]["acute"]["routes"]["died"]["probability"]["values"]
    values["85+"] = round(values["85+"] + 0.05, 6)
    assert_only(problems(tmp_path, base), "services.acute.routes", "sum", "age_band=85+")


def test_route_probabilities_by_two_attributes_checked_per_combination(tmp_path, base):
    routes = base["services"]["spa"]["routes"]
    others = sum(r["probability"] for name, r in routes.items() if name not in ("ucr", "advice"))
    rest = round(1 - others, 6)
    first, *_ = localities(base)
    routes["ucr"]["probability"] = {"by": "residence", "values": {"own_home": rest - 0.1,
                                                                  "care_home": rest - 0.1}}
    routes["advice"]["probability"] = {"by": "locality", "values": {"default": 0.1, first: 0.2}}
    found = problems(tmp_path, base)
    assert {p for _, p, _ in found} == {"services.spa.routes"}
    assert len(found) == 2  # residence=own_home and residence=care_home, both in `first` only
    assert all(f"locality={first}" in text for _, _, text in found)


def test_sums_allow_floating_point_error(tmp_path, base):
    routes = base["services"]["spa"]["routes"]
    shares = [0.1, 0.2, 0.7] + [0.0] * (len(routes) - 3)  # 0.1 + 0.2 + 0.7 != 1.0 in floats
    for route, share in zip(routes.values(), shares):
        route["probability"] = share
    write_valid(tmp_path, base)


def test_referral_source_shares_must_sum_to_one(tmp_path, base):
    sources = base["demand"]["ed_attendance"]["sources"]
    first = next(iter(sources))
    sources[first] = round(sources[first] + 0.1, 6)
    assert_only(problems(tmp_path, base), "demand.ed_attendance.sources", "sum", "expected 1")


def test_referral_source_shares_sum_to_one_per_residence(tmp_path, base):
    care_home = base["demand"]["community_crisis"]["sources"]["values"]["care_home"]
    first = next(iter(care_home))
    care_home[first] = round(care_home[first] + 0.1, 6)
    assert_only(problems(tmp_path, base), "demand.community_crisis.sources", "sum",
                "residence=care_home")


def test_referral_sources_vary_by_residence_only(tmp_path, base):
    bands = base["geography"]["age_bands"]
    put(base, "demand.community_crisis.sources",
        {"by": "age_band", "values": {band: {"gp": 0.5, "ambulance": 0.25, "care_home": 0.25}
                                      for band in bands}})
    assert_only(problems(tmp_path, base), "demand.community_crisis.sources.by", "residence")


# --- references to undefined localities and services -----------------------------------------


def test_route_to_undefined_service(tmp_path, base):
    put(base, "services.spa.routes.ucr.to", "ucrr")
    assert_only(problems(tmp_path, base), "services.spa.routes.ucr.to", "undefined service",
                "'ucrr'")


def test_demand_entry_undefined(tmp_path, base):
    put(base, "demand.ed_attendance.entry", "emergency")
    assert_only(problems(tmp_path, base), "demand.ed_attendance.entry", "undefined service")


def test_demand_entry_cannot_be_an_exit(tmp_path, base):
    put(base, "demand.ed_attendance.entry", exit_name(base))
    assert_only(problems(tmp_path, base), "demand.ed_attendance.entry", "exit")


def _capacity_by_locality(base: dict[str, Any]) -> dict[str, int]:
    acute = base["services"]["acute"]
    del acute["capacity"]
    acute["level"] = "locality"
    acute["capacity_by_unit"] = {name: 100 for name in localities(base)}
    return acute["capacity_by_unit"]


def test_capacity_by_unit_names_unknown_locality(tmp_path, base):
    _capacity_by_locality(base)["atlantis"] = 5
    assert_only(problems(tmp_path, base), "services.acute.capacity_by_unit.atlantis",
                "unknown locality")


def test_capacity_by_unit_misses_a_locality(tmp_path, base):
    last = localities(base)[-1]
    del _capacity_by_locality(base)[last]
    assert_only(problems(tmp_path, base), "services.acute.capacity_by_unit", "missing locality",
                last)


def test_capacity_by_unit_at_system_level(tmp_path, base):
    acute = base["services"]["acute"]
    del acute["capacity"]
    acute["level"] = "system"
    acute["capacity_by_unit"] = {"not_a_system": 400}
    systems = {loc["system"] for loc in base["geography"]["localities"].values()}
    found = problems(tmp_path, base)
    paths = sorted(p for _, p, _ in found)
    assert paths == ["services.acute.capacity_by_unit"] * len(systems) + [
        "services.acute.capacity_by_unit.not_a_system"]
    assert all(file == "bad.yaml" for file, _, _ in found)


def test_policy_names_unknown_locality(tmp_path, base):
    put(base, "policies.mdt_case_management.crisis_reduction", {"atlantis": 0.1})
    assert_only(problems(tmp_path, base), "policies.mdt_case_management.crisis_reduction.atlantis",
                "unknown locality")


def test_policy_per_locality_is_valid(tmp_path, base):
    first = localities(base)[0]
    put(base, "policies.mdt_case_management.crisis_reduction", {first: 0.1})
    scenario = write_valid(tmp_path, base)
    assert scenario.policies.mdt_case_management.reduction(first) == 0.1


@pytest.mark.parametrize(
    "role, value, path",
    [
        ("acute", "acutee", "reporting.acute"),
        ("ucr", "nobody", "reporting.ucr"),
        ("ic_beds", ["ic_bed"], "reporting.ic_beds"),
        ("ic_home", ["nowhere"], "reporting.ic_home"),
    ],
)
def test_reporting_role_names_undefined_service(tmp_path, base, role, value, path):
    base["reporting"][role] = value
    assert_only(problems(tmp_path, base), path, "undefined service")


def test_reporting_role_must_be_capacitated(tmp_path, base):
    base["reporting"]["acute"] = exit_name(base)
    assert_only(problems(tmp_path, base), "reporting.acute", "expected a team, ward or caseload")


# --- `by:` tables -----------------------------------------------------------------------------


def test_by_table_names_unknown_attribute_value(tmp_path, base):
    put(base, "services.acute.routes.died.probability.values.90+", 0.06)
    assert_only(problems(tmp_path, base), "services.acute.routes.died.probability.values.90+",
                "unknown age_band")


def test_by_table_misses_an_attribute_value(tmp_path, base):
    del base["services"]["acute"]["routes"]["died"]["probability"]["values"]["85+"]
    assert_only(problems(tmp_path, base), "services.acute.routes.died.probability.values",
                "no value for age_band", "85+")


def test_by_table_default_covers_missing_values(tmp_path, base):
    values = base["services"]["acute"]["routes"]["died"]["probability"]["values"]
    values["default"] = values.pop("85+")
    write_valid(tmp_path, base)


def _fixed(value: float) -> dict[str, Any]:
    return {"dist": "fixed", "value": value, "unit": "days"}


@pytest.mark.parametrize(
    "by, bad",
    [("age_band", "100+"), ("locality", "atlantis"), ("residence", "hotel"),
     ("source", "carrier_pigeon"), ("pathway", "P9"), ("stream", "walk_in")],
)
def test_duration_by_table_names_unknown_value(tmp_path, base, by, bad):
    table = {"by": by, "values": {"default": _fixed(1), bad: _fixed(2)}}
    put(base, "services.acute.duration", table)
    assert_only(problems(tmp_path, base), f"services.acute.duration.values.{bad}", f"unknown {by}")


def test_duration_by_table_misses_a_stream(tmp_path, base):
    streams = list(base["demand"])
    table = {"by": "stream", "values": {name: _fixed(1) for name in streams[1:]}}
    put(base, "services.acute.duration", table)
    assert_only(problems(tmp_path, base), "services.acute.duration.values", "no value for stream",
                streams[0])


def test_placement_delay_by_table_checked(tmp_path, base):
    put(base, "services.care_home.delay", {"by": "residence", "values": {"own_home": _fixed(1)}})
    assert_only(problems(tmp_path, base), "services.care_home.delay.values",
                "no value for residence", "care_home")


def test_handoff_delay_by_table_checked(tmp_path, base):
    put(base, "services.spa.routes.ucr.handoff_delay",
        {"by": "locality", "values": {"atlantis": _fixed(1), "default": _fixed(0)}})
    assert_only(problems(tmp_path, base), "services.spa.routes.ucr.handoff_delay.values.atlantis",
                "unknown locality")


def test_by_table_typo_in_values_key(tmp_path, base):
    put(base, "services.ed.routes.admit.probability", {"by": "age_band", "vals": {"default": 0.3}})
    assert_only(problems(tmp_path, base), "services.ed.routes.admit.probability.vals",
                "did you mean 'values'")


def test_geography_tables_cover_every_age_band(tmp_path, base):
    del base["geography"]["care_home_share"]["85+"]
    assert_only(problems(tmp_path, base), "geography.care_home_share", "missing age band", "85+")


def test_age_bands_unique(tmp_path, base):
    base["geography"]["age_bands"].append(base["geography"]["age_bands"][0])
    assert_only(problems(tmp_path, base), "geography.age_bands", "unique")


# --- routes that can never end, and rings of blocking routes ---------------------------------


def _delay(routes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "delay", "duration": _fixed(1), "routes": routes}


def test_routes_that_never_reach_an_exit(tmp_path, base):
    out = exit_name(base)
    base["services"]["limbo_a"] = _delay({"on": {"to": "limbo_b", "probability": 1.0}})
    base["services"]["limbo_b"] = _delay({"back": {"to": "limbo_a", "probability": 1.0},
                                          "out": {"to": out, "probability": 0.0}})
    stream = copy.deepcopy(base["demand"]["ed_attendance"])
    stream["entry"] = "limbo_a"
    base["demand"]["lost"] = stream
    found = problems(tmp_path, base)
    assert sorted(p for _, p, _ in found) == ["services.limbo_a.routes", "services.limbo_b.routes"]
    assert all(file == "bad.yaml" and "exit" in text for file, _, text in found)


def test_unreached_service_that_cannot_end_is_reported(tmp_path, base):
    base["services"]["limbo"] = _delay({"again": {"to": "limbo", "probability": 1.0}})
    assert_only(problems(tmp_path, base), "services.limbo.routes", "exit")


def test_service_with_no_routes(tmp_path, base):
    base["services"]["limbo"] = _delay({})
    assert_only(problems(tmp_path, base), "services.limbo.routes", "needs a route")


def _ward(routes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "ward", "capacity": 5, "duration": _fixed(1), "routes": routes}


def test_ring_of_blocking_routes(tmp_path, base):
    out = exit_name(base)
    base["services"]["ring_a"] = _ward({"on": {"to": "ring_b", "probability": 0.5, "blocking": True},
                                        "out": {"to": out, "probability": 0.5}})
    base["services"]["ring_b"] = _ward({"on": {"to": "ring_a", "probability": 0.5, "blocking": True},
                                        "out": {"to": out, "probability": 0.5}})
    found = problems(tmp_path, base)
    assert {p for _, p, _ in found} <= {"services.ring_a.routes", "services.ring_b.routes"}
    assert all(file == "bad.yaml" and "cycle" in text for file, _, text in found)


def test_blocking_route_to_itself(tmp_path, base):
    out = exit_name(base)
    base["services"]["ring_a"] = _ward({"again": {"to": "ring_a", "probability": 0.5,
                                                  "blocking": True},
                                        "out": {"to": out, "probability": 0.5}})
    assert_only(problems(tmp_path, base), "services.ring_a.routes", "cycle")


def test_blocking_chain_without_a_ring_is_valid(tmp_path, base):
    out = exit_name(base)
    base["services"]["ring_a"] = _ward({"on": {"to": "ring_b", "probability": 0.5, "blocking": True},
                                        "out": {"to": out, "probability": 0.5}})
    base["services"]["ring_b"] = _ward({"back": {"to": "ring_a", "probability": 0.5},
                                        "out": {"to": out, "probability": 0.5}})
    write_valid(tmp_path, base)


# --- several problems at once -----------------------------------------------------------------


def test_capacity_split_that_leaves_a_locality_without_any(tmp_path, base):
    put(base, "services.ucr.level", "locality")
    put(base, "services.ucr.capacity", 2)  # three localities, two clinicians
    assert_only(problems(tmp_path, base), "services.ucr.capacity", "never be served")


def test_capacity_split_that_gives_every_locality_some_is_valid(tmp_path, base):
    put(base, "services.ucr.level", "locality")
    put(base, "services.ucr.capacity", 3)
    assert write_valid(tmp_path, base).services["ucr"].level == "locality"


@pytest.mark.parametrize("field, value", [("capacity", 0),
                                          ("capacity_by_unit", {"ics": 0})])
def test_a_unit_with_no_capacity_is_rejected(tmp_path, base, field, value):
    acute = base["services"]["acute"]
    acute["capacity"], acute["capacity_by_unit"] = None, None
    acute[field] = value
    assert_only(problems(tmp_path, base), f"services.acute.{field}", "never be served")


def test_locality_rates_name_known_localities_and_every_age_band(tmp_path, base):
    stream = base["demand"]["community_crisis"]
    stream["rate_per_1000_per_year_by_locality"] = {
        "nowhere": dict(stream["rate_per_1000_per_year"]),
        "north": {"0-64": 1.0},
    }
    found = problems(tmp_path, base)
    prefix = "demand.community_crisis.rate_per_1000_per_year_by_locality"
    assert {p for _, p, _ in found} == {f"{prefix}.north", f"{prefix}.nowhere"}, found
    assert sum("missing age band" in text for *_, text in found) == 3  # north gave one of 4


def test_follow_up_shorter_than_the_30_day_outcome_windows(tmp_path, base):
    put(base, "time.follow_up_days", 10)
    assert_only(problems(tmp_path, base), "time.follow_up_days", "at least 30")


def test_two_independent_field_problems_give_two_messages(tmp_path, base):
    put(base, "time.replications", 0)
    put(base, "services.spa.duration", _dist(dist="exponential", mean=-1))
    found = problems(tmp_path, base)
    assert sorted(p for _, p, _ in found) == ["services.spa.duration.mean", "time.replications"]
    assert all(file == "bad.yaml" for file, _, _ in found)


def test_two_independent_cross_field_problems_give_two_messages(tmp_path, base):
    put(base, "services.spa.routes.ucr.to", "nowhere")
    put(base, "reporting.acute", "nowhere")
    found = problems(tmp_path, base)
    assert sorted(p for _, p, _ in found) == ["reporting.acute", "services.spa.routes.ucr.to"]
    assert all(file == "bad.yaml" and "undefined service" in text for file, _, text in found)


# --- extends ----------------------------------------------------------------------------------


def test_extends_overrides_one_nested_value():
    parent = load_scenario(EXTENDS / "parent.yaml")
    child = load_scenario(EXTENDS / "child_override.yaml")
    assert child.services["ward"].capacity == 7
    # everything the child does not set is the parent's, including siblings of the change
    assert child.services["ward"].duration == parent.services["ward"].duration
    assert child.services["ward"].routes == parent.services["ward"].routes
    assert child.services["team"] == parent.services["team"]
    assert child.time == parent.time and child.geography == parent.geography
    assert child.name == "child_override"  # named after its own file, not the parent's name


def test_extends_replaces_lists():
    assert load_scenario(EXTENDS / "parent.yaml").reporting.ic_beds == ["ward"]
    assert load_scenario(EXTENDS / "child_override.yaml").reporting.ic_beds == ["team"]


def test_extends_chain_of_three():
    scenario = load_scenario(EXTENDS / "grandchild.yaml")
    assert scenario.name == "grandchild"
    assert scenario.time.seed == 99  # from the grandchild
    assert scenario.services["ward"].capacity == 7  # from the child
    assert scenario.time.run_days == 30  # from the parent


def test_extends_circular():
    with pytest.raises(ScenarioError) as info:
        load_scenario(EXTENDS / "loop_a.yaml")
    [message] = info.value.messages
    assert "loop_a.yaml" in message and "circular" in message
    assert message.count("loop_b.yaml") == 1  # found on the first repeat, not by exhausting a limit


def test_extends_missing_parent():
    with pytest.raises(ScenarioError) as info:
        load_scenario(EXTENDS / "orphan.yaml")
    [message] = info.value.messages
    file, path, text = split(message)
    assert (file, path) == ("orphan.yaml", "extends")
    assert "no_such_parent.yaml" in text and "not found" in text


def test_extends_folder_is_not_a_parent(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "child.yaml").write_text("extends: sub\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "child.yaml")
    [message] = info.value.messages
    assert split(message)[:2] == ("child.yaml", "extends")


ONE_PLACE = """\
extends: {parent}
{replace}geography:
  localities:
    only: {{population: {{"0-64": 90000, "65-74": 6000, "75-84": 3000, "85+": {oldest}}},
           partnership: p, system: s}}
"""


@pytest.mark.parametrize("replace, localities", [
    ("replace: [geography.localities]\n", ["only"]),
    ("", ["north", "central", "south", "only"]),  # without it, mappings merge
])
def test_replace_sets_a_mapping_in_full_instead_of_merging(tmp_path, replace, localities):
    child = tmp_path / "place.yaml"
    child.write_text(ONE_PLACE.format(parent=BASELINE, replace=replace, oldest=1000))
    scenario = load_scenario(child)
    assert list(scenario.geography.localities) == localities
    assert scenario.services == load_scenario(BASELINE).services


def test_error_in_a_replaced_mapping_names_the_replacing_file(tmp_path):
    child = tmp_path / "place.yaml"
    child.write_text(ONE_PLACE.format(parent=BASELINE, replace="replace: [geography.localities]\n",
                                      oldest=-5))
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    [message] = info.value.messages
    file, path, _ = split(message)
    assert (file, path) == ("place.yaml", "geography.localities.only.population.85+")


@pytest.mark.parametrize("text, expected", [
    ("replace: [geography.localities]\nname: x\n", "only means something with extends"),
    (f"extends: {BASELINE}\nreplace: geography.localities\n", "expected a list of field paths"),
    (f"extends: {BASELINE}\nreplace: [geography.localities]\n", "expected a mapping set in this"),
    (f"extends: {BASELINE}\nreplace: [time.seed]\ntime: {{seed: 1}}\n", "expected a mapping"),
])
def test_replace_errors(tmp_path, text, expected):
    child = tmp_path / "place.yaml"
    child.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert expected in "\n".join(info.value.messages)
    assert all(m.startswith(str(child)) for m in info.value.messages)


@pytest.mark.parametrize("file, path, word, named", [
    ("child_bad_value.yaml", "services.ward.capacity", "greater than", "child_bad_value.yaml"),
    ("child_bad_sum.yaml", "services.team.routes", "sum", "child_bad_sum.yaml"),
    # a value error set by the parent, and a cross-field error in the parent
    ("grandchild_of_bad_value.yaml", "services.ward.capacity", "greater than",
     "child_bad_value.yaml"),
    ("child_of_bad_parent.yaml", "services.ward.routes.died.to", "undefined service",
     "parent_bad.yaml"),
])
def test_error_names_the_file_that_set_the_value(file, path, word, named):
    with pytest.raises(ScenarioError) as info:
        load_scenario(EXTENDS / file)
    assert_only([split(m) for m in info.value.messages], path, word, file=named)


def test_extends_baseline_error_attributed_to_child(tmp_path):
    """The same with the shipped baseline as parent (as scenarios/*.yaml do)."""
    child = tmp_path / "variant.yaml"
    child.write_text(f"extends: {BASELINE}\nservices:\n  spa:\n    capacty: 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert_only([split(m) for m in info.value.messages], "services.spa.capacty",
                "did you mean 'capacity'", file="variant.yaml")


# --- changes after loading --------------------------------------------------------------------


def test_with_changes_returns_validated_copy():
    scenario = load_scenario(BASELINE)
    changed = with_changes(scenario, {"time.replications": 3, "services.acute.capacity": 10})
    assert changed.time.replications == 3 and changed.services["acute"].capacity == 10
    assert scenario.time.replications == _BASELINE_DATA["time"]["replications"]  # unchanged
    assert with_changes(scenario, {}) == scenario


@pytest.mark.parametrize(
    "changes, path, word",
    [
        ({"time.replications": 0}, "time.replications", "greater than"),
        ({"services.acute.capacity": -1}, "services.acute.capacity", "greater than"),
        ({"services.spa.routes.ucr.to": "nowhere"}, "services.spa.routes.ucr.to", "undefined"),
        ({"services.spa.routes.ucr.probability": 0.0}, "services.spa.routes", "sum"),
        ({"time.replicatons": 3}, "time.replicatons", "did you mean 'replications'"),
    ],
)
def test_with_changes_revalidates(changes, path, word):
    scenario = load_scenario(BASELINE)
    with pytest.raises(ScenarioError) as info:
        with_changes(scenario, changes)
    [message] = info.value.messages
    _, found_path, text = message.split(": ", 2)
    assert found_path == path and word in text, message


def test_load_with_changes_revalidates():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, {"time.seed": -1})
    assert_only([split(m) for m in info.value.messages], "time.seed", "greater than",
                file="baseline.yaml")


def test_key_given_twice_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("extends: x.yaml\nname: a\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [message] = info.value.messages
    assert "twice" in message and "line 3" in message and "twice.yaml" in message
