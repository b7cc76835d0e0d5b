"""Reading and checking an activity extract: one row per visit to a service (docs/data.md).

The extract is read in chunks (CSV, optionally gzip-compressed, or parquet), so memory grows
with the compact table kept (about 45 bytes a row), not with the file. Each row is checked
against the base scenario; a row that fails is rejected and counted under its reason, never
dropped silently. Problems with the file as a whole (missing columns, no valid rows) raise
``ExtractError`` naming the file and what was expected.

The compact table (``Episodes.table``) holds times in days from the start of the extract's
period (``Period``), names as codes into the base scenario's lists, and the patient id as a
64-bit hash (used only to count distinct patients for small-number suppression).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, cast

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

from sim.config.schema import RESIDENCES, CapacitatedService, Scenario, routes_of

CHUNK_ROWS = 100_000
EPOCH = pd.Timestamp("1970-01-01")
MAX_AGE = 120

# column -> (required, meaning); docs/data.md lists the same, with examples
COLUMNS: dict[str, tuple[bool, str]] = {
    "patient_id": (True, "pseudonymous patient identifier (text)"),
    "age": (False, "age in whole years at the start of the visit, 0-120 (or give age_band)"),
    "age_band": (False, "one of the base scenario's age bands (or give age)"),
    "locality": (False, "one of the base scenario's localities (or give gp_practice)"),
    "gp_practice": (False, "GP practice code, mapped to a locality by --practices"),
    "residence": (False, "own_home or care_home (default own_home)"),
    "service": (True, "a team, ward or caseload service of the base scenario"),
    "start": (True, "date and time the visit started (ISO 8601)"),
    "ready": (False, "date and time the patient was ready to leave (medically optimised)"),
    "end": (True, "date and time the visit ended; empty while still open"),
    "ended_by": (True, "route name or next service / outcome; empty while still open"),
    "pathway": (False, "discharge pathway tag of the route taken (P0-P3), if any"),
    "referred_from": (False, "service the patient came from; empty for a new referral"),
    "referral_source": (False, "source of a new referral (gp, ambulance, self_carer, ...)"),
}
NEW_REFERRAL = -1
Columns = dict[str, "np.ndarray | pd.Categorical[Any]"]
Reject = Callable[[str, np.ndarray], None]  # (reason, mask of the chunk's rows to reject)


class ExtractError(Exception):
    """An extract that cannot be used at all; ``messages`` holds one line per problem."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class Period:
    """The extract's period ``[start, end)``, midnight to midnight."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2024-04-01:2025-04-01`` (end exclusive)."""
        try:
            first, last = (dt.date.fromisoformat(part) for part in text.split(":"))
        except ValueError as error:
            raise ExtractError([f"--period: expected FROM:TO dates like 2024-04-01:2025-04-01, "
                                f"got {text!r}"]) from error
        if last <= first:
            raise ExtractError([f"--period: {last} is not after {first}"])
        return cls(first, last)


@dataclass
class Rejections:
    """Rows rejected, by reason, with the first row number (1-based, after the header)."""

    counts: Counter[str] = field(default_factory=Counter)
    first_row: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0

    def add(self, reason: str, rows: np.ndarray, offset: int) -> None:
        if len(rows):
            self.counts[reason] += len(rows)
            self.first_row.setdefault(reason, offset + int(rows[0]) + 1)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{n:,} rows: {reason} (first at row {self.first_row[reason]:,})"
                for reason, n in self.counts.most_common()]


@dataclass(frozen=True)
class Episodes:
    """The valid rows of an extract, compact, with the names their codes point into."""

    table: pd.DataFrame
    period: Period
    services: list[str]  # every service of the base (codes of service and referred_from)
    age_bands: list[str]
    localities: list[str]
    rejections: Rejections
    source_file: str
    has_ready: bool
    has_sources: bool

    def sparse_start(self, days: int = 28) -> bool:
        """Whether visits start in the period's first ``days`` at under half their usual
        daily rate: the sign of a period inferred from stays that began before it."""
        starts = self.table["start"].to_numpy()
        daily = np.bincount(np.floor(starts[starts >= 0]).astype(int), minlength=self.period.days)
        return self.period.days > 2 * days and \
            daily[:days].mean() < 0.5 * float(np.median(daily[days:]))


def read_extract(path: str | Path, base: Scenario, period: Period | None = None,
                 practices: str | Path | None = None) -> Episodes:
    """Read and check ``path`` against ``base``; ``period`` defaults to the dates the rows
    span (first start to last timestamp); ``practices``: CSV of gp_practice,locality."""
    path = Path(path)
    if not path.is_file():
        raise ExtractError([f"{path}: file not found"])
    columns = _columns(path)
    _check_columns(path, columns, practices)
    lookup = _practice_lookup(Path(practices), base) if practices else None
    wanted = [c for c in COLUMNS if c in columns]
    rejections = Rejections()
    parts, offset = [], 0
    for chunk in _chunks(path, wanted):
        parts.append(_check_chunk(chunk, base, lookup, rejections, offset))
        offset += len(chunk)
    rejections.rows_read = offset
    table = _concat(parts)
    if table.empty:
        raise ExtractError([f"{path}: no valid rows out of {offset:,}"] + rejections.lines())
    period = period or _inferred_period(table)
    origin = (pd.Timestamp(period.start) - EPOCH) / pd.Timedelta(days=1)
    for name in ("start", "ready", "end"):
        table[name] -= origin  # in place: days from the period's start
    outside = ((table["end"] < 0) | (table["start"] >= period.days)).to_numpy()
    if outside.any():  # (a copy of the table: only when there is something to drop)
        rejections.add("outside the period (ended before it or started after it)",
                       np.flatnonzero(outside), 0)
        table = table[~outside].reset_index(drop=True)
    # a visit open after the period's end is censored there: its end and route are unknown
    late = table["end"] > period.days
    table.loc[late, ["end"]] = np.nan
    table.loc[late, "route"] = ""
    table.loc[table["ready"] > period.days, "ready"] = np.nan
    return Episodes(table, period, list(base.services), list(base.geography.age_bands),
                    list(base.geography.localities), rejections, str(path),
                    "ready" in columns, "referral_source" in columns)


def _columns(path: Path) -> list[str]:
    if _is_parquet(path):
        return list(pq.ParquetFile(path).schema_arrow.names)
    return list(pd.read_csv(path, nrows=0).columns)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _check_columns(path: Path, columns: list[str], practices: str | Path | None) -> None:
    problems = [f"{path}: missing column '{name}' ({meaning})"
                for name, (required, meaning) in COLUMNS.items()
                if required and name not in columns]
    if "age" not in columns and "age_band" not in columns:
        problems.append(f"{path}: missing column 'age' or 'age_band' (expected one of them)")
    if "locality" not in columns:
        if "gp_practice" not in columns:
            problems.append(f"{path}: missing column 'locality' or 'gp_practice' "
                            "(expected one of them)")
        elif practices is None:
            problems.append(f"{path}: has gp_practice but no locality; give --practices "
                            "FILE.csv with columns gp_practice,locality")
    if problems:
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            problems.append(f"{path}: columns found but not used: {', '.join(unknown[:10])}")
        raise ExtractError(problems)


def _practice_lookup(path: Path, base: Scenario) -> dict[str, str]:
    if not path.is_file():
        raise ExtractError([f"{path}: practice lookup not found"])
    table = pd.read_csv(path, dtype=str)
    missing = {"gp_practice", "locality"} - set(table.columns)
    if missing:
        raise ExtractError([f"{path}: missing column(s) {', '.join(sorted(missing))} "
                            "(expected gp_practice,locality)"])
    unknown = sorted(set(table["locality"]) - set(base.geography.localities))
    if unknown:
        raise ExtractError([f"{path}: unknown localities {unknown} (expected one of "
                            f"{list(base.geography.localities)})"])
    return dict(zip(table["gp_practice"].str.strip(), table["locality"]))


def _chunks(path: Path, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The file in chunks of text columns (empty cells as empty strings)."""
    if _is_parquet(path):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS, columns=columns):
            yield batch.to_pandas().astype("string").fillna("")
    else:
        yield from pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False,
                               chunksize=CHUNK_ROWS)


def _check_chunk(chunk: pd.DataFrame, base: Scenario, lookup: dict[str, str] | None,
                 rejections: Rejections, offset: int) -> Columns:
    """The chunk's valid rows, compact, by column; each invalid row counted under its first
    problem."""
    n = len(chunk)
    bad = np.zeros(n, dtype=bool)

    def reject(reason: str, mask: np.ndarray) -> None:
        new = mask & ~bad
        rejections.add(reason, np.flatnonzero(new), offset)
        bad[new] = True

    text = {c: chunk[c].astype(str).str.strip().to_numpy() for c in chunk.columns}
    services = list(base.services)
    capacitated = [s for s in services if isinstance(base.services[s], CapacitatedService)]
    service = _codes(text["service"], services)
    reject("empty patient_id", text["patient_id"] == "")
    reject(f"service not a team, ward or caseload of the base (expected one of {capacitated})",
           ~np.isin(text["service"], capacitated))
    band = _age_bands(text, base.geography.age_bands, reject)
    if "locality" in text:
        locality_names = text["locality"]
    else:
        assert lookup is not None
        locality_names = pd.Series(text["gp_practice"]).map(lookup).fillna("").to_numpy()
        reject("gp_practice not in the --practices lookup", locality_names == "")
    localities = list(base.geography.localities)
    reject(f"unknown locality (expected one of {localities})", ~np.isin(locality_names, localities))
    residence_names = text.get("residence", np.full(n, "own_home", dtype=object))
    residence_names = np.where(residence_names == "", "own_home", residence_names)
    reject(f"unknown residence (expected one of {list(RESIDENCES)})",
           ~np.isin(residence_names, RESIDENCES))
    times = {}
    for name in ("start", "ready", "end"):
        values = text.get(name, np.full(n, "", dtype=object))
        parsed = pd.to_datetime(pd.Series(values), errors="coerce", format="ISO8601")
        times[name] = parsed
        unparseable = (values != "") & parsed.isna().to_numpy()
        reject(f"{name}: not a date and time (expected ISO 8601, e.g. 2025-01-31 14:05)",
               unparseable)
    reject("start: empty", text["start"] == "")
    start, ready, end = (_days(times[k]) for k in ("start", "ready", "end"))
    with np.errstate(invalid="ignore"):  # NaN (empty) compares as False
        reject("end before start (a negative stay)", end < start)
        reject("ready before start or after end", (ready < start) | (ready > end))
    ended_by = text["ended_by"]
    reject("ended_by given but end empty", (ended_by != "") & (text["end"] == ""))
    reject("end given but ended_by empty", (ended_by == "") & (text["end"] != ""))
    pathways = text.get("pathway", np.full(n, "", dtype=object))
    route = _routes(base, text["service"], ended_by, pathways, reject)
    from_names = text.get("referred_from", np.full(n, "", dtype=object))
    reject(f"referred_from not a service of the base (expected one of {services} or empty)",
           (from_names != "") & ~np.isin(from_names, services))
    entries = sorted({stream.entry for stream in base.demand.values()})
    reject(f"a new referral (referred_from empty) at a service no demand stream enters "
           f"(expected one of {entries}, or the service the patient came from)",
           (from_names == "") & ~np.isin(text["service"], entries))
    sources = text.get("referral_source", np.full(n, "", dtype=object))
    if "referral_source" in text:
        reject("referral_source empty on a new referral (referred_from empty)",
               (from_names == "") & (sources == ""))
    good = ~bad
    patient = pd.util.hash_pandas_object(pd.Series(text["patient_id"][good]), index=False)
    return {
        "patient": patient.to_numpy(),
        "service": service[good].astype(np.int16),
        "age_band": band[good].astype(np.int8),
        "locality": _codes(locality_names[good], localities).astype(np.int8),
        "residence": _codes(residence_names[good], list(RESIDENCES)).astype(np.int8),
        "start": start[good], "ready": ready[good], "end": end[good],
        "route": pd.Categorical(route[good], categories=[""] + sorted(
            {r for spec in base.services.values() for r in routes_of(spec)})),
        "pathway": pd.Categorical(pathways[good], categories=sorted({"", *pathways[good]})),
        "referred_from": np.where(from_names[good] == "", NEW_REFERRAL,
                                  _codes(from_names[good], services)).astype(np.int16),
        "source": pd.Categorical(sources[good]),
    }


def _routes(base: Scenario, services: np.ndarray, ended_by: np.ndarray, pathways: np.ndarray,
            reject: Reject) -> np.ndarray:
    """The route each closed visit took: the service's route named ``ended_by``, or the one
    leading to ``ended_by`` (narrowed by ``pathway`` when several do); "" while open."""
    route = np.full(len(services), "", dtype=object)
    combos = pd.DataFrame({"s": services, "e": ended_by, "p": pathways})
    for key, rows in combos.groupby(["s", "e", "p"], sort=False).indices.items():
        s, e, p = cast(tuple[str, str, str], key)  # the stubs know a group key only as Hashable
        spec = base.services.get(s)
        if e == "" or spec is None or not hasattr(spec, "routes"):
            continue  # open, or the service itself was rejected
        named = [r for r in spec.routes if r == e]
        leading = named or [r for r, v in spec.routes.items() if v.to == e]
        if len(leading) > 1:
            leading = [r for r in leading if spec.routes[r].pathway == (p or None)]
        if len(leading) == 1:
            route[rows] = leading[0]
            continue
        mask = np.zeros(len(services), dtype=bool)
        mask[rows] = True
        targets = sorted({f"{r} (to {v.to}{', ' + v.pathway if v.pathway else ''})"
                          for r, v in spec.routes.items()})
        reject(f"ended_by '{e}'{' with pathway ' + p if p else ''} is not one route out of "
               f"'{s}' (expected a route name or next service of: {'; '.join(targets)})", mask)
    return route


def _age_bands(text: dict[str, np.ndarray], bands: list[str], reject: Reject) -> np.ndarray:
    """Age band codes from ``age`` (whole years) or ``age_band``."""
    if "age_band" in text and "age" not in text:
        names = text["age_band"]
        reject(f"unknown age_band (expected one of {bands})", ~np.isin(names, bands))
        return _codes(names, bands)
    ages = pd.to_numeric(pd.Series(text["age"]), errors="coerce").to_numpy()
    with np.errstate(invalid="ignore"):
        reject(f"age: not a whole number from 0 to {MAX_AGE}",
               np.isnan(ages) | (ages < 0) | (ages > MAX_AGE) | (ages != np.floor(ages)))
    lows = [_band_low(b) for b in bands]
    return np.clip(np.searchsorted(lows, np.nan_to_num(ages), side="right") - 1, 0, None)


def _band_low(band: str) -> int:
    """The youngest age in a band written '65-74' or '85+'."""
    match = re.match(r"^\s*(\d+)\s*(?:-\s*\d+|\+)\s*$", band)
    if not match:
        raise ExtractError([f"age band '{band}' of the base scenario is not written as 'A-B' or "
                            "'A+', so ages cannot be put in bands; give age_band instead"])
    return int(match.group(1))


def _codes(names: np.ndarray, known: list[str]) -> np.ndarray:
    """Index of each name in ``known`` (0 for unknown names: those rows are rejected)."""
    # pandas takes any array of labels; its stubs ask for an Index (which would copy them)
    return np.maximum(pd.Index(known).get_indexer(cast(pd.Index, names)), 0).astype(np.int64)


def _concat(parts: list[Columns]) -> pd.DataFrame:
    """The chunks as one table. Each column is joined and then dropped from the chunks, so
    the peak is about one table, not two; categorical columns stay categorical (joining
    chunks with different categories would otherwise give Python strings)."""
    if not parts:
        return pd.DataFrame()
    columns: Columns = {}
    for name in list(parts[0]):
        pieces = [part.pop(name) for part in parts]
        categorical = [piece for piece in pieces if isinstance(piece, pd.Categorical)]
        columns[name] = union_categoricals(categorical) if categorical \
            else np.concatenate(pieces)
        del pieces, categorical
    return pd.DataFrame(columns, copy=False)


def _days(times: pd.Series) -> np.ndarray:
    """Timestamps as days since ``EPOCH`` (NaN where empty): 8 bytes each, no objects."""
    return ((times - EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)


def _inferred_period(table: pd.DataFrame) -> Period:
    first = math.floor(table["start"].min())
    last = np.nanmax(table[["start", "ready", "end"]].to_numpy())
    day = EPOCH.date()
    return Period(day + dt.timedelta(days=first), day + dt.timedelta(days=math.floor(last) + 1))
