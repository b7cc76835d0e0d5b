"""Writing a calibration's folder: the tables as CSV and one workbook, ``report.html``,
``best.yaml`` and ``manifest.json`` (docs/calibration.md lists each file)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.calibrate import tables
from sim.calibrate.history import Result
from sim.calibrate.plots import diagnostics_plot, pairs_plot
from sim.calibrate.space import CalibrationSpace
from sim.figures import FigureSet
from sim.output.plots import save
from sim.pages import Header, fixed, png_uri, render
from sim.results import FolderKind, register, resolved_yaml

KIND = register(FolderKind("calibrate", "a history matching of a scenario's calibration: ranges against a "
                                        "figures file (python -m sim calibrate)"))


@dataclass(frozen=True)
class Tables:
    """Every table of a calibration, built once for the files and the page."""

    design: pd.DataFrame
    ensemble: pd.DataFrame
    figures: pd.DataFrame
    conflicts: pd.DataFrame
    constraints: pd.DataFrame
    diagnostics: pd.DataFrame
    diagnostics_summary: pd.DataFrame
    ruled_out: pd.DataFrame
    counts: pd.DataFrame

    @classmethod
    def of(cls, result: Result, space: CalibrationSpace, figures: FigureSet) -> Tables:
        return cls(
            design=tables.design_table(result, space, figures),
            ensemble=tables.ensemble_table(result, space, figures),
            figures=tables.figures_table(result, figures),
            conflicts=tables.conflicts_table(result, figures),
            constraints=tables.constraints_table(result, space, figures),
            diagnostics=result.diagnostics[["wave", "figure", "point", "observed", "predicted",
                                            "sd", "standardised_error"]],
            diagnostics_summary=tables.diagnostics_summary(result),
            ruled_out=tables.ruled_out_table(result, figures),
            counts=pd.DataFrame(result.counts))


def summary_lines(result: Result, t: Tables) -> list[str]:
    """The outcome in a few sentences, for the terminal and the page."""
    s = result.settings
    simulated = int(t.counts["replications"].sum())
    lines = [f"{len(t.design)} design points over {s.waves} waves, {len(result.tried_unit)} "
             f"input sets simulated for the ensemble at {s.confirm_reps} fresh replications "
             "each; "
             f"{simulated} replications simulated in {result.simulate_seconds:.0f} s, "
             f"emulators fitted and used in {result.emulate_seconds:.0f} s."]
    if result.status == "ensemble":
        lines.append(f"{len(t.ensemble)} input sets confirmed not ruled out "
                     f"(asked for {s.ensemble_size}); the final emulators leave "
                     f"{100 * result.not_ruled_out_share:.2f}% of the box not ruled out, "
                     f"{100 * result.not_ruled_out_share_no_discrepancy:.2f}% with no model "
                     "discrepancy.")
    else:
        first = t.ruled_out.iloc[0]
        lines.append("Every input set is ruled out: no ensemble. The figure ruling out most "
                     f"simulated points is {first['figure']} "
                     f"({first['points_over_cutoff_pct']:.0f}% of them, "
                     f"{first['points_it_alone_rules_out_pct']:.0f}% on its own); see "
                     "ruled_out.csv.")
    return lines


def best_layer(member: pd.Series, space: CalibrationSpace, figures: FigureSet,
               folder: str) -> str:
    """The best member's values as a YAML layer (nested mapping), with where they came from."""
    layer: dict[str, Any] = {}
    for path in dict.fromkeys([*space.names, *space.point]):
        node = layer
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        value = member[path]
        node[leaf] = int(value) if isinstance(space.point[path], int) else float(value)
    head = [f"# Calibrated values: the ensemble member with the lowest largest implausibility "
            f"({member['max_implausibility']:.2f})",
            f"# of the calibration of scenario '{space.scenario.name}' against {figures.path}",
            f"# ({folder}/ensemble.csv, member {int(member['member'])}; how to redo it: "
            f"{folder}/manifest.json).",
            f"# A layer: a scenario using it says extends: [{space.scenario.name}.yaml, "
            "best.yaml]"]
    return "\n".join(head) + "\n" + yaml.safe_dump(layer, sort_keys=False)


def manifest_extra(result: Result, space: CalibrationSpace, figures: FigureSet,
                   settings: dict[str, Any]) -> dict[str, Any]:
    """What a calibration adds to its folder's manifest: status, figures and their hash, the
    design's settings and counts, and where the time went (seconds)."""
    return {"status": result.status, "figures_file": str(figures.path),
            "figures_sha256": hashlib.sha256(figures.path.read_bytes()).hexdigest(),
            "scenario_sha256": hashlib.sha256(resolved_yaml(space.scenario).encode()).hexdigest(),
            "settings": {**asdict(result.settings), **settings},
            "rule": result.targets.rule, "counts": result.counts,
            "simulate_seconds": round(result.simulate_seconds, 1),
            "emulate_seconds": round(result.emulate_seconds, 1)}


def write_files(folder: Path, name: str, t: Tables, result: Result, space: CalibrationSpace,
                figures: FigureSet, discrepancy: float) -> None:
    """A calibration's own files into ``folder`` (the atomic folder's temporary name for the
    folder called ``name``); the door (``sim.results.write_folder``) adds the manifest."""
    t.design.to_csv(folder / "design.csv", index=False)
    t.diagnostics.to_csv(folder / "emulator_diagnostics.csv", index=False)
    t.figures.to_csv(folder / "figures.csv", index=False)
    t.conflicts.to_csv(folder / "conflicts.csv", index=False)
    t.constraints.to_csv(folder / "constraints.csv", index=False)
    t.ruled_out.to_csv(folder / "ruled_out.csv", index=False)
    best = None
    if result.status == "ensemble":  # no ensemble.csv that would look like success
        t.ensemble.to_csv(folder / "ensemble.csv", index=False)
        member = tables.best_member(t.ensemble)
        (folder / "best.yaml").write_text(best_layer(member, space, figures, name),
                                          encoding="utf-8")
        best = member.to_frame("value").rename_axis("field").reset_index()
    with pd.ExcelWriter(folder / "results.xlsx", engine="openpyxl") as book:
        for name, frame in [("figures", t.figures), ("ensemble", t.ensemble),
                            ("conflicts", t.conflicts), ("constraints", t.constraints),
                            ("ruled_out", t.ruled_out), ("design", t.design),
                            ("diagnostics", t.diagnostics_summary), ("counts", t.counts)]:
            frame.to_excel(book, sheet_name=name, index=False)
    (folder / "scenario.yaml").write_text(resolved_yaml(space.scenario), encoding="utf-8")
    (folder / "figures.yaml").write_bytes(figures.path.read_bytes())
    pairs = pairs_plot(t.design, t.ensemble, list(space.names))
    diagnostics = diagnostics_plot(t.diagnostics)
    save(pairs, folder / "plots" / "pairs.png")
    save(diagnostics, folder / "plots" / "emulator_diagnostics.png")
    page = render(
        "calibration.html.j2",
        Header(f"Calibration of {space.scenario.name} against {figures.title}",
               "Calibration report", scenarios=[space.scenario.name],
               seed=result.settings.seed),
        sentences=summary_lines(result, t), rule=result.targets.rule.capitalize(),
        discrepancy=f"{100 * discrepancy:g}%", counts=t.counts,
        ruled_out=t.ruled_out if result.status != "ensemble" else None,
        figures=t.figures.drop(columns="structural_note"), conflicts=t.conflicts, best=best,
        pairs=png_uri(folder / "plots" / "pairs.png"),
        constraints=t.constraints[t.constraints["constrains"]], diagnostics=t.diagnostics_summary,
        diagnostics_plot=png_uri(folder / "plots" / "emulator_diagnostics.png"),
        fmt=fixed(",.4g"))  # figures with their decimals: 18.7 is not 19 here
    (folder / "report.html").write_text(page, encoding="utf-8")
