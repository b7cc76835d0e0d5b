"""Hostile and broken input (issue 14): names that try to leave the results folder, numbers
that are not finite, dates that do not exist, files too large, too deep or endless. Each is
refused with a message naming the file and field, or made safe; none gives a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
import yaml
from helpers import assert_clean, children, sim, wait_until

from sim.compile import load_scenario, validate
from sim.config import ScenarioError
from sim.config.checks import MAX_CODES, MAX_SERVICES
from sim.config.loader import MAX_DEPTH, MAX_EXTENDS_DEPTH
from sim.engine.eventlog import EVENT_COLUMNS, PATIENT_COLUMNS, Event
from sim.output.paths import slug
from sim.results import default_folder

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


@pytest.mark.parametrize("name", ["../../x", "../../../escape", "/some/abs/dir", "a\0b", "..",
                                  "C:\\x\\y", ".hidden", "../../../../PWNED", "x/" * 200])
def test_a_name_never_leads_outside_its_folder(tmp_path: Path, name: str) -> None:
    made = slug(name)
    assert made and "/" not in made and "\\" not in made and "\0" not in made
    assert not made.startswith(".") and len(made) <= 100
    assert (tmp_path / made).resolve().parent == tmp_path.resolve()
    assert default_folder(name, tmp_path).resolve().parent.parent == tmp_path.resolve()


def test_ordinary_names_are_kept() -> None:
    for name in ("baseline", "winter_flu", "locality_vs_baseline", "stroke-v2.1"):
        assert slug(name) == name


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {BASELINE}\n{text}\n", encoding="utf-8")
    return path


def _messages(path: Path) -> list[str]:
    """The messages refusing ``path``, each naming a file of its folder first."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert all(m.startswith(str(path.parent)) for m in caught.value.messages), \
        caught.value.messages
    return caught.value.messages


@pytest.mark.parametrize("text, expected", [
    ('name: "a\\0b"', "name: a name may not hold control characters"),
    ('services: {"x\\0y": {kind: exit}}', "control characters"),
    ("time: {run_days: .inf}", "time.run_days: expected a finite number"),
    ("time: {run_days: 1e308}", "time.run_days: expected a number of at most 1e+09"),
    ("time: {warmup_days: 1000000}", "at most 36525"),
    ("geography: {localities: {north: {need_index: 1e100}}}",
     "need_index: expected a number of at most 1e+09 in size, got 1e+100"),
    ('demand: {ed_attendance: {rate_per_1000_per_year: {"0-64": 1.0e+200, "65-74": 1, '
     '"75-84": 1, "85+": 1}}}', "rate_per_1000_per_year: expected a number of at most 1e+09"),
    ("demand: {ed_attendance: {rate_per_1000_per_year: true}}", "expected a number, got true"),
    ("time: {warmup_days: true}", "time.warmup_days: expected a number, got true/false"),
    ("time: {start_date: 2025-02-30}", "'2025-02-30' is not a date"),
    ("time: {start_date: 9999-12-01}", "runs past the calendar"),
    ("time: {replications: 1000000000}", "time.replications: expected less than or equal"),
    ("surges: {x: {start: 2025-11-31}}", "'2025-11-31' is not a date"),
    ("geography: {localities: {north: {need_index: .nan}}}", "need_index: expected a finite"),
    ("geography: {localities: {north: {population: {0-64: 0, 65-74: 0, 75-84: 0, 85+: 0}}}}",
     "at least one resident"),
    ("services: {spa: {kind: [1, 2]}}", "services.spa: expected 'kind'"),
    ("? {a: 1}\n: 2", "a key must be a plain value"),
    ("? [1]\n: 2", "a key must be a plain value"),
    ("census: {acute: {waiting: 1000000}}", "census.acute.waiting"),
    ("uncertain: {services.acute.capacity: {uniform: [1, 1e308]}}",
     "uncertain.services.acute.capacity.uniform: expected a number of at most 1e+09"),
    ("uncertain: {services.acute.capacity: {uniform: [1, 1e8]}}",
     "uncertain.services.acute.capacity: the scenario is not valid with 1e+08"),
    ("uncertain: {policies.mdt_case_management.crisis_reduction: {uniform: [0.0, .inf]}}",
     "uniform.1: expected a finite number"),
])
def test_bad_values_are_refused_with_the_field_named(tmp_path: Path, text: str,
                                                     expected: str) -> None:
    messages = _messages(_write(tmp_path, text))
    assert any(expected in m for m in messages), messages


def test_more_names_than_the_event_log_codes_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    north = data["geography"]["localities"]["north"]
    data["geography"]["localities"] = {f"l{i}": north for i in range(130)}
    many = tmp_path / "many.yaml"
    many.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert any("geography.localities: 130 given; at most 127" in m for m in _messages(many))


def test_deep_nesting_a_self_containing_mapping_and_an_alias_bomb_are_refused(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "{x: " * 1000 + "1" + "}" * 1000 + "\n", encoding="utf-8")
    assert any(f"more than {MAX_DEPTH} levels" in m for m in _messages(deep))
    itself = tmp_path / "itself.yaml"
    itself.write_text("a: &a\n  b: *a\n", encoding="utf-8")
    assert any("contains itself" in m for m in _messages(itself))
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 {k: 1, j: 1}"] + [f"a{i}: &a{i} {{x: *a{i - 1}, y: *a{i - 1}, z: *a{i - 1}}}"
                                        for i in range(1, 30)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any("aliases" in m for m in _messages(bomb))


def test_long_extends_chains_are_refused(tmp_path: Path) -> None:
    for i in range(MAX_EXTENDS_DEPTH + 5):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n", encoding="utf-8")
    (tmp_path / f"c{MAX_EXTENDS_DEPTH + 5}.yaml").write_text(BASELINE.read_text("utf-8"), "utf-8")
    assert any("a chain of more than" in m for m in _messages(tmp_path / "c0.yaml"))


def test_validate_checks_every_file_even_after_a_bad_one(tmp_path: Path) -> None:
    bad = _write(tmp_path, "time: {run_days: .inf}")
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    result = sim("validate", bad, deep, BASELINE)
    assert_clean(result)
    assert result.returncode == 2
    assert f"{BASELINE}: valid" in result.stdout


def test_sweep_range_that_is_not_finite_is_a_message(tmp_path: Path) -> None:
    result = sim("sweep", BASELINE, "--vary", "time.replications=nan:1:1", "--out", tmp_path / "o")
    assert_clean(result)
    assert result.returncode == 2
    assert "finite numbers" in result.stderr


def test_shipped_names_make_the_same_folders() -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    assert default_folder(data.get("name", "baseline")).parent == Path("results/baseline")


def _finished_replications(cache: Path) -> list[Path]:
    """Replications a run has finished: each is stored in its ``--cache`` folder as it ends."""
    return list(cache.glob("*/*.pkl"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_sigterm_during_a_run_stops_the_workers_like_ctrl_c(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--reps", "12", "--jobs", "2",
         "--cache", str(cache), "--quiet", "--out", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = wait_until(lambda: len(found := children(run.pid)) >= 2 and found,
                         "the run to start its workers")
    # one of 12 replications stored: the 2 workers are in the middle of the next ones, and
    # enough are left that a loaded machine cannot finish them all before the signal
    wait_until(lambda: _finished_replications(cache), "a replication to finish")
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=30)
    assert run.returncode == 143
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert not out.exists()
    wait_until(lambda: not [pid for pid in workers if Path(f"/proc/{pid}").exists()],
               "the workers to end", timeout_s=10)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie has ended: its parent is
    gone and nothing reaps it in some containers)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.xdist_group("dask-cluster")  # one local cluster at a time: each wants port 8787
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("signum, whole_group", [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c", "sigterm"])
def test_an_interrupted_dask_run_ends_quietly(tmp_path: Path, signum: int,
                                              whole_group: bool) -> None:
    """Ctrl-C reaches the terminal's whole process group, the Dask workers included; SIGTERM
    only the command. Either way: one line, no traceback from a worker or the nanny, the
    cluster's workers gone and no results folder."""
    pytest.importorskip("distributed")
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--reps", "12", "--jobs", "2",
         "--executor", "dask", "--cache", str(cache), "--quiet", "--out", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a process group of its own, and Ctrl-C's default action, as a terminal gives them
        # (a pytest-xdist worker ignores SIGINT, and an ignored signal is inherited)
        start_new_session=True, preexec_fn=_default_ctrl_c)
    try:
        def workers() -> list[int]:  # the cluster's worker processes, once they run
            return [pid for pid in children(run.pid) if "spawn_main" in
                    Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]

        started = wait_until(lambda: len(found := workers()) >= 2 and found,
                             "the cluster to start its workers", timeout_s=90)
        # one of 12 replications stored: the 2 workers are in the middle of the next ones, and
        # enough are left that a loaded machine cannot finish them all before the signal
        wait_until(lambda: _finished_replications(cache), "a replication to finish", timeout_s=90)
        if whole_group:
            os.killpg(run.pid, signum)
        else:
            run.send_signal(signum)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    assert run.returncode == (130 if signum == signal.SIGINT else 143)
    assert stderr.strip() == "interrupted; no results folder was written", stderr
    assert not out.exists()
    wait_until(lambda: not [pid for pid in started if _running(pid)], "the workers to end",
               timeout_s=10)


@pytest.mark.slow
def test_compare_of_different_localities_warns(tmp_path: Path) -> None:
    a = _write(tmp_path, "name: a\ntime: {run_days: 5, warmup_days: 0, replications: 1}", "a.yaml")
    b = tmp_path / "b.yaml"
    b.write_text("extends: a.yaml\nname: b\nreplace: [geography.localities]\ngeography:\n"
                 "  localities:\n    east: {population: {0-64: 9000, 65-74: 900, 75-84: 500, "
                 "85+: 200}, partnership: borough, system: ics}\n", encoding="utf-8")
    result = sim("compare", a, b, "--out", tmp_path / "out", "--no-cache", "--quiet",
                 "--executor", "serial")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert "warning: a and b have different localities (only in a: north, central, south; " \
           "only in b: east)" in result.stderr
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert "different localities" in manifest


def test_an_impossible_number_of_replications_is_refused_with_an_estimate(tmp_path) -> None:
    result = sim("run", BASELINE, "--reps", "1000000000", "--out", tmp_path / "out")
    assert_clean(result)
    assert result.returncode == 2
    assert "--reps 1,000,000,000: the results would need about" in result.stderr
    assert " GB" in result.stderr and not (tmp_path / "out").exists()


def test_a_run_with_traversal_names_writes_only_inside_its_results_folder(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b" / "c" / "work"
    work.mkdir(parents=True)
    scenario = work / "escape.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nname: ../../../escape\n"
        "time: {run_days: 5, warmup_days: 0, replications: 1}\n"
        'services:\n  "../../../../PWNED": {kind: ward, level: system, capacity: 1, '
        "duration: {dist: fixed, value: 1, unit: days}, routes: {home: {to: home, "
        "probability: 1.0}}}\n"
        'reporting:\n  ic_beds: [ic_beds, "../../../../PWNED"]\n', encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    result = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--no-cache",
                             "--quiet", "--executor", "serial"],
                            cwd=work, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    written = {p for p in tmp_path.rglob("*")} - before
    assert written and all(p.is_relative_to(work / "results") for p in written), sorted(written)
    (folder,) = (work / "results" / "escape").iterdir()
    assert (folder / "plots" / "occupancy_PWNED.png").is_file()


def test_dask_without_its_extra_is_a_message(tmp_path: Path, monkeypatch, capsys) -> None:
    from sim.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    path = _write(tmp_path, "time: {run_days: 5, warmup_days: 0, replications: 1}")
    assert main(["run", str(path), "--executor", "dask", "--no-cache", "--quiet",
                 "--out", str(tmp_path / "out")]) == 1
    assert 'pip install ".[dask]"' in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_more_services_than_the_event_log_codes_are_refused() -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data["name"] = "baseline"
    data["services"].update({f"x{i}": {"kind": "exit"} for i in range(MAX_SERVICES)})
    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "many.yaml")
    given = MAX_SERVICES + len(yaml.safe_load(BASELINE.read_text(encoding="utf-8"))["services"])
    assert f"many.yaml: services: {given} given; at most {MAX_SERVICES}" in error.value.messages


def test_the_code_columns_hold_the_largest_code_a_valid_scenario_gives() -> None:
    """Each code column of the event log holds the last of as many names as validation
    lets through (a pathway code counts "none" too; a surge column also holds -1)."""
    largest = {"service": MAX_SERVICES - 1, "pathway": MAX_CODES, "event": max(Event)}
    largest |= dict.fromkeys(("stream", "locality", "age_band", "source", "surge"), MAX_CODES - 1)
    columns = {**EVENT_COLUMNS, **PATIENT_COLUMNS}
    for name, code in largest.items():
        assert array(columns[name], [code, -1])[0] == code, name
