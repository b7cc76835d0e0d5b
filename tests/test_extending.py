"""docs/extending.md's worked examples run: each fenced python block whose opening line carries
``title="..."`` is executed, in the page's order and in one namespace (as a reader pasting them
into one session would), in a scratch folder that links to the shipped ``scenarios/``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

PAGE = REPO / "docs" / "extending.md"
# ```python title="metric" ... ```: the title, and the code up to the closing fence
BLOCK = re.compile(r'^```python title="([^"]+)"\n(.*?)^```$', re.MULTILINE | re.DOTALL)


def titled_blocks(text: str) -> list[tuple[str, str]]:
    """(title, code) of each titled python block of a markdown page, in order."""
    return BLOCK.findall(text)


def test_the_blocks_are_found_with_their_titles():
    text = 'a\n```python title="one"\nx = 1\n```\n```python\nuntitled()\n```\n' \
           '```python title="two"\ny = x\n```\n'
    assert titled_blocks(text) == [("one", "x = 1\n"), ("two", "y = x\n")]


def test_the_page_has_an_example_of_each_extension():
    titles = [title for title, _ in titled_blocks(PAGE.read_text())]
    assert titles[0] == "setup"
    assert {"metric", "output-format", "command", "decision"} <= set(titles)
    assert len(titles) == len(set(titles)), "two examples with the same title"


def test_the_worked_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "extending_examples"}
    for title, code in titled_blocks(PAGE.read_text()):
        try:
            exec(compile(code, f"{PAGE.name}[{title}]", "exec"), namespace)  # noqa: S102
        except Exception as error:
            raise AssertionError(f"docs/extending.md, example '{title}' failed") from error
    assert (tmp_path / "results_example" / "headline.md").is_file()


@pytest.mark.slow  # about 1 s with mypy's cache of sim/ (.ci/run runs mypy first), 25 s without
def test_the_worked_examples_type_check(tmp_path: Path) -> None:
    """The page says the package's type hints hold for extensions: its examples pass mypy,
    with the project's settings."""
    pytest.importorskip("mypy")
    examples = tmp_path / "extending_examples.py"
    examples.write_text("\n".join(code for _, code in titled_blocks(PAGE.read_text())))
    checked = subprocess.run([sys.executable, "-m", "mypy", "--config-file",
                              str(REPO / "pyproject.toml"), str(examples)],
                             cwd=REPO, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
