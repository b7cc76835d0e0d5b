"""The validation suite (``python -m sim verify``): the quick suite passes every analytic
check, its checks can fail (a wrong expectation, a lost patient, a broken check in the
command), and the report folder is complete.

The quick suite runs once (module fixture) into a cache that the command tests reuse, so
they recompute nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cache import ResultCache
from sim.figures import load_figures
from sim.verify.analytic import (
    ERLANG_A,
    ERLANG_C,
    LOAD,
    LOSS_SYSTEM,
    MG_INFINITY,
    erlang_a_checks,
    erlang_c_checks,
)
from sim.verify.checks import ANALYTIC, PLAUSIBILITY, IntervalCheck, bonferroni_confidence
from sim.verify.command import add_parser, run_verify
from sim.verify.experiment import QUICK, Experiment
from sim.verify.plausibility import ENGLAND
from sim.verify.queueing import (
    erlang_a,
    erlang_b,
    erlang_c,
    mmc_mean_wait,
    poisson_pmf,
    total_variation,
)
from sim.verify.suite import SuiteResult, build_suite, run_suite

CSV_COLUMNS = ["group", "check", "parameters", "expected", "model_mean", "ci_low", "ci_high",
               "rule", "passed"]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("verify_cache")


@pytest.fixture(scope="module")
def quick(cache_dir: Path) -> SuiteResult:
    return run_suite(build_suite(QUICK), QUICK, executor="processes", jobs=2,
                     cache=ResultCache(cache_dir), progress=False)


def verify_args(out: Path, cache_dir: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["verify", "--quick", "--out", str(out), "--cache", str(cache_dir),
                              "--jobs", "2", "--quiet"])


def experiment(result: SuiteResult, name: str) -> tuple[Experiment, list]:
    return next((e, ms) for e, ms in zip(result.experiments, result.measures) if e.name == name)


# --- theory ------------------------------------------------------------------------------------

def test_formulas_give_textbook_values() -> None:
    assert erlang_c(0.5, 1) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert mmc_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)  # rho / (mu - lambda)
    assert erlang_c(1.0, 2) == pytest.approx(1 / 3)
    assert erlang_c(3.0, 3) == 1.0 and mmc_mean_wait(3.0, 1.0, 3) == float("inf")
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(10.0, 15) == pytest.approx(0.0365, abs=1e-4)
    assert erlang_a(2.5, 1.0, 2, 1.0).abandon == pytest.approx(0.3478, abs=1e-4)
    pmf = poisson_pmf(10.0, 60)
    assert pmf.sum() == pytest.approx(1.0) and np.dot(np.arange(60), pmf) == pytest.approx(10)
    assert total_variation(pmf, pmf[:40]) == pytest.approx(0.5 * pmf[40:].sum())
    assert bonferroni_confidence(25) == pytest.approx(0.998)


# --- the quick suite ------------------------------------------------------------------------------

@pytest.mark.slow
def test_quick_suite_passes_every_analytic_check(quick: SuiteResult) -> None:
    table = quick.table()
    analytic = table[table["kind"] == ANALYTIC]
    assert analytic["passed"].all(), analytic.loc[~analytic["passed"], ["group", "check",
                                                                        "parameters"]]
    assert set(analytic["group"]) == {"Erlang C (M/M/c)", "Erlang A (M/M/c+M)", "M/G/infinity",
                                      "Erlang loss (B from occupancy)", "Erlang loss (M/G/c/c)",
                                      "Little's law", "Conservation"}
    assert len(analytic) >= 40
    # most checks reject their nearby wrong answer even in the quick run (all in the full)
    resolved = analytic["alternative_excluded"].dropna().astype(bool)
    assert resolved.mean() >= 0.75
    # each plausibility check is reported, with a source and a range
    plausible = table[table["kind"] == PLAUSIBILITY]
    assert len(plausible) == len(load_figures(ENGLAND))
    assert plausible["source"].str.len().gt(0).all()
    assert (plausible["accepted_low"] < plausible["accepted_high"]).all()
    assert plausible["model_mean"].notna().all()


@pytest.mark.slow
def test_a_wrong_expectation_fails(quick: SuiteResult) -> None:
    """Erlang C for 4 servers against a team of 3, and M/G/infinity for a 10% higher load:
    both rejected, while the right expectations pass."""
    _, measures = experiment(quick, "M/M/3 rho=0.7")
    for check in erlang_c_checks(2.1, 3):
        assert check.evaluate(measures, quick.confidence).passed
    for check in erlang_c_checks(2.1, 4):
        assert check.group == ERLANG_C
        assert not check.evaluate(measures, quick.confidence).passed, check.check
    ward, measures = experiment(quick, "unlimited ward, fixed stays")
    mean_check = next(c for c in ward.checks if c.group == MG_INFINITY)
    assert isinstance(mean_check, IntervalCheck)
    wrong = dataclasses.replace(mean_check, expected=1.1 * LOAD)
    assert not wrong.evaluate(measures, quick.confidence).passed


@pytest.mark.slow
def test_a_wrong_expectation_fails_with_patience_and_balking(quick: SuiteResult) -> None:
    """Erlang A for one server more against a team of 3 whose patients give up, and Erlang B
    at a 10% higher load against the ward turning patients away: rejected, while the right
    expectations pass."""
    _, measures = experiment(quick, "M/M/3+M lambda=2.7 patience=2")
    for check in erlang_a_checks(2.7, 3, 2.0):
        assert check.group == ERLANG_A
        assert check.evaluate(measures, quick.confidence).passed, check.check
    for check in erlang_a_checks(2.7, 4, 2.0):
        assert not check.evaluate(measures, quick.confidence).passed, check.check
    ward, measures = experiment(quick, "ward of 12 beds turning patients away, fixed stays")
    (turned_away,) = ward.checks
    assert isinstance(turned_away, IntervalCheck) and turned_away.group == LOSS_SYSTEM
    assert turned_away.evaluate(measures, quick.confidence).passed
    assert turned_away.alternative is not None
    wrong = dataclasses.replace(turned_away, expected=turned_away.alternative[1])
    assert not wrong.evaluate(measures, quick.confidence).passed


@pytest.mark.slow
def test_a_lost_patient_fails_conservation(quick: SuiteResult) -> None:
    base, measures = experiment(quick, "baseline")
    conservation = next(c for c in base.checks if c.group == "Conservation")
    assert conservation.evaluate(measures, quick.confidence).passed
    lost = [dataclasses.replace(measures[0], still_in=measures[0].still_in - 1), *measures[1:]]
    assert not conservation.evaluate(lost, quick.confidence).passed
    miscounted = [dataclasses.replace(measures[0], model_in_system=-1), *measures[1:]]
    assert not conservation.evaluate(miscounted, quick.confidence).passed


# --- the command -------------------------------------------------------------------------------

@pytest.mark.slow
def test_command_writes_a_complete_report(quick: SuiteResult, cache_dir: Path,
                                          tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert run_verify(verify_args(out, cache_dir)) == 0
    assert {p.name for p in out.iterdir()} == {"report.md", "report.html", "checks.csv",
                                                "manifest.json", "plots"}
    assert {p.name for p in (out / "plots").iterdir()} == {
        "analytic.png", "occupancy.png", "plausibility.png"}
    checks = pd.read_csv(out / "checks.csv")
    assert set(CSV_COLUMNS) <= set(checks.columns)
    assert len(checks) == len(quick.results)
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # self-contained
    report = (out / "report.md").read_text()
    assert "PASS" in report and "Little's law" in report and "(plots/analytic.png)" in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["budget"] == "quick" and manifest["analytic_passed"] is True
    printed = capsys.readouterr().out
    assert "PASS" in printed and "FAIL" not in printed


@pytest.mark.slow
def test_command_exits_1_when_an_analytic_check_fails(quick: SuiteResult, cache_dir: Path,
                                                      tmp_path: Path) -> None:
    """A team of 3 (the suite's own scenario, so nothing is recomputed) checked against
    Erlang C for 4 servers."""
    team, _ = experiment(quick, "M/M/3 rho=0.7")
    broken = Experiment("M/M/3 checked as M/M/4", team.scenario, team.replications,
                        tuple(erlang_c_checks(2.1, 4)))
    out = tmp_path / "broken"
    assert run_verify(verify_args(out, cache_dir), [broken]) == 1
    checks = pd.read_csv(out / "checks.csv")
    assert not checks["passed"].any()
    assert "FAIL" in (out / "report.md").read_text()
