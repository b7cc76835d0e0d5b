"""``python -m sim capacity``: capacity estimation, or with ``--search`` capacity search.

Both write their results folder through ``sim.capacity.folders`` (the door's capacity kinds).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import ALL
from sim.capacity.criteria import CRITERIA, Criteria
from sim.capacity.folders import CRITERIA_OPTIONS, estimate_capacity, write_estimate, write_search
from sim.capacity.occupancy import capacitated_services, check_services
from sim.capacity.search import Search, SearchResult, solution_table
from sim.capacity.targets import load_targets
from sim.cli_options import add_run_options, run_settings, table_text
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.executors import open_executor
from sim.results import check_free, default_folder
from sim.subcommands import Subcommands

EXIT_TARGETS_MISSED = 1
DESCRIPTION = """\
Without --search: run the scenario with the chosen services' capacity unlimited, and write
the distribution of units in use (per service, unit and month) and the capacity each
criterion needs. With --search TARGETS: find the smallest capacities meeting every target of
the targets file in the constrained model, confirmed on fresh replications (exit status 1
if the targets cannot be met). See docs/capacity.md."""


def add_parser(commands: Subcommands) -> None:
    """Register the ``capacity`` subcommand on the CLI's subparsers."""
    sub = commands.add_parser(
        "capacity", help="capacity needed (occupancy with capacity unlimited), or --search "
                         "for the smallest capacities meeting targets",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("scenario", type=Path, help="scenario file (YAML)")
    sub.add_argument("--services", nargs="+", metavar="SERVICE",
                     help="services made unlimited and measured (default: every team, ward "
                          "and caseload)")
    sub.add_argument("--search", type=Path, metavar="TARGETS",
                     help="targets file: search for the smallest capacities meeting them")
    add_run_options(sub)
    defaults = Criteria()
    help_texts = {
        "all_busy_pct": "chance an arriving patient finds all units busy, at most (%%)",
        "occupancy_pct": "mean occupancy of services other than acute, at most (%%)",
        "acute_occupancy_pct": "mean occupancy of the acute service, at most (%%)",
        "percentile": "percentile of occupancy to cover (%%)",
    }
    for name, option in CRITERIA_OPTIONS.items():
        sub.add_argument(option, type=float, dest=name, metavar="PCT",
                         help=f"{help_texts[name]}; default {getattr(defaults, name):g}")
    sub.set_defaults(handler=run_capacity)


def run_capacity(args: argparse.Namespace) -> int:
    """Handler of ``python -m sim capacity``; returns the exit status."""
    settings = run_settings(args)
    changes: dict[str, Any] = {} if args.seed is None else {"time.seed": args.seed}
    if args.search is None:
        if args.reps is not None:
            changes["time.replications"] = args.reps
        return estimate(load_scenario(args.scenario, changes), args, settings)
    unused = [option for option, given in [
        ("--reps", args.reps), ("--services", args.services),
        *((option, getattr(args, name)) for name, option in CRITERIA_OPTIONS.items())]
        if given is not None]
    if unused:
        raise ScenarioError([f"{option}: not used with --search (replications are set in the "
                             "targets file)" for option in unused])
    return search(load_scenario(args.scenario, changes), args, settings)


def estimate(scenario: Scenario, args: argparse.Namespace, settings: dict[str, Any]) -> int:
    services = args.services or capacitated_services(scenario)
    check_services(scenario, services)
    criteria = Criteria(**{name: getattr(args, name) for name in CRITERIA_OPTIONS
                           if getattr(args, name) is not None})
    out = _out_folder(args, scenario, "capacity")
    found = estimate_capacity(scenario, services, criteria, **settings)
    write_estimate(found, out)
    print(table_text(capacity_overview(found.capacity)))
    print("\nrecommended (recommended_capacity.csv; the other criteria stay in capacity.csv):")
    print(recommendation_text(found.recommended))
    print(f"\n{scenario.name}: capacity needed with {', '.join(services)} unlimited, "
          f"{scenario.time.replications} replications in {found.wall_seconds:.1f} s -> {out}")
    return 0


def capacity_overview(capacity: pd.DataFrame) -> pd.DataFrame:
    """The whole results period: per service and unit, today's capacity, mean occupancy and
    the capacity each criterion needs (pooled over replications)."""
    rows = capacity[capacity["period"] == ALL]
    wide = rows.pivot_table(index=["service", "locality"], columns="criterion",
                            values="capacity", sort=False)[list(CRITERIA)]
    labels = rows.drop_duplicates("criterion").set_index("criterion")["target_pct"]
    wide.columns = [f"{c} ({labels[c]:g}%)" if c != "mean_occupancy" else c for c in CRITERIA]
    first = rows.drop_duplicates(["service", "locality"]).set_index(["service", "locality"])
    wide.insert(0, "occupancy_mean", first["occupancy_mean"])
    wide.insert(0, "current_capacity", first["current_capacity"])
    return wide


def recommendation_text(recommended: pd.DataFrame) -> str:
    """One line per service and unit, whole period: the capacity, today's, and why."""
    rows = recommended[recommended["period"] == ALL]
    return "\n".join(
        f"  {r['service']} {r['locality']}: {r['recommended']} (today "
        f"{_capacity_text(r['current_capacity'])}): {r['reason']}"
        for r in rows.to_dict("records"))


def _capacity_text(capacity: float) -> str:
    return "unlimited" if pd.isna(capacity) else f"{capacity:g}"


def search(scenario: Scenario, args: argparse.Namespace, settings: dict[str, Any]) -> int:
    plan = load_targets(args.search, scenario)
    out = _out_folder(args, scenario, "capacity_search")
    started = time.perf_counter()
    progress = settings.pop("progress")
    # one pool for every evaluation, rather than one started per candidate
    with open_executor(settings.pop("executor"), settings.pop("jobs"),
                       settings.pop("scheduler")) as executor:
        result = Search(plan, progress, executor=executor, **settings).run()
    wall = time.perf_counter() - started
    write_search(result, args.search, out, wall)
    print(describe(result))
    print(f"\n{len(result.evaluations)} candidates in {wall:.1f} s -> {out}")
    return 0 if result.status == "solved" and result.confirmed else EXIT_TARGETS_MISSED


def describe(result: SearchResult) -> str:
    """A plain-language account of the search's outcome."""
    plan = result.plan
    at = ", ".join(f"{r.label}={c}" for r, c in zip(plan.resources, result.capacities))
    if result.status == "infeasible":
        first = result.evaluations[0]
        missed = [f"{t.label} (mean {m:.2f})"
                  for t, m, met in zip(plan.targets, first.means, first.met) if not met]
        return ("Targets cannot be met within the bounds: with every resource at its upper "
                f"bound ({at}), over {plan.replications} replications, these are missed:\n  "
                + "\n  ".join(missed)
                + "\nRaise the upper bounds, add resources, or relax the targets.")
    lines = [f"Smallest capacities meeting every target over {plan.replications} replications "
             f"(common random numbers), {len(result.evaluations)} candidates evaluated:",
             table_text(solution_table(result).set_index("resource")
                    [["capacity", "low", "high", "binding", "missed_with_one_less"]]),
             "",
             f"Confirming run: replications {plan.confirm_numbers[0]}-"
             f"{plan.confirm_numbers[-1]}, not used by the search (95% CI):"]
    confirmation = result.confirmation
    assert confirmation is not None
    lines.append(table_text(confirmation.set_index("target")
                        [["mean", "ci_low", "ci_high", "met", "met_with_confidence"]]))
    if result.costs is not None and len(result.costs):
        lines.append("\nCost of this configuration over the confirming run (GBP, 95% CI; "
                     "solution_costs.csv):")
        lines.append(table_text(result.costs[result.costs["locality"] == ALL]
                                .set_index("metric")[["mean", "ci_low", "ci_high"]]))
    missed = list(confirmation.loc[~confirmation["met"], "target"])
    if missed:
        lines.append(f"\nNOT CONFIRMED: the mean misses {', '.join(missed)} in the confirming "
                     "run; the search's replications were too few to tell. Raise "
                     "'replications' in the targets file.")
    return "\n".join(lines)


def _out_folder(args: argparse.Namespace, scenario: Scenario, what: str) -> Path:
    out: Path = args.out or default_folder(f"{scenario.name}_{what}")
    check_free(out)
    return out
