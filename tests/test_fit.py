"""``sim.fit``: recovery of known parameters from an extract made by an independent generator
(plain NumPy, not the simulator), censoring, small-number suppression and bad extracts."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.fit.durations import Stays, fit_all
from sim.fit.extract import ExtractError, Period, read_extract
from sim.fit.fitting import fit_extract, write_fit

PERIOD = Period.parse("2024-01-01:2025-01-01")
DAYS = 366
POPULATION = {"north": {"young": 40_000, "old": 10_000}, "south": {"young": 30_000, "old": 20_000}}
RATE = {"young": 20.0, "old": 90.0}  # per 1,000 a year, the same in both localities
WARD_MEAN, WARD_SD = 6.0, 5.0  # lognormal stay, days
CLINIC_MEAN = 10.0  # exponential caseload stay, days
TO_CLINIC = 0.3  # share of ward visits going on to the clinic


def base_mapping() -> dict:
    return {
        "name": "fit_test",
        "time": {"start_date": "2024-01-01", "run_days": DAYS, "warmup_days": 60,
                 "replications": 2, "seed": 1},
        "geography": {
            "age_bands": ["young", "old"], "care_home_share": {"young": 0.0, "old": 0.0},
            "localities": {name: {"population": pop, "partnership": "p", "system": "s"}
                           for name, pop in POPULATION.items()}},
        "demand": {"arrivals": {"entry": "ward", "rate_per_1000_per_year": {"young": 5, "old": 5},
                                "sources": {"gp": 1.0}}},
        "services": {
            "ward": {"kind": "ward", "capacity": "unlimited",
                     "duration": {"dist": "gamma", "mean": 3, "sd": 3, "unit": "days"},
                     "routes": {"home": {"to": "home", "probability": 0.5},
                                "clinic": {"to": "clinic", "probability": 0.5}}},
            "clinic": {"kind": "caseload", "capacity": "unlimited",
                       "duration": {"dist": "lognormal", "mean": 3, "sd": 3, "unit": "days"},
                       "routes": {"done": {"to": "home", "probability": 1.0}}},
            "home": {"kind": "exit"}},
    }


def generate(seed: int, days: float = DAYS) -> pd.DataFrame:
    """An extract written directly from the known parameters: Poisson arrivals, lognormal ward
    stays, a 30% route to a clinic with exponential stays; open visits censored at the end."""
    rng = np.random.default_rng(seed)
    sigma2 = np.log1p((WARD_SD / WARD_MEAN) ** 2)
    rows = []
    patient = 0
    for locality, bands in POPULATION.items():
        for band, pop in bands.items():
            n = rng.poisson(RATE[band] * pop / 1000 * days / 365.25)
            starts = rng.uniform(0, days, n)
            stays = rng.lognormal(np.log(WARD_MEAN) - sigma2 / 2, np.sqrt(sigma2), n)
            onward = rng.random(n) < TO_CLINIC
            clinic = rng.exponential(CLINIC_MEAN, n)
            for s, w, on, c in zip(starts, stays, onward, clinic):
                patient += 1
                common = {"patient_id": f"p{patient}", "age_band": band, "locality": locality}
                rows.append({**common, "service": "ward", "start": s, "end": s + w,
                             "ended_by": "clinic" if on else "home", "referred_from": "",
                             "referral_source": "gp"})
                if on:
                    rows.append({**common, "service": "clinic", "start": s + w,
                                 "end": s + w + c, "ended_by": "home", "referred_from": "ward",
                                 "referral_source": ""})
    table = pd.DataFrame(rows)
    table = table[table["start"] < days]
    still_open = table["end"] >= days
    origin = pd.Timestamp("2024-01-01")
    for column in ("start", "end"):
        table[column] = (origin + pd.to_timedelta(table[column], unit="D")).dt.strftime(
            "%Y-%m-%d %H:%M")
    table.loc[still_open, ["end", "ended_by"]] = ""
    return table


@pytest.fixture(scope="module")
def base_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "base.yaml"
    path.write_text(yaml.safe_dump(base_mapping()))
    return path


@pytest.fixture(scope="module")
def fitted(base_file: Path, tmp_path_factory: pytest.TempPathFactory):
    extract = tmp_path_factory.mktemp("extract") / "extract.csv"
    generate(seed=7).to_csv(extract, index=False)
    return fit_extract(extract, base_file, PERIOD)


def test_recovers_rates_within_sampling_error(fitted) -> None:
    rates = fitted.demand[0].rates
    for row in rates.itertuples():
        true = RATE[row.age_band]
        assert row.ci_low <= true <= row.ci_high, row
        se = true / np.sqrt(row.referrals)
        assert abs(row.rate - true) < 3 * se


def test_recovers_route_probabilities(fitted) -> None:
    table = next(r for r in fitted.routes if r.service == "ward").table.set_index("route")
    p = table.loc["clinic", "probability"]
    n = table.loc["clinic", "total"]
    assert abs(p - TO_CLINIC) < 3 * np.sqrt(TO_CLINIC * (1 - TO_CLINIC) / n)
    assert table.loc["clinic", "ci_low"] <= TO_CLINIC <= table.loc["clinic", "ci_high"]


def test_recovers_mean_stays_and_picks_the_family(fitted) -> None:
    stays = {s.service: s.fits["all"] for s in fitted.stays}
    ward, clinic = stays["ward"], stays["clinic"]
    assert ward[0].family == "lognormal"
    assert clinic[0].family == "exponential"
    assert ward[0].mean_ci[0] <= WARD_MEAN <= ward[0].mean_ci[1]
    assert clinic[0].mean_ci[0] <= CLINIC_MEAN <= clinic[0].mean_ci[1]
    assert ward[-1].family == "exponential" and ward[-1].aic - ward[0].aic > 10


def test_written_layer_loads_and_holds_the_fitted_values(fitted, tmp_path: Path) -> None:
    scenario, census = write_fit(fitted, tmp_path / "local")
    ward = scenario.services["ward"]
    assert ward.duration.dist == "lognormal"
    assert ward.duration.mean == pytest.approx(WARD_MEAN, rel=0.1)
    assert ward.routes["clinic"].probability == pytest.approx(TO_CLINIC, abs=0.03)
    rates = scenario.demand["arrivals"].rate_per_1000_per_year_by_locality
    assert rates["south"]["old"] == pytest.approx(RATE["old"], rel=0.1)
    assert scenario.time.start_date.isoformat() == "2024-01-01"
    text = (tmp_path / "local" / "fitted.yaml").read_text()
    assert "95% CI" in text and "n=" in text
    assert (tmp_path / "local" / "fit_report" / "index.html").stat().st_size > 1000
    from sim.compile import load_scenario
    assert load_scenario(census).census is not None


def _censored_sample(rng: np.random.Generator, n: int, mean: float) -> tuple[Stays, np.ndarray]:
    """Lognormal stays starting uniformly over a window, observed until its end: about 30%
    still open."""
    sigma2 = np.log1p(1.0)  # sd = mean
    stays = rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), n)
    window = 2.9 * mean
    starts = rng.uniform(0, window, n)
    seen = np.minimum(stays, window - starts)
    closed = stays <= window - starts
    return Stays(seen, closed, np.zeros(n)), closed


def test_censoring_keeps_the_mean_unbiased_and_ignoring_it_does_not() -> None:
    rng = np.random.default_rng(3)
    mean, with_censoring, ignoring = 10.0, [], []
    for _ in range(20):
        stays, closed = _censored_sample(rng, 400, mean)
        assert 0.25 < 1 - closed.mean() < 0.35  # about 30% open at the end
        with_censoring.append(fit_all(stays, ("lognormal",))[0].mean_days)
        only_closed = Stays(stays.days[closed], closed[closed], stays.entered[closed])
        ignoring.append(fit_all(only_closed, ("lognormal",))[0].mean_days)
    se = np.std(with_censoring, ddof=1) / np.sqrt(len(with_censoring))
    assert abs(np.mean(with_censoring) - mean) < 3 * se
    assert np.mean(ignoring) < 0.8 * mean  # dropping open stays keeps the short ones


def test_left_truncated_stays_are_not_biased_long() -> None:
    """Stays already under way when the period began are kept conditionally."""
    rng = np.random.default_rng(5)
    n = 4000
    stays = rng.exponential(8.0, n)
    starts = rng.uniform(-40, 100, n)
    seen = starts + stays >= 0  # only stays still open at 0 reach the extract
    entered = np.clip(-starts[seen], 0, None)
    fit = fit_all(Stays(stays[seen], np.ones(seen.sum(), bool), entered), ("exponential",))[0]
    assert fit.mean_ci[0] <= 8.0 <= fit.mean_ci[1]


def test_small_cells_are_pooled_and_shown_as_under_five(base_file: Path, tmp_path: Path) -> None:
    extract = generate(seed=8, days=DAYS)
    few = extract[(extract["locality"] == "north") & (extract["age_band"] == "old")
                  & (extract["service"] == "ward") & (extract["referred_from"] == "")]
    extract = extract.drop(few.index[3:])  # 3 patients left in that cell
    extract = extract[~extract["patient_id"].isin(few["patient_id"].iloc[3:])]
    path = tmp_path / "extract.csv"
    extract.to_csv(path, index=False)
    result = fit_extract(path, base_file, PERIOD)
    rates = result.demand[0].rates.set_index(["locality", "age_band"])
    cell = rates.loc[("north", "old")]
    assert bool(cell["pooled"])
    layer = (write_fit(result, tmp_path / "out") and (tmp_path / "out" / "fitted.yaml").read_text())
    line = next(li for li in layer.splitlines() if "of <5 patients" in li)
    assert "n=<5" in line


def _write(tmp_path: Path, table: pd.DataFrame, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


def test_missing_columns_are_named(base_file: Path, tmp_path: Path) -> None:
    from sim.compile import load_scenario
    path = _write(tmp_path, generate(seed=1).drop(columns=["end", "locality"]))
    with pytest.raises(ExtractError) as error:
        read_extract(path, load_scenario(base_file), PERIOD)
    text = str(error.value)
    assert "missing column 'end'" in text and "'locality' or 'gp_practice'" in text
    assert str(path) in text


def test_bad_rows_are_rejected_and_counted(base_file: Path, tmp_path: Path) -> None:
    from sim.compile import load_scenario
    table = generate(seed=2).reset_index(drop=True)
    closed = table.index[table["end"] != ""]
    table.loc[closed[0], "start"] = "yesterday"
    table.loc[closed[1], ["start", "end"]] = ["2024-03-02 10:00", "2024-03-01 10:00"]
    table.loc[closed[2], "service"] = "theatre"
    table.loc[closed[3], "locality"] = "east"
    table.loc[closed[4], "ended_by"] = "moon"
    clinic = table.index[(table["service"] == "clinic") & ~table.index.isin(closed[:5])]
    table.loc[clinic[0], "referred_from"] = ""
    episodes = read_extract(_write(tmp_path, table), load_scenario(base_file), PERIOD)
    reasons = " | ".join(episodes.rejections.lines())
    for expected in ("start: not a date", "end before start", "service not a team",
                     "unknown locality", "ended_by 'moon'", "no demand stream enters"):
        assert expected in reasons
    assert episodes.rejections.total == 6
    assert len(episodes.table) == len(table) - 6


def test_ages_are_banded_and_out_of_range_ages_rejected(tmp_path: Path) -> None:
    from sim.compile import load_scenario
    data = base_mapping()
    data["geography"]["age_bands"] = ["0-64", "65+"]
    data["geography"]["care_home_share"] = {"0-64": 0.0, "65+": 0.0}
    for loc in data["geography"]["localities"].values():
        loc["population"] = {"0-64": 100, "65+": 100}
    data["demand"]["arrivals"]["rate_per_1000_per_year"] = {"0-64": 1, "65+": 1}
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(data))
    table = generate(seed=4).head(4).drop(columns=["age_band"])
    table["age"] = ["30", "65", "130", "x"]
    episodes = read_extract(_write(tmp_path, table), load_scenario(base), PERIOD)
    assert list(episodes.table["age_band"]) == [0, 1]
    assert episodes.rejections.total == 2


def test_all_rows_bad_is_an_error_and_gzip_is_read(base_file: Path, tmp_path: Path) -> None:
    from sim.compile import load_scenario
    table = generate(seed=6).head(50)
    path = tmp_path / "extract.csv.gz"
    with gzip.open(path, "wt") as handle:
        table.to_csv(handle, index=False)
    assert len(read_extract(path, load_scenario(base_file), PERIOD).table) == 50
    table["service"] = "nowhere"
    with pytest.raises(ExtractError, match="no valid rows out of 50"):
        read_extract(_write(tmp_path, table), load_scenario(base_file), PERIOD)


def test_population_table_sets_the_denominators(base_file: Path, tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    generate(seed=9).to_csv(extract, index=False)
    rows = [(loc, band, pop * (2 if (loc, band) == ("north", "old") else 1))
            for loc, bands in POPULATION.items() for band, pop in bands.items()]
    table = tmp_path / "population.csv"
    pd.DataFrame(rows, columns=["locality", "age_band", "population"]).to_csv(table, index=False)
    result = fit_extract(extract, base_file, PERIOD, population=table)
    rates = result.demand[0].rates.set_index(["locality", "age_band"])["rate"]
    assert rates[("north", "old")] == pytest.approx(RATE["old"] / 2, rel=0.15)
    scenario, _ = write_fit(result, tmp_path / "out")
    assert scenario.geography.localities["north"].population["old"] == 20_000
    table.write_text("locality,age_band,population\nnorth,old,-3\neast,old,5\n")
    with pytest.raises(ExtractError) as error:
        fit_extract(extract, base_file, PERIOD, population=table)
    text = str(error.value)
    assert "-3" in text and "unknown locality" in text and "no population for ('south', 'young')" in text


def test_parquet_and_practice_lookup(base_file: Path, tmp_path: Path) -> None:
    from sim.compile import load_scenario
    base = load_scenario(base_file)
    table = generate(seed=10).head(200)
    table["gp_practice"] = table["locality"].map({"north": "F84001", "south": "F84002"})
    table = table.drop(columns=["locality"])
    path = tmp_path / "extract.parquet"
    table.to_parquet(path, index=False)
    with pytest.raises(ExtractError, match="--practices"):
        read_extract(path, base, PERIOD)
    lookup = tmp_path / "practices.csv"
    lookup.write_text("gp_practice,locality\nF84001,north\n")  # F84002 missing
    episodes = read_extract(path, base, PERIOD, practices=lookup)
    south = int((table["gp_practice"] == "F84002").sum())
    assert episodes.rejections.counts["gp_practice not in the --practices lookup"] == south
    assert len(episodes.table) == 200 - south
    assert (episodes.table["locality"] == 0).all()  # north


def test_weekday_profile_and_trend_are_recovered(base_file: Path, tmp_path: Path) -> None:
    """Two years of arrivals, Mondays half as busy again as other days, growing 10% a year:
    the weekday index, the trend and the first year's average rate are found; the month,
    flat in the data, is not written."""
    rng = np.random.default_rng(11)
    days, growth, monday = 731, 0.10, 1.5
    base_per_day = 60.0  # first day's rate on a mean weekday
    # thinning: candidates at the highest rate, each kept with rate(t) / highest
    top = base_per_day * monday * (1 + growth) ** 2
    t = np.sort(rng.uniform(0, days, rng.poisson(top * days)))
    weekday = (pd.Timestamp("2024-01-01").day_of_week + np.floor(t)).astype(int) % 7
    level = np.where(weekday == 0, monday, 1.0) / ((monday + 6) / 7)
    rate = base_per_day * level * (1 + growth) ** (t / 365.25)
    t = t[rng.random(len(t)) < rate / top]
    origin = pd.Timestamp("2024-01-01")
    stamps = (origin + pd.to_timedelta(t, unit="D")).strftime("%Y-%m-%d %H:%M")
    extract = pd.DataFrame({"patient_id": [f"p{i}" for i in range(len(t))], "age_band": "old",
                            "locality": "south", "service": "ward", "start": stamps,
                            "end": stamps, "ended_by": "home", "referred_from": "",
                            "referral_source": "gp"})
    path = tmp_path / "extract.csv"
    extract.to_csv(path, index=False)
    result = fit_extract(path, base_file, Period.parse("2024-01-01:2026-01-01"))
    stream = result.demand[0]
    profile = stream.layer["profile"].value
    assert "monthly" not in profile and "hourly" not in profile
    weekday = profile["weekday"].value
    assert weekday["Mon"] / np.mean([weekday[d] for d in ("Tue", "Wed", "Thu")]) == \
        pytest.approx(monday, rel=0.05)
    trend = profile["trend_pct_per_year"]
    assert trend.value == pytest.approx(100 * growth, abs=2.5)
    low, high = (float(x) for x in trend.comment.split("CI ")[1].split(" to "))
    assert low < 100 * growth < high
    # the scenario's rate is the first year's average: base_per_day x mean growth over a year
    first_year = base_per_day * growth / np.log1p(growth) * 365.25
    rates = stream.rates.set_index(["locality", "age_band"])
    expected = first_year / POPULATION["south"]["old"] * 1000
    assert rates.loc[("south", "old"), "rate"] == pytest.approx(expected, rel=0.03)


def test_census_beyond_capacity_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    from sim.cli import main
    data = base_mapping()
    data["services"]["ward"]["capacity"] = 2  # far fewer beds than the visits open at the end
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(data))
    extract = tmp_path / "extract.csv"
    generate(seed=12).to_csv(extract, index=False)
    assert main(["fit", str(extract), "--base", str(base), "--out", str(tmp_path / "local"),
                 "--period", "2024-01-01:2025-01-01"]) == 0
    out = capsys.readouterr().out
    assert "fitted_from_census.yaml is not valid as it stands" in out
    assert "capacity is 2" in out


def test_profile_keeps_what_the_extract_cannot_show(tmp_path: Path) -> None:
    """One year of flat arrivals onto a base with a monthly profile and a trend: the month,
    estimable and flat, is dropped; the trend, which needs two years, is kept from the base."""
    data = base_mapping()
    data["demand"]["arrivals"]["profile"] = {
        "monthly": {m: 1.3 if m in ("Dec", "Jan") else 0.95 for m in
                    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                     "Nov", "Dec"]},
        "trend_pct_per_year": 3.2}
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(data))
    extract = tmp_path / "extract.csv"
    generate(seed=13).to_csv(extract, index=False)
    result = fit_extract(extract, base, PERIOD)
    scenario, _ = write_fit(result, tmp_path / "local")
    profile = scenario.demand["arrivals"].profile
    assert profile.monthly == {}
    assert profile.trend_pct_per_year == 3.2
    assert "kept from the base" in (tmp_path / "local" / "fitted.yaml").read_text()


def test_only_aggregates_are_written(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No patient identifier, nor a row per patient, in the layers or the report."""
    import re
    out = tmp_path / "local"
    write_fit(fitted, out)
    texts = [p.read_text() for p in out.rglob("*") if p.suffix in (".yaml", ".csv", ".html")]
    assert texts
    for text in texts:
        assert not re.search(r"\bp\d+\b", text)  # the generator's ids are p1, p2, ...
        assert len(text.splitlines()) < 500


def test_routes_that_vary_by_what_an_extract_cannot_show_are_kept_from_the_base():
    """ED admits every readmission (by pathway, then by age band) and home IC outcomes vary
    with days waited: one pooled share from an extract would drop both, so they are kept."""
    from sim.compile import load_scenario
    from sim.fit.routing import kept_routes

    kept = kept_routes(load_scenario(Path(__file__).resolve().parents[1] / "scenarios"
                                     / "baseline.yaml"))
    assert "pathway" in kept["ed"] and "waited_days" in kept["ic_home"]
    assert "acute" not in kept and "ucr" not in kept  # by age band, and plain shares: fitted
