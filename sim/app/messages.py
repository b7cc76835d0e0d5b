"""How the page shows a scenario's (or targets file's) own problems: each a record (file,
field path, message, ``sim.config.problems.InputProblem``) placed beside its field."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.config import ScenarioError
from sim.config.problems import InputProblem


def shown(problem: InputProblem, folder: Path) -> str:
    """The problem's line, files named without the session folder's path (which means
    nothing to the reader), in its file and in its message ("file not found: ...")."""
    file, message = problem.file, problem.message
    for prefix in (f"{folder.resolve()}/", f"{folder}/"):
        file, message = file.removeprefix(prefix), message.replace(prefix, "")
    return str(InputProblem(file, problem.path, message))


def show_errors(error: ScenarioError, folder: Path) -> None:
    """The messages, one per problem, naming the field and the file; says that nothing was
    run."""
    lines = [shown(problem, folder) for problem in error.problems]
    st.error("Not valid; nothing was run.\n\n" + "\n".join(f"- {line}" for line in lines))


def about(problems: list[InputProblem], prefix: str) -> list[str]:
    """The problems about the field ``prefix`` or a field inside it, each from its field on
    (no file)."""
    return [f"{p.field}: {p.message}" for p in problems if p.about(prefix)]


def show_field_errors(problems: list[InputProblem], prefix: str) -> None:
    """Next to a group of fields: the problems about them."""
    for message in about(problems, prefix):
        st.error(message)
