"""Names from a scenario made safe to use as file and folder names.

A scenario's ``name`` and its service names are chosen by whoever wrote the file; used as
they are in a path, ``../../x`` or ``/etc/x`` would put results outside the results folder.
Every name that becomes part of a path goes through ``slug`` first.
"""

from __future__ import annotations

import re

MAX_SLUG_CHARS = 100  # well under the 255 bytes most file systems allow for one name
_UNSAFE = re.compile(r"(?:[^\w.-]|\.{2,})+")  # \w: letters and digits of any script


def slug(name: str, fallback: str = "unnamed") -> str:
    """``name`` with anything but letters, digits, ``_``, ``-`` and single dots replaced by ``_``,
    no leading dots (so never ``..`` or a hidden file), and at most ``MAX_SLUG_CHARS``.

    ``baseline`` stays ``baseline``; ``../../x`` becomes ``x``; ``/etc/x`` becomes
    ``etc_x``; a name with nothing usable left becomes ``fallback``.
    """
    safe = _UNSAFE.sub("_", name).strip("_").lstrip(".")[:MAX_SLUG_CHARS].strip("_")
    return safe or fallback

