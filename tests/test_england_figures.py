"""The shipped national figures (``scenarios/figures/england.yaml``): the file loads, every
figure says what it measures and where it comes from, and every figure can be read from a
short run of the shipped baseline, as ``python -m sim verify`` reads them."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from sim.compile import load_scenario
from sim.config.schema import Scenario
from sim.figures import FigureSet, check_against, load_figures
from sim.verify.checks import PLAUSIBILITY
from sim.verify.measure import Measures, measure_replication
from sim.verify.plausibility import ENGLAND, figure_checks

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def figures() -> FigureSet:
    return load_figures(ENGLAND)


@pytest.fixture(scope="module")
def short_baseline() -> Scenario:
    # long enough for P1 and P2 discharges, IC waits and UCR episodes in the results period
    return load_scenario(BASELINE, {"time.warmup_days": 30, "time.run_days": 60,
                                    "time.replications": 1})


@pytest.fixture(scope="module")
def measures(short_baseline: Scenario) -> Measures:
    return measure_replication(short_baseline, 0)


def test_the_shipped_file_is_the_one_verify_reads(figures: FigureSet) -> None:
    assert ENGLAND == ROOT / "scenarios" / "figures" / "england.yaml"
    assert len(figures) >= 12
    assert len(set(figures.ids)) == len(figures)


def test_every_figure_says_what_it_measures_and_where_it_comes_from(
        figures: FigureSet) -> None:
    for figure in figures.figures:
        low, high = figure.interval
        assert low < figure.value < high, figure.id
        assert figure.source.title and 1990 <= figure.source.year <= dt.date.today().year, figure.id
        assert len(figure.definition.split()) >= 20, figure.id  # denominator, period, model
        assert figure.interval_basis and figure.population, figure.id


def test_intervals_come_from_the_source_or_are_ten_percent(figures: FigureSet) -> None:
    """A +-10% interval is exactly that; any other names the source's range."""
    for figure in figures.figures:
        low, high = figure.interval
        if figure.interval_basis.startswith("+-10%"):
            assert low == pytest.approx(0.9 * figure.value), figure.id
            assert high == pytest.approx(1.1 * figure.value), figure.id
        else:
            assert "source" in figure.interval_basis or "range" in figure.interval_basis, \
                figure.id


def test_the_figures_fit_the_shipped_baseline(figures: FigureSet,
                                              short_baseline: Scenario) -> None:
    check_against(figures, short_baseline)  # raises on a locality or age band it lacks


def test_every_figure_is_evaluable_on_a_short_baseline_run(
        figures: FigureSet, short_baseline: Scenario, measures: Measures) -> None:
    for figure in figures.figures:
        value = figure.model_value(measures.metrics, short_baseline)
        assert math.isfinite(value) and value >= 0, (figure.id, value)


def test_verify_checks_each_figure_against_its_interval(
        figures: FigureSet, short_baseline: Scenario, measures: Measures) -> None:
    checks = figure_checks(figures, short_baseline)
    assert [c.published for c in checks] == [f.value for f in figures.figures]
    for check, figure in zip(checks, figures.figures):
        result = check.evaluate([measures], 0.95)
        assert result.kind == PLAUSIBILITY
        assert (result.accepted_low, result.accepted_high) == figure.interval
        assert result.model_mean == figure.model_value(measures.metrics, short_baseline)
        assert result.passed == (figure.interval[0] <= result.model_mean <= figure.interval[1])
        assert figure.source.title in result.source
        assert figure.interval_basis.split()[0] in result.note
