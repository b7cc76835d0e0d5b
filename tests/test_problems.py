"""Problems of input files are records (file, field path, message): printed by the command
line as ``FILE: path: message``, placed by the app by their path, and kept whole when an error
crosses to another process."""

from __future__ import annotations

import pickle

from sim.config import ScenarioError
from sim.config.numbers import MAX_MAGNITUDE, number_problem
from sim.config.problems import InputProblem


def test_a_problem_prints_as_the_command_line_always_did() -> None:
    assert str(InputProblem("w.yaml", ("services", "ucr", "capacity"), "expected a number")) \
        == "w.yaml: services.ucr.capacity: expected a number"
    assert str(InputProblem("w.yaml", (), "not valid YAML (line 3)")) == \
        "w.yaml: not valid YAML (line 3)"
    assert str(InputProblem("", (), "--reps: expected at least 2")) == "--reps: expected at least 2"


def test_a_problem_is_about_its_field_and_the_fields_inside_it_only() -> None:
    problem = InputProblem("w.yaml", ("services", "ucr", "capacity"), "expected a number")
    assert problem.about("services.ucr") and problem.about("services.ucr.capacity")
    assert not problem.about("services.ucr_team") and not problem.about("services.ucr.cap")
    assert not InputProblem("w.yaml", (), "not UTF-8 text").about("services")


def test_an_error_keeps_its_records_across_processes() -> None:
    error = ScenarioError([InputProblem("w.yaml", ("time", "run_days"), "expected a finite "
                                        "number, got inf"), "--seed: expected a whole number"])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems and copy.messages == error.messages
    assert str(copy) == "w.yaml: time.run_days: expected a finite number, got inf\n" \
                        "--seed: expected a whole number"


def test_one_number_rule_for_every_input() -> None:
    assert number_problem(3) is None and number_problem(-2.5) is None
    assert number_problem(True) == "expected a number, got true/false"
    assert number_problem(float("nan")) == "expected a finite number, got nan"
    assert number_problem(float("-inf")) == "expected a finite number, got -inf"
    assert number_problem(MAX_MAGNITUDE * 10) == "expected a number of at most 1e+09 in size, got 1e+10"
    assert number_problem("7") == "expected a number, got '7'"
