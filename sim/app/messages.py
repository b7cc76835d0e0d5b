"""How the page shows a scenario's (or targets file's) own error messages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.config import ScenarioError


def show_errors(error: ScenarioError, folder: Path) -> None:
    """The messages, one per problem, naming the field (and the file, without the session
    folder's path, which means nothing to the reader); says that nothing was run."""
    prefixes = (f"{folder.resolve()}/", f"{folder}/")
    lines = [message.replace(prefixes[0], "").replace(prefixes[1], "") for message in error.messages]
    st.error("Not valid; nothing was run.\n\n" + "\n".join(f"- {line}" for line in lines))
