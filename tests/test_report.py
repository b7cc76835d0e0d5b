"""The board outputs of every command: ``results.xlsx`` read back and matched to the CSVs,
``report.html`` opened in a real headless browser (Debian's chromium, driven by Playwright),
``python -m sim report`` rebuilding both, and one recommended capacity per service.

The runs are short (3 weeks, 3 replications) and nothing pins today's figures: the checks
are structure, bounds, and agreement between the files.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import REPO, SCENARIOS, assert_clean, sim
from openpyxl import load_workbook

from sim.analysis.metrics import ALL
from sim.analysis.registry import BOARD_COSTS, BOARD_SUMMARY, metric_info
from sim.capacity.recommend import recommended_capacity
from sim.cli import main
from sim.report.html import REPORT
from sim.report.narrative import number
from sim.report.xlsx import WORKBOOK

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
# screenshots of page one, kept after the run for a person to look at
ARTEFACTS = Path(os.environ.get("REPORT_ARTEFACTS", REPO / "test-artefacts"))
COMMON = ["--executor", "serial", "--no-cache", "--quiet"]


def _short(tmp: Path, source: Path, name: str, days: int = 21) -> Path:
    """A scenario file extending ``source`` with a short run (no warm-up change for a
    census start)."""
    path = tmp / f"{name}.yaml"
    path.write_text(f"extends: {source}\nname: {name}\n"
                    f"time: {{run_days: {days}, warmup_days: 14, replications: 3}}\n")
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One results folder per command: run, compare, winter compare, capacity, sweep,
    warmup."""
    tmp = tmp_path_factory.mktemp("board")
    base = _short(tmp, SCENARIOS / "baseline.yaml", "base")
    loc = _short(tmp, SCENARIOS / "locality.yaml", "loc")
    winter = _short(tmp, SCENARIOS / "winter" / "baseline_winter.yaml", "winter", 42)
    flu = _short(tmp, SCENARIOS / "winter" / "flu_wave.yaml", "flu", 42)
    out = {name: tmp / name for name in ("run", "compare", "winter", "capacity", "sweep",
                                         "warmup")}
    assert main(["run", str(flu), "--out", str(out["run"]), *COMMON]) == 0
    assert main(["compare", str(base), str(loc), "--out", str(out["compare"]), *COMMON]) == 0
    assert main(["compare", str(winter), str(flu), "--out", str(out["winter"]), *COMMON]) == 0
    assert main(["capacity", str(loc), "--services", "acute", "ucr", "ic_home",
                 "--out", str(out["capacity"]), *COMMON]) == 0
    assert main(["sweep", str(base), "--vary", "services.ucr.capacity=2,3,4", "--reps", "3",
                 "--out", str(out["sweep"]), *COMMON]) == 0
    assert main(["warmup", str(base), "--days", "60", "--reps", "2", "--out", str(out["warmup"]),
                 *COMMON]) == 0
    return out


# --- results.xlsx --------------------------------------------------------------------------

def _sheets(folder: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(folder / WORKBOOK, sheet_name=None)


def _close(a: pd.Series, b: pd.Series) -> bool:
    return bool(np.allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12,
                            atol=1e-12, equal_nan=True))


@pytest.mark.slow
def test_run_workbook_matches_summary_and_weekly_csvs(folders):
    folder = folders["run"]
    sheets = _sheets(folder)
    summary = pd.read_csv(folder / "summary.csv")
    wide = sheets["Summary by locality"].set_index("metric")
    assert set(wide.index) == set(summary["metric"])
    for stat, column in (("mean", "mean"), ("ci_low", "95% low"), ("ci_high", "95% high")):
        for locality, rows in summary.groupby("locality"):
            rows = rows.set_index("metric")
            assert _close(wide.loc[rows.index, f"{locality}: {column}"], rows[stat]), \
                (stat, locality)
    assert (wide["Unit"].notna()).all()
    assert wide.loc["emergency_admissions", "Metric"] == "Emergency admissions"
    weekly = pd.read_csv(folder / "weekly.csv")
    sheet = sheets["Week by week"]
    admissions = weekly[(weekly["metric"] == "emergency_admissions")
                        & (weekly["locality"] == ALL)]
    assert list(sheet["Period"]) == list(admissions["period"])
    assert _close(sheet["Emergency admissions (admissions): mean"], admissions["mean"])
    assert {"About", "Assumptions", "Month by month"} <= set(sheets)


@pytest.mark.slow
def test_compare_workbook_matches_comparison_csv(folders):
    folder = folders["compare"]
    sheets = _sheets(folder)
    comparison = pd.read_csv(folder / "comparison.csv")
    sheet = sheets["Comparison"]
    assert len(sheet) == len(comparison)
    assert list(sheet["metric"]) == list(comparison["metric"])
    assert list(sheet["Locality"]) == list(comparison["locality"])
    assert _close(sheet["B - A"], comparison["diff_mean"])
    assert _close(sheet["B - A: 95% low"], comparison["diff_ci_low"])
    assert _close(sheet["base (A)"], comparison["a_mean"])
    assert {"Summary A (base)", "Summary B (loc)"} <= set(sheets)


@pytest.mark.slow
def test_winter_compare_workbook_has_the_week_by_week_differences(folders):
    folder = folders["winter"]
    weekly = pd.read_csv(folder / "weekly_comparison.csv")
    sheet = _sheets(folder)["Week by week B - A"]
    rows = weekly[(weekly["metric"] == "acute_occupancy_mean") & (weekly["locality"] == ALL)]
    assert list(sheet["Period"]) == list(rows["period"])
    assert _close(sheet["Acute beds occupied (mean) (beds): mean"], rows["diff_mean"])


@pytest.mark.slow
def test_capacity_workbook_matches_capacity_csv(folders):
    folder = folders["capacity"]
    sheets = _sheets(folder)
    capacity = pd.read_csv(folder / "capacity.csv")
    sheet = sheets["Capacity by month"]
    months = sorted(p for p in capacity["period"].unique() if p != ALL)
    assert list(sheet.columns[-len(months):]) == months and "Whole period" in sheet
    for row in sheet.to_dict("records"):
        chosen = capacity[(capacity["service"] == row["service"])
                          & (capacity["locality"] == row["Unit"])
                          & (capacity["criterion"] == row["Criterion"])].set_index("period")
        assert row["Whole period"] == chosen.loc[ALL, "capacity"]
        assert [row[m] for m in months] == list(chosen.loc[months, "capacity"])
    recommended = pd.read_csv(folder / "recommended_capacity.csv")
    assert _close(sheets["Recommended capacity"]["recommended"], recommended["recommended"])


@pytest.mark.slow
def test_sweep_workbook_matches_sweep_csv(folders):
    folder = folders["sweep"]
    sweep = pd.read_csv(folder / "sweep.csv")
    sheet = _sheets(folder)["Sweep"]
    assert list(sheet["services.ucr.capacity"]) == [2, 3, 4]
    rows = sweep[(sweep["metric"] == "ucr_within_target_pct") & (sweep["locality"] == ALL)]
    assert _close(sheet["UCR reached within the response target (% of referrals): mean"], rows["mean"])


@pytest.mark.slow
def test_workbook_headers_are_frozen_bold_and_carry_units(folders):
    book = load_workbook(folders["compare"] / WORKBOOK)
    sheet = book["Comparison"]
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.bold and sheet["A1"].value == "Metric"
    assert [c.value for c in sheet[1]][:2] == ["Metric", "Unit"]
    summary = book["Summary A (base)"]
    header = [c.value for c in summary[1]]
    assert "all: 95% low" in header
    column = header.index("all: mean") + 1
    formats = {summary.cell(row=r, column=column).number_format for r in range(2, 10)}
    assert formats <= {"#,##0", "#,##0.0", "0.00"}


# --- report.html in a real browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


def _open(browser, folder: Path, name: str):
    """The report loaded in a fresh page; fails on any request off the file system, any
    console error or any image that did not load; saves page one as an artefact."""
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((folder / REPORT).as_uri())
    page.wait_for_load_state("load")
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert not errors, errors
    images = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.src.slice(0, 21)])")
    assert images, "no images"
    assert all(done and width > 0 and src == "data:image/png;base64" for done, width, src
               in images), images
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"report_{name}_page1.png"))
    return page


@pytest.mark.slow
def test_compare_report_renders_with_the_headline_differences(browser, folders):
    folder = folders["compare"]
    page = _open(browser, folder, "compare")
    text = page.inner_text("body")
    comparison = pd.read_csv(folder / "comparison.csv")
    everyone = comparison[comparison["locality"] == ALL].set_index("metric")
    board = page.inner_text("section.board")  # page one
    shown = [m for m in BOARD_SUMMARY + BOARD_COSTS if m in everyone.index]
    assert "cost_total" in shown and "emergency_admissions" in shown
    for metric in shown:
        row = everyone.loc[metric]
        assert metric_info(metric).label in board
        unit = "" if metric_info(metric).unit.startswith("%") else metric_info(metric).unit
        for value in (row["diff_ci_low"], row["diff_ci_high"]):
            assert number(value, unit) in board, (metric, number(value, unit))
    assert "Differences by locality" in text and "How to reproduce" in text
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 3  # sections start new pages
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["run", "winter", "capacity", "sweep", "warmup"])
def test_every_report_renders_in_the_browser(browser, folders, name):
    page = _open(browser, folders[name], name)
    board = page.inner_text("section.board")
    assert "The question." in board
    if name == "capacity":
        recommended = pd.read_csv(folders[name] / "recommended_capacity.csv")
        acute = recommended[(recommended["service"] == "acute")
                            & (recommended["period"] == ALL)].iloc[0]
        assert f"Acute: {acute['recommended']}" in board
    if name == "run":
        summary = pd.read_csv(folders[name] / "summary.csv").set_index(["metric", "locality"])
        mean = summary.loc[("emergency_admissions", ALL), "mean"]
        assert number(mean) in board
    page.close()


# --- python -m sim report ------------------------------------------------------------------

@pytest.mark.slow
def test_report_command_rebuilds_both_files(folders, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folders["compare"], copy)
    (copy / REPORT).unlink()
    (copy / WORKBOOK).unlink()
    result = sim("report", copy)
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert (copy / REPORT).stat().st_size > 10_000 and (copy / WORKBOOK).exists()
    assert (copy / REPORT).read_text() == (folders["compare"] / REPORT).read_text()


def test_report_command_refuses_a_folder_that_is_not_results(tmp_path):
    result = sim("report", tmp_path)
    assert result.returncode == 2
    assert str(tmp_path) in result.stderr and "comparison.csv" in result.stderr


# --- one recommended capacity per service --------------------------------------------------

def _criteria(service: str, queue: int, occupancy: int) -> list[dict]:
    return [{"service": service, "locality": ALL, "period": ALL, "days": 365.0,
             "criterion": c, "target_pct": t, "capacity": n, "occupancy_mean": 80.0,
             "current_capacity": 90.0}
            for c, t, n in (("all_busy", 5, queue - 10), ("all_busy_queue", 5, queue),
                            ("mean_occupancy", 85, occupancy), ("percentile", 95, 200))]


def test_the_recommendation_meets_both_rules_and_names_the_binding_one():
    table = pd.DataFrame(_criteria("ward", 97, 95) + _criteria("team", 4, 6))
    out = recommended_capacity(table).set_index("service")
    assert out.loc["ward", "recommended"] == 97 and out.loc["ward", "criterion"] == "all_busy_queue"
    assert out.loc["team", "recommended"] == 6 and out.loc["team", "criterion"] == "mean_occupancy"
    assert "needs only 4" in out.loc["team", "reason"]
    assert out.loc["ward", "change"] == 7


@pytest.mark.slow
def test_capacity_console_states_the_recommendation(folders, capsys, tmp_path):
    loc = _short(tmp_path, SCENARIOS / "locality.yaml", "loc")
    assert main(["capacity", str(loc), "--services", "ucr", "--out", str(tmp_path / "c"),
                 *COMMON]) == 0
    printed = capsys.readouterr().out
    recommended = pd.read_csv(tmp_path / "c" / "recommended_capacity.csv")
    whole = recommended[(recommended["period"] == ALL) & (recommended["locality"] == ALL)]
    assert f"ucr all: {whole['recommended'].iloc[0]}" in printed
    assert "binds" in printed
    assert not math.isnan(whole["current_capacity"].iloc[0])
