"""Named random streams, all spawned from the scenario's seed and the replication number.

Each demand stream has its own generator, keyed by the stream's name, so replication r of
any scenario with the same demand sees the same arrivals. Each arriving patient is given a
seed from that generator and carries a private generator seeded with it: patient k of a
stream draws the same numbers in every scenario, in the same order (one uniform per
decision, see ``sim.config.distributions``), so comparisons between scenarios are paired.
No global random state is used anywhere.
"""

from __future__ import annotations

import zlib
from random import Random

import numpy as np


def named_stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for source ``name`` in ``replication``; stable across processes."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, key)))


def patient_stream(patient_seed: int) -> Random:
    """A patient's private Mersenne Twister (fast scalar draws; seeded by the arrival stream).

    ``random.Random`` rather than a numpy generator: a scalar draw costs a tenth as much.
    """
    return Random(patient_seed)
