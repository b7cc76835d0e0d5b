"""A seeded fuzz test of scenario loading (issue 14): shipped scenarios with one value
replaced by something hostile (an infinity, a boolean, a list, a huge or negative number, a
traversal name, a date that does not exist), a key removed or an unknown key added.

Each case is loaded. It must end, within a time limit, either in a valid scenario holding
only finite numbers or in ``ScenarioError`` messages that each name the file and a field; any
other exception is a failure. Every ``CLI_EVERY``-th case is also given to ``python -m sim
validate``, all of them in one call (several bad files at once, as a user may): the same
verdict for each file, no traceback, exit 2. The first ``RUNS`` accepted cases are also run
for 5 days (one replication): no exception, no hang, no negative occupancy, queue or
arrivals. ``FUZZ_CASES`` cases run in CI; the ``slow`` case (``SIM_SLOW=1 pytest -m slow
tests/test_fuzz.py``) runs ``SLOW_CASES`` and every accepted case.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from sim.compile import load_scenario, with_changes
from sim.config import Scenario, ScenarioError
from sim.runner import run_scenario

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "scenarios" / name for name in
           ("baseline.yaml", "locality.yaml", "examples/stroke.yaml")]
FUZZ_CASES = 300
SLOW_CASES = 3000
SEED = 20261130
SECONDS_PER_CASE = 10.0  # a hang or runaway loop is far slower; a load takes ~0.05 s
SECONDS_PER_RUN = 60  # a 5-day replication takes about a second
RUNS = 3
CLI_EVERY = 10  # every 10th case also through ``python -m sim validate``, in one call
CLI_START_SECONDS = 60  # to start the command line (imports), on a busy machine
# "<file>: <field>: <what was expected>", the field a dotted path
NAMES_FILE_AND_FIELD = re.compile(r"[^\n]+\.yaml: [^\s:]+: \S")
BRIEF = {"time.run_days": 5, "time.warmup_days": 0, "time.replications": 1}
HOSTILE: list[Any] = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, -1, 0, True,
                      False, None, "", "x", "../../escape", "/abs/dir", "a\0b", [1, 2],
                      {"a": 1}, 10**30, "2025-02-30", 1.5, [], {}]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (mappings and lists), containers included."""
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _leaves(item, (*path, index))
    return paths


def _mutate(data: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    """``data`` with one change, and a short description of it."""
    path = rng.choice(_leaves(data))
    *parents, last = path
    node: Any = data
    for key in parents:
        node = node[key]
    kind = rng.choice(["replace", "replace", "replace", "remove", "unknown"])
    if kind == "remove" and isinstance(node, dict):
        del node[last]
    elif kind == "unknown" and isinstance(node, dict):
        node[f"{last}_x"] = 1
    else:
        kind = "replace"
        node[last] = rng.choice(HOSTILE)
    return data, f"{kind} {'.'.join(map(str, path))}"


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return True


class _Overran(BaseException):
    """Raised by ``_time_limit``; a BaseException, so no ``except Exception`` swallows it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """``_Overran`` if the block takes over ``seconds`` (SIGALRM: POSIX, main thread)."""
    def overran(signum: int, frame: object) -> None:
        raise _Overran

    previous = signal.signal(signal.SIGALRM, overran)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_briefly(scenario: Scenario) -> str | None:
    """What went wrong running ``scenario`` for 5 days, or None. A scenario that is not valid
    over 5 days (a surge or census dated later) is not run."""
    try:
        brief = with_changes(scenario, BRIEF)
    except ScenarioError:
        return None
    try:
        with _time_limit(SECONDS_PER_RUN):
            daily = run_scenario(brief, executor="serial", progress=False).daily
    except _Overran:
        return f"a 5-day run took over {SECONDS_PER_RUN} s"
    except Exception as error:  # noqa: BLE001 (what the test is looking for)
        return f"a 5-day run failed: {type(error).__name__}: {error}"
    negative = [c for c in ("occupancy", "queue", "arrivals") if (daily[c] < 0).any()]
    return f"a 5-day run gave negative {', '.join(negative)}" if negative else None


def _with_absolute_extends(data: dict[str, Any], source: Path) -> dict[str, Any]:
    """``data`` of ``source`` with the files it extends named in full, so that a case
    written elsewhere extends the same files (and is refused for its change, not for a
    parent it cannot find)."""
    parents = data.get("extends")
    if parents is not None:
        names = [parents] if isinstance(parents, str) else parents
        full = [str((source.parent / name).resolve()) for name in names]
        data["extends"] = full[0] if isinstance(parents, str) else full
    return data


def _load(path: Path, change: str, counts: Counter[str],
          failures: list[str]) -> tuple[Scenario | None, list[str] | None]:
    """Load one case in this process: (the scenario if accepted, the messages refusing it:
    [] if accepted, None if it failed otherwise), counting the outcome."""
    try:
        with _time_limit(SECONDS_PER_CASE):
            scenario = load_scenario(path)
    except _Overran:
        counts["hang"] += 1
        failures.append(f"{change}: took over {SECONDS_PER_CASE} s")
    except ScenarioError as error:
        counts["refused"] += 1
        unclear = [m for m in error.messages if not NAMES_FILE_AND_FIELD.match(m)
                   or not m.startswith(f"{path}: ")]
        if unclear or not error.messages:
            failures.append(f"{change}: unclear {unclear or error.messages}")
        return None, error.messages
    except Exception as error:  # noqa: BLE001 (what the test is looking for)
        counts["traceback"] += 1
        failures.append(f"{change}: {type(error).__name__}: {error}")
    else:
        counts["accepted"] += 1
        if not _finite(scenario.model_dump()):
            counts["accepted_but_invalid"] += 1
            failures.append(f"{change}: accepted with a number that is not finite")
            return None, None
        return scenario, []
    return None, None


def _validate_through_cli(expected: dict[Path, list[str]], counts: Counter[str]) -> list[str]:
    """``python -m sim validate`` given all of ``expected``'s files at once, as a user would:
    within a time limit, no traceback, exit 2 if any is refused, and for each file the
    verdict found in this process: its messages on stderr, or ``valid`` on stdout."""
    if not expected:
        return []
    seconds = CLI_START_SECONDS + SECONDS_PER_CASE * len(expected)
    try:
        result = subprocess.run([sys.executable, "-m", "sim", "validate", *map(str, expected)],
                                cwd=REPO, capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        counts["cli_hang"] += 1
        return [f"python -m sim validate of {len(expected)} files took over {seconds} s"]
    failures = []
    if "Traceback" in result.stderr + result.stdout or "could not be checked" in result.stderr:
        counts["cli_traceback"] += 1
        failures.append(f"python -m sim validate failed:\n{result.stderr[-3000:]}")
    refused = [path for path, messages in expected.items() if messages]
    if result.returncode != (2 if refused else 0):
        failures.append(f"python -m sim validate exited {result.returncode}")
    for path, messages in expected.items():
        said_valid = f"{path}: valid" in result.stdout.splitlines()
        said = [m for m in messages if m in result.stderr]
        if messages and said == messages and not said_valid:
            counts["cli_refused"] += 1
        elif not messages and said_valid and f"{path}: " not in result.stderr:
            counts["cli_valid"] += 1
        else:
            failures.append(f"{path.name}: the command line said otherwise than load_scenario "
                            f"({messages or 'valid'})")
    return failures


def _fuzz(cases: int, tmp_path: Path, runs: int = RUNS) -> Counter[str]:
    """``cases`` fuzzed files loaded in this process, every ``CLI_EVERY``-th also through
    the command line; the first ``runs`` accepted ones run for 5 days."""
    rng = random.Random(SEED)
    originals = {p: _with_absolute_extends(yaml.safe_load(p.read_text(encoding="utf-8")), p)
                 for p in SOURCES}
    counts: Counter[str] = Counter()
    failures: list[str] = []
    through_cli: dict[Path, list[str]] = {}  # case file -> messages refusing it ([]: valid)
    for case in range(cases):
        source = rng.choice(SOURCES)
        data, change = _mutate(yaml.safe_load(yaml.safe_dump(originals[source])), rng)
        data.setdefault("name", source.stem)
        path = tmp_path / f"case{case}.yaml"
        try:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        except yaml.YAMLError:
            continue
        counts["cases"] += 1
        scenario, messages = _load(path, change, counts, failures)
        if case % CLI_EVERY == 0 and messages is not None:
            through_cli[path] = messages
        else:
            path.unlink()
        if scenario is not None and counts["run"] < runs:
            counts["run"] += 1
            problem = _run_briefly(scenario)
            if problem:
                counts["run_failed"] += 1
                failures.append(f"{change}: {problem}")
    failures += _validate_through_cli(through_cli, counts)
    print(dict(counts))
    assert not failures, "\n".join(failures[:20])
    return counts


def test_fuzzed_scenarios_are_refused_cleanly_or_valid(tmp_path: Path) -> None:
    counts = _fuzz(FUZZ_CASES, tmp_path)
    assert counts["refused"] > counts["cases"] / 2  # the mutator does find bad input


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SIM_SLOW"), reason="set SIM_SLOW=1 for the long fuzz run")
def test_many_fuzzed_scenarios(tmp_path: Path) -> None:
    _fuzz(SLOW_CASES, tmp_path, runs=SLOW_CASES)
