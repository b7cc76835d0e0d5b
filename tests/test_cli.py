"""The command line's scenario commands: ``python -m sim validate FILE...`` and ``show FILE``.

Run as a user would, in a subprocess from the repository root (the round trip of every shipped
scenario through ``show`` calls the same entry point in-process, to stay fast); nothing is
simulated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import BASELINE, assert_clean, shipped_scenarios, sim

from sim.compile import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SHIPPED = shipped_scenarios()
DATA = Path(__file__).resolve().parent / "data"
EXIT_INVALID = 2


@pytest.mark.slow
def test_validate_all_shipped_scenarios_exits_0():
    assert SHIPPED, "no scenarios/*.yaml found"
    result = sim("validate", *(p.relative_to(REPO) for p in SHIPPED))
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for path in SHIPPED:
        assert f"{path.relative_to(REPO)}: valid" in result.stdout


def test_validate_invalid_exits_2_with_one_line_per_problem(tmp_path):
    data = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"))
    data["time"]["replications"] = 0
    data["time"]["sed"] = data["time"].pop("seed")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    result = sim("validate", SCENARIOS / "baseline.yaml", bad)
    assert_clean(result)
    assert result.returncode == EXIT_INVALID
    assert "baseline.yaml: valid" in result.stdout  # the good file is still checked
    assert "bad.yaml: valid" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert all(line.startswith(f"{bad}: ") for line in lines), lines
    assert any("time.replications: " in line and "greater than" in line for line in lines)
    assert any("time.sed: " in line and "did you mean 'seed'" in line for line in lines)


def test_validate_unreadable_files_exits_2_without_traceback(tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    extends = DATA / "extends"
    result = sim("validate", tmp_path / "missing.yaml", folder, DATA / "invalid" / "bad_indent.yaml",
                 extends / "loop_a.yaml", extends / "orphan.yaml", extends / "child_bad_sum.yaml")
    assert_clean(result)
    assert result.returncode == EXIT_INVALID
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 6, result.stderr
    assert "missing.yaml" in lines[0] and "not found" in lines[0]
    assert "a_folder" in lines[1] and "folder" in lines[1]
    assert "bad_indent.yaml" in lines[2] and "line 4" in lines[2]
    assert "loop_a.yaml" in lines[3] and "circular" in lines[3]
    assert lines[4].startswith(f"{extends / 'orphan.yaml'}: extends: ")
    assert "no_such_parent.yaml" in lines[4]
    # a cross-field problem caused by a child that extends another file names the child
    assert lines[5].startswith(f"{extends / 'child_bad_sum.yaml'}: services.team.routes: ")


def test_show_prints_resolved_yaml_that_loads_back_equal(tmp_path):
    child = DATA / "extends" / "grandchild.yaml"  # extends a file that extends another
    result = sim("show", child)
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert "extends" not in shown  # fully resolved: values from all three files
    assert shown["name"] == "grandchild" and shown["time"]["seed"] == 99
    assert shown["services"]["ward"]["capacity"] == 7 and shown["time"]["run_days"] == 30
    again = tmp_path / "shown.yaml"
    again.write_text(result.stdout, encoding="utf-8")
    assert load_scenario(again) == load_scenario(child)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(REPO)) for p in SHIPPED])
def test_show_round_trips_every_shipped_scenario(tmp_path, capsys, path):
    """As above, for every shipped scenario; in-process (same entry point) to stay fast."""
    from sim.cli import main

    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    again = tmp_path / "shown.yaml"
    again.write_text(out, encoding="utf-8")
    assert load_scenario(again) == load_scenario(path)


def test_show_invalid_exits_2():
    result = sim("show", DATA / "extends" / "child_bad_value.yaml")
    assert_clean(result)
    assert result.returncode == EXIT_INVALID
    assert result.stdout == ""
    assert "child_bad_value.yaml: services.ward.capacity: " in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "show", "run", "compare", "sweep", "capacity",
                                     "verify"])
def test_every_command_has_help(command):
    result = sim(command, "-h")
    assert result.returncode == 0 and "usage: python -m sim" in result.stdout


def test_the_command_line_runs_from_a_thread_other_than_the_main_one():
    """The app calls the command line from its page's thread, where signal handlers cannot
    be installed: the command must still run (the SIGTERM handler is the main thread's)."""
    import threading

    from sim.cli import main

    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(main(["validate", str(BASELINE)])))
    thread.start()
    thread.join(timeout=60)
    assert status == [0]
