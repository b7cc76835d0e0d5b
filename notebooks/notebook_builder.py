"""Build a notebook with no outputs from a list of (kind, source) cells.

The make_*.py scripts beside this file hold each notebook's cells; edit them rather than the
notebook in Jupyter, then run the script from the repository root, so saved notebooks stay
free of outputs and their diffs stay readable. Cell ids are fixed, so regenerating an
unchanged notebook gives an identical file.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

Cells = list[tuple[str, str]]  # ("md" | "code", source)


def build(cells: Cells) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=[])
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"cell-{i:02d}"
        notebook.cells.append(cell)
    notebook["metadata"] = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def write(cells: Cells, target: Path) -> None:
    nbformat.write(build(cells), target)
    print(f"wrote {target}")
