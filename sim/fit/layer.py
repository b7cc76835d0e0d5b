"""Writing a scenario layer in YAML with a comment beside every fitted value.

PyYAML drops comments, so the layer is written here: mappings in block style, each leaf
value in flow style (``{dist: lognormal, mean: 8.2, sd: 9.1, unit: days}``), and a value
wrapped in ``Commented`` followed by ``  # its comment`` (a mapping's comment goes on the
line above it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml


@dataclass(frozen=True)
class Commented:
    value: Any
    comment: str


def plain(value: Any) -> Any:
    """``value`` with every ``Commented`` unwrapped (what the scenario loader will read)."""
    if isinstance(value, Commented):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def dump(data: dict[str, Any], header: str = "") -> str:
    """YAML text of ``data`` (mappings nest; ``Commented`` adds comments); ``header`` lines
    are written first as comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _mapping(data, 0, lines)
    return "\n".join(lines) + "\n"


def _mapping(data: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        comment = ""
        if isinstance(value, Commented):
            value, comment = value.value, value.comment
        name = _flow(key)
        if isinstance(value, dict) and value and _nested(value):
            if comment:
                lines.append(f"{pad}# {comment}")
            lines.append(f"{pad}{name}:")
            _mapping(value, indent + 2, lines)
        else:
            text = f"{pad}{name}: {_flow(plain(value))}"
            lines.append(f"{text}  # {comment}" if comment else text)


def _nested(value: dict[str, Any]) -> bool:
    """Whether a mapping is written in block style: it holds mappings or comments."""
    return any(isinstance(v, (dict, Commented)) for v in value.values())


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip() \
        .removesuffix("\n...").strip()
