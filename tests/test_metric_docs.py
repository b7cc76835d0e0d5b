"""The metric registry is the one source: the docs' metric tables are what it generates, its
selections name its entries, and each entry's computing function does emit that metric."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from typing import Callable

import pytest
from helpers import baseline

from sim.analysis import registry
from sim.analysis.catalogue import METRICS, PATHWAY, SERVICE
from sim.analysis.metrics_doc import (
    PAGES,
    WRITE_COMMAND,
    groups,
    names_of_kind,
    regenerate,
    table,
    tables_in,
    write_docs,
)
from sim.analysis.registry import RENAMED, label, metric_info, renamed_note
from sim.cli import main
from sim.config import ScenarioError
from sim.precision import CLI_SETTINGS, _check_names


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_docs_metric_tables_are_what_the_registry_generates(page):
    text = page.read_text(encoding="utf-8")
    assert regenerate(text) == text, \
        f"{page} differs from the registry (sim/analysis/catalogue.py); run {WRITE_COMMAND}"


def test_writing_the_docs_replaces_a_stale_table_and_keeps_the_prose(tmp_path):
    page = tmp_path / "metrics.md"
    page.write_text("# Prose\n\n<!-- metrics: costs -->\n| old |\n<!-- /metrics -->\n\nMore prose.\n",
                    encoding="utf-8")
    assert write_docs((page,)) == [page]
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Prose\n") and text.endswith("More prose.\n")
    assert "| old |" not in text and "`cost_total`" in text
    assert write_docs((page,)) == []  # now up to date


def test_every_table_of_the_registry_is_in_the_docs_once():
    marked = [group for page in PAGES for group in tables_in(page.read_text(encoding="utf-8"))]
    assert sorted(marked) == sorted(groups())


def test_a_table_or_list_of_no_metrics_is_an_error():
    with pytest.raises(ValueError, match="'hospitl'.*expected one of"):
        table("hospitl")
    with pytest.raises(ValueError, match="'shares'.*expected share"):
        names_of_kind("shares")


# the registry's named selections: its lists of metric names (HEADLINE, PEAK_WEEK, ...)
SELECTIONS = {name: value for name, value in vars(registry).items()
              if name.isupper() and isinstance(value, list)}


def test_every_selection_names_registered_metrics():
    assert {"HEADLINE", "BOARD_SUMMARY", "PEAK_WEEK", "PRECISION", "SWEEP", "APP_CHARTS"} <= set(SELECTIONS)
    for name, metrics in SELECTIONS.items():
        unknown = [m for m in metrics if m not in METRICS]
        assert not unknown, f"{name}: {unknown} not in sim/analysis/catalogue.py"


def test_every_entry_says_what_it_is_and_where_it_appears():
    for name, info in METRICS.items():
        assert info.label and info.unit and info.kind != "any", name
        assert info.group or info.in_periods, f"{name}: in no table of summary.csv or weekly.csv"
        if info.group:
            assert info.definition and info.reading, name


def _emitted_patterns(function: Callable[..., object]) -> list[re.Pattern[str]]:
    """The metric names a function's source writes: its string literals, with each
    ``{...}`` of an f-string standing for any text."""
    patterns = []
    for node in ast.walk(ast.parse(inspect.getsource(function).strip())):
        if isinstance(node, ast.JoinedStr):
            parts = [re.escape(part.value) if isinstance(part, ast.Constant) else ".*"
                     for part in node.values]
            patterns.append(re.compile("".join(parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            patterns.append(re.compile(re.escape(node.value)))
    return patterns


def _function(path: str) -> Callable[..., object]:
    module, _, name = path.rpartition(".")
    function = getattr(importlib.import_module(f"sim.analysis.{module}"), name)
    assert callable(function), path
    return function


def _example(name: str) -> str:
    return name.replace(SERVICE, "ic_beds").replace(PATHWAY, "P1")


def test_each_entry_is_emitted_by_the_function_it_names():
    for name, info in METRICS.items():
        patterns = _emitted_patterns(_function(info.computed_by))
        assert any(p.fullmatch(_example(name)) for p in patterns), \
            f"{name}: {info.computed_by} writes no such metric"


def test_each_period_metric_is_emitted_by_the_period_tables():
    patterns = [pattern for name in ("admissions", "acute_occupancy", "ed_boarding",
                                     "delayed_discharges", "ucr_responses_in_time", "escalation")
                for pattern in _emitted_patterns(_function(f"measures.{name}"))]
    for name, info in METRICS.items():
        if info.in_periods:
            assert any(p.fullmatch(_example(name)) for p in patterns), name


def test_per_service_and_per_pathway_names_are_looked_up_by_pattern():
    assert label("arrivals:ic_beds") == "Requests for IC beds (requests)"
    assert metric_info("readmissions_30d_ESD").label == "Readmissions within 30 days, ESD"
    assert metric_info("escalation_days:acute").kind == "days"
    drawn = metric_info("parameter:services.ucr.capacity")
    assert (drawn.label, drawn.unit, drawn.bounds()) == ("parameter:services.ucr.capacity", "",
                                                         (None, None))


def test_the_command_lists_every_metric(capsys):
    assert main(["metrics"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{name} " in out for name in METRICS)


def test_every_renamed_metric_points_at_a_registered_name():
    for old, new in RENAMED.items():
        assert old not in METRICS and new in METRICS, (old, new)


def test_a_renamed_metric_on_the_command_line_is_told_its_new_name():
    with pytest.raises(ScenarioError, match="--metrics: unknown metric.*'admissions_avoided' is now "
                       "'community_episodes_without_admission'"):
        _check_names({"community_episodes_without_admission"}, ["admissions_avoided"], CLI_SETTINGS)
    assert renamed_note(["emergency_admissions"]) == ""


def test_the_ucr_label_names_the_scenarios_response_target():
    assert metric_info("ucr_within_target_pct", baseline()).label == "UCR reached within 2 hours"
    assert metric_info("ucr_within_target_pct").label == "UCR reached within the response target"
