"""How the page shows a scenario's (or targets file's) own error messages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.config import Scenario, ScenarioError


def show_errors(error: ScenarioError, folder: Path) -> None:
    """The messages, one per problem, naming the field (and the file, without the session
    folder's path, which means nothing to the reader); says that nothing was run."""
    prefixes = (f"{folder.resolve()}/", f"{folder}/")
    lines = [message.replace(prefixes[0], "").replace(prefixes[1], "") for message in error.messages]
    st.error("Not valid; nothing was run.\n\n" + "\n".join(f"- {line}" for line in lines))


# a scenario's top-level sections, from the schema so none is missed: a message whose path
# starts with one is about a field
SECTIONS = tuple(Scenario.model_fields)


def field_path(message: str) -> str:
    """The dotted field a message is about (``services.ucr.capacity`` in ``w.yaml:
    services.ucr.capacity: expected ...``), "" when it names none."""
    for part in message.split(": ")[:2]:
        if part.split(".")[0] in SECTIONS:
            return part
    return ""


def about(messages: list[str], prefix: str) -> list[str]:
    """The messages about ``prefix`` or a field inside it, each from its field on (no file)."""
    out = []
    for message in messages:
        path = field_path(message)
        if path and (path == prefix or path.startswith(prefix + ".")):
            out.append(message[message.index(path):])
    return out


def show_field_errors(messages: list[str], prefix: str) -> None:
    """Next to a group of fields: the messages about them."""
    for message in about(messages, prefix):
        st.error(message)
