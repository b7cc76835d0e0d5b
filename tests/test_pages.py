"""``sim.pages``: the one layout, table renderer and markdown table writer every page uses."""

from __future__ import annotations

import textwrap
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import jinja2
import pandas as pd

import sim.pages
from sim.pages import Header, environment, fixed, html_table, markdown_table, number, png_uri

TEMPLATES = Path(sim.pages.__file__).parent / "templates"
FRAME = pd.DataFrame({"metric": ["a <b>", "c|d"], "mean": [1234.5678, float("nan")],
                      "n": [3, 12000], "result": ["pass", "FAIL"]})


def test_a_table_formats_numbers_escapes_text_and_marks_cells() -> None:
    page = html_table(FRAME, marks={"FAIL": "fail"})
    assert "<th>metric</th>" in page and "<td>a &lt;b&gt;</td>" in page
    assert f'<td class="num">{number(1234.5678)}</td>' in page and number(1234.5678) == "1,235"
    assert '<td class="num"></td>' in page  # NaN
    assert '<td class="num">12,000</td>' in page
    assert '<td class="fail">FAIL</td>' in page and "<td>pass</td>" in page
    fitted = html_table(FRAME, fmt=fixed(".4f"))
    assert '<td class="num">1234.5678</td>' in fitted and '<td class="num">12000</td>' in fitted


def test_a_markdown_table_has_one_line_per_row_and_escapes_bars() -> None:
    assert markdown_table(FRAME).splitlines() == [
        "| metric | mean | n | result |",
        "| --- | --- | --- | --- |",
        "| a <b> | 1234.5678 | 3 | pass |",
        "| c\\|d |  | 12000 | FAIL |"]


def test_the_layout_escapes_text_and_states_what_is_known() -> None:
    header = Header("Title <script>", "Example page", scenarios=("base", "loc"),
                    created="2026-12-06T02:00:00", version="0.1.0", seed=7)
    page = environment().from_string(
        '{% extends "layout.html.j2" %}{% import "macros.html.j2" as m %}{% block content %}'
        "{{ m.headlines(sentences) }}{{ table(frame) }}{{ m.figure(chart, 'A chart') }}"
        "{% endblock %}").render(header=header, frame=FRAME, chart="data:image/png;base64,AA",
                                 sentences=["Cost: -£235,488 <more>."])
    assert "<script>" not in page and "Title &lt;script&gt;" in page
    assert "Example page · integrated care pathway simulation · base vs loc · " \
           "2026-12-06T02:00:00 · version 0.1.0 · seed 7" in page
    assert '<span class="num">-£235,488</span> &lt;more&gt;.' in page
    assert '<img src="data:image/png;base64,AA" alt="A chart">' in page
    assert page.count("<table>") == 1 and "td.num" in page  # style sheet inlined


def test_a_header_from_a_manifest_leaves_out_what_is_unknown() -> None:
    header = Header.from_manifest("T", "Board summary", {"scenarios": ["base"], "seed": 1})
    assert header.facts == ["Board summary", "integrated care pathway simulation", "base",
                            "seed 1"]


def test_every_template_is_package_data() -> None:
    config = tomllib.loads((Path(sim.pages.__file__).parents[2] / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["sim.pages"]
    for path in TEMPLATES.rglob("*"):
        name = str(path.relative_to(TEMPLATES.parent))
        assert any(fnmatch(name, p) for p in patterns), name


def test_every_template_compiles() -> None:
    for path in TEMPLATES.glob("*.j2"):
        environment().get_template(path.name)



def test_the_example_of_the_package_docstring_renders(tmp_path: Path) -> None:
    """The 10-line example in ``sim/pages/__init__.py`` is a working page."""
    doc = sim.pages.__doc__ or ""
    template = textwrap.dedent(doc[doc.index("    {# sim/pages"):doc.index("    from sim.pages")])
    code = textwrap.dedent(doc[doc.index("    from sim.pages"):doc.index("``Header.from_manifest")])
    path = tmp_path / "chart.png"
    path.write_bytes(b"\x89PNG")
    # the template as if it were in sim/pages/templates/, beside the layout
    pages = environment().overlay(loader=jinja2.ChoiceLoader([
        jinja2.DictLoader({"hello.html.j2": template}), environment().loader]))

    def render(name: str, header: Header, **context: object) -> str:
        return pages.get_template(name).render(header=header, **context)

    imports = "from sim.pages import Header, png_uri, render\n"
    assert code.startswith(imports)
    exec(code.removeprefix(imports), {"Header": Header, "png_uri": png_uri, "render": render,
                                      "frame": FRAME, "path": path, "folder": tmp_path})
    page = (tmp_path / "hello.html").read_text()
    assert "<h2>Admissions</h2>" in page and '<span class="num">1,234</span>' in page
    assert page.count("<table>") == 1 and 'alt="Admissions by week"' in page
