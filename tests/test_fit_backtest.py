"""Backtest of the shipped synthetic example: the scenario fitted to it passes, and the same
scenario with acute stays 30% shorter fails; and the fit and backtest commands end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.compile import load_scenario, with_changes
from sim.fit.backtest import over_period, run_backtest
from sim.fit.extract import Period, read_extract
from sim.fit.fitting import FITTED, fit_extract, write_fit

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "example"
EXTRACT = EXAMPLE / "extract.csv.gz"
PERIOD = "2024-04-01:2025-04-01"
REPS = 8


@pytest.fixture(scope="module")
def fitted_result():  # type: ignore[no-untyped-def]
    return fit_extract(EXTRACT, EXAMPLE / "base.yaml", Period.parse(PERIOD))


@pytest.fixture(scope="module")
def fitted_file(fitted_result, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("local")
    write_fit(fitted_result, out)
    return out / FITTED


@pytest.mark.slow
def test_readmissions_are_recovered_by_linking_patients(fitted_result) -> None:  # type: ignore[no-untyped-def]
    """after_discharge has no visits of its own: readmissions are found by patient."""
    truth = load_scenario(EXAMPLE / "truth.yaml").services["after_discharge"]
    table = next(r for r in fitted_result.routes if r.service == "after_discharge").table
    readmitted = table[table["route"] == "readmitted"].set_index("value")
    for band, p in truth.routes["readmitted"].probability.values.items():
        row = readmitted.loc[band]
        assert abs(row["probability"] - p) < 3 * (p * (1 - p) / row["total"]) ** 0.5, band
    gap = next(s for s in fitted_result.stays if s.service == "after_discharge").fits["all"][0]
    assert gap.mean_ci[0] <= truth.routes["readmitted"].duration.mean_days <= gap.mean_ci[1]


@pytest.mark.slow
def test_handoff_of_a_route_that_does_not_block_is_fitted(fitted_result) -> None:  # type: ignore[no-untyped-def]
    """P0 patients leave once the hand-off is over, so end - ready is the hand-off."""
    truth = load_scenario(EXAMPLE / "truth.yaml").services["acute"].routes
    fits = {(s.service, s.route, s.field): s for s in fitted_result.stays}
    p0 = fits[("acute", "P0", "handoff_delay")].fits["all"][0]
    assert p0.mean_ci[0] <= truth["P0"].handoff_delay.mean_days <= p0.mean_ci[1]
    assert not any(field == "handoff_delay" and truth[route].blocking
                   for service, route, field in fits if service == "acute")


def _backtest(scenario):  # type: ignore[no-untyped-def]
    episodes = read_extract(EXTRACT, scenario, Period.parse(PERIOD))
    return run_backtest(over_period(scenario, episodes, REPS), episodes, jobs=2, progress=False)


@pytest.mark.slow
def test_fitted_scenario_passes_from_the_command_line(
        fitted_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bt"
    status = main(["backtest", str(fitted_file), str(EXTRACT), "--period", PERIOD, "--reps",
                   str(REPS), "--out", str(out), "--no-cache", "--quiet", "--jobs", "2"])
    assert "PASSED" in capsys.readouterr().out
    assert status == 0
    summary = pd.read_csv(out / "summary.csv")
    tested = summary[summary["tested"]].groupby("measure")["inside_band_share"].mean()
    assert set(tested.index) == {"occupancy:ed", "occupancy:acute", "occupancy:ic_home",
                                 "occupancy:ic_beds"}
    assert "observed_suppressed" in (out / "weeks.csv").read_text()
    assert (out / "plots" / "occupancy_acute.png").is_file()


@pytest.mark.slow
def test_acute_stays_30_percent_shorter_fail(fitted_file: Path) -> None:
    scenario = load_scenario(fitted_file)
    values = {}
    for band, dist in scenario.services["acute"].duration.values.items():
        shorter = dist.model_dump(mode="json")
        for key in ("mean", "sd"):
            if key in shorter:
                shorter[key] *= 0.7
        values[band] = shorter
    wrong = with_changes(scenario, {"services.acute.duration": {"by": "age_band",
                                                              "values": values}})
    result = _backtest(wrong)
    assert result.tested_shares()["occupancy:acute"] < 0.70
    assert not result.passed


@pytest.mark.slow
def test_fit_will_not_overwrite(fitted_file: Path) -> None:
    assert main(["fit", str(EXTRACT), "--base", str(EXAMPLE / "base.yaml"), "--out",
                 str(fitted_file.parent)]) == 1


def test_bad_extract_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,service\n1,acute\n")
    assert main(["fit", str(bad), "--base", str(EXAMPLE / "base.yaml"), "--out",
                 str(tmp_path / "o")]) == 2
    assert "missing column 'start'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["fit", "backtest"])
def test_commands_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "-h"])
    assert done.value.code == 0
    assert "--period" in capsys.readouterr().out


@pytest.mark.slow
def test_base_with_national_estimates_fails_on_its_level() -> None:
    """The base's acute stays are shorter than the local ones: most weeks still fall in the
    wide weekly bands, but the year's level of acute occupancy is outside its band."""
    result = _backtest(load_scenario(EXAMPLE / "base.yaml"))
    outside = result.levels_outside().set_index("measure")
    assert "occupancy:acute" in outside.index
    assert outside.loc["occupancy:acute", "bias_pct"] < -5
    assert not result.passed


def test_an_inferred_period_with_stays_begun_before_it_is_flagged() -> None:
    """The example holds stays begun before 2024-04-01, so inferring the period from the
    dates puts its start weeks too early, with few visits in them."""
    base = load_scenario(EXAMPLE / "base.yaml")
    inferred = read_extract(EXTRACT, base)
    assert inferred.period.start < Period.parse(PERIOD).start
    assert inferred.sparse_start()
    assert not read_extract(EXTRACT, base, Period.parse(PERIOD)).sparse_start()
