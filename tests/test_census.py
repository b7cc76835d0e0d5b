"""Starting from a census: length-biased stays, census patients, and census problems.

- each distribution's ``length_biased_days`` against its exact form (an exponential stay
  leaves an exponential time; a fixed stay of d days leaves a time uniform on [0, d]; means
  E[X^2] / E[X]);
- ``census_patients`` reproduces the counts exactly, weights routes by mean stay, and draws
  age bands and residence in proportion to arrivals x mean stay, computed here by hand;
- ``census_problems`` reports each kind of mistake with what was expected.
"""

from __future__ import annotations

import collections
import copy
import re
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import REPO, base_dict, baseline, days, edited, one_service_scenario
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.compile import validate
from sim.compile.census import CensusPatient, census_patients
from sim.compile.network import Network
from sim.config.census import Census
from sim.config.census_checks import census_problems
from sim.config.census_counts import locality_counts
from sim.config.distributions import Distribution
from sim.config.schema import Scenario

SEED = 20251123
N = 20_000  # draws for distribution tests
GRID = (np.arange(N) + 0.5) / N  # evenly spread uniforms: sample means close to exact ones

BASELINE_CENSUS = {
    "acute": {"in_service": {"north": 130, "central": 125, "south": 120},
              "ready": {"P1": 12, "P2": 6, "P3": {"north": 3, "south": 2}}},
    "ic_beds": {"in_service": 60},
    "ic_home": {"in_service": 80, "waiting": 10},
}


def dist(**spec: Any) -> Any:
    return TypeAdapter(Distribution).validate_python({"unit": "days", **spec})


def remaining(distribution: Any, n: int = N, seed: int = SEED) -> np.ndarray:
    """Times left of patients found in service: U x length-biased total."""
    rng = np.random.default_rng(seed)
    totals = np.array([distribution.length_biased_days(u) for u in rng.random(n)])
    return rng.random(n) * totals


@pytest.fixture(scope="module")
def shipped() -> Scenario:
    return baseline()


def patients(scenario: Scenario, census: dict[str, Any], seed: int = SEED) -> list[CensusPatient]:
    return census_patients(Census.model_validate(census), Network.build(scenario),
                           np.random.default_rng(seed))


# --- length-biased stays -----------------------------------------------------------------------

def test_an_exponential_stay_leaves_the_same_exponential_time() -> None:
    left = remaining(dist(dist="exponential", mean=4))
    assert stats.kstest(left, stats.expon(scale=4).cdf).pvalue > 0.01
    # and not a fresh length-biased stay, which the test can tell apart
    assert stats.kstest(left, stats.gamma(2, scale=4).cdf).pvalue < 1e-6


def test_a_fixed_stay_leaves_a_time_uniform_up_to_it() -> None:
    left = remaining(dist(dist="fixed", value=3))
    assert stats.kstest(left, stats.uniform(0, 3).cdf).pvalue > 0.01
    assert dist(dist="fixed", value=3).length_biased_days(0.7) == 3


@pytest.mark.parametrize("family", ["lognormal", "gamma"])
def test_length_biased_mean_is_second_moment_over_mean(family: str) -> None:
    mean, sd = 8.0, 10.0
    stay = dist(dist=family, mean=mean, sd=sd)
    biased = np.mean([stay.length_biased_days(u) for u in GRID])
    assert biased == pytest.approx((mean**2 + sd**2) / mean, rel=0.01)
    # the unit scales the draw as it does a fresh one
    in_hours = TypeAdapter(Distribution).validate_python(
        {"dist": family, "mean": mean * 24, "sd": sd * 24, "unit": "hours"})
    assert in_hours.length_biased_days(0.3) == pytest.approx(stay.length_biased_days(0.3))


def test_length_biased_lognormal_is_lognormal_with_log_mean_moved_by_sigma_squared() -> None:
    stay = dist(dist="lognormal", mean=8, sd=10)
    mu, sigma = stay.log_params
    draws = [stay.length_biased_days(u) for u in np.random.default_rng(SEED).random(N)]
    shape = stats.lognorm(s=sigma, scale=np.exp(mu + sigma**2))
    assert stats.kstest(draws, shape.cdf).pvalue > 0.01


def test_length_biased_uniform_has_density_proportional_to_x() -> None:
    low, high = 2.0, 6.0
    stay = dist(dist="uniform", low=low, high=high)
    draws = [stay.length_biased_days(u) for u in np.random.default_rng(SEED).random(N)]
    cdf = lambda x: np.clip((x**2 - low**2) / (high**2 - low**2), 0, 1)  # noqa: E731
    assert stats.kstest(draws, cdf).pvalue > 0.01
    assert np.mean([stay.length_biased_days(u) for u in GRID]) == pytest.approx(
        2 / 3 * (high**3 - low**3) / (high**2 - low**2), rel=1e-3)
    assert dist(dist="uniform", low=5, high=5).length_biased_days(0.4) == 5
    assert dist(dist="uniform", low=0, high=0).length_biased_days(0.4) == 0


def test_length_biased_empirical_weights_each_value_by_itself() -> None:
    stay = dist(dist="empirical", values=[3, 0, 1])
    counts = collections.Counter(stay.length_biased_days(u) for u in GRID)
    assert counts == {1.0: N / 4, 3.0: 3 * N / 4}
    assert dist(dist="empirical", values=[0, 0]).length_biased_days(0.9) == 0


def test_fresh_samples_are_unchanged() -> None:
    # length_biased_days is new; sample_days (regression-pinned elsewhere) must not move
    assert dist(dist="exponential", mean=2).sample_days(0.5) == pytest.approx(2 * np.log(2))
    assert dist(dist="empirical", values=[3, 0, 1]).sample_days(0.5) == 0


# --- census patients ---------------------------------------------------------------------------

def test_counts_are_reproduced_exactly(shipped: Scenario) -> None:
    drawn = patients(shipped, BASELINE_CENSUS)
    services = list(shipped.services)
    localities = list(shipped.geography.localities)
    net = Network.build(shipped)
    pathways = {code: name for name, code in net.pathway_codes.items()}
    counts = collections.Counter(
        (services[p.service], localities[p.locality], p.state,
         pathways[p.pathway] if p.state == "ready" else None) for p in drawn)
    expected: collections.Counter[Any] = collections.Counter()
    for service, entry in BASELINE_CENSUS.items():
        groups = [("in_service", None, entry.get("in_service", 0)),
                  ("waiting", None, entry.get("waiting", 0)),
                  *(("ready", p, c) for p, c in entry.get("ready", {}).items())]
        for state, pathway, count in groups:
            for locality, n in locality_counts(count, shipped).items():
                if n:
                    expected[(service, locality, state, pathway)] = n
    assert counts == expected
    # a total is split by population: central is the most populous locality
    assert expected[("ic_beds", "central", "in_service", None)] == max(
        expected[("ic_beds", loc, "in_service", None)] for loc in localities)


def test_states_have_their_routes_and_times(shipped: Scenario) -> None:
    net = Network.build(shipped)
    for p in patients(shipped, BASELINE_CENSUS):
        service = net.services[p.service]
        if p.state == "in_service":
            assert p.route >= 0 and p.remaining >= 0 and p.elapsed >= 0
            assert p.remaining + p.elapsed > 0
        elif p.state == "ready":
            route = service.routes[p.route]
            assert route.blocking and route.pathway == p.pathway
            assert p.elapsed == p.remaining == 0
        else:
            assert (p.route, p.elapsed, p.remaining) == (-1, 0, 0)
        assert 0 <= p.seed < 2**63


def test_same_generator_seed_gives_the_same_patients(shipped: Scenario) -> None:
    assert patients(shipped, BASELINE_CENSUS, 1) == patients(shipped, BASELINE_CENSUS, 1)
    assert patients(shipped, BASELINE_CENSUS, 1) != patients(shipped, BASELINE_CENSUS, 2)


def two_routes(data: dict[str, Any]) -> None:
    data["services"]["server"]["routes"] = {
        "short": {"to": "out", "probability": 0.5, "duration": days(1)},
        "long": {"to": "out", "probability": 0.5, "duration": days(3)},
    }


def test_a_patient_found_in_service_is_more_likely_on_a_long_route() -> None:
    scenario = edited(one_service_scenario("unlimited", days(1), 10.0, kind="ward"), two_routes)
    drawn = patients(scenario, {"server": {"in_service": 4000}})
    long = [p for p in drawn if p.route == 1]
    assert len(long) / len(drawn) == pytest.approx(0.75, abs=0.03)
    # each route's stay is fixed, so the time left is uniform up to it
    left = [p.remaining for p in long]
    assert stats.kstest(left, stats.uniform(0, 3).cdf).pvalue > 0.01
    assert all(p.elapsed + p.remaining == pytest.approx(3) for p in long)


def test_times_left_in_an_exponential_service_are_exponential() -> None:
    scenario = one_service_scenario("unlimited", {"dist": "exponential", "mean": 5,
                                                  "unit": "days"}, 10.0, kind="ward")
    drawn = patients(scenario, {"server": {"in_service": 3000}})
    expon = stats.expon(scale=5).cdf
    assert stats.kstest([p.remaining for p in drawn], expon).pvalue > 0.01
    assert stats.kstest([p.elapsed for p in drawn], expon).pvalue > 0.01


def test_times_left_in_a_lognormal_service_have_the_equilibrium_distribution() -> None:
    """(1 - F(x)) / mean, so that an M/G/infinity ward started from its mean census holds its
    mean occupancy from the start: the census patients still there at t, plus arrivals since
    then still there, is lambda x mean at every t."""
    mean, sd = 6.0, 9.0
    scenario = one_service_scenario("unlimited", {"dist": "lognormal", "mean": mean, "sd": sd,
                                                  "unit": "days"}, 10.0, kind="ward")
    drawn = patients(scenario, {"server": {"in_service": 3000}})
    sigma = np.sqrt(np.log1p((sd / mean) ** 2))
    mu = np.log(mean) - sigma**2 / 2
    stay = stats.lognorm(s=sigma, scale=np.exp(mu))

    def equilibrium_cdf(t: np.ndarray) -> np.ndarray:
        # integral of 1 - F from 0 to t, over the mean
        with np.errstate(divide="ignore"):
            return t * stay.sf(t) / mean + stats.norm.cdf((np.log(t) - mu - sigma**2) / sigma)

    for times in ([p.remaining for p in drawn], [p.elapsed for p in drawn]):
        assert stats.kstest(times, equilibrium_cdf).pvalue > 0.01


def two_bands(young_rate: float = 100.0) -> Scenario:
    """Two age bands of 1,000 residents arriving at a front door that sends 20% of the young
    and 80% of the old on to a ward; the old stay 4 days there, the young 1 day."""
    services = {
        "front": {"kind": "delay", "duration": days(0), "routes": {
            "on": {"to": "server", "probability": {"by": "age_band",
                                                   "values": {"young": 0.2, "old": 0.8}}},
            "off": {"to": "out", "probability": {"by": "age_band",
                                                 "values": {"young": 0.8, "old": 0.2}}}}},
        "server": {"kind": "ward", "capacity": 500,
                   "duration": {"by": "age_band", "values": {"young": days(1), "old": days(4)}},
                   "routes": {"done": {"to": "out", "probability": 1.0}}},
        "out": {"kind": "exit"},
    }
    data = base_dict(services, "front", 1.0)
    geo = data["geography"]
    geo["age_bands"] = ["young", "old"]
    geo["care_home_share"] = {"young": 0.0, "old": 0.25}
    geo["localities"]["only"]["population"] = {"young": 1000, "old": 1000}
    stream = data["demand"]["arrivals"]
    stream["rate_per_1000_per_year"] = {"young": young_rate, "old": 100.0}
    stream["care_home_rate_ratio"] = 3.0
    return validate(data)


def test_age_bands_follow_arrivals_into_the_service_times_mean_stay() -> None:
    drawn = patients(two_bands(), {"server": {"in_service": 4000, "waiting": 4000}})
    in_service = [p for p in drawn if p.state == "in_service"]
    waiting = [p for p in drawn if p.state == "waiting"]
    # demand of the old is 0.75 + 0.25 x 3 = 1.5 times the young's (care home residents arrive
    # 3 times as often); arrivals at the ward 0.2 : 1.5 x 0.8; found there 0.2 x 1 : 1.2 x 4
    old_arriving = 1.5 * 0.8 / (1.5 * 0.8 + 0.2)
    old_found = 1.5 * 0.8 * 4 / (1.5 * 0.8 * 4 + 0.2 * 1)
    assert np.mean([p.age_band for p in in_service]) == pytest.approx(old_found, abs=0.01)
    assert np.mean([p.age_band for p in waiting]) == pytest.approx(old_arriving, abs=0.02)
    # of the old, 0.25 x 3 / (0.75 + 0.25 x 3) live in a care home
    old = [p for p in in_service if p.age_band == 1]
    assert np.mean([p.residence for p in old]) == pytest.approx(0.5, abs=0.03)
    assert not any(p.residence for p in in_service if p.age_band == 0)


def test_an_age_mix_sets_the_share_of_each_band() -> None:
    census = {"server": {"in_service": 4000, "age_mix": {"young": 0.5, "old": 0.5}}}
    drawn = patients(two_bands(), census)
    assert np.mean([p.age_band for p in drawn]) == pytest.approx(0.5, abs=0.03)


def test_an_age_mix_naming_a_band_no_one_of_reaches_the_service_is_an_error() -> None:
    census = {"server": {"in_service": 10, "age_mix": {"young": 0.5, "old": 0.5}}}
    with pytest.raises(ValueError, match="age band 'young'"):
        patients(two_bands(young_rate=0.0), census)


# --- the census block and its problems ----------------------------------------------------------

def problems(scenario: Scenario, census: dict[str, Any]) -> list[str]:
    return [str(p) for p in census_problems(Census.model_validate(census), scenario)]


def test_a_sound_census_has_no_problems(shipped: Scenario) -> None:
    assert problems(shipped, BASELINE_CENSUS) == []
    assert problems(shipped, {}) == []


def test_the_documented_census_is_valid_for_the_baseline(shipped: Scenario) -> None:
    text = (REPO / "docs" / "census.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(census:.*?)```", text, re.DOTALL)
    assert block is not None
    census = yaml.safe_load(block.group(1))["census"]
    assert problems(shipped, census) == []
    assert len(patients(shipped, census)) == 375 + 12 + 6 + 5 + 60 + 80 + 10


@pytest.mark.parametrize("census, expected", [
    ({"wards": {"in_service": 1}}, "census.wards: unknown service (expected one of ['spa'"),
    ({"after_discharge": {"waiting": 1}},
     "census.after_discharge: 'after_discharge' is of kind delay; a census counts patients of a "
     "team, ward or caseload"),
    ({"home": {"in_service": 1}}, "census.home: 'home' is of kind exit"),
    ({"acute": {"in_service": {"east": 5}}},
     "census.acute.in_service.east: unknown locality (expected one of ['north', 'central', "
     "'south'])"),
    ({"acute": {"ready": {"P2": {"west": 1}}}}, "census.acute.ready.P2.west: unknown locality"),
    ({"acute": {"ready": {"P0": 3}}},
     "census.acute.ready.P0: not the pathway of a blocking route out of 'acute' (expected one of "
     "['P1', 'P2', 'P3'])"),
    ({"ic_home": {"ready": {"P1": 3}}},
     "census.ic_home.ready.P1: not the pathway of a blocking route out of 'ic_home' (no blocking "
     "route out of 'ic_home' tags a pathway"),
    ({"acute": {"in_service": 400, "ready": {"P1": 6}}},
     "census.acute: 406 patients in service or ready, each holding a unit, but the capacity is "
     "405; expected at most 405"),
    ({"ed": {"waiting": 2}}, "census.ed.waiting: 'ed' has unlimited capacity, so nobody waits"),
    ({"acute": {"age_mix": {"0-64": 0.5, "65+": 0.5}}},
     "census.acute.age_mix.65+: unknown age band (expected one of ['0-64', '65-74', '75-84', "
     "'85+'])"),
    ({"acute": {"age_mix": {"0-64": 0.5, "85+": 0.6}}},
     "census.acute.age_mix: shares sum to 1.1; expected 1"),
])
def test_each_census_problem_is_reported(shipped: Scenario, census: dict[str, Any],
                                         expected: str) -> None:
    found = problems(shipped, census)
    assert any(p.startswith(expected) for p in found), found


def test_capacity_is_checked_per_unit_of_the_service_level(shipped: Scenario) -> None:
    def by_locality(data: dict[str, Any]) -> None:
        data["services"]["ic_beds"]["level"] = "locality"
        data["services"]["ic_beds"].pop("capacity")
        data["services"]["ic_beds"]["capacity_by_unit"] = {"north": 20, "central": 30, "south": 21}
    scenario = edited(shipped, by_locality)
    assert problems(scenario, {"ic_beds": {"in_service": {"north": 20, "central": 30}}}) == []
    assert problems(scenario, {"ic_beds": {"in_service": {"north": 21}}}) == [
        "census.ic_beds: 21 patients in service or ready in locality 'north', each holding a "
        "unit, but the capacity is 20; expected at most 20"]


def test_a_service_no_demand_reaches_is_reported() -> None:
    def unreached(data: dict[str, Any]) -> None:
        data["services"]["spare"] = copy.deepcopy(data["services"]["server"])
    scenario = edited(one_service_scenario(5, days(1), 1.0), unreached)
    assert problems(scenario, {"spare": {"in_service": 1}}) == [
        "census.spare: no demand stream reaches 'spare', so its census patients' attributes "
        "cannot be drawn from the demand; expected a service some patients are routed to"]


@pytest.mark.parametrize("census", [
    {"acute": {"in_service": -1}},
    {"acute": {"in_service": {"north": -2}}},
    {"acute": {"in_bed": 3}},
    {"acute": {"ready": {"P1": 1.5}}},
    {"acute": {"waiting": True}},
])
def test_bad_counts_are_rejected_when_read(census: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Census.model_validate(census)
