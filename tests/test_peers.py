"""The peer benchmark's networks give the same answers in the model and in Ciw (a short run)."""

from __future__ import annotations

import pytest

# benchmarks/ is a folder of scripts at the repository root, not part of the installed package
from benchmarks.peer_networks import PEERS, PeerNetwork
from benchmarks.peers import compare

SCALE = 0.15  # of each scenario file's results period: 30 days of re-entry, 600 of blocking
REPLICATIONS = 10


@pytest.mark.parametrize("network", PEERS, ids=lambda network: network.name)
def test_model_and_ciw_agree_within_3_standard_errors(network: PeerNetwork) -> None:
    result = compare(network, REPLICATIONS, SCALE)
    agreements = result.agreements()
    assert [a.label for a in agreements] == [m.label for m in network.measures]
    assert all(a.model_se > 0 and a.ciw_se > 0 for a in agreements)  # both really varied
    disagree = [(a.label, round(a.z, 2)) for a in agreements if not a.agrees]
    assert not disagree, disagree
