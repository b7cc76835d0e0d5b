"""The one door to results folders (``sim.results``): every folder says its kind and format
version, older folders (format 1) still open and rebuild their board report, a new kind is
one registration, the door writes atomically, the old import paths still work with a warning,
and the app reaches folders without the command line.

Runs are the smallest that produce every file: the one-service scenario, a week, serially.
"""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from helpers import one_service_scenario

from sim import results
from sim.cli import main
from sim.compile import with_changes
from sim.precision import run_together_to_precision
from sim.report import BOARD_KINDS
from sim.report.html import REPORT
from sim.report.xlsx import WORKBOOK
from sim.runner import map_replications, run_scenario

SIM = Path(__file__).resolve().parents[1] / "sim"
SERIAL = {"executor": "serial", "progress": False}


@pytest.fixture(scope="module")
def scenario():
    return one_service_scenario(3, {"dist": "exponential", "mean": 0.5, "unit": "days"}, 4.0,
                                run_days=7, warmup_days=0, replications=2)


@pytest.fixture(scope="module")
def run_folder(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("door") / "run"
    return results.write_run(results.Run(run_scenario(scenario, **SERIAL)), out)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_every_folder_names_its_kind_and_format_version(scenario, run_folder, tmp_path):
    other = with_changes(scenario, {"services.server.capacity": 4})
    compared = results.write_compare(results.Comparison(
        run_scenario(scenario, **SERIAL), run_scenario(other, **SERIAL)), tmp_path / "cmp")
    for folder, kind in ((run_folder, "run"), (compared, "compare")):
        manifest = _manifest(folder)
        assert manifest["kind"] == kind and manifest["format_version"] == results.FORMAT_VERSION
        opened = results.open_folder(folder)
        assert (opened.kind, opened.format_version) == (kind, results.FORMAT_VERSION)
        assert (folder / REPORT).is_file() and (folder / WORKBOOK).is_file()
    assert "holidays" in _manifest(run_folder)["dependencies"]  # the cache's libraries too


def test_a_folder_without_a_format_version_opens_as_version_1_and_rebuilds(run_folder,
                                                                           tmp_path, capsys):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("summary.csv", "daily.csv", "weekly.csv", "monthly.csv", "scenario.yaml"):
        (old / name).write_bytes((run_folder / name).read_bytes())
    manifest = {k: v for k, v in _manifest(run_folder).items()
                if k not in ("kind", "format_version")}
    (old / "manifest.json").write_text(json.dumps(manifest))
    opened = results.open_folder(old)
    assert (opened.kind, opened.format_version) == ("run", 1)
    assert main(["report", str(old)]) == 0
    assert (old / REPORT).is_file() and (old / WORKBOOK).is_file()


def test_a_folder_of_a_newer_format_is_refused_with_a_message(run_folder, tmp_path, capsys):
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "summary.csv").write_bytes((run_folder / "summary.csv").read_bytes())
    (newer / "manifest.json").write_text(json.dumps({"kind": "run", "format_version": 99}))
    with pytest.raises(results.NotAResultsFolder, match="format_version.*got 99"):
        results.open_folder(newer)
    assert main(["report", str(newer)]) == 2
    assert "newer version" in capsys.readouterr().err


def test_a_new_kind_is_one_registration_and_the_door_writes_it_atomically(scenario, tmp_path,
                                                                          capsys):
    kind = results.register(results.FolderKind("door_test", "a table, for this test"))
    assert results.register(results.FolderKind("door_test", "a table, for this test")) == kind
    with pytest.raises(ValueError, match="registered twice"):
        results.register(results.FolderKind("door_test", "something else"))

    def files(folder: Path) -> None:
        pd.DataFrame({"x": [1, 2]}).to_csv(folder / "table.csv", index=False)

    out = results.write_folder(kind, tmp_path / "new", files, [scenario], 2, 0.5, "redo it")
    opened = results.open_folder(out)
    assert opened.kind == "door_test" and list(opened.table("table")["x"]) == [1, 2]
    assert opened.manifest["reproduce"] == "redo it"
    assert kind.name not in BOARD_KINDS and not (out / REPORT).exists()  # no page for it
    assert main(["report", str(out)]) == 2
    assert "a door_test folder (a table, for this test) has no board report" in \
        capsys.readouterr().err

    def failing(folder: Path) -> None:
        files(folder)
        raise RuntimeError("stopped half way")

    with pytest.raises(RuntimeError):
        results.write_folder(kind, tmp_path / "half", failing, [scenario], 2, 0.5, "redo it")
    assert not any(tmp_path.glob("*half*"))  # neither the folder nor its partial copy
    with pytest.raises(FileExistsError, match="already exists"):
        results.write_folder(kind, out, files, [scenario], 2, 0.5, "redo it")
    with pytest.raises(ValueError, match="not registered"):
        results.write_folder(results.FolderKind("unknown", "?"), tmp_path / "u", files,
                             [scenario], 2, 0.5, "redo it")


@pytest.mark.parametrize(("module", "name", "new"), [
    ("sim.output.folder", "default_folder", results.default_folder),
    ("sim.output.folder", "COMPARE_SIDES", results.COMPARE_SIDES),
    ("sim.output.folder", "write_winter_outputs", results.write_winter_outputs),
    ("sim.report.folder", "ResultsFolder", results.ResultsFolder),
    ("sim.report.folder", "NotAResultsFolder", results.NotAResultsFolder),
    ("sim.precision", "PRECISION_CSV", results.PRECISION_CSV),
    ("sim.cli", "geography_warnings", results.geography_warnings),
])
def test_old_import_paths_still_work_with_a_deprecation_warning(module, name, new):
    imported = __import__(module, fromlist=[name])
    with pytest.warns(DeprecationWarning, match=f"sim.results.*{name}|{name}.*sim.results"):
        assert getattr(imported, name) is new


def test_the_old_manifest_keeps_its_signature_and_names_no_kind(scenario, run_folder,
                                                               tmp_path):
    from sim.output import folder

    with pytest.warns(DeprecationWarning, match="sim.results.write_folder"):
        manifest = folder.manifest([scenario], 2, 1.0, "redo it", {"extra": 1})
    assert manifest["format_version"] == results.FORMAT_VERSION and "kind" not in manifest
    assert (manifest["replications"], manifest["extra"]) == (2, 1)
    (tmp_path / "summary.csv").write_bytes((run_folder / "summary.csv").read_bytes())
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert results.open_folder(tmp_path).kind == "run"  # told by its files, as in format 1


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (type-only ones included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "sim":
                found.update(f"sim.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "never"), [
    ("app", ("sim.cli",)),  # the app reaches folders through the door, never the CLI
    ("results", ("sim.cli", "sim.app", "sim.report", "sim.capacity", "sim.fit")),
    ("capacity", ("sim.report", "sim.cli")),  # report -> capacity only: no circle
])
def test_imports_run_one_way(package, never):
    wrong = [f"{path.relative_to(SIM)} imports {module}"
             for path in sorted((SIM / package).glob("*.py")) for module in _imports(path)
             if any(module == name or module.startswith(f"{name}.") for name in never)]
    assert wrong == []


def _replication_number(scenario, replication):  # module level: what map_replications needs
    return replication


def test_progress_is_told_after_each_replication_cached_ones_first(scenario, tmp_path):
    from sim.cache import ResultCache

    cache = ResultCache(tmp_path / "cache")
    seen: list[tuple[int, int]] = []
    tasks = [(scenario, r) for r in range(3)]
    map_replications(_replication_number, tasks[:1], "serial", cache=cache, progress=False)
    assert map_replications(_replication_number, tasks, "serial", cache=cache,
                            progress=lambda *call: seen.append(call)) == [0, 1, 2]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_one_precision_loop_keeps_equal_scenarios_apart_and_paired(scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing deprecated on the way
        (a, b), report = run_together_to_precision([scenario, scenario], ["arrivals:server"], 0.5, 4,
                                                   **SERIAL)
    assert len(a.replications) == len(b.replications) == a.scenario.time.replications
    assert a.metrics.equals(b.metrics)  # the same scenario, the same seeds: the same numbers
    assert list(report["scenario"]) == [scenario.name] * 2
