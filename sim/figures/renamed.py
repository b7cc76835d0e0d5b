"""Metrics that were renamed: old name -> new name, so that a file naming the old one gets an
error naming the new one (extended whenever a metric is renamed)."""

from __future__ import annotations

RENAMED: dict[str, str] = {
    "ucr_within_2h_pct": "ucr_within_target_pct",
}
