"""A capacity-targets file's numbers follow the rules of every input: an infinite or
boolean threshold, and a boolean count of replications (read as 1 before), are refused."""

from pathlib import Path

import pytest
from refusals import BASELINE, refusal, write

from sim.capacity.targets import load_targets
from sim.compile import load_scenario

RESOURCES = "resources: [{service: acute, bounds: [380, 440]}]\n"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.mark.parametrize("threshold, words", [
    (".inf", "expected a finite number"),
    ("true", "expected a number, got true/false"),
    ("1e300", "at most 1e+09"),
])
def test_a_bad_threshold_is_refused(tmp_path: Path, baseline, threshold: str, words: str) -> None:
    path = write(tmp_path, "targets.yaml", RESOURCES + "targets:\n"
                 f"  - {{metric: ed_boarding_hours_mean, at_most: {threshold}}}\n")
    refusal(lambda: load_targets(path, baseline), path, ("targets", 0, "at_most"), words)


def test_boolean_replications_are_refused(tmp_path: Path, baseline) -> None:
    path = write(tmp_path, "targets.yaml", RESOURCES + "replications: yes\ntargets:\n"
                 "  - {metric: ed_boarding_hours_mean, at_most: 4}\n")
    refusal(lambda: load_targets(path, baseline), path, ("replications",),
            "expected a number, got true/false")
