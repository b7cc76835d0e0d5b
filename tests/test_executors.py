"""Every executor gives bitwise identical results, and the result cache serves exactly what
would have been recomputed."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import Counting, baseline

from sim.cache import ResultCache, replication_key
from sim.compile import with_changes
from sim.executors import open_executor
from sim.runner import map_replications, run_scenario, simulate


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)


@pytest.fixture(scope="module")
def scenario():
    return baseline()


@pytest.fixture(scope="module")
def serial(scenario):
    return run_scenario(scenario, replications=3, executor="serial", progress=False)


@pytest.mark.slow
def test_local_processes_match_serial_bitwise(scenario, serial):
    assert_same(serial, run_scenario(scenario, replications=3, jobs=2, progress=False))


@pytest.mark.slow
def test_dask_local_cluster_matches_serial_bitwise(scenario, serial):
    pytest.importorskip("distributed")
    with open_executor("dask", jobs=2) as cluster:
        assert cluster.workers == 2
        result = run_scenario(scenario, replications=3, executor=cluster, progress=False)
    assert_same(serial, result)


def test_replication_order_and_numbers_do_not_depend_on_the_batch(scenario, serial):
    """Replication 2 alone equals replication 2 of a run of 3 (what --precision relies on)."""
    alone = run_scenario(scenario, replications=[2], executor="serial", progress=False)
    expected = serial.metrics[serial.metrics["replication"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.metrics, expected, check_exact=True)


def test_unknown_executor_and_stray_scheduler_are_rejected():
    with pytest.raises(ValueError, match="executor must be one of"):
        with open_executor("threads"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ValueError, match="needs the dask executor"):
        with open_executor("processes", scheduler="tcp://127.0.0.1:8786"):
            pass


def test_cache_serves_the_same_results_and_recomputes_nothing(tmp_path, scenario, serial):
    cache = ResultCache(tmp_path)
    first = Counting()
    fresh = run_scenario(scenario, replications=3, executor=first, cache=cache, progress=False)
    assert first.calls == [(scenario.name, r) for r in range(3)]
    again = Counting()
    cached = run_scenario(scenario, replications=3, executor=again, cache=cache, progress=False)
    assert again.calls == []
    assert_same(serial, fresh)
    assert_same(serial, cached)


def test_interrupted_run_resumes_with_only_the_missing_replications(tmp_path, scenario):
    cache = ResultCache(tmp_path)
    tasks = [(scenario, r) for r in range(3)]
    with pytest.raises(KeyboardInterrupt):
        map_replications(simulate, tasks, Counting(interrupt_after=2), cache=cache,
                         progress=False)
    resumed = Counting()
    map_replications(simulate, tasks, resumed, cache=cache, progress=False)
    assert resumed.calls == [(scenario.name, 2)]


def test_cache_key_changes_with_anything_that_changes_the_numbers(scenario):
    key = replication_key(scenario, 0, "simulate")
    assert key == replication_key(scenario, 0, "simulate")
    assert key != replication_key(scenario, 1, "simulate")
    assert key != replication_key(with_changes(scenario, {"time.seed": 1}), 0, "simulate")
    assert key != replication_key(with_changes(scenario, {"services.acute.capacity": 400}), 0,
                                  "simulate")
    assert key != replication_key(scenario, 0, "another_reduction")


def test_cache_key_ignores_what_cannot_change_a_replication(scenario):
    """A longer run, or the same scenario renamed, reuses the replications already done."""
    key = replication_key(scenario, 0, "simulate")
    same = with_changes(scenario, {"time.replications": 50, "name": "renamed",
                                  "description": "another description"})
    assert replication_key(same, 0, "simulate") == key


def test_unreadable_cache_entry_is_recomputed(tmp_path, scenario):
    cache = ResultCache(tmp_path)
    tasks = [(scenario, 0)]
    map_replications(simulate, tasks, "serial", cache=cache, progress=False)
    (entry,) = tmp_path.rglob("*.pkl")
    entry.write_bytes(b"truncated")
    rerun = Counting()
    map_replications(simulate, tasks, rerun, cache=cache, progress=False)
    assert rerun.calls == [(scenario.name, 0)]


def test_a_flipped_bit_anywhere_in_a_cache_entry_is_never_read(tmp_path):
    cache = ResultCache(tmp_path)
    value = {"admissions": list(range(50)), "occupancy": 12.5}
    cache.put("ab" * 32, value)
    (entry,) = tmp_path.rglob("*.pkl")
    good = entry.read_bytes()
    for position in range(0, len(good), max(1, len(good) // 200)):
        flipped = bytearray(good)
        flipped[position] ^= 1 << (position % 8)
        entry.write_bytes(bytes(flipped))
        assert cache.get("ab" * 32) is None, position
        assert not entry.exists()  # removed, so the recomputed value replaces it
    entry.write_bytes(good)
    assert cache.get("ab" * 32) == value


def test_a_corrupted_cache_entry_is_recomputed(tmp_path, scenario):
    cache = ResultCache(tmp_path)
    tasks = [(scenario, 0)]
    map_replications(simulate, tasks, "serial", cache=cache, progress=False)
    (entry,) = tmp_path.rglob("*.pkl")
    damaged = bytearray(entry.read_bytes())
    damaged[len(damaged) // 2] ^= 0x10
    entry.write_bytes(bytes(damaged))
    rerun = Counting()
    map_replications(simulate, tasks, rerun, cache=cache, progress=False)
    assert rerun.calls == [(scenario.name, 0)]
