"""A boolean unit cost (``gbp: true``, or ``yes``, which YAML reads as true) is refused."""

from pathlib import Path

import pytest
from refusals import on_baseline, refusal

from sim.compile import load_scenario


@pytest.mark.parametrize("value", ["true", "yes", "off"])
def test_a_boolean_cost_is_refused(tmp_path: Path, value: str) -> None:
    path = on_baseline(tmp_path, "costs:\n  delayed_bed_day: {gbp: %s, source: test}\n" % value)
    refusal(lambda: load_scenario(path), path, ("costs", "delayed_bed_day", "gbp"),
            "expected a number, got true/false")
