"""The promise history of docs/measures.md §11.1: every expected start date (预计开工时间) each KC
project was given, whether it was kept, and each department's reliability.

A *promise* is one distinct expected start date a project reported while unstarted, in the order the
report versions were given; reporting the same date again is the same promise, a different date is a
new promise (the date was *moved*; moved earlier is a finding, §4 EXPECTED_START_MOVED_BACK).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib.figures.state import YearData, project_state
from alxa_lib.vocab import STARTED_STATUSES

PROMISE_COLUMNS = ["project_id", "department", "promised", "given", "moved", "moved_back", "start",
                   "outcome", "slip_days", "censored"]
RELIABILITY_COLUMNS = ["department", "promises", "kept", "broken", "kept_share", "median_slip_days",
                       "p80_slip_days", "moved", "worst_project", "worst_slip_days", "fallback"]


def kc_ids(data: YearData) -> set[str]:
    """Every KC project of the year's plan (base and adjusted in)."""
    plan = data.plan_rows
    return set(plan.loc[plan["class"] == "KC", "project_id"].dropna())


def start_dates(data: YearData, day: dt.date) -> dict[str, dt.date]:
    """Project → start date as known on ``day`` (§9.3): a started status with a date in the year ≤ day,
    or the earliest start report dated ≤ day."""
    state = project_state(data, day)
    ok = state["status"].isin(STARTED_STATUSES) & state["start_date"].map(
        lambda d: d is not None and d.year == data.year and d <= day).astype(bool)
    out = dict(zip(state.index[ok], state.loc[ok, "start_date"]))
    for pid, d in zip(data.starts["project_id"], data.starts["start_date"]):
        if pid is not None and d is not None and d <= day:
            out[pid] = min(d, out.get(pid, d))
    return out


def promise_table(data: YearData, day: dt.date) -> pd.DataFrame:
    """One row per promise given in a report due by ``day``: promised date, the period first given,
    whether it was later moved (earlier: ``moved_back``), the start (if known by ``day``), and the
    outcome — kept (started ≤ promised + tolerance), broken (started later, or still unstarted more
    than the tolerance after the date) or pending; ``slip_days`` is start − promised, or for an
    unstarted project day − promised with ``censored`` True (a lower bound, §11.1)."""
    tol = int(params.load("forecast")["kept_tolerance_days"])
    h = data.promises
    if h.empty:
        return pd.DataFrame(columns=PROMISE_COLUMNS)
    h = h[(h["period"] <= day) & h["project_id"].isin(kc_ids(data)) & h["expected_start"].notna()
          & ~h["status"].isin(STARTED_STATUSES)].sort_values(["project_id", "period", "version"])
    if h.empty:
        return pd.DataFrame(columns=PROMISE_COLUMNS)
    new = (h["project_id"] != h["project_id"].shift()) | (h["expected_start"] != h["expected_start"].shift())
    p = h.loc[new, ["project_id", "department", "expected_start", "period"]].rename(
        columns={"expected_start": "promised", "period": "given"}).reset_index(drop=True)
    same_next = p["project_id"] == p["project_id"].shift(-1)
    p["moved"] = same_next
    p["moved_back"] = same_next & (p["promised"].shift(-1) < p["promised"])
    starts = start_dates(data, day)
    p["start"] = p["project_id"].map(starts).astype(object)
    p["start"] = p["start"].where(p["start"].notna(), None)
    ref = [s if s is not None else day for s in p["start"]]
    p["slip_days"] = [(r - e).days for r, e in zip(ref, p["promised"])]
    p["censored"] = p["start"].isna()
    p["outcome"] = np.where(~p["censored"], np.where(p["slip_days"] <= tol, "kept", "broken"),
                            np.where(p["slip_days"] > tol, "broken", "pending"))
    return p[PROMISE_COLUMNS]


def reliability(table: pd.DataFrame, departments: list[str]) -> pd.DataFrame:
    """Per department: promises given, kept / broken, share kept, median and 80th-percentile slip of
    the resolved promises (an unkept one counts with its days overdue so far), dates moved, the worst
    project; ``fallback`` when the department has no resolved promise (its forecast uses the
    banner-wide behaviour, §11.2)."""
    rows = []
    groups = {d: g for d, g in table.groupby("department")} if len(table) else {}
    for d in departments:
        mine = groups.get(d, table.iloc[:0])
        done = mine[mine["outcome"].to_numpy() != "pending"]
        outcome, slips = done["outcome"].to_numpy(), done["slip_days"].to_numpy(dtype=float)
        kept, broken = int((outcome == "kept").sum()), int((outcome == "broken").sum())
        worst = int(np.argmax(slips)) if len(slips) else None
        rows.append({"department": d, "promises": len(mine), "kept": kept, "broken": broken,
                     "kept_share": kept / len(done) if len(done) else None,
                     "median_slip_days": float(np.median(slips)) if len(slips) else None,
                     "p80_slip_days": float(np.percentile(slips, 80)) if len(slips) else None,
                     "moved": int(mine["moved"].sum()),
                     "worst_project": done["project_id"].iloc[worst] if worst is not None else None,
                     "worst_slip_days": int(slips[worst]) if worst is not None else None,
                     "fallback": len(done) == 0})
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
