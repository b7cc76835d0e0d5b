"""The capacity finder tab: targets and bounds in a form, the search run by the command
line's ``capacity --search`` (``sim.app.finder``), the capacities found as a table and chart."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.analysis.registry import HEADLINE, metric_info
from sim.app import finder as search
from sim.app.messages import show_errors
from sim.app.results import downloads
from sim.config import Scenario, ScenarioError

TARGET_ROWS = 4  # target lines in the form; a line with no metric is left out
NO_METRIC = ""
DIRECTION_LABELS = {"at_least": "at least", "at_most": "at most"}


def finder(path: Path, scenario: Scenario, folder: Path) -> None:
    st.caption("The smallest capacities that meet every target at once in the constrained "
               "model, then confirmed on fresh replications (python -m sim capacity --search; "
               "docs/capacity.md). Each candidate is a full run: keep the bounds narrow.")
    with st.form("finder"):
        form = _form(scenario)
        submitted = st.form_submit_button("Find capacities", type="primary")
    if st.session_state.get("cancel_search"):
        st.warning("Search cancelled: no folder was written. The candidates already run are "
                   "kept in the cache, so searching again resumes from them.")
    if submitted:
        try:
            targets = search.write_targets(form, scenario, folder / "finder")
        except ScenarioError as error:
            show_errors(error, folder)
            return
        out = folder / "finder" / f"search{len(list(folder.glob('finder/search*'))) + 1}"
        bar = st.progress(0.0, text="searching: each candidate runs every replication")
        st.button("Cancel the search", key="cancel_search")  # a click reruns the page

        def report(evaluated: int, expected: int, latest: str) -> None:
            bar.progress(evaluated / expected, text=f"{evaluated} of about {expected} "
                                                    f"candidates evaluated (latest: {latest})")

        search.search(path, targets, out, report)
        bar.progress(1.0, text="done")
        st.session_state.finder_result = {"out": out, "targets": targets}
    if "finder_result" in st.session_state:
        _answer(st.session_state.finder_result["out"], st.session_state.finder_result["targets"])


def _form(scenario: Scenario) -> search.FinderForm:
    example = search.example()
    c1, c2, c3, c4 = st.columns(4)
    run_days = c1.number_input("Days simulated per candidate", value=float(scenario.time.run_days))
    warmup = c2.number_input("Warm-up before each candidate (days)",
                             value=float(scenario.time.warmup_days))
    reps = c3.number_input("Replications per candidate", value=int(example["replications"]), step=1)
    confirm = c4.number_input("Confirming replications", value=int(example["confirm_replications"]),
                              step=1)
    st.markdown("**Targets** (every one must be met)")
    metrics = [NO_METRIC, *HEADLINE]
    shipped = example["targets"]
    targets = []
    for i in range(TARGET_ROWS):
        given = shipped[i] if i < len(shipped) else {}
        direction = "at_least" if "at_least" in given else "at_most"
        c1, c2, c3 = st.columns([3, 1, 1])
        metric = c1.selectbox(f"Target {i + 1} metric", metrics,
                              index=metrics.index(given.get("metric", NO_METRIC)),
                              format_func=_metric_label)
        directions = list(DIRECTION_LABELS)
        chosen = str(c2.selectbox(f"Target {i + 1} direction", directions,
                                  index=directions.index(direction),
                                  format_func=lambda d: DIRECTION_LABELS[d]))
        threshold = c3.number_input(f"Target {i + 1} threshold", value=float(given.get(direction, 0)))
        if metric:
            targets.append((metric, chosen, threshold))
    st.markdown("**Capacities to search** (whole units, lowest and highest to try)")
    bounds = {}
    shipped_services = {r["service"] for r in example["resources"]}
    for name, (low, high) in search.default_bounds(scenario).items():
        c1, c2, c3 = st.columns([1, 1, 1])
        if c1.checkbox(f"Search {name}", value=name in shipped_services):
            bounds[name] = (int(c2.number_input(f"{name} lowest", value=low, step=1)),
                            int(c3.number_input(f"{name} highest", value=high, step=1)))
    return search.FinderForm(targets, bounds, run_days, warmup, int(reps), int(confirm))


def _metric_label(metric: str) -> str:
    """A metric as the board report names it, with its unit ("" for no target)."""
    info = metric_info(metric)
    return metric and f"{info.label} ({info.unit})"


def _answer(out: Path, targets: Path) -> None:
    solution, confirmation, candidates = search.outcome(out)
    if solution is None:
        st.warning("No capacities within the bounds meet every target: raise the highest "
                   "values, search more services, or relax the targets. Every candidate tried:")
    else:
        st.subheader("Smallest capacities meeting every target")
        st.table(solution[["resource", "capacity", "low", "high", "binding",
                           "missed_with_one_less"]].style.format(na_rep="").hide(axis="index"))
        st.bar_chart(solution.set_index("resource")["capacity"], horizontal=True)
        if confirmation is not None:
            st.markdown("**Confirming run** (replications the search did not use; 95% intervals)")
            st.table(confirmation[["target", "mean", "ci_low", "ci_high", "met",
                                   "met_with_confidence"]]
                     .style.format(precision=2, thousands=",").hide(axis="index"))
    with st.expander(f"Every candidate evaluated ({len(candidates)})"):
        st.table(candidates.style.format(precision=2, thousands=",").hide(axis="index"))
    files = downloads(out, targets, "Targets (YAML)", ("solution.csv", "search.csv",
                                                       "confirmation.csv"))
    for label, name, data, mime in files:
        st.download_button(label, data, file_name=name, mime=mime, key=f"finder-{name}")
