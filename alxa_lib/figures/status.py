"""Each project's status on a date, as the brief prints it, and the figures the ledger's surface stores.

``status_table(data, day)`` is pure: per KC project of the plan in force — started, start date, light and
its reasons, SPI, node completion, annual and cumulative investment, and the report version it comes from.
``refresh(con)`` stores it for every reporting date of every year (with the plan in force for every step of
the approved adjustments), so that the ledger's ``project_status(d)`` and ``plan_on(d)`` answer in SQL
(docs/architecture.md §12). ``project_status(as_of)`` reads the stored table while it is current and
computes the same frame otherwise.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.metrics import lights, node_completion
from alxa_lib.figures.state import FIGURE_FRAMES, FIGURE_REPORT_COLUMNS, YearData, load_year, project_state, started_ids
from alxa_lib.ledger import queries, surface

STATUS_COLUMNS = ["project_id", "name", "department", "nature", "total_investment", "annual_planned", "started",
                  "start_date", "status", "light", "reasons", "spi", "node_quarter", "node_completion",
                  "annual_completed", "cumulative_completed", "progress_text", "problems", "report_period",
                  "version", "file_id"]
_DATES = ("start_date", "report_period")
_FLOATS = ("total_investment", "annual_planned", "spi", "node_completion", "annual_completed", "cumulative_completed")
_TEXTS = ("project_id", "name", "department", "nature", "status", "light", "reasons", "node_quarter",
          "progress_text", "problems")
# the report-row columns the status reads (the figures' own, and what the brief prints beside them)
STATUS_REPORT_COLUMNS = tuple(dict.fromkeys((*FIGURE_REPORT_COLUMNS, "file_id", "progress_text", "problems")))


def status_table(data: YearData, day: dt.date) -> pd.DataFrame:
    """Per KC project in the plan in force on ``day``: the values the brief for ``day`` prints (its project
    table and its lights), SPI, and node completion at the end of the latest quarter ended by ``day``."""
    plan = data.plan_on(day)
    kc = plan[plan["class"] == "KC"].drop_duplicates("project_id", keep="last").set_index("project_id")
    pids = pd.Index(sorted(kc.index.astype(str)))
    state = project_state(data, day)
    light = lights(data, day).drop_duplicates("project_id", keep="last").set_index("project_id")
    ended = [q for q in range(1, 5) if cal.quarter_end(data.year, q) <= day]
    nodes = node_completion(data, ended[-1]) if ended else pd.Series(dtype=float)
    nodes = nodes[~nodes.index.duplicated(keep="last")]

    def from_state(col: str) -> pd.Series:
        return state[col].reindex(pids) if col in state.columns else pd.Series(None, index=pids, dtype=object)

    out = pd.DataFrame({
        "project_id": pids, "name": kc["name"].reindex(pids), "department": kc["department"].reindex(pids),
        "nature": kc["nature"].reindex(pids), "total_investment": kc["total_investment"].reindex(pids),
        "annual_planned": kc["annual_planned"].reindex(pids),
        "started": pids.isin(list(started_ids(data, day, state))),
        "start_date": from_state("start_date"), "status": from_state("status"),
        "light": light["light"].reindex(pids), "reasons": light["reasons"].reindex(pids),
        "spi": light["spi"].reindex(pids),
        "node_quarter": f"{data.year}Q{ended[-1]}" if ended else None,
        "node_completion": nodes.reindex(pids) if ended else np.nan,
        "annual_completed": from_state("annual_completed"), "cumulative_completed": from_state("cumulative_completed"),
        "progress_text": from_state("progress_text"), "problems": from_state("problems"),
        "report_period": from_state("period"), "version": from_state("version"), "file_id": from_state("file_id"),
    }, index=pids)
    out["reasons"] = out["reasons"].where(out["reasons"] != "", None)
    return normalised(out.reset_index(drop=True))


def normalised(df: pd.DataFrame) -> pd.DataFrame:
    """One set of types whether the frame was computed or read from the ledger: dates as ``datetime.date``,
    numbers as floats (NaN when missing), flags as bools, ids as nullable integers, text or None."""
    df = df[STATUS_COLUMNS].copy()
    for c in _DATES:
        d = pd.to_datetime(df[c], errors="coerce").dt.date
        df[c] = d.astype(object).where(d.notna(), None)
    for c in _FLOATS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in ("version", "file_id"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    for c in _TEXTS:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["started"] = df["started"].astype(bool)
    return df.reset_index(drop=True)


def plan_steps(data: YearData) -> pd.DataFrame:
    """The plan in force on every day of the year, one plan per step of the approved adjustments:
    year, valid_from, valid_to and the plan's rows (with township)."""
    first, last = dt.date(data.year, 1, 1), dt.date(data.year, 12, 31)
    dates = pd.to_datetime(data.adjustments.get("approval_date", pd.Series(dtype=object)), errors="coerce").dropna()
    starts = sorted({first, *(d.date() for d in dates if first < d.date() <= last)})
    frames = []
    for start, nxt in zip(starts, [*starts[1:], last + dt.timedelta(days=1)]):
        plan = data.plan_on(start)
        frames.append(plan.assign(year=data.year, valid_from=start, valid_to=nxt - dt.timedelta(days=1),
                                  position=range(len(plan))))  # the library's order: adjusted-in rows last
    return pd.concat(frames, ignore_index=True)


def params_key() -> str:
    """Changes when a parameter the status depends on changes (``params/monitoring.yaml``)."""
    text = json.dumps(params.load("monitoring"), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _year(con, year: int) -> YearData:
    return load_year(con, year, FIGURE_FRAMES, STATUS_REPORT_COLUMNS)


def refresh(con, force: bool = False, stored_only: bool = False) -> list[int]:
    """Store the status of every reporting date and the plan steps of every year the ledger holds, for the
    years whose stored figures are not current (every year with ``force``; with ``stored_only`` only the
    years that have stored figures already, as ``alxa ingest`` does); returns the years refreshed.
    ``con`` is a writing connection; nothing else writes while it is open."""
    key, stored = params_key(), surface.runs(con)
    done = []
    for year in sorted(queries.years_with_data(con)):
        now = surface.fingerprint(con, year)
        if (stored_only and year not in stored) or (not force and stored.get(year) == (now, key)):
            continue
        data = _year(con, year)
        days = cal.periods(year)
        status = pd.concat([status_table(data, d).assign(as_of=d) for d in days], ignore_index=True)
        surface.store(con, year, status, plan_steps(data), days, now, key)
        done.append(year)
    return done


def project_status(as_of: dt.date, path: str | Path | None = None) -> pd.DataFrame:
    """The ledger's ``project_status(as_of)`` as a DataFrame: read while the stored figures are current,
    computed from the ledger otherwise (any day of a year the ledger holds)."""
    from alxa_lib.errors import NoData
    with surface.reading(path) as con:
        stored = surface.stored_status(con, as_of, params_key())
        if stored is not None:
            return normalised(stored)
        if as_of.year not in queries.years_with_data(con):
            raise NoData(f"台账中没有{as_of.year}年的数据", f"the ledger holds no data for {as_of.year}")
        data = _year(con, as_of.year)
    return status_table(data, as_of)
