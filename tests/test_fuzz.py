"""Property tests of scenario loading (issue 14) with hypothesis: shipped scenarios with one
value replaced by something hostile (an infinity, a boolean, a list, a huge or negative
number, a traversal name, a date that does not exist, any text), a key removed or an
unknown key added.

Each case is loaded. It must end, within a time limit, either in a valid scenario holding
only finite numbers or in ``ScenarioError`` records that each name the case's file, a field
and what was wrong; any other exception is a failure. A batch of cases is also given to
``python -m sim validate`` in one call (several bad files at once, as a user may): the same
verdict for each file, no traceback, exit 2. A few accepted cases are run for 5 days (one
replication): no exception, no hang, no negative occupancy, queue or arrivals. The examples
are derandomised (the same every run, like the seeded fuzzer before); ``SIM_SLOW=1 pytest -m
slow tests/test_fuzz.py`` runs ``SLOW_CASES`` of them.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.compile import load_scenario, with_changes
from sim.config import Scenario, ScenarioError
from sim.runner import run_scenario

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "scenarios" / name for name in
           ("baseline.yaml", "locality.yaml", "examples/stroke.yaml")]
FUZZ_CASES = 100
SLOW_CASES = 3000
CLI_CASES = 10  # cases given to ``python -m sim validate`` in one call
RUNS = 3
SECONDS_PER_CASE = 10.0  # a hang or runaway loop is far slower; a load takes ~0.05 s
SECONDS_PER_RUN = 60  # a 5-day replication takes about a second
CLI_START_SECONDS = 60  # to start the command line (imports), on a busy machine
BRIEF = {"time.run_days": 5, "time.warmup_days": 0, "time.replications": 1}
# the same examples every run, nothing written to a .hypothesis folder
SETTINGS = {"derandomize": True, "database": None, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

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


HOSTILE = st.one_of(
    st.floats(),  # infinities and NaN included
    st.integers(min_value=-10**30, max_value=10**30),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["../../escape", "/abs/dir", "a\0b", "2025-02-30", "yes", "1e400"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
ORIGINALS = {p: _with_absolute_extends(yaml.safe_load(p.read_text(encoding="utf-8")), p)
             for p in SOURCES}
PATHS = {p: _leaves(data) for p, data in ORIGINALS.items()}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A shipped scenario's mapping with one change, and a short description of it."""
    source = draw(st.sampled_from(SOURCES))
    data = yaml.safe_load(yaml.safe_dump(ORIGINALS[source]))
    data.setdefault("name", source.stem)
    path = draw(st.sampled_from(PATHS[source]))
    *parents, last = path
    node: Any = data
    for key in parents:
        node = node[key]
    kind = draw(st.sampled_from(["replace", "remove", "unknown"]))
    if kind == "remove" and isinstance(node, dict):
        del node[last]
    elif kind == "unknown" and isinstance(node, dict):
        node[f"{last}_x"] = 1
    else:
        kind = "replace"
        node[last] = draw(HOSTILE)
    return data, f"{kind} {'.'.join(map(str, path))}"


def _written(data: dict[str, Any], folder: Path, name: str) -> Path:
    path = folder / name
    try:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    except (yaml.YAMLError, UnicodeEncodeError):  # text YAML cannot hold (a lone surrogate)
        assume(False)
    return path


def _load(path: Path, change: str) -> Scenario | ScenarioError:
    """The case loaded in this process: the scenario if accepted, the error refusing it;
    fails the test on anything else (a traceback, a hang, an unclear refusal, a number that
    is not finite accepted)."""
    try:
        with _time_limit(SECONDS_PER_CASE):
            scenario = load_scenario(path)
    except _Overran:
        pytest.fail(f"{change}: took over {SECONDS_PER_CASE} s")
    except ScenarioError as error:
        unclear = [p for p in error.problems if p.file != str(path) or not p.path or not p.message]
        assert error.problems and not unclear, f"{change}: unclear {unclear or error.problems}"
        return error
    assert _finite(scenario.model_dump()), f"{change}: accepted with a number that is not finite"
    return scenario


@settings(max_examples=FUZZ_CASES, **SETTINGS)
@given(case=cases())
def test_one_hostile_change_is_refused_cleanly_or_valid(case: tuple[dict[str, Any], str]) -> None:
    data, change = case
    with tempfile.TemporaryDirectory() as folder:
        _load(_written(data, Path(folder), "case.yaml"), change)


@settings(max_examples=RUNS, **SETTINGS)
@given(case=cases())
def test_an_accepted_change_runs_for_5_days(case: tuple[dict[str, Any], str]) -> None:
    data, change = case
    with tempfile.TemporaryDirectory() as folder:
        scenario = _load(_written(data, Path(folder), "case.yaml"), change)
    assume(isinstance(scenario, Scenario))
    assert isinstance(scenario, Scenario)
    problem = _run_briefly(scenario)
    assert problem is None, f"{change}: {problem}"


@settings(max_examples=1, **SETTINGS)
@given(batch=st.lists(cases(), min_size=CLI_CASES, max_size=CLI_CASES))
def test_the_command_line_gives_each_file_the_same_verdict(
        batch: list[tuple[dict[str, Any], str]]) -> None:
    """``python -m sim validate`` given every case at once: within a time limit, no
    traceback, exit 2 if any is refused, and for each file the verdict found in this
    process: its messages on stderr, or ``valid`` on stdout."""
    with tempfile.TemporaryDirectory() as folder:
        expected: dict[Path, list[str]] = {}
        for number, (data, change) in enumerate(batch):
            path = _written(data, Path(folder), f"case{number}.yaml")
            verdict = _load(path, change)
            expected[path] = verdict.messages if isinstance(verdict, ScenarioError) else []
        seconds = CLI_START_SECONDS + SECONDS_PER_CASE * len(expected)
        result = subprocess.run([sys.executable, "-m", "sim", "validate", *map(str, expected)],
                                cwd=REPO, capture_output=True, text=True, timeout=seconds)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert "could not be checked" not in result.stderr, result.stderr[-3000:]
    refused = [path for path, messages in expected.items() if messages]
    assert result.returncode == (2 if refused else 0)
    for path, messages in expected.items():
        said_valid = f"{path}: valid" in result.stdout.splitlines()
        if messages:
            assert all(m in result.stderr for m in messages) and not said_valid, path.name
        else:
            assert said_valid and f"{path}: " not in result.stderr, path.name


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SIM_SLOW"), reason="set SIM_SLOW=1 for the long fuzz run")
@settings(max_examples=SLOW_CASES, **SETTINGS)
@given(case=cases())
def test_many_hostile_changes(case: tuple[dict[str, Any], str]) -> None:
    data, change = case
    with tempfile.TemporaryDirectory() as folder:
        scenario = _load(_written(data, Path(folder), "case.yaml"), change)
    if isinstance(scenario, Scenario):
        problem = _run_briefly(scenario)
        assert problem is None, f"{change}: {problem}"
