"""The shipped scenarios: the baseline against the national figures of
``scenarios/figures/england.yaml`` (read through ``sim.figures``), and the runs on which
conservation is checked (``sim.verify.analytic``).

Each plausibility check is one figure of that file: its published value, its interval (from
the source, or +-10% with the reason in the file), the model's value with its 95% interval
across replications, and whether the model's mean lies inside the interval (met). They never
fail the command: the baseline is a hypothetical borough whose inputs are mostly estimates
(confidence L), so a figure not met is a finding to explain (docs/calibration.md, "What the
national figures ask of the model's structure"), not a bug.
"""

from __future__ import annotations

from pathlib import Path

from sim.config.schema import Scenario
from sim.figures import Figure, FigureSet, check_against, load_figures
from sim.verify.analytic import conservation_check
from sim.verify.checks import PerReplication, RangeCheck
from sim.verify.experiment import Budget, Experiment, shipped_scenario
from sim.verify.measure import Measures

PLAUSIBLE = "National figures (baseline)"
ENGLAND = Path(__file__).resolve().parents[2] / "scenarios" / "figures" / "england.yaml"


def shipped_experiments(budget: Budget, baseline: Path, locality: Path,
                        seed: int | None = None, figures: Path = ENGLAND) -> list[Experiment]:
    """The shipped baseline (conservation, and each figure of ``figures``) and locality
    (conservation) scenarios, as shipped for the full budget, shortened for a quick one; with
    their own seed unless ``seed`` is given."""
    base = shipped_scenario(baseline, budget, seed)
    local = shipped_scenario(locality, budget, seed)
    return [
        Experiment(base.name, base, base.time.replications,
                   (conservation_check(base), *figure_checks(load_figures(figures), base))),
        Experiment(local.name, local, local.time.replications, (conservation_check(local),)),
    ]


def figure_checks(figures: FigureSet, scenario: Scenario) -> list[RangeCheck]:
    """One plausibility check per figure of ``figures``, on ``scenario``'s replications."""
    check_against(figures, scenario)
    run = f"{scenario.name}, {scenario.time.run_days:g} results days"
    return [RangeCheck(PLAUSIBLE, f"{figure.label} ({figure.unit})", run, figure.value,
                       *figure.interval, _model_value(figure, scenario), _source(figure),
                       _note(figure))
            for figure in figures.figures]


def _model_value(figure: Figure, scenario: Scenario) -> PerReplication:
    def value(m: Measures) -> float:
        return figure.model_value(m.metrics, scenario)
    return value


def _source(figure: Figure) -> str:
    source = figure.source
    parts = (source.publisher, source.title, str(source.year), source.url)
    return ", ".join(part for part in parts if part)


def _note(figure: Figure) -> str:
    """The interval's basis, the figure's definition (where the model's measure differs
    from the source's, it says so) and any structural reason it may be out of reach."""
    parts = (f"Interval: {figure.interval_basis}.", f"Period: {figure.period} "
             f"({figure.population}).", figure.definition, figure.structural_note)
    return " ".join(" ".join(part.split()) for part in parts if part)
