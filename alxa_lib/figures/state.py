"""A year of the ledger loaded once into DataFrames, and the state of every project as of a date.

Everything downstream (metrics, lights, scoring, reports) is a pure function of a :class:`YearData`
and a date, so a report computes 24 periods without going back to the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from alxa_lib.ledger import queries
from alxa_lib.vocab import TOWNSHIPS
from alxa_lib.workbooks.plan import apply_adjustments


@dataclass
class YearData:
    year: int
    plan_rows: pd.DataFrame       # the latest plan version, base and 调整调入 rows
    adjustments: pd.DataFrame
    reports: pd.DataFrame         # rows of the latest version of each (department, period), with period
    versions: pd.DataFrame        # every report file: department, period, version, received, file_id
    starts: pd.DataFrame          # start-report rows with department and report date
    schedules: pd.DataFrame       # schedule rows with department, received, version_label
    registers: dict[str, pd.DataFrame]
    findings: pd.DataFrame        # stored findings (ingest and validate stages)
    version_projects: pd.DataFrame = field(default_factory=pd.DataFrame)  # file_id, project_id of every version
    promises: pd.DataFrame = field(default_factory=pd.DataFrame)  # every version's status/start/expected start (§11.1)
    inspections: pd.DataFrame = field(default_factory=pd.DataFrame)  # on-site inspection records (§12.3)
    _plans: dict = field(default_factory=dict, repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # per-date results of pure functions (the data never change)

    def plan_on(self, day: dt.date, copy: bool = True) -> pd.DataFrame:
        """The plan in force on ``day`` (base plan + adjustments approved by then), with township.
        ``copy=False`` returns the shared frame itself, for a caller that only reads it."""
        step = self._adjustments_by(day)
        if step not in self._plans:  # the plan changes only on an approval date: one plan per step
            if "plan_rows" not in self.memo:  # the township of every row, once (adjustments keep the location)
                self.memo["plan_rows"] = self.plan_rows.assign(township=townships_of(self.plan_rows["location"]))
            self._plans[step] = apply_adjustments(self.memo["plan_rows"], self.adjustments, day)
        return self._plans[step].copy() if copy else self._plans[step]

    def _adjustments_by(self, day: dt.date) -> int:
        """How many adjustments were approved by ``day`` (the adjustments in force are the first that many
        by approval date, as ``apply_adjustments`` applies them)."""
        if "approvals" not in self.memo:
            dates = self.adjustments["approval_date"] if "approval_date" in self.adjustments else pd.Series()
            self.memo["approvals"] = pd.to_datetime(dates, errors="coerce").dropna().sort_values().to_numpy()
        return int(self.memo["approvals"].searchsorted(np.datetime64(day), side="right"))


def memoised(data: YearData, key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()`` once per key for this year (the data never change); each caller gets its own copy."""
    if key not in data.memo:
        data.memo[key] = compute()
    return data.memo[key].copy()


def township_of(location) -> str:
    """The §8 township named in 建设地点, else 其他 (docs/measures.md §9.21)."""
    text = location if isinstance(location, str) else ""
    return next((t for t in TOWNSHIPS if t in text), "其他")


def townships_of(locations: pd.Series) -> pd.Series:
    """``township_of`` for a whole column at once (one pass per township, not per row)."""
    text = locations.where(locations.map(type) == str, "").astype(str)
    out = pd.Series("其他", index=locations.index, dtype=object)
    for t in reversed(TOWNSHIPS):  # the first township named wins, as in township_of
        out = out.mask(text.str.contains(t, regex=False), t)
    return out.astype(str)


def on_or_before(dates: pd.Series, day: dt.date) -> pd.Series:
    """True where a date column (dates or None) holds a date ≤ ``day``; False for a missing date."""
    return pd.to_datetime(dates, errors="coerce") <= pd.Timestamp(day)


def _dates(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c]).dt.date
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


# What a day's figures (commencement, investment, nodes, lights, submissions: ``alxa metrics``) read.
FIGURE_FRAMES = frozenset({"plan_rows", "adjustments", "reports", "versions", "starts", "schedules"})
# ... and the columns of the report rows they read (with department, period, version and received)
FIGURE_REPORT_COLUMNS = ("project_id", "row_no", "status", "start_date", "annual_completed", "cumulative_completed")
REGISTERS = ("decisions", "problems", "bonuses", "incidents", "liaisons")
REGISTER_DATES = {"decisions": ("meeting_date", "due_date", "done_date"),
                  "problems": ("raised_date", "due_date", "solved_date"), "incidents": ("date",)}


class NotLoaded:
    """Stands for a frame ``load_year(..., only=...)`` left out: any use of it is a programming error that
    names the frame, never a silently empty table."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        raise RuntimeError(f"YearData frame {self._name!r} was not loaded (load_year(..., only=...))")

    def __getitem__(self, key):
        return self.__getattr__("__getitem__")

    def __len__(self) -> int:
        return self.__getattr__("__len__")


def load_year(con, year: int, only: frozenset[str] | None = None,
              report_columns: tuple[str, ...] | None = None) -> YearData:
    """A year of the ledger in memory (one round of queries, then every figure is pure). ``only`` names
    the frames to read (e.g. ``FIGURE_FRAMES``); the others stand as :class:`NotLoaded`. ``report_columns``
    (e.g. ``FIGURE_REPORT_COLUMNS``): only those columns of the report rows (None: all of them)."""
    f = queries.year_frames(con, year, None if only is None else set(only) | {"plan_rows", "adjustments"},
                            report_columns)

    def frame(name: str, dates: tuple[str, ...] = ()):
        return _dates(f[name], dates) if name in f else NotLoaded(name)

    registers = {t: frame(f"reg_{t}", REGISTER_DATES.get(t, ())) for t in REGISTERS}
    data = YearData(year, frame("plan_rows", ("planned_start",)), frame("adjustments", ("approval_date",)),
                    frame("reports", ("period", "received", "start_date", "expected_start")),
                    frame("versions", ("period", "received")),
                    frame("starts", ("report_date", "received", "start_date")),
                    frame("schedules", ("received", "planned_start", "planned_end")),
                    registers, frame("findings"), frame("version_projects"),
                    frame("promises", ("period", "received", "start_date", "expected_start")),
                    frame("inspections", ("period", "received", "inspected_on")))
    if not isinstance(data.reports, NotLoaded):
        data.reports = without_implausible_amounts(data)
    return data


def without_implausible_amounts(data: YearData) -> pd.DataFrame:
    """The report rows with every amount above its project's total investment, or a 本年完成投资 far above
    its annual plan, emptied (judged against the plan in force on the row's period): such a cell is an error
    finding and counts in no figure until a corrected version arrives (docs/measures.md §9.30)."""
    from alxa_lib.checks.amounts import mask_amounts
    reports = data.reports
    if reports.empty:
        return reports
    limits: dict = {}  # the plan changes only on an approval date: one look-up per step
    of_period: dict = {}
    for p in reports["period"].dropna().unique():
        step = data._adjustments_by(p)
        if step not in limits:
            plan = data.plan_on(p, copy=False)
            limits[step] = dict(zip(plan["project_id"], zip(pd.to_numeric(plan["total_investment"], errors="coerce"),
                                                             pd.to_numeric(plan["annual_planned"], errors="coerce"))))
        of_period[p] = limits[step]
    nothing = (np.nan, np.nan)
    pairs = [of_period[p].get(pid, nothing) if p in of_period else nothing
             for p, pid in zip(reports["period"].tolist(), reports["project_id"].tolist())]
    total, annual_plan = (np.array(x, dtype=float) for x in zip(*pairs)) if pairs else (np.array([]), np.array([]))
    return mask_amounts(reports, total, annual_plan)


def project_state(data: YearData, day: dt.date) -> pd.DataFrame:
    """Each project's row as of ``day``: from the latest report (latest version) with due date ≤ ``day``
    that holds it; a department's missing report, or a project absent from it, carries forward (§9.1, §9.6).
    Computed once per date (``data.memo``); callers get their own copy."""
    return memoised(data, ("project_state", day), lambda: _state(data.reports, day))


def _state(reports: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    rows = reports[on_or_before(reports["period"], day) & reports["project_id"].notna()]
    return rows.sort_values(["period", "version", "row_no"]).drop_duplicates("project_id", keep="last") \
        .set_index("project_id", drop=False)


def started_ids(data: YearData, day: dt.date, state: pd.DataFrame | None = None) -> set[str]:
    """Projects started as of ``day`` (§3, §9.3): a started status with a valid date in the year ≤ day,
    or a start report dated ≤ day. ``metrics.commencement_rates`` applies the same rule to many days at
    once; tests/test_metrics.py holds the two equal."""
    if state is None:  # the usual call: computed once per date
        key = ("started_ids", day)
        if key not in data.memo:
            data.memo[key] = started_ids(data, day, project_state(data, day))
        return set(data.memo[key])
    from alxa_lib.vocab import STARTED_STATUSES
    start = pd.to_datetime(state["start_date"], errors="coerce")
    ok = state["status"].isin(STARTED_STATUSES) & (start.dt.year == data.year) & (start <= pd.Timestamp(day))
    by_report = set(data.starts.loc[on_or_before(data.starts["start_date"], day), "project_id"].dropna())
    return set(state.index[ok.to_numpy(dtype=bool)]) | by_report
