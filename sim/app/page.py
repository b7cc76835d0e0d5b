"""The app's page (run by Streamlit, ``python -m sim app``): choose, change, run, see.

Streamlit reruns this script top to bottom on every interaction; what must survive a rerun
(the session's folder, the last comparison) lives in ``st.session_state``. Each browser
session runs in its own thread, so one analyst's long run does not freeze another's page.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
import yaml

from sim.analysis.metrics import ALL
from sim.analysis.registry import APP_CHARTS, BOARD_SUMMARY, metric_info
from sim.app import edits, levels, runs, scenarios
from sim.app.finder_view import finder
from sim.app.form import whatif_form
from sim.app.messages import show_errors
from sim.app.results import comparison_table, downloads, headline_chart, weekly_chart
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.results import PRECISION_CSV
from sim.runner import ScenarioResult

SHOWN_CHANGES = 8  # more changes than this are folded away (a surge switched on is ~20 lines)


def main() -> None:
    st.set_page_config(page_title="Integrated care pathway simulator", layout="wide")
    st.title("Integrated care pathway simulator")
    if "folder" not in st.session_state:
        st.session_state.folder = runs.session_folder()
    folder: Path = st.session_state.folder
    chosen = _choose(folder)
    if chosen is None:
        return
    path, scenario = chosen
    _describe(scenario)
    whatif_tab, finder_tab = st.tabs(["What if", "Capacity finder"])
    with whatif_tab:
        _whatif(path, scenario, folder)
        if "result" in st.session_state:
            _show(st.session_state.result)
    with finder_tab:
        finder(path, scenario, folder)


def _choose(folder: Path) -> tuple[Path, Scenario] | None:
    """The sidebar: a shipped scenario or an upload, loaded (errors shown, None returned)."""
    st.sidebar.header("Scenario")
    files = scenarios.shipped()
    source = st.sidebar.radio("Start from", ["a shipped scenario", "an uploaded file"])
    try:
        if source == "a shipped scenario":
            label = st.sidebar.selectbox("Shipped scenario", list(files))
            path = files[label]
            return path, load_scenario(path)
        upload = st.sidebar.file_uploader("Scenario YAML", type=["yaml", "yml"])
        if upload is None:
            st.info("Upload a scenario file (YAML), or choose a shipped one.")
            return None
        return scenarios.save_upload(upload.name, upload.getvalue(), folder / "uploads")
    except ScenarioError as error:
        show_errors(error, folder)
        return None


def _describe(scenario: Scenario) -> None:
    st.markdown(scenarios.describe(scenario))
    left, right = st.columns([2, 3])
    left.caption("Localities")
    left.dataframe(scenarios.localities_table(scenario), hide_index=True)
    right.caption("Services with capacity")
    right.dataframe(scenarios.services_table(scenario), hide_index=True)
    with st.expander("The pathway as a diagram (each route with its share; dashed: demand)"):
        st.graphviz_chart(scenarios.pathway_dot(scenario))


def _whatif(path: Path, scenario: Scenario, folder: Path) -> None:
    """The levers form; on submit, the what-if YAML validated, then the comparison run."""
    # the last check's messages, kept across the rerun that shows them next to their fields
    errors = st.session_state.get("whatif_errors", {}).get(str(path), [])
    with st.form("whatif"):
        form = whatif_form(scenario, errors)
        submitted = st.form_submit_button("Check and run the comparison", type="primary")
    if st.session_state.get("cancel"):
        # the click reran the page, which stopped the run at its next progress update
        st.warning("Run cancelled: no results folder was written. The replications already "
                   "finished are kept in the cache, so running again resumes from them.")
    if not submitted:
        if errors:
            show_errors(ScenarioError(errors), folder)
        return
    st.session_state.whatif_errors = {}
    name = f"{scenario.name}_whatif"
    levers = form.levers
    try:
        dotted = edits.changes(scenario, levers)
        whatif_path, _ = edits.write_whatif(path, name, dotted, folder / "whatif")
        reference = runs.reference_yaml(path, levers.time, folder / "whatif")
        if form.precision is not None:
            form.precision.check()
    except ScenarioError as error:
        st.session_state.whatif_errors = {str(path): error.problems}
        st.rerun()  # the form again, each message next to its fields, and all listed below
    bar = st.progress(0.0, text="starting")
    # Streamlit reruns the page on any click, stopping this run at its next progress update
    # (after the batch of replications running then): that is the cancel.
    st.button("Cancel the run", key="cancel")

    def progress(what: str) -> runs.Progress:
        def update(done: int, total: int) -> None:
            bar.progress(done / total, text=f"{what}{done} of {total} replications")
        return update

    run = f"run{len(list(folder.glob('results/*'))) + 1}"
    out = folder / "results" / run
    if form.precision is None:
        comparison = runs.compare(reference, whatif_path, out, progress(""))
    else:
        comparison = runs.to_precision(reference, whatif_path, form.precision, out,
                                       progress("to the precision asked: "))
        # the files say how many replications reached it, so the command line runs as many
        reached = comparison.replications
        dotted = {**dotted, "time.replications": reached}
        whatif_path, _ = edits.write_whatif(path, name, dotted, folder / "whatif")
        reference = runs.reference_yaml(path, {**levers.time, "replications": reached},
                                        folder / "whatif")
    capacity = None
    if form.capacity_needed:
        capacity = runs.capacity_needed(whatif_path, folder / "capacity" / run,
                                        progress("capacity needed, capacity unlimited: "))
    bar.progress(1.0, text="done")
    st.session_state.result = {"out": out, "whatif": whatif_path, "a": reference.stem,
                               "b": name, "changes": dotted, "capacity": capacity,
                               "sides": [comparison.a, comparison.b]}


def _show(result: dict) -> None:
    """The comparison: headline table by locality, chart, downloads."""
    out: Path = result["out"]
    comparison = pd.read_csv(out / "comparison.csv")
    st.header(f"{result['b']} minus {result['a']}")
    st.caption("Paired differences B - A over the same replications (common random numbers), "
               "with 95% intervals.")
    changes = result["changes"]
    with st.expander(f"The changes made ({len(changes)}, as in the what-if YAML)",
                     expanded=len(changes) <= SHOWN_CHANGES):
        st.code(yaml.safe_dump(changes, sort_keys=False) or "(no changes)", language="yaml")
    localities = list(dict.fromkeys(comparison["locality"]))
    locality = st.selectbox("Locality", localities, index=localities.index(ALL))
    # a plain HTML table (not the canvas grid) so every figure can be read, copied and tested
    st.table(comparison_table(comparison, locality, result["a"], result["b"])
             .style.format(precision=2, thousands=",", na_rep="-").hide(axis="index"))
    produced = [m for m in BOARD_SUMMARY if m in set(comparison["metric"])]
    metrics = st.multiselect("Charted", produced, format_func=lambda m: metric_info(m).label,
                             default=[m for m in APP_CHARTS if m in produced])
    if metrics:
        st.pyplot(headline_chart(comparison, metrics, result["a"], result["b"]))
        # "B - A" on its axes: both names do not fit beside a panel a quarter of the page wide
        weekly = weekly_chart(out, metrics)
        if weekly is not None:
            st.subheader("Week by week (whole system)")
            st.caption(f"B - A: {result['b']} minus {result['a']}, paired, 95% interval.")
            st.pyplot(weekly)
    if (out / PRECISION_CSV).is_file():
        _precision(pd.read_csv(out / PRECISION_CSV))
    _levels(str(out), result["sides"])
    if result["capacity"] is not None:
        _capacity(result["capacity"])
    st.subheader("Downloads")
    for label, name, data, mime in downloads(out, result["whatif"]):
        st.download_button(label, data, file_name=name, mime=mime, key=f"dl-{name}")


def _precision(report: pd.DataFrame) -> None:
    reps = int(report["n_reps"].max())
    reached = "reached" if report["reached"].all() else "not reached within the most allowed"
    st.subheader(f"Precision {report['target'].iloc[0]:.0%} {reached} with {reps} replications")
    st.caption("95% interval half-width relative to the mean, whole system, on each side "
               "(python -m sim run --precision's rule); the downloaded YAML has "
               f"replications: {reps}.")
    shown = report.assign(metric=report["metric"].map(lambda m: metric_info(m).label))
    st.table(shown[["scenario", "metric", "n_reps", "mean", "half_width",
                    "relative_half_width", "reached"]]
             .style.format(precision=3, thousands=",").hide(axis="index"))


@st.cache_data(show_spinner="drawing occupancy and queues of each side")
def _side_images(out: str, _sides: list[ScenarioResult]
                 ) -> tuple[list[str], list[list[bytes]], list[list[bytes]], list[str]]:
    """Names of A and B; their occupancy and weekly charts as PNGs, pair by pair; their
    winter summaries (empty when neither has a winter). Kept by ``out``, the folder of
    ``_sides`` (not hashed: the leading underscore)."""
    sides = _sides
    names = [r.scenario.name for r in sides]
    occupancy = [[levels.png(f) for f in pair]
                 for pair in zip(*(levels.occupancy_charts(r) for r in sides))]
    weekly = [[levels.png(f) for f in pair]
              for pair in zip(*(levels.weekly_charts(r) for r in sides))]
    winter = [levels.winter_text(r) for r in sides] \
        if any(levels.has_winter(r.scenario) for r in sides) else []
    return names, occupancy, weekly, winter


def _levels(out: str, sides: list[ScenarioResult]) -> None:
    """A and B side by side: daily occupancy, occupancy and queues by week, winter weeks."""
    names, occupancy, weekly, winter = _side_images(out, sides)
    st.subheader("Occupancy and queues, each side on its own")
    st.caption("Left: " + names[0] + " (A); right: " + names[1] + " (B). Daily occupancy with "
               "the 5th-95th percentile band across replications and the capacity dashed; "
               "week by week with 95% intervals, the peak week and any surge shaded; delayed "
               "discharges are the queue of patients ready to leave hospital.")
    for pair in [*occupancy, *weekly]:
        for column, image in zip(st.columns(2), pair):
            column.image(image)
    if winter:
        st.subheader("Winter weeks")
        for tab, text in zip(st.tabs([f"{n} ({side})" for n, side in zip(names, "AB")]), winter):
            tab.markdown(text)


def _capacity(folder: Path) -> None:
    """What ``python -m sim capacity`` of the what-if recommends, as its report draws it."""
    st.subheader("Capacity needed under the what-if, by service, unit and month")
    st.caption("Every team, ward and caseload made unlimited; the capacity that meets each "
               "service's criterion (docs/capacity.md), against today's.")
    for figure in levels.capacity_charts(folder):
        st.image(levels.png(figure))
    recommended = pd.read_csv(folder / "recommended_capacity.csv")
    whole = recommended[recommended["period"] == ALL].drop(columns=["period"])
    st.table(whole.reset_index(drop=True).style.format(precision=1, thousands=",", na_rep="-")
             .format(subset=["current_capacity"], precision=0, na_rep="unlimited")
             .hide(axis="index"))
    for label, name, data, mime in downloads(folder, folder / "scenario.yaml", "Capacity run's "
                                             "scenario (YAML)", ("recommended_capacity.csv",
                                                                 "capacity.csv")):
        st.download_button(f"Capacity needed: {label}", data, file_name=f"capacity_{name}",
                           mime=mime, key=f"cap-{name}")


main()
