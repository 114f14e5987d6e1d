"""The year-end investment forecast of docs/measures.md §11.4: each KC project's annual completed
investment at 12-31, its annual plan expected evenly over its working window (its start to the day before
the winter stop, §9.5).

A started project keeps a pace (actual / plan expected so far in its window) for the rest of its window that
mixes its own pace so far (weight ``spi_persistence``) with one drawn from the banner's started projects
(``prior_pace`` before any is measured), times one factor shared by every project of a simulation
(``pace_shock``); an unstarted project adds its annual plan at a drawn pace only in the simulations where it
starts (§11.3), scaled by the share of its planned window left after its promised date.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.metrics import annual_completed
from alxa_lib.figures.state import YearData, project_state


def _working_window(data: YearData, day: dt.date, kc: pd.DataFrame) -> tuple[list[dt.date], dt.date]:
    """(the first day of each project's working window this year, the last working day): work stops for the
    winter (§9.5), so a project works from its start (a continuing project from its 复工, never before the stop
    ends) to the day before the next stop begins."""
    year = data.year
    resume = cal.mmdd(year, params.load("monitoring")["winter_stop"][1]) + dt.timedelta(days=1)
    start = pd.to_datetime(project_state(data, day)["start_date"].reindex(kc.index), errors="coerce")
    begin = [max(resume, s.date()) if not pd.isna(s) and s.year == year else resume for s in start]
    return begin, cal.last_working_day(year)


def investment_forecast(data: YearData, day: dt.date, todo: pd.DataFrame, starts: np.ndarray,
                        cfg: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """({point, low, high} year-end completion rate, per-department table sorted by the gap to plan).
    ``starts`` is sims × unstarted projects: whether each starts by the last target in that simulation."""
    plan = data.plan_on(day)
    kc = plan[plan["class"] == "KC"].set_index("project_id")
    actual = annual_completed(data, day).reindex(kc.index).fillna(0.0).to_numpy()
    planned = kc["annual_planned"].astype(float).fillna(0.0).to_numpy()
    begin, stop = _working_window(data, day, kc)
    # the share of each started project's working window gone by: its plan is expected evenly over the window
    gone = np.array([min(1.0, max(0.0, (day - b).days / max(1, (stop - b).days))) for b in begin])
    to_date, remaining = planned * gone, planned * (1.0 - gone)
    lo, hi = (float(x) for x in cfg["spi_clip"])
    w = float(cfg["spi_persistence"])
    unstarted = kc.index.isin(set(todo["project_id"]))
    measured = ~unstarted & (to_date >= float(cfg["min_planned_share"]) * np.maximum(planned, 1e-9))
    own = np.where(measured, np.clip(actual / np.maximum(to_date, 1e-9), lo, hi), np.nan)
    pool = own[measured]
    rng = np.random.default_rng(int(cfg["seed"]) + 2)
    n_sim = starts.shape[0]
    drawn = rng.choice(pool, size=(n_sim, len(kc))) if len(pool) else \
        np.full((n_sim, len(kc)), float(cfg["prior_pace"]))  # before any pace is measured (the winter)
    pace = np.where(np.isnan(own), drawn, w * np.nan_to_num(own) + (1 - w) * drawn)
    # the rest of the season may go better or worse for the whole banner than it went so far: one shared
    # factor per simulation (its spread chosen by the backtest, docs/measures.md §11.7)
    pace = pace * np.exp(rng.normal(0.0, float(cfg["pace_shock"]), size=(n_sim, 1)))
    share = np.ones(len(kc))
    started_sim = np.ones((n_sim, len(kc)))
    pos = {pid: i for i, pid in enumerate(kc.index)}
    for j, (pid, e, planned_start) in enumerate(zip(todo["project_id"], todo["promised"], todo["planned_start"])):
        i = pos[pid]
        remaining[i] = planned[i]
        share[i] = _window_left(day, stop, planned_start, e)
        started_sim[:, i] = starts[:, j]
    year_end = actual + started_sim * pace * remaining * share
    total_planned = planned.sum()
    rates = year_end.sum(axis=1) / total_planned if total_planned else np.zeros(n_sim)
    q = (1 - float(cfg["interval"])) / 2
    invest = {"point": float(rates.mean()), "low": float(np.quantile(rates, q)), "high": float(np.quantile(rates, 1 - q))}
    by = pd.DataFrame({"department": kc["department"].to_numpy(), "annual_planned": planned,
                       "annual_completed": actual, "forecast": year_end.mean(axis=0)})
    by = by.groupby("department", as_index=False).sum()
    by["forecast_rate"] = by["forecast"] / by["annual_planned"].where(by["annual_planned"] > 0)
    by["gap"] = by["annual_planned"] - by["forecast"]
    return invest, by.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def _window_left(day: dt.date, stop: dt.date, planned_start, promised: dt.date) -> float:
    """The share of an unstarted project's working window (from its planned start, or ``day`` if later, to the
    winter stop) still left when it starts on its promised date: a project's annual plan is sized for its
    planned start, so only a start later than planned loses plan."""
    begin = max(day, planned_start) if isinstance(planned_start, dt.date) else day
    window = (stop - begin).days
    if window <= 0:
        return 0.0
    return min(1.0, max(0.0, (stop - max(promised, begin)).days / window))
