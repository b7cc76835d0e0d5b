"""Numbers must not change: run every shipped scenario at seed 1 with 2 replications and compare
every CSV it writes with the same run at another commit (the parent, by default).

    python benchmarks/identity.py                 # this tree against HEAD~0's parent: HEAD^
    python benchmarks/identity.py --against main  # this tree against a branch or commit
    python benchmarks/identity.py --only baseline locality

The other commit is checked out into a temporary git worktree and run there with this Python,
so both sides use the same libraries. Exit 0 when every CSV is byte-identical, 1 when any
differs (each differing file and its first differing row are printed).
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Whole scenarios (layers under scenarios/winter/layers, sweeps and targets are not runnable)
SHIPPED = ["scenarios/*.yaml", "scenarios/examples/*.yaml", "scenarios/places/*.yaml",
           "scenarios/winter/*.yaml"]
SEED = 1
REPLICATIONS = 2


def shipped_scenarios(tree: Path, only: list[str] | None = None) -> list[Path]:
    """The shipped scenario files of ``tree``, relative to it; ``only`` keeps those whose stem is named."""
    files = sorted(p.relative_to(tree) for pattern in SHIPPED for p in tree.glob(pattern))
    return [f for f in files if only is None or f.stem in only]


def run_all(tree: Path, scenarios: list[Path], out: Path) -> None:
    """Run each scenario in ``tree`` (its own ``sim`` package) into ``out/<scenario path>/``."""
    for scenario in scenarios:
        folder = out / scenario.with_suffix("")
        print(f"  {tree.name or tree}: {scenario}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "sim", "run", str(scenario), "--reps", str(REPLICATIONS),
             "--seed", str(SEED), "--out", str(folder), "--no-cache", "--quiet"],
            cwd=tree, check=True, stdout=subprocess.DEVNULL)


def first_difference(a: Path, b: Path) -> str:
    """The first differing line of two text files, for the printout."""
    with a.open() as fa, b.open() as fb:
        for number, (line_a, line_b) in enumerate(zip(fa, fb), start=1):
            if line_a != line_b:
                return f"line {number}:\n      was {line_a.strip()[:160]}\n      now {line_b.strip()[:160]}"
    return "one file is longer"


def compare(reference: Path, current: Path) -> list[str]:
    """Every CSV under either folder that is missing on one side or differs in a byte."""
    names = {p.relative_to(reference) for p in reference.rglob("*.csv")}
    names |= {p.relative_to(current) for p in current.rglob("*.csv")}
    problems = []
    for name in sorted(names):
        a, b = reference / name, current / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'this tree' if b.exists() else 'the reference'}")
        elif not filecmp.cmp(a, b, shallow=False):
            problems.append(f"{name}: differs at {first_difference(a, b)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD^", help="commit or branch to compare with (default HEAD^)")
    parser.add_argument("--only", nargs="*", help="scenario file stems to run (default all shipped)")
    args = parser.parse_args(argv)
    scenarios = shipped_scenarios(ROOT, args.only)
    with tempfile.TemporaryDirectory(prefix="identity-") as tmp:
        tmp_path = Path(tmp)
        other = tmp_path / "reference-tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            print(f"reference ({args.against}):")
            run_all(other, [s for s in scenarios if (other / s).exists()], tmp_path / "reference")
            print("this tree:")
            run_all(ROOT, scenarios, tmp_path / "current")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
        problems = compare(tmp_path / "reference", tmp_path / "current")
    count = len(list(scenarios))
    if problems:
        print(f"\n{len(problems)} CSV file(s) differ from {args.against} over {count} scenarios:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"\nevery CSV identical to {args.against} over {count} scenarios "
          f"(seed {SEED}, {REPLICATIONS} replications)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
