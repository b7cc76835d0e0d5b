"""Finished replications kept on disk, found again by the content of what produced them.

The key of a replication is a hash of everything its numbers depend on: the fully resolved
scenario (seed included; not its name, description or number of replications), the
replication number, what was computed from it, the source of
this package and the versions of the libraries that draw or count. A repeated or resumed
run therefore reuses exactly the results it would have recomputed, and a change of code,
scenario or library makes a new key instead of serving stale numbers. Entries are written to
a temporary file and renamed, so an interrupted run never leaves a truncated entry.

Each entry starts with ``MAGIC`` and the SHA-256 of the pickle that follows; an entry whose
bytes do not match (a flipped bit, a truncated copy, an entry from an older version) is
deleted and recomputed, never unpickled. The checksum finds accidents, not tampering: the
cache folder must be as trusted as the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.config.schema import Scenario

PACKAGE = Path(__file__).resolve().parent
# Libraries whose versions can change a replication's numbers.
NUMERIC_LIBRARIES = ("numpy", "simpy", "scipy", "pandas", "holidays")  # holidays: rosters
MAGIC = b"sim-cache-v1\n"
DEFAULT_CACHE = Path("results/.cache")  # where the command line and the app keep replications
DIGEST_BYTES = 32  # SHA-256


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of every source file of the package and the numeric libraries' versions."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for name in NUMERIC_LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}".encode())
    digest.update(f"python={sys.version_info[:3]}".encode())  # pickles and floats' repr
    return digest.hexdigest()


def replication_key(scenario: Scenario, replication: int, kind: str) -> str:
    """Content hash of one replication's result of ``kind`` (what was computed from it)."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode())
    digest.update(kind.encode())
    digest.update(str(replication).encode())
    digest.update(json.dumps(numbers_relevant(scenario), sort_keys=True).encode())
    return digest.hexdigest()


def numbers_relevant(scenario: Scenario) -> dict[str, Any]:
    """The scenario without the fields that cannot change one replication's numbers: its
    name, description, how many replications the whole run has and the ranges only
    ``python -m sim calibrate`` reads."""
    data = scenario.model_dump(mode="json", exclude={"name", "description", "calibration"})
    del data["time"]["replications"]
    return data


class ResultCache:
    """A folder of pickled replication results (default ``results/.cache``)."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None if there is none or it is damaged."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        payload = _checked(data)
        if payload is not None:
            try:
                return pickle.loads(payload)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                pass  # intact bytes of a class that has since moved: recompute
        path.unlink(missing_ok=True)  # damaged or unreadable: recompute rather than fail
        return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        partial.write_bytes(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(partial, path)


def _checked(data: bytes) -> bytes | None:
    """The pickle inside an entry's ``data`` if its checksum matches, else None."""
    head = len(MAGIC) + DIGEST_BYTES
    if not data.startswith(MAGIC) or len(data) < head:
        return None
    payload = data[head:]
    return payload if hashlib.sha256(payload).digest() == data[len(MAGIC):head] else None
