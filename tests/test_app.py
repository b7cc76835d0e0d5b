"""The browser app (``python -m sim app``) in a real browser: Debian's chromium driven by
Playwright against the app started on localhost on a free port, in a temporary working folder
(its results and cache stay there).

One what-if end to end: pick the baseline, shorten the run, change UCR capacity, run 2
replications, read the comparison table and the chart, download the YAML, and check that the
command line validates it and runs it to the numbers the page showed. And an invalid field:
its message in the page, nothing run. Screenshots go to test-artefacts/.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from helpers import REPO, children, wait_until
from test_report import ARTEFACTS, BROWSER_ARGS, CHROMIUM

from sim.app.launch import free_port, serve, wait_ready

pytestmark = pytest.mark.slow  # a browser and the app's server, each test a real run

RUN_BUTTON = "Check and run the comparison"
START_SECONDS = 60  # generous: two cores shared with other jobs
RUN_MS = 120_000


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """The app's server process, its address and its working folder; stopped after the
    module."""
    pytest.importorskip("streamlit")
    work = tmp_path_factory.mktemp("app")
    port = free_port()
    process = serve(port, work)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, START_SECONDS)
        yield process, url, work
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def app(server) -> tuple[str, Path]:
    """The app's address and its working folder."""
    _, url, work = server
    return url, work


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, as the report tests launch it (closed with Playwright)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with sync_api.sync_playwright() as p:
        yield p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)


def _page(chromium, url: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    page.goto(url)
    page.get_by_text("Integrated care pathway simulator").first.wait_for(timeout=RUN_MS)
    page.get_by_text("3 localities (north, central, south)").wait_for(timeout=RUN_MS)
    page.get_by_role("button", name=RUN_BUTTON).wait_for(timeout=RUN_MS)  # the page has settled
    return page


def _short_run(page, reps: int = 2) -> None:
    """Run settings for a fast test: 2 replications of 3 weeks after a 2-week warm-up."""
    for label, value in (("Replications", reps), ("Run length (days)", 21),
                         ("Warm-up (days)", 14)):
        page.get_by_label(label, exact=True).fill(str(value))


def _shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main container, not the window, so the
    window is made as tall as the container's content for the picture."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = 0
    for _ in range(8):  # images further down load once in view, which lengthens the page
        taller = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\")"
                               ".scrollHeight")
        if taller == height:
            break
        height = taller
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_load_state("networkidle")  # the images now in view have loaded
    page.screenshot(path=str(ARTEFACTS / f"app_{name}.png"), full_page=True)
    page.set_viewport_size(size)


def _table(table) -> pd.DataFrame:
    """The HTML table's text, header row as column names."""
    rows = table.evaluate("t => [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim()))")
    return pd.DataFrame(rows[1:], columns=rows[0])


def _results(work: Path) -> list[Path]:
    return sorted(work.glob("results/app/*/results/*"))


def test_whatif_runs_in_the_browser_and_from_the_command_line(app, chromium, tmp_path):
    url, work = app
    page = _page(chromium, url)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] button").click()
    page.get_by_role("option", name="baseline.yaml", exact=True).click()
    page.get_by_text("The pathway as a diagram").click()
    page.locator("[data-testid='stGraphVizChart'] svg").wait_for()
    _short_run(page)
    page.get_by_label("ucr capacity (staff)").fill("5")
    page.get_by_role("button", name=RUN_BUTTON).click()
    page.get_by_text("baseline_whatif minus baseline_reference").wait_for(timeout=RUN_MS)
    table = page.locator("[data-testid='stTable'] table").first
    table.wait_for()
    page.locator("[data-testid='stImage'] img, [data-testid='stPyplot'] img").first.wait_for()
    _shot(page, "comparison")

    shown = _table(table)
    with page.expect_download() as download:
        page.get_by_role("button", name="What-if scenario (YAML)").click()
    whatif = tmp_path / download.value.suggested_filename
    download.value.save_as(whatif)
    assert "capacity: 5" in whatif.read_text()
    _same_numbers_from_the_command_line(whatif, shown, tmp_path)
    page.close()


def test_winter_levers_precision_and_capacity_run_as_on_the_command_line(app, chromium,
                                                                         tmp_path):
    """The newer levers in one short run of the locality winter: a locality team's capacity,
    demand growth and a policy effect in one locality, the shipped flu wave and escalation
    beds switched on; run to a (loose) precision, with the capacity needed. The downloaded
    YAML holds every change and the replications reached, and the command line runs it to
    the page's numbers."""
    url, work = app
    page = _page(chromium, url)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] button").click()
    page.get_by_role("option", name="winter/locality_winter.yaml", exact=True).click()
    page.get_by_text("locality_winter: ").first.wait_for()
    page.get_by_label("ucr capacity in north (staff)").wait_for(timeout=RUN_MS)
    # the previous scenario's form stays on the page until the rerun has drawn the new one
    page.wait_for_function("() => document.querySelectorAll("
                           "'input[aria-label=\"Run length (days)\"]').length === 1",
                           timeout=RUN_MS)
    # 1 to 14 November after a week's warm-up; the flu wave (from 1 December) falls in the
    # 30 days of follow-up, which is enough for the scenario to accept it
    for label, value in (("Replications", 2), ("Run length (days)", 14), ("Warm-up (days)", 7),
                         ("Precision (0: the replications above)", 0.5),
                         ("ucr capacity in north (staff)", 3), ("Demand growth in south (%)", 5),
                         ("mdt_case_management effect in north", 0.1),
                         ("acute_escalation_beds capacity (units opened)", 10)):
        page.get_by_label(label, exact=True).fill(str(value))
    for box in ("flu surge on", "acute_escalation_beds on (acute)", "Also estimate the capacity"):
        page.get_by_text(box).click()
    page.get_by_role("button", name=RUN_BUTTON).click()
    page.get_by_text("locality_winter_whatif minus locality_winter_reference").wait_for(
        timeout=RUN_MS)
    page.get_by_text("Precision 50% reached with 3 replications").wait_for(timeout=RUN_MS)
    page.get_by_text("Winter weeks").wait_for(timeout=RUN_MS)
    page.get_by_text("Capacity needed under the what-if").wait_for(timeout=RUN_MS)
    assert page.locator("[data-testid='stImage'] img").count() >= 8  # A and B side by side
    _shot(page, "winter_levers")
    shown = _table(page.locator("[data-testid='stTable'] table").first)
    with page.expect_download() as download:
        page.get_by_role("button", name="What-if scenario (YAML)").click()
    whatif = tmp_path / download.value.suggested_filename
    download.value.save_as(whatif)
    text = whatif.read_text()
    for written in ("capacity_by_unit:", "north: 3", "rate_per_1000_per_year_by_locality:",
                    "crisis_reduction:", "surges:", "escalation:", "replications: 3"):
        assert written in text, written
    _same_numbers_from_the_command_line(whatif, shown, tmp_path)
    assert list(work.glob("results/app/*/capacity/run*/recommended_capacity.csv"))
    page.close()


def _same_numbers_from_the_command_line(whatif: Path, shown: pd.DataFrame, tmp_path: Path) -> None:
    """``python -m sim validate`` accepts the what-if and ``run`` gives the page's B column."""
    from sim.analysis.registry import metric_info

    cli = [sys.executable, "-m", "sim"]
    checked = subprocess.run([*cli, "validate", str(whatif)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "run"
    ran = subprocess.run([*cli, "run", str(whatif), "--out", str(out), "--no-cache", "--quiet",
                          "--executor", "serial"], capture_output=True, text=True, cwd=REPO)
    assert ran.returncode == 0, ran.stderr
    summary = pd.read_csv(out / "summary.csv").query("locality == 'all'").set_index("metric")
    b_column = next(c for c in shown.columns if c.endswith("(B)"))
    checked_rows = 0
    for _, row in shown.iterrows():
        metric = next(m for m in summary.index if metric_info(m).label == row["Metric"])
        assert f"{summary.loc[metric, 'mean']:,.2f}" == row[b_column], metric
        checked_rows += 1
    assert checked_rows >= 10


def test_invalid_field_shows_its_message_and_runs_nothing(app, chromium):
    url, work = app
    page = _page(chromium, url)
    before = _results(work)
    _short_run(page)
    page.get_by_label("ucr capacity (staff)").fill("-1")
    page.get_by_label("mdt_case_management effect in north", exact=True).fill("1.5")
    page.get_by_role("button", name=RUN_BUTTON).click()
    error = page.get_by_text("services.ucr.capacity: expected greater than or equal to 0")
    error.first.wait_for(timeout=RUN_MS)
    policy = page.get_by_text("policies.mdt_case_management.crisis_reduction.north: expected "
                              "less than or equal to 1, got 1.5")
    # each message next to its fields (in the service's block, under the policy's row) and
    # in the list below the form
    assert error.count() == 2 and policy.count() == 2
    _shot(page, "invalid")
    assert page.get_by_text("nothing was run").is_visible()
    assert _results(work) == before
    page.close()


def test_upload_extending_a_file_outside_the_scenarios_is_refused_in_the_page(app, chromium,
                                                                             tmp_path):
    url, _ = app
    page = _page(chromium, url)
    page.get_by_text("an uploaded file").click()
    upload = tmp_path / "outside.yaml"
    upload.write_text("extends: /etc/hostname\nname: outside\n")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(upload))
    page.get_by_text("extends: /etc/hostname is outside the shipped scenarios").wait_for(
        timeout=RUN_MS)
    _shot(page, "upload_refused")
    assert page.get_by_role("button", name=RUN_BUTTON).count() == 0
    page.close()


def test_capacity_finder_finds_the_smallest_ucr_team_for_a_target(app, chromium):
    url, work = app
    page = _page(chromium, url)
    page.get_by_role("tab", name="Capacity finder").click()
    for label, value in (("Days simulated per candidate", 21),
                         ("Warm-up before each candidate (days)", 14),
                         ("Replications per candidate", 2), ("Confirming replications", 2),
                         ("Target 1 threshold", 90)):  # 3 clinicians reach ~81% (see above)
        page.get_by_label(label, exact=True).fill(str(value))
    for i in (2, 3, 4):  # one target: UCR within 2 hours, the shipped example's first
        page.get_by_label(f"Target {i} metric").locator("..").locator("button").click()
        page.get_by_role("option", name="", exact=True).click()
    for service in ("ic_home", "ic_beds", "acute"):  # search the UCR team only
        page.get_by_text(f"Search {service}", exact=True).click()
    page.get_by_role("button", name="Find capacities").click()
    page.get_by_text("Smallest capacities meeting every target").wait_for(timeout=RUN_MS)
    page.get_by_text("Confirming run").wait_for()
    page.locator("[data-testid='stVegaLiteChart'], [data-testid='stArrowVegaLiteChart']").first.wait_for()
    _shot(page, "finder")
    solution = _table(page.locator("[data-testid='stTable'] table").first)
    assert list(solution["resource"]) == ["ucr"]
    assert 4 <= int(solution["capacity"][0]) <= 6
    assert list(work.glob("results/app/*/finder/search1/report.html"))
    page.close()


def test_a_run_can_be_cancelled_and_writes_no_folder(server, chromium):
    process, url, work = server
    page = _page(chromium, url)
    before = _results(work)
    _short_run(page, reps=12)
    page.get_by_label("Run length (days)", exact=True).fill("60")
    page.get_by_label("ucr capacity (staff)").fill("4")
    page.get_by_role("button", name=RUN_BUTTON).click()
    page.get_by_text("of 24 replications").wait_for(timeout=RUN_MS)
    page.get_by_role("button", name="Cancel the run").click()
    page.get_by_text("Run cancelled").wait_for(timeout=RUN_MS)
    _shot(page, "cancelled")
    # the batch running at the click finishes and the run's workers end; a run that went on
    # would keep them, and this wait would fail
    wait_until(lambda: not children(process.pid), "the cancelled run's workers to end",
               timeout_s=RUN_MS / 1000)
    assert _results(work) == before
    page.close()
