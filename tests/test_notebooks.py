"""Every notebook in notebooks/ runs from top to bottom without an error.

Each notebook runs in a fresh ``python3`` kernel with its working directory set to
notebooks/, as when it is opened in Jupyter there.

The kernel must be this interpreter (the one running pytest, with the package installed),
whatever else is on the machine. A fresh virtual environment with ipykernel installed already
resolves ``python3`` to itself (ipykernel ships a kernelspec in ``<venv>/share/jupyter`` whose
command is ``python``, which jupyter_client replaces with ``sys.executable``), but a user-level
or system kernelspec named ``python3`` can shadow it, e.g. when the venv is not owned by the
user. So the tests write their own ``python3`` kernelspec pointing at ``sys.executable`` into
a temporary folder and put that folder first on ``JUPYTER_PATH``: no
``ipykernel install`` step is needed and nothing outside the temporary folder is touched.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"
TIMEOUT = 600  # seconds per cell


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def this_python_kernel(tmp_path_factory: pytest.TempPathFactory):
    """Make the kernelspec ``python3`` launch this interpreter for the module's tests."""
    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(str(root / "kernels" / KERNEL))
    patch = pytest.MonkeyPatch()
    existing = os.environ.get("JUPYTER_PATH")
    patch.setenv("JUPYTER_PATH", os.pathsep.join([str(root), *([existing] if existing else [])]))
    yield
    patch.undo()


def run(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    client = NotebookClient(notebook, kernel_name=KERNEL, timeout=TIMEOUT,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    return client.execute()


def test_kernel_is_this_interpreter(this_python_kernel: None) -> None:
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert spec.argv[0] == sys.executable
    cell = nbformat.v4.new_code_cell("import os, sys; print(sys.prefix); print(os.getcwd())")
    executed = run(nbformat.v4.new_notebook(cells=[cell]))
    prefix, cwd = executed.cells[0].outputs[0]["text"].splitlines()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert Path(cwd).resolve() == NOTEBOOKS


@pytest.mark.slow
@pytest.mark.parametrize("path", notebooks(), ids=lambda path: path.name)
def test_notebook_runs(path: Path, this_python_kernel: None) -> None:
    notebook = nbformat.read(path, as_version=4)
    try:
        run(notebook)
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell raised an error\n{error}", pytrace=False)


@pytest.mark.parametrize("path", notebooks(), ids=lambda path: path.name)
def test_notebook_saved_without_outputs(path: Path) -> None:
    """Notebooks are kept with outputs cleared, so that diffs show only real changes."""
    notebook = nbformat.read(path, as_version=4)
    with_outputs = [i for i, cell in enumerate(notebook.cells)
                    if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not with_outputs, f"{path.name}: clear the outputs of cells {with_outputs}"


@pytest.mark.parametrize("script", sorted(NOTEBOOKS.glob("make_*.py")), ids=lambda path: path.name)
def test_notebook_is_what_its_make_script_writes(script: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each notebook is generated from the make_*.py beside it: an edit made to the notebook
    alone, or a script changed without regenerating, shows here."""
    monkeypatch.syspath_prepend(str(NOTEBOOKS))  # the scripts import notebook_builder
    spec = importlib.util.spec_from_file_location(script.stem, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from notebook_builder import build

    expected = nbformat.writes(build(module.CELLS)) + "\n"  # nbformat.write adds the newline
    assert module.TARGET.read_text() == expected, (
        f"{module.TARGET.name} differs from {script.name}: run python notebooks/{script.name}")
