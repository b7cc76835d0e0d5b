"""The published-figures file (``scenarios/figures/*.yaml``, docs/calibration.md): one entry
per national or local figure the model is compared with, each with its definition, interval
and source. A figure's model value is read from one replication's metrics at one locality."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Literal, Mapping

from pydantic import Field, StrictBool, field_validator, model_validator

from sim.analysis.catalogue import METRICS
from sim.analysis.registry import RENAMED, UNKNOWN, metric_info
from sim.config.base import Frozen, Positive

if TYPE_CHECKING:
    from sim.config.schema import Scenario

FIGURE_ID = re.compile(r"^[a-z0-9_]+$")
Text = Annotated[str, Field(min_length=1)]
Period = Literal["year", "peak_quarter", "month", "day"]
DAYS_A_YEAR = 365.0  # as the registry's rates a year (sim.analysis.grouping.Grouper.years)


def check_metric(name: str) -> str:
    """``name`` if the metric registry knows it, else ValueError with a hint: the new name of
    a renamed metric, or the closest known names."""
    if metric_info(name) != replace(UNKNOWN, label=name):
        return name
    if name in RENAMED:
        raise ValueError(f"the metric '{name}' was renamed '{RENAMED[name]}'")
    close = difflib.get_close_matches(name, list(METRICS), n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
        " (python -m sim metrics lists them)"
    raise ValueError(f"unknown metric '{name}'{hint}")


class Source(Frozen):
    title: Text
    year: int = Field(ge=1900, le=2100)
    publisher: str = ""
    url: str = ""


class PerPopulation(Frozen):
    """``metric / residents x per``: residents of the scenario, or of the age bands ``ages``;
    with ``annualise``, a count over the results period made a count a year."""

    metric: str
    per: Positive = Field(description="residents the rate is per, e.g. 100000")
    ages: list[str] | None = Field(None, min_length=1,
                                   description="age bands counted (default: all residents)")
    annualise: StrictBool = Field(False, description="x 365 / the results period's days: for a "
                            "count over the period (arrivals:ucr), a figure a year")

    _known = field_validator("metric")(check_metric)


class Ratio(Frozen):
    """``numerator / denominator x scale``."""

    numerator: str
    denominator: str
    scale: Positive = 1.0

    _known = field_validator("numerator", "denominator")(check_metric)


class Figure(Frozen):
    """One published figure; exactly one of ``metric``, ``per_population``, ``ratio`` says
    how the model's value is computed."""

    id: str = Field(pattern=FIGURE_ID.pattern)
    label: Text
    unit: str
    metric: str | None = None
    per_population: PerPopulation | None = None
    ratio: Ratio | None = None
    locality: Text = "all"
    definition: Text = Field(description="as the source measures it: denominator, follow-up")
    period: Period
    value: float
    interval: tuple[float, float]
    interval_basis: Text
    population: Text
    source: Source
    structural_note: str = ""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, name: str | None) -> str | None:
        return None if name is None else check_metric(name)

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        given = [k for k in ("metric", "per_population", "ratio") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("expected exactly one of metric, per_population or ratio, got "
                             + (", ".join(given) if given else "none"))
        low, high = self.interval
        if not low < high:
            raise ValueError(f"interval: expected [low, high] with low < high, got "
                             f"[{low:g}, {high:g}]")
        if not low <= self.value <= high:
            raise ValueError(f"interval: [{low:g}, {high:g}] does not contain the value "
                             f"{self.value:g}")
        return self

    @property
    def metrics(self) -> tuple[str, ...]:
        """The registry metrics the model value is computed from."""
        if self.per_population is not None:
            return (self.per_population.metric,)
        if self.ratio is not None:
            return (self.ratio.numerator, self.ratio.denominator)
        assert self.metric is not None  # exactly one of the three (_consistent)
        return (self.metric,)

    @property
    def half_width(self) -> float:
        """Half the interval's width, in the figure's unit."""
        return (self.interval[1] - self.interval[0]) / 2

    def model_value(self, metrics: Mapping[str, float], scenario: Scenario) -> float:
        """The model's value of this figure for ONE replication, from that replication's
        metrics at ``self.locality`` (``metrics``: metric name -> value); per_population
        divides by the scenario's residents (of ``ages`` if given)."""
        missing = [m for m in self.metrics if m not in metrics]
        if missing:
            raise KeyError(f"figure '{self.id}': the scenario '{scenario.name}' does not "
                           f"produce {', '.join(missing)} at locality '{self.locality}'")
        if self.per_population is not None:
            rate = self.per_population
            value = metrics[rate.metric] / residents(scenario, rate.ages) * rate.per
            return value * DAYS_A_YEAR / scenario.time.run_days if rate.annualise else value
        if self.ratio is not None:
            ratio = self.ratio
            return metrics[ratio.numerator] / metrics[ratio.denominator] * ratio.scale
        assert self.metric is not None
        return metrics[self.metric]


def residents(scenario: Scenario, ages: list[str] | None = None) -> int:
    """Residents of every locality of ``scenario``, of the age bands ``ages`` if given."""
    localities = scenario.geography.localities.values()
    if ages is None:
        return sum(loc.total_population for loc in localities)
    return sum(loc.population.get(band, 0) for loc in localities for band in ages)
