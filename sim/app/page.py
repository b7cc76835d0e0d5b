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
from sim.analysis.registry import BOARD_SUMMARY, metric_info
from sim.app import edits, runs, scenarios
from sim.app.finder_view import finder
from sim.app.messages import show_errors
from sim.app.results import comparison_table, downloads, headline_chart, weekly_chart
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError

LEVELS = ["locality", "partnership", "system"]
# charted first: what the common levers (community capacity, flow) move
CHARTED = ["emergency_admissions", "acute_occupancy_pct_mean", "delayed_discharge_bed_days",
           "ucr_within_2h_pct"]


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
    with st.form("whatif"):
        levers = _levers(scenario)
        submitted = st.form_submit_button("Check and run the comparison", type="primary")
    if st.session_state.get("cancel"):
        # the click reran the page, which stopped the run at its next progress update
        st.warning("Run cancelled: no results folder was written. The replications already "
                   "finished are kept in the cache, so running again resumes from them.")
    if not submitted:
        return
    name = f"{scenario.name}_whatif"
    try:
        dotted = edits.changes(scenario, levers)
        whatif_path, _ = edits.write_whatif(path, name, dotted, folder / "whatif")
        reference = runs.reference_yaml(path, levers.time, folder / "whatif")
    except ScenarioError as error:
        show_errors(error, folder)
        return
    bar = st.progress(0.0, text="starting")
    # Streamlit reruns the page on any click, stopping this run at its next progress update
    # (after the batch of replications running then): that is the cancel.
    st.button("Cancel the run", key="cancel")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done} of {total} replications")

    out = folder / "results" / f"run{len(list(folder.glob('results/*'))) + 1}"
    runs.compare(reference, whatif_path, out, progress)
    bar.progress(1.0, text="done")
    st.session_state.result = {"out": out, "whatif": whatif_path, "a": reference.stem,
                               "b": name, "changes": dotted}


def _levers(scenario: Scenario) -> edits.Levers:
    """The form's fields, defaulting to the scenario's own values (``edits.current``). No
    bounds are set here: the scenario's validation says what is allowed, in its own words."""
    now = edits.current(scenario)
    st.subheader("Run settings")
    c1, c2, c3, c4 = st.columns(4)
    time = {"replications": int(c1.number_input("Replications", value=now.time["replications"], step=1)),
            "run_days": float(c2.number_input("Run length (days)", value=float(now.time["run_days"]))),
            "warmup_days": float(c3.number_input("Warm-up (days)", value=float(now.time["warmup_days"]))),
            "seed": int(c4.number_input("Seed", value=now.time["seed"], step=1))}
    growth = st.number_input("Demand growth (% more referrals in every stream)", value=0.0, step=1.0)
    capacity: dict[str, int] = {}
    level: dict[str, str] = {}
    mean: dict[str, float] = {}
    routes: dict[tuple[str, str], float] = {}
    st.subheader("Services")
    for name, service in scenarios.capacitated(scenario).items():
        with st.expander(f"{name}: {service.description or service.kind}", expanded=name == "ucr"):
            c1, c2, c3 = st.columns(3)
            if name in now.capacity:
                capacity[name] = int(c1.number_input(f"{name} capacity ({_units(service.kind)})",
                                                     value=now.capacity[name], step=1))
            else:
                c1.caption(f"capacity {service.capacity or 'set per unit'}: change it in the file")
            level[name] = c2.selectbox(f"{name} level", LEVELS, index=LEVELS.index(now.level[name]))
            if name in now.mean:
                unit = getattr(service.duration, "unit", "")
                mean[name] = float(c3.number_input(f"{name} mean time in service ({unit})",
                                                   value=now.mean[name]))
            shares = {route: p for (service_name, route), p in now.routes.items() if service_name == name}
            for col, (route, share) in zip(st.columns(max(1, len(shares))), shares.items()):
                routes[(name, route)] = float(col.number_input(
                    f"{name} -> {route} share", value=share, step=0.01, format="%.4f"))
    return edits.Levers(capacity, level, mean, routes, growth / 100, time)


def _units(kind: str) -> str:
    return {"team": "staff", "ward": "beds", "caseload": "slots"}.get(kind, "units")


def _show(result: dict) -> None:
    """The comparison: headline table by locality, chart, downloads."""
    out: Path = result["out"]
    comparison = pd.read_csv(out / "comparison.csv")
    st.header(f"{result['b']} minus {result['a']}")
    st.caption("Paired differences B - A over the same replications (common random numbers), "
               "with 95% intervals.")
    st.code(yaml.safe_dump(result["changes"], sort_keys=False) or "(no changes)", language="yaml")
    localities = list(dict.fromkeys(comparison["locality"]))
    locality = st.selectbox("Locality", localities, index=localities.index(ALL))
    # a plain HTML table (not the canvas grid) so every figure can be read, copied and tested
    st.table(comparison_table(comparison, locality, result["a"], result["b"])
             .style.format(precision=2, thousands=",", na_rep="-").hide(axis="index"))
    produced = [m for m in BOARD_SUMMARY if m in set(comparison["metric"])]
    metrics = st.multiselect("Charted", produced, format_func=lambda m: metric_info(m).label,
                             default=[m for m in CHARTED if m in produced])
    if metrics:
        st.pyplot(headline_chart(comparison, metrics, result["a"], result["b"]))
        weekly = weekly_chart(out, metrics, result["a"], result["b"])
        if weekly is not None:
            st.subheader("Week by week (whole system)")
            st.pyplot(weekly)
    st.subheader("Downloads")
    for label, name, data, mime in downloads(out, result["whatif"]):
        st.download_button(label, data, file_name=name, mime=mime, key=f"dl-{name}")


main()
