"""A year of the ledger loaded once into DataFrames, and the state of every project as of a date.

Everything downstream (metrics, lights, scoring, reports) is a pure function of a :class:`YearData`
and a date, so a report computes 24 periods without going back to the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
    _plans: dict = field(default_factory=dict, repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # per-date results of pure functions (the data never change)

    def plan_on(self, day: dt.date) -> pd.DataFrame:
        """The plan in force on ``day`` (base plan + adjustments approved by then), with township."""
        if day not in self._plans:
            plan = apply_adjustments(self.plan_rows, self.adjustments, day)
            plan["township"] = [township_of(x) for x in plan["location"]]
            self._plans[day] = plan
        return self._plans[day].copy()


def township_of(location) -> str:
    """The §8 township named in 建设地点, else 其他 (docs/measures.md §9.21)."""
    text = location if isinstance(location, str) else ""
    return next((t for t in TOWNSHIPS if t in text), "其他")


def _dates(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c]).dt.date
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def load_year(con, year: int) -> YearData:
    """A year of the ledger in memory (one round of queries, then every figure is pure)."""
    f = queries.year_frames(con, year)
    registers = {t: f[f"reg_{t}"] for t in ("decisions", "problems", "bonuses", "incidents", "liaisons")}
    for name, cols in {"decisions": ["meeting_date", "due_date", "done_date"],
                       "problems": ["raised_date", "due_date", "solved_date"], "incidents": ["date"]}.items():
        registers[name] = _dates(registers[name], cols)
    return YearData(year, _dates(f["plan_rows"], ["planned_start"]), _dates(f["adjustments"], ["approval_date"]),
                    _dates(f["reports"], ["period", "received", "start_date", "expected_start"]),
                    _dates(f["versions"], ["period", "received"]),
                    _dates(f["starts"], ["report_date", "received", "start_date"]),
                    _dates(f["schedules"], ["received", "planned_start", "planned_end"]),
                    registers, f["findings"], f["version_projects"],
                    _dates(f["promises"], ["period", "received", "start_date", "expected_start"]))


def project_state(data: YearData, day: dt.date) -> pd.DataFrame:
    """Each project's row as of ``day``: from the latest report (latest version) with due date ≤ ``day``
    that holds it; a department's missing report, or a project absent from it, carries forward (§9.1, §9.6)."""
    rows = data.reports[(data.reports["period"] <= day) & data.reports["project_id"].notna()]
    return rows.sort_values(["period", "version", "row_no"]).drop_duplicates("project_id", keep="last") \
        .set_index("project_id", drop=False)


def started_ids(data: YearData, day: dt.date, state: pd.DataFrame | None = None) -> set[str]:
    """Projects started as of ``day`` (§3, §9.3): a started status with a valid date in the year ≤ day,
    or a start report dated ≤ day."""
    from alxa_lib.vocab import STARTED_STATUSES
    state = project_state(data, day) if state is None else state
    ok = state["status"].isin(STARTED_STATUSES) & state["start_date"].map(
        lambda d: d is not None and d.year == data.year and d <= day).astype(bool)
    dated = data.starts["start_date"].map(lambda d: d is not None and d <= day).astype(bool)
    by_report = set(data.starts.loc[dated, "project_id"].dropna())
    return set(state.index[ok]) | by_report
