"""Command-line options shared by every command that runs replications, and table output."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sim.cache import DEFAULT_CACHE, ResultCache
from sim.config import ScenarioError
from sim.executors import EXECUTORS


def add_run_options(sub: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs replications."""
    sub.add_argument("--reps", type=int, help="replications (default: the scenario's)")
    sub.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    sub.add_argument("--out", type=Path, help="results folder (default: results/...)")
    sub.add_argument("--jobs", type=int, help="local worker processes (default: all cores)")
    sub.add_argument("--executor", choices=EXECUTORS, default="processes",
                     help="where replications run (default: processes)")
    sub.add_argument("--scheduler", metavar="ADDRESS",
                     help="address of a running Dask scheduler (with --executor dask)")
    sub.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                     help="finished replications are kept here and reused (default: %(default)s)")
    sub.add_argument("--no-cache", action="store_true", help="recompute every replication")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")


def run_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for run_scenario and friends from the shared options, checked."""
    problems = []
    if args.jobs is not None and args.jobs < 1:
        problems.append(f"--jobs: expected at least 1 worker process, got {args.jobs}")
    if args.scheduler is not None and args.executor != "dask":
        problems.append("--scheduler: a Dask scheduler address needs --executor dask")
    if getattr(args, "reps", None) is not None and args.reps < 1:
        problems.append(f"--reps: expected at least 1 replication, got {args.reps}")
    if problems:
        raise ScenarioError(problems)
    return {"executor": args.executor, "jobs": args.jobs, "scheduler": args.scheduler,
            "cache": None if args.no_cache else ResultCache(args.cache),
            "progress": not args.quiet}


def table_text(frame: pd.DataFrame) -> str:
    """A table for the terminal: numbers with thousands separators and 2 decimals."""
    return frame.to_string(float_format=lambda v: f"{v:,.2f}")
