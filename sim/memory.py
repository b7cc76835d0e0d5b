"""The memory a run's results will need, estimated before the first replication, so that an
impossible request (``--reps 1000000000``) is refused with the estimate instead of being
discovered gigabytes later."""

from __future__ import annotations

import math
import os

from sim.config import ScenarioError
from sim.config.schema import MAX_REPLICATIONS, Scenario

# The daily table dominates a replication's results: one row per service, locality and day
# of results, about 110 bytes each in pandas (measured on baseline.yaml: 13,140 rows, 1.4 MB
# of 1.6 MB); the rest (metrics, weeks, months) is taken as a fixed 0.2 MB.
BYTES_PER_DAILY_ROW = 110
BYTES_OTHER = 200_000
JOIN_COPIES = 2  # the replications' tables are held while they are joined into one


def memory_needed_bytes(scenario: Scenario, replications: int) -> int:
    """Rough bytes of memory the results of ``replications`` replications hold at the end."""
    rows = math.ceil(scenario.time.run_days) * len(scenario.services) * \
        len(scenario.geography.localities)
    return JOIN_COPIES * replications * (rows * BYTES_PER_DAILY_ROW + BYTES_OTHER)


def physical_memory_bytes() -> int | None:
    """This machine's memory, where the system says (Linux, macOS)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_replications(scenario: Scenario, replications: int, option: str = "--reps") -> None:
    """Refuse a number of replications that is not positive, is over ``MAX_REPLICATIONS`` or
    whose results would not fit in this machine's memory; the message gives the estimate."""
    if replications < 1:
        raise ScenarioError([f"{option}: expected at least 1, got {replications}"])
    needed = memory_needed_bytes(scenario, replications)
    available = physical_memory_bytes()
    if replications > MAX_REPLICATIONS or (available is not None and needed > available):
        have = f" of the {available / 1e9:,.1f} GB this machine has" if available else ""
        raise ScenarioError([
            f"{option} {replications:,}: the results would need about {needed / 1e9:,.1f} GB"
            f"{have} (at most {MAX_REPLICATIONS:,} replications; a few hundred give "
            "intervals narrower than anything a decision needs)"])
