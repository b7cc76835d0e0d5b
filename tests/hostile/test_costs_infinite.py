"""An infinite unit cost (``gbp: .inf``) is refused: costs follow every number rule."""

from pathlib import Path

from refusals import on_baseline, refusal

from sim.compile import load_scenario


def test_an_infinite_cost_is_refused(tmp_path: Path) -> None:
    path = on_baseline(tmp_path, "costs:\n  per_occupied_day:\n"
                                 "    acute: {gbp: .inf, source: test}\n")
    refusal(lambda: load_scenario(path), path,
            ("costs", "per_occupied_day", "acute", "gbp"), "expected a finite number")


def test_a_cost_of_a_billion_pounds_a_day_is_refused(tmp_path: Path) -> None:
    path = on_baseline(tmp_path, "costs:\n  per_staff_hour:\n"
                                 "    ucr: {gbp: 1e12, source: test}\n")
    refusal(lambda: load_scenario(path), path,
            ("costs", "per_staff_hour", "ucr", "gbp"), "at most 1e+09")
