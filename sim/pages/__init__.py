"""Every page the simulator writes, written one way.

HTML pages (``report.html``, the validation report, the fit report) are Jinja2 templates in
``sim/pages/templates/`` that extend one layout (``layout.html.j2``: head, the one style sheet
``style.css``, a header saying what the page is, with scenarios, date, version and seed where
known, and a footer). Autoescape is on: text is escaped unless it is ``Markup``. Every HTML
table is ``html_table`` (``table(frame)`` in a template), every figure in a table or sentence
is printed by ``number``, and every markdown table is ``markdown_table``.

A new page is a template and a call::

    {# sim/pages/templates/hello.html.j2 #}
    {% extends "layout.html.j2" %}
    {% import "macros.html.j2" as m %}
    {% block content %}
    <section class="page"><h2>Admissions</h2>
    {{ m.headlines(sentences) }}           {# figures kept on one line #}
    {{ table(frame) }}                     {# DataFrame -> table, numbers formatted #}
    {{ m.figure(chart, "Admissions by week") }}
    </section>
    {% endblock %}

    from sim.pages import Header, png_uri, render
    page = render("hello.html.j2", Header("Hello", "Example page", scenarios=["baseline"]),
                  sentences=["Admissions: 1,234 (95% CI 1,200 to 1,260)."], frame=frame,
                  chart=png_uri(path))  # or sim.report.charts.data_uri(figure)
    (folder / "hello.html").write_text(page, encoding="utf-8")

``Header.from_manifest(title, kind, manifest)`` fills the header from a results folder's
``manifest.json``. ``table(frame, fmt=fixed(".4f"))`` prints a table's numbers another way;
``table(frame, marks={"FAIL": "fail"})`` highlights cells (classes in ``style.css``). A
markdown page: ``markdown_table(frame)`` for each table, as ``sim.pages.winter`` writes
``winter.md``.

Templates are package data (``pyproject.toml``), so they install with the package.
"""

from __future__ import annotations

from sim.pages.layout import Header, environment, png_uri, render, sentence
from sim.pages.numbers import MONEY, fixed, number
from sim.pages.tables import html_table, markdown_table

__all__ = ["MONEY", "Header", "environment", "fixed", "html_table", "markdown_table", "number",
           "png_uri", "render", "sentence"]
