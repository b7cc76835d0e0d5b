"""A sweep file's numbers follow the rules of every input: ``replications: true`` (read as 1
before) and ``.inf`` are refused with the file and field."""

from pathlib import Path

import pytest
from refusals import refusal, write

from sim.sweep import load_sweep


@pytest.mark.parametrize("value, words", [
    ("true", "expected a number, got true/false"),
    (".inf", "expected a finite number"),
    ("2.5", "expected a whole number at least 1"),
    ("0", "expected a whole number at least 1"),
])
def test_bad_replications_are_refused(tmp_path: Path, value: str, words: str) -> None:
    path = write(tmp_path, "sweep.yaml", "vary: {services.acute.capacity: [380, 400]}\n"
                                         f"replications: {value}\n")
    refusal(lambda: load_sweep(path), path, ("replications",), words)


def test_a_repeated_value_names_its_field(tmp_path: Path) -> None:
    path = write(tmp_path, "sweep.yaml", "vary: {services.acute.capacity: [380, 380]}\n")
    refusal(lambda: load_sweep(path), path, ("vary", "services.acute.capacity"),
            "each value once")
