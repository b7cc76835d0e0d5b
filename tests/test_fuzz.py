"""A seeded fuzz test of scenario loading (issue 14): shipped scenarios with one value
replaced by something hostile (an infinity, a boolean, a list, a huge or negative number, a
traversal name, a date that does not exist), a key removed or an unknown key added.

Each case is loaded. It must end, within a time limit, either in a valid scenario holding
only finite numbers or in ``ScenarioError`` messages that each name the file; any other
exception is a failure. The first ``RUNS`` accepted cases are also run for 5 days (one
replication): no exception, no hang, no negative occupancy, queue or arrivals.
``FUZZ_CASES`` cases run in CI; the ``slow`` case (``SIM_SLOW=1 pytest -m slow
tests/test_fuzz.py``) runs ``SLOW_CASES`` and every accepted case.
"""

from __future__ import annotations

import math
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

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


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError


def _run_briefly(scenario: Scenario) -> str | None:
    """What went wrong running ``scenario`` for 5 days, or None. A scenario that is not valid
    over 5 days (a surge or census dated later) is not run."""
    try:
        brief = with_changes(scenario, BRIEF)
    except ScenarioError:
        return None
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_RUN)
    try:
        daily = run_scenario(brief, executor="serial", progress=False).daily
    except TimeoutError:
        return f"a 5-day run took over {SECONDS_PER_RUN} s"
    except Exception as error:  # noqa: BLE001 (what the test is looking for)
        return f"a 5-day run failed: {type(error).__name__}: {error}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    negative = [c for c in ("occupancy", "queue", "arrivals") if (daily[c] < 0).any()]
    return f"a 5-day run gave negative {', '.join(negative)}" if negative else None


def _fuzz(cases: int, tmp_path: Path, runs: int = RUNS) -> Counter[str]:
    rng = random.Random(SEED)
    originals = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SOURCES}
    counts: Counter[str] = Counter()
    failures: list[str] = []
    brief: list[tuple[str, Scenario]] = []
    for case in range(cases):
        source = rng.choice(SOURCES)
        data, change = _mutate(yaml.safe_load(yaml.safe_dump(originals[source])), rng)
        data.setdefault("name", source.stem)
        path = tmp_path / f"case{case}.yaml"
        try:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        except yaml.YAMLError:
            continue
        started = time.perf_counter()
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            counts["refused"] += 1
            if not error.messages or not all(m.startswith(str(path)) for m in error.messages):
                failures.append(f"{change}: unclear {error.messages}")
        except Exception as error:  # noqa: BLE001 (what the test is looking for)
            counts["traceback"] += 1
            failures.append(f"{change}: {type(error).__name__}: {error}")
        else:
            counts["accepted"] += 1
            if not _finite(scenario.model_dump()):
                counts["accepted_but_invalid"] += 1
                failures.append(f"{change}: accepted with a number that is not finite")
            elif counts["run"] < runs:
                brief.append((change, scenario))
        if time.perf_counter() - started > SECONDS_PER_CASE:
            counts["hang"] += 1
            failures.append(f"{change}: took over {SECONDS_PER_CASE} s")
        counts["cases"] += 1
        path.unlink()
        for change, scenario in brief:  # after the load was timed
            counts["run"] += 1
            problem = _run_briefly(scenario)
            if problem:
                counts["run_failed"] += 1
                failures.append(f"{change}: {problem}")
        brief.clear()
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
