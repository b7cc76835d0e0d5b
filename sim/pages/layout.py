"""The page every HTML output shares: its header (title, what it is, scenarios, date,
version, seed), the style sheet and the footer, and the Jinja2 environment that renders
the templates in ``sim/pages/templates/``."""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
from markupsafe import Markup, escape

from sim.pages.numbers import fixed, number
from sim.pages.tables import html_table

NUMBER = re.compile(r"[-+]?£?\d[\d,.]*%?")


@dataclass(frozen=True)
class Header:
    """What the top of a page says. Empty fields are left out."""

    title: str
    kind: str  # what the page is: "Board summary", "Validation report", "Fit report"
    scenarios: Sequence[str] = ()
    created: str = ""  # ISO date and time the results were made
    version: str = ""  # the package's version
    commit: str = ""  # git commit of the code that made the results
    seed: int | str | None = None

    @classmethod
    def from_manifest(cls, title: str, kind: str, manifest: Mapping[str, Any]) -> Header:
        """The header of a results folder's page, from its ``manifest.json``."""
        return cls(title, kind, tuple(manifest.get("scenarios") or ()),
                   str(manifest.get("created") or ""), str(manifest.get("package_version") or ""),
                   str(manifest.get("git_commit") or ""), manifest.get("seed"))

    @property
    def facts(self) -> list[str]:
        """The subtitle's parts, in order."""
        parts = [self.kind, "integrated care pathway simulation"]
        if self.scenarios:
            parts.append(" vs ".join(self.scenarios))
        if self.created:
            parts.append(self.created)
        if self.version:
            parts.append(f"version {self.version}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return parts


def sentence(text: str) -> Markup:
    """A sentence as HTML, its figures never split across lines (``-£235,488``)."""
    return Markup(NUMBER.sub(lambda m: f'<span class="num">{m.group(0)}</span>',
                             str(escape(text))))


def png_uri(path: Path) -> str:
    """A PNG file as an inline ``data:image/png;base64`` URI (the page needs no other file)."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.cache
def environment() -> jinja2.Environment:
    """The templates of ``sim/pages/templates/``, autoescaped, with the helpers every page
    uses: ``table`` (a frame as a table) and ``fixed`` (a number format for it), ``sentence``
    and ``number`` (filters)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.pages", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["table"] = html_table
    env.globals["fixed"] = fixed
    env.filters["sentence"] = sentence
    env.filters["number"] = number
    return env


def render(template: str, header: Header, **context: Any) -> str:
    """The page ``template`` (a file of ``sim/pages/templates/`` extending ``layout.html.j2``)
    rendered with ``header`` and ``context``."""
    return environment().get_template(template).render(header=header, **context)
