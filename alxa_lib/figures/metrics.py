"""The figures of docs/measures.md §3 as pure functions of a :class:`YearData` and a date."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.state import YearData, memoised, on_or_before, project_state, started_ids


def _kc(plan: pd.DataFrame) -> pd.DataFrame:
    return plan[plan["class"] == "KC"]


def _rate(started: int, total: int) -> float | None:
    return started / total if total else None


# ---------------------------------------------------------------- commencement
def commencement_table(data: YearData, day: dt.date, by: str | None) -> pd.DataFrame:
    """Started / total / rate of KC projects in the plan in force, overall (``by=None``) or grouped."""
    plan = data.plan_on(day)
    kc = _kc(plan).copy()
    kc["started"] = kc["project_id"].isin(started_ids(data, day))
    if by is None:
        return pd.DataFrame([{"started": int(kc["started"].sum()), "total": len(kc),
                              "rate": _rate(int(kc["started"].sum()), len(kc))}])
    keys = sorted(plan[by].dropna().unique()) if by == "department" else sorted(kc[by].dropna().unique())
    counts = kc.groupby(by)["started"].agg(["sum", "size"]).reindex(keys, fill_value=0)
    out = [{by: k, "started": int(s), "total": int(n), "rate": _rate(int(s), int(n))}  # one row per group
           for k, s, n in zip(keys, counts["sum"], counts["size"])]
    return pd.DataFrame(out, columns=[by, "started", "total", "rate"])


def commencement_rates(data: YearData, days: list[dt.date]) -> pd.DataFrame:
    """``commencement_table(data, day, None)`` for many days at once: date, started, total, rate.

    One as-of join finds each KC project's state at every day (the latest report row due on or before
    it, as ``project_state`` does), instead of rebuilding the state of the whole banner per day."""
    from alxa_lib.vocab import STARTED_STATUSES
    days = sorted(set(days))
    grid = pd.concat([pd.DataFrame({"project_id": _kc(data.plan_on(d, copy=False))["project_id"].astype(str),
                                    "date": d}) for d in days], ignore_index=True)
    grid["_day"] = pd.to_datetime(grid["date"])
    rows = data.reports[data.reports["project_id"].notna()]
    rows = rows.assign(_day=pd.to_datetime(rows["period"]), project_id=rows["project_id"].astype(str)) \
        .sort_values(["_day", "version", "row_no"]) \
        .drop_duplicates(["project_id", "_day"], keep="last")[["project_id", "_day", "status", "start_date"]]
    state = pd.merge_asof(grid.sort_values("_day"), rows, on="_day", by="project_id", direction="backward")
    start = pd.to_datetime(state["start_date"], errors="coerce")
    reported = pd.to_datetime(data.starts["start_date"], errors="coerce").groupby(data.starts["project_id"]).min()
    # reindex, not map: map casts an empty mapper (no start report yet, as in January) to float and fails
    first_report = pd.Series(reported.reindex(state["project_id"].to_numpy()).to_numpy(), index=state.index)
    state["started"] = (state["status"].isin(STARTED_STATUSES) & (start.dt.year == data.year)
                        & (start <= state["_day"])) | (first_report <= state["_day"])
    counts = state.groupby("date")["started"].agg(["sum", "size"]).reindex(days, fill_value=0)
    return pd.DataFrame({"date": days, "started": counts["sum"].astype(int).to_numpy(),
                         "total": counts["size"].astype(int).to_numpy(),
                         "rate": [_rate(int(s), int(n)) for s, n in zip(counts["sum"], counts["size"])]})


def next_target(day: dt.date, started: int, total: int) -> dict[str, Any]:
    """The first target whose date ≥ day (§9.22), and the projects still needed to reach it."""
    for date, rate in cal.commencement_targets(day.year):
        if date >= day:
            needed = max(0, math.ceil(round(rate * total, 9)) - started)
            return {"next_target": rate, "next_target_date": date.isoformat(), "needed": needed}
    return {"next_target": None, "next_target_date": None, "needed": 0}


# ---------------------------------------------------------------- investment and schedule
def time_progress(day: dt.date) -> float:
    days = 366 if (day.year % 4 == 0 and day.year % 100 != 0) or day.year % 400 == 0 else 365
    return day.timetuple().tm_yday / days


def annual_completed(data: YearData, day: dt.date, state: pd.DataFrame | None = None) -> pd.Series:
    """Annual completed investment (万元) per KC project in the plan in force as of ``day`` (0 if never reported)."""
    state = project_state(data, day) if state is None else state
    kc = _kc(data.plan_on(day))
    values = state["annual_completed"].reindex(kc["project_id"]).astype(float).fillna(0.0)
    values.index = kc["project_id"].values
    return values


def investment(data: YearData, day: dt.date) -> dict[str, Any]:
    kc = _kc(data.plan_on(day))
    done = round(float(annual_completed(data, day).sum()), 2)
    planned = round(float(kc["annual_planned"].astype(float).fillna(0).sum()), 2)
    return {"annual_completed": done, "annual_planned": planned, "rate": done / planned if planned else None,
            "time_progress": time_progress(day)}


def schedule_in_force(data: YearData, day: dt.date) -> pd.DataFrame:
    """Per project, the schedule row of the latest version received by ``day`` (§9.11)."""
    return memoised(data, ("schedule_in_force", day), lambda: _schedule_in_force(data, day))


def _schedule_in_force(data: YearData, day: dt.date) -> pd.DataFrame:
    mask = on_or_before(data.schedules["received"], day)
    s = data.schedules.loc[mask & data.schedules["project_id"].notna()]
    return s.sort_values(["received", "file_id"]).drop_duplicates("project_id", keep="last").set_index("project_id")


def nodes(data: YearData, day: dt.date) -> pd.DataFrame:
    """Quarter-end nodes (q1..q4, 万元, cumulative within the year) of each KC project in force on ``day``.
    Projects without a schedule row take annual planned × the default shares of params (§9.11)."""
    return memoised(data, ("nodes", day), lambda: _nodes(data, day))


def _nodes(data: YearData, day: dt.date) -> pd.DataFrame:
    kc = _kc(data.plan_on(day)).set_index("project_id")
    sched = schedule_in_force(data, day)
    cols = [f"q{i}_node" for i in range(1, 5)]
    given = sched.reindex(kc.index)[cols].apply(pd.to_numeric, errors="coerce") if len(sched) else \
        pd.DataFrame(index=kc.index, columns=cols, dtype=float)
    has_schedule = given.notna().any(axis=1)
    planned = pd.to_numeric(kc["annual_planned"], errors="coerce").fillna(0.0)
    shares = params.load("monitoring")["default_node_shares"]
    default = pd.DataFrame({f"q{i + 1}": planned * s for i, s in enumerate(shares)}, index=kc.index)
    scheduled = given.fillna(0.0).set_axis(["q1", "q2", "q3", "q4"], axis=1)
    return scheduled.where(has_schedule, default, axis=0).astype(float)


def _segment(day: dt.date) -> tuple[int, float]:
    """Which quarter's segment ``day`` falls in (0 = before Q1's node) and how far along it is (§9.12)."""
    y = day.year
    ends = [dt.date(y - 1, 12, 31)] + [cal.quarter_end(y, q) for q in range(1, 5)]
    for q, (d0, d1) in enumerate(zip(ends, ends[1:]), start=1):
        if d0 <= day <= d1:
            return q, (day - d0).days / (d1 - d0).days
    return 4, 1.0


def planned_to_date(node_row, day: dt.date) -> float:
    """Linear by day between (12-31 of the previous year, 0) and the quarter-end nodes (§9.12)."""
    q, f = _segment(day)
    v0 = float(node_row[f"q{q - 1}"]) if q > 1 else 0.0
    return v0 + (float(node_row[f"q{q}"]) - v0) * f


def planned_to_date_all(node_table: pd.DataFrame, day: dt.date) -> pd.Series:
    """``planned_to_date`` for every row of a node table at once."""
    q, f = _segment(day)
    v0 = node_table[f"q{q - 1}"] if q > 1 else 0.0
    return v0 + (node_table[f"q{q}"] - v0) * f


def spi(data: YearData, day: dt.date, state: pd.DataFrame | None = None) -> pd.Series:
    """Actual annual completed / planned-to-date per KC project; NaN where planned-to-date is 0 (on track)."""
    actual = annual_completed(data, day, state)
    ptd = planned_to_date_all(nodes(data, day), day).reindex(actual.index)
    return (actual / ptd).where(ptd > 0).astype(float)


def node_completion(data: YearData, quarter: int) -> pd.Series:
    """min(1, actual annual completed / the quarter's node) at the quarter end; a node of 0 is met."""
    qe = cal.quarter_end(data.year, quarter)
    actual = annual_completed(data, qe)
    n = nodes(data, qe)[f"q{quarter}"].reindex(actual.index)
    return (actual / n).clip(upper=1.0).where(n > 0, 1.0).astype(float)


# ---------------------------------------------------------------- lights
LIGHT_COLUMNS = ["project_id", "department", "name", "light", "reasons", "spi", "status", "started", "stalled"]


def stalled_ids(data: YearData, day: dt.date, state: pd.DataFrame | None = None) -> set[str]:
    """Started, not 已完工, and the same cumulative investment in its last three period reports whose
    due dates fall outside the winter stop (§9.13)."""
    n = params.load("monitoring")["lights"]["stall_periods"]
    state = project_state(data, day) if state is None else state
    started = started_ids(data, day, state)
    completed = set(state.index[state["status"] == "已完工"])
    rows = data.reports[(data.reports["period"] <= day) & data.reports["project_id"].isin(started - completed)]
    winter = {p: cal.in_winter(p) for p in rows["period"].unique()}
    rows = rows[~rows["period"].map(winter).astype(bool)]
    last = rows.sort_values("period", kind="stable").drop_duplicates(["project_id", "period"], keep="last") \
        .groupby("project_id").tail(n)
    values = pd.to_numeric(last["cumulative_completed"], errors="coerce").round(2)
    g = values.groupby(last["project_id"])
    summary = pd.DataFrame({"size": g.size(), "count": g.count(), "distinct": g.nunique()})
    return set(summary.index[(summary["size"] == n) & (summary["count"] == n) & (summary["distinct"] == 1)])


def raw_lights(data: YearData, day: dt.date) -> pd.DataFrame:
    """The light of each KC project by the rules alone (without the catch-up step); memoised per date."""
    return memoised(data, ("raw_lights", day), lambda: _raw_lights(data, day))


def _raw_lights(data: YearData, day: dt.date) -> pd.DataFrame:
    """Set-based: one column per rule over every KC project at once (no loop over projects)."""
    cfg = params.load("monitoring")["lights"]
    plan = _kc(data.plan_on(day)).reset_index(drop=True)
    if plan.empty:
        return pd.DataFrame(columns=LIGHT_COLUMNS)
    state = project_state(data, day)
    pids = plan["project_id"]
    started = pids.isin(started_ids(data, day, state))
    stalled = pids.isin(stalled_ids(data, day, state))
    spis = spi(data, day, state)
    s = pids.map(spis[~spis.index.duplicated(keep="last")]).astype(float)
    status = pids.map(state["status"]).astype(object)
    status = pd.Series(status.where(status.notna(), None).tolist(), index=pids.index)  # dtype inferred as per row
    overdue = (pd.Timestamp(day) - pd.to_datetime(plan["planned_start"], errors="coerce")).dt.days.fillna(0).astype(int)
    late_start = ~started & (overdue >= 1)
    start_text = overdue.map("开工滞后{}天".format)
    spi_text = s.map("投资进度指数{:.2f}".format)
    stopped = started & (status == "停工") & (not cal.in_winter(day))  # 停工 in the winter stop is the winter stop (§9.5)
    red = _joined([(late_start & (overdue >= cfg["red_overdue_days"]), start_text),
                   (started & (s < cfg["red_spi"]), spi_text), (stopped, "停工"),
                   (started & stalled, f"连续{cfg['stall_periods']}期投资无变化")])
    yellow = _joined([(late_start & (overdue < cfg["red_overdue_days"]), start_text),
                      (started & (s >= cfg["red_spi"]) & (s < cfg["yellow_spi"]), spi_text)])
    light = np.select([red != "", yellow != ""], ["red", "yellow"], "green")
    return pd.DataFrame({"project_id": pids, "department": plan["department"], "name": plan["name"], "light": light,
                         "reasons": red.where(red != "", yellow), "spi": s, "status": status,
                         "started": started.astype(bool), "stalled": stalled.astype(bool)}, columns=LIGHT_COLUMNS)


def _joined(parts: list[tuple[pd.Series, Any]]) -> pd.Series:
    """Per row, the texts whose condition holds, in order, joined by "；" ("" when none holds)."""
    out = pd.Series("", index=parts[0][0].index, dtype=object)
    for cond, text in parts:  # a handful of rules, each applied to every row at once
        texts = pd.Series(text, index=cond.index, dtype=object) if isinstance(text, str) else text.astype(object)
        out = out + ("；" + texts).where(cond, "")
    return out.str[1:].astype(str)


def lights(data: YearData, day: dt.date) -> pd.DataFrame:
    """Lights as of ``day``: a project red in the previous period that now qualifies as green is yellow once.

    Only the previous step matters: a light is red after the catch-up step exactly when its raw light was
    red (the step only turns green into yellow), so the raw lights of ``day`` and of the last period
    before it decide (docs/measures.md §3)."""
    table = raw_lights(data, day)
    earlier = [p for p in cal.periods(data.year) if p < day]
    before = raw_lights(data, earlier[-1]) if earlier else table.iloc[:0]
    caught = table["project_id"].isin(before.loc[before["light"] == "red", "project_id"]) & (table["light"] == "green")
    table["caught_up"] = caught.astype(bool)
    table.loc[caught, "light"] = "yellow"
    table.loc[caught, "reasons"] = "上期红灯，本期追赶达标"
    return table


# ---------------------------------------------------------------- submissions
def submissions(data: YearData, day: dt.date) -> dict[str, Any]:
    """The period due on or before ``day``: due, on time, late, missing (by the first version, §9.2)."""
    past = [p for p in cal.periods(data.year) if p <= day]
    if not past:
        return {"period": None, "due": 0, "on_time": 0, "late": 0, "missing": 0, "late_departments": [],
                "missing_departments": []}
    period = past[-1]
    nxt = cal.next_period(period)
    due = sorted(set(data.plan_on(period)["department"].dropna()))
    first = data.versions[data.versions["period"] == period].sort_values(["version", "file_id"]) \
        .drop_duplicates("department").set_index("department")
    on_time, late, missing = [], [], []
    for d in due:
        r = first.loc[d, "received"] if d in first.index else None
        if r is None or pd.isna(r) or r > nxt:
            missing.append(d)
        elif r > period:
            late.append(d)
        else:
            on_time.append(d)
    return {"period": period.isoformat(), "due": len(due), "on_time": len(on_time), "late": len(late),
            "missing": len(missing), "late_departments": late, "missing_departments": missing}


# ---------------------------------------------------------------- the JSON contract
def metrics(data: YearData, day: dt.date) -> dict[str, Any]:
    """What ``alxa metrics --json`` prints (field names are a contract)."""
    overall = commencement_table(data, day, None).iloc[0]
    started, total = int(overall["started"]), int(overall["total"])
    by_dept = commencement_table(data, day, "department")
    light_counts = lights(data, day)["light"].value_counts()
    sub = submissions(data, day)
    return {
        "as_of": day.isoformat(),
        "commencement": {"started": started, "total": total, "rate": _rate(started, total),
                         **next_target(day, started, total)},
        "by_department": [{"department": r.department, "started": int(r.started), "total": int(r.total),
                           "rate": None if r.rate is None or pd.isna(r.rate) else float(r.rate)}
                          for r in by_dept.itertuples()],
        "investment": investment(data, day),
        "lights": {k: int(light_counts.get(k, 0)) for k in ("red", "yellow", "green")},
        "submissions": {k: sub[k] for k in ("due", "on_time", "late", "missing")},
    }
