"""The real places of scenarios/places/ (docs/places.md): each is valid, runs end to end, and
describes the organisation its source says it has, with the populations its files state."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers import shipped_cases

from sim.compile import load_scenario
from sim.config.capacity import unit_capacities
from sim.config.schema import CapacitatedService, Scenario

REPO = Path(__file__).resolve().parents[1]
PLACES = REPO / "scenarios" / "places"
BASELINE = REPO / "scenarios" / "baseline.yaml"
# place baseline -> (authority total stated in the file, its locality file(s))
TOTALS = {
    "barking_dagenham": 218_900,      # ONS Census 2021
    "havering": 262_000,              # ONS Census 2021
    "kent_medway": 1_593_200 + 282_702,  # ONS mid-2022: Kent County Council area + Medway
    "rotherham": 265_800,             # ONS Census 2021
    "southend": 180_700,              # ONS Census 2021
}
PAIRS = [
    ("barking_dagenham", "barking_dagenham_locality"),
    ("havering", "havering_locality"),
    ("kent_medway", "kent_medway_locality"),
    ("rotherham", "rotherham_locality"),
    ("rotherham", "rotherham_health_village"),
    ("southend", "southend_locality"),
]
FILES = sorted(PLACES.glob("*.yaml"))
CASES = [case for case in shipped_cases() if case.values[0].parent == PLACES]


def place(name: str) -> Scenario:
    return load_scenario(PLACES / f"{name}.yaml")


def test_every_place_file_is_listed():
    assert {p.stem for p in FILES} == set(TOTALS) | {b for _, b in PAIRS}


def test_every_place_file_runs_in_the_session():
    assert [case.values[0] for case in CASES] == FILES


@pytest.mark.parametrize("path", CASES)
def test_place_runs_end_to_end(path: Path, shipped_run):
    run = shipped_run(path)
    scenario, metrics = run.scenario, run.metrics
    assert scenario.name == path.stem
    totals = metrics[metrics["locality"] == "all"].set_index("metric")["value"]
    assert totals["emergency_admissions"] > 0
    assert 0 < totals["acute_occupancy_pct_mean"] <= 100
    by_locality = metrics[metrics["metric"] == "emergency_admissions"]
    assert set(by_locality["locality"]) == {"all", *scenario.geography.localities}


# --- populations ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_population_sums_to_the_stated_authority_total(name: str):
    assert place(name).geography.population == TOTALS[name]


@pytest.mark.parametrize(("base", "variant"), PAIRS)
def test_locality_file_changes_organisation_not_population_or_demand(base: str, variant: str):
    a, b = place(base), place(variant)
    assert a.geography == b.geography
    assert a.demand == b.demand
    assert a.time == b.time
    changed = {n for n in a.services if a.services[n] != b.services[n]}
    assert changed or a.policies != b.policies, "the variant changes nothing"


def test_places_keep_the_baseline_pathway():
    """Each place changes geography, capacities and organisation, never the pathway's shape."""
    base = load_scenario(BASELINE)
    for path in sorted(PLACES.glob("*.yaml")):
        place = load_scenario(path)
        assert set(place.services) >= set(base.services), path.name
        assert place.demand.keys() == base.demand.keys(), path.name


# --- capacity scaled by expected demand (docs/places.md, "Scaling capacity") -----------------

# Per resident-year by age band: emergency admissions per 1,000 (docs/domain.md) x mean acute stay
# of the baseline; the same admissions x the baseline's P1 + P2 probabilities, plus crises x
# the share sent to IC; community crises per 1,000 (the baseline's SPA rates).
ADMISSIONS = np.array([65, 150, 280, 480])
WEIGHTS = {
    "acute": ADMISSIONS * np.array([3.0, 6.5, 8.5, 11.0]),
    "ic": ADMISSIONS * np.array([0.017, 0.098, 0.178, 0.292])
    + np.array([8, 50, 120, 300]) * 0.174,
    "community": np.array([8, 50, 120, 300]),
}
KIND = {"spa": "community", "ucr": "community", "acute": "acute", "ic_home": "ic",
        "ic_beds": "ic"}


def expected_demand(scenario: Scenario, kind: str) -> float:
    geo = scenario.geography
    return sum(
        loc.need_index * float(np.dot([loc.population[b] for b in geo.age_bands], WEIGHTS[kind]))
        for loc in geo.localities.values()
    )


def total_capacity(scenario: Scenario, name: str) -> int:
    service = scenario.services[name]
    assert isinstance(service, CapacitatedService)
    return sum(c for c in unit_capacities(scenario, service).values() if c is not None)


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_capacity_follows_expected_demand(name: str):
    base, here = load_scenario(BASELINE), place(name)
    for service, kind in KIND.items():
        ratio = expected_demand(here, kind) / expected_demand(base, kind)
        expected = max(1, round(total_capacity(base, service) * ratio))
        # Southend's acute has 3 more beds for East Central's own ED rates (its file says so)
        assert abs(total_capacity(here, service) - expected) <= max(1, 0.01 * expected), service


# --- each place's organisation (docs/domain.md, "Real systems the tool must be able to describe") ---


def levels(scenario: Scenario) -> set[str]:
    return {s.level for s in scenario.services.values() if isinstance(s, CapacitatedService)}


def test_barking_dagenham_three_localities_three_levels_provision_by_need():
    loc = place("barking_dagenham_locality")
    assert len(loc.geography.localities) == 3
    assert levels(loc) == {"locality", "partnership", "system"}
    ic_home = loc.services["ic_home"]
    assert ic_home.level == "locality" and ic_home.split == "need_weighted_population"
    shares = unit_capacities(loc, ic_home)
    needs = {n: x.need_index for n, x in loc.geography.localities.items()}
    assert sorted(shares, key=shares.get) == sorted(needs, key=needs.get)
    assert {x.system for x in loc.geography.localities.values()} == {"bhr"}


def test_havering_locality_ic_hub():
    base, loc = place("havering"), place("havering_locality")
    assert base.services["ic_home"].level == "partnership"
    assert loc.services["ic_home"].level == "locality"
    assert total_capacity(loc, "ic_home") == total_capacity(base, "ic_home")
    fewer, before = (s.services["ic_home"].routes["long_term_care"].probability
                     for s in (loc, base))
    for days in ("0", "3", "7", "14", "30"):
        assert fewer.get(days) < before.get(days)


def test_kent_medway_eight_localities_of_mdt_clusters():
    km = place("kent_medway")
    localities = km.geography.localities
    assert len(localities) == 8
    assert 1_850_000 <= km.geography.population <= 1_950_000
    assert len({x.partnership for x in localities.values()}) == 4
    for name, loc in localities.items():  # whole number of MDTs of 30,000-50,000 each
        n = max(1, round(loc.total_population / 40_000))
        assert 30_000 <= loc.total_population / n <= 50_000, name
    reduction = place("kent_medway_locality").policies.mdt_case_management.crisis_reduction
    assert isinstance(reduction, dict) and set(reduction) == set(localities)
    assert all(r > 0 for r in reduction.values())


def test_rotherham_seven_localities_in_three_partnerships():
    ro = place("rotherham")
    localities = ro.geography.localities
    assert len(localities) == 7
    assert {x.partnership for x in localities.values()} == {"north", "central", "south"}
    assert localities["health_village"].total_population == 36_000


def test_rotherham_integrated_model():
    base, loc = place("rotherham"), place("rotherham_locality")
    assert loc.services["ic_home"].level == "partnership"
    assert loc.services["spa"].routes["ed"].probability < base.services["spa"].routes["ed"].probability
    for pathway in ("P1", "P2", "P3"):  # integrated discharge team: shorter assessment
        assert loc.services["acute"].routes[pathway].handoff_delay.mean < \
            base.services["acute"].routes[pathway].handoff_delay.mean
    # Home First: more P1, fewer P2 and P3, at every age
    for band in loc.geography.age_bands:
        p = {r: loc.services["acute"].routes[r].probability.get(band) for r in ("P1", "P2", "P3")}
        q = {r: base.services["acute"].routes[r].probability.get(band) for r in ("P1", "P2", "P3")}
        assert p["P1"] > q["P1"] and p["P2"] < q["P2"] and p["P3"] < q["P3"]
        assert math.isclose(sum(p.values()), sum(q.values()))
    assert loc.policies.care_home_support.reduction("south_a") > 0
    assert set(loc.policies.mdt_case_management.crisis_reduction) == set(loc.geography.localities)


def test_rotherham_pilot_switches_locality_working_on_in_health_village_only():
    pilot = place("rotherham_health_village")
    for name in pilot.geography.localities:
        on = name == "health_village"
        assert (pilot.policies.mdt_case_management.reduction(name) > 0) == on
        assert (pilot.policies.care_home_support.reduction(name) > 0) == on


def test_southend_four_named_localities_east_central_highest_need():
    se = place("southend")
    localities = se.geography.localities
    assert list(localities) == ["west", "west_central", "east_central", "east"]
    assert max(localities, key=lambda n: localities[n].need_index) == "east_central"
    ed = se.demand["ed_attendance"]
    own = ed.rate_per_1000_per_year_by_locality["east_central"]
    assert own["0-64"] > ed.rate_per_1000_per_year["0-64"] * localities["east_central"].need_index
    assert {x.system for x in localities.values()} == {"south_east_essex"}
    loc = place("southend_locality")
    assert loc.services["ic_home"].level == "locality"
    assert total_capacity(loc, "ic_home") == total_capacity(se, "ic_home")
