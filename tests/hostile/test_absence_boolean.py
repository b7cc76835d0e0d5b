"""A boolean sickness absence (``staffing.absence_pct: {ucr: true}``) is refused, for a
service and for a unit of one."""

from pathlib import Path

from refusals import on_baseline, refusal

from sim.compile import load_scenario


def test_a_boolean_absence_of_a_service_is_refused(tmp_path: Path) -> None:
    path = on_baseline(tmp_path, "staffing:\n  absence_pct: {ucr: true}\n")
    refusal(lambda: load_scenario(path), path, ("staffing", "absence_pct"),
            "expected a number, got true/false")


def test_a_boolean_absence_of_a_unit_is_refused(tmp_path: Path) -> None:
    path = on_baseline(tmp_path, "staffing:\n  absence_pct: {ucr: {by_unit: {system: yes}}}\n")
    refusal(lambda: load_scenario(path), path,
            ("staffing", "absence_pct", "ucr", "by_unit"), "expected a number, got true/false")
