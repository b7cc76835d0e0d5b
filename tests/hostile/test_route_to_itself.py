"""A service routed to itself with probability 1, whose only way out is giving up (reneging
to NHS 111), is refused: a patient who is served would go round for ever."""

from pathlib import Path

from refusals import on_baseline, refusal

from sim.compile import load_scenario


def test_a_loop_left_only_by_giving_up_is_refused(tmp_path: Path) -> None:
    path = on_baseline(tmp_path, "replace: [services.spa.routes]\nservices:\n  spa:\n"
                                 "    routes:\n      again: {to: spa, probability: 1.0}\n")
    problem = refusal(lambda: load_scenario(path), path, ("services", "spa", "routes"),
                      "only giving up")
    assert "patients who are served would never leave" in problem.message


def test_a_loop_with_a_way_out_is_accepted(tmp_path: Path) -> None:
    """The check refuses only loops: a second triage call for some callers is fine."""
    path = on_baseline(tmp_path, "replace: [services.spa.routes]\nservices:\n  spa:\n"
                                 "    routes:\n      again: {to: spa, probability: 0.2}\n"
                                 "      ucr: {to: ucr, probability: 0.8}\n")
    assert load_scenario(path).services["spa"].routes["again"].to == "spa"
