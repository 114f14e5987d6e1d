"""The year-end investment forecast of docs/measures.md §11.4: each KC project's annual completed
investment at 12-31 from its trajectory against its reverse schedule (§9.11, §9.12).

A started project keeps a pace (SPI, actual / planned to date) for the rest of the year that mixes its
own pace so far (weight ``spi_persistence``) with one drawn from the banner's started projects; an
unstarted project adds its remaining plan at a drawn pace only in the simulations where it starts
(§11.3), scaled by the share of the rest of the year left after its promised date.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.metrics import annual_completed, schedule_in_force
from alxa_lib.figures.state import YearData


def _planned(data: YearData, day: dt.date, kc: pd.DataFrame, planned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(planned-to-date, Q4 node) per project, vectorised: the schedule row's nodes where it has any,
    else the annual plan × the default node shares (§9.11), linear between quarter ends (§9.12)."""
    sched = schedule_in_force(data, day).reindex(kc.index)
    cols = [f"q{i}_node" for i in range(1, 5)]
    q = (sched[cols].apply(pd.to_numeric, errors="coerce") if len(sched.columns.intersection(cols)) == 4
         else pd.DataFrame(np.nan, index=kc.index, columns=cols))
    has = q.notna().any(axis=1).to_numpy()
    shares = np.asarray(params.load("monitoring")["default_node_shares"], dtype=float)
    node = np.where(has[:, None], q.fillna(0.0).to_numpy(dtype=float), planned[:, None] * shares[None, :])
    y = data.year
    ends = [dt.date(y - 1, 12, 31)] + [cal.quarter_end(y, i) for i in range(1, 5)]
    node = np.concatenate([np.zeros((len(kc), 1)), node], axis=1)
    seg = next((i for i in range(4) if ends[i] <= day <= ends[i + 1]), 3)
    frac = 1.0 if day > ends[4] else (day - ends[seg]).days / (ends[seg + 1] - ends[seg]).days
    return node[:, seg] + frac * (node[:, seg + 1] - node[:, seg]), node[:, 4]


def investment_forecast(data: YearData, day: dt.date, todo: pd.DataFrame, starts: np.ndarray,
                        cfg: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """({point, low, high} year-end completion rate, per-department table sorted by the gap to plan).
    ``starts`` is sims × unstarted projects: whether each starts by the last target in that simulation."""
    plan = data.plan_on(day)
    kc = plan[plan["class"] == "KC"].set_index("project_id")
    actual = annual_completed(data, day).reindex(kc.index).fillna(0.0).to_numpy()
    planned = kc["annual_planned"].astype(float).fillna(0.0).to_numpy()
    to_date, year_end_plan = _planned(data, day, kc, planned)
    remaining = np.maximum(0.0, year_end_plan - to_date)
    lo, hi = (float(x) for x in cfg["spi_clip"])
    w = float(cfg["spi_persistence"])
    unstarted = kc.index.isin(set(todo["project_id"]))
    measured = ~unstarted & (to_date >= float(cfg["min_planned_share"]) * np.maximum(planned, 1e-9))
    own = np.where(measured, np.clip(actual / np.maximum(to_date, 1e-9), lo, hi), np.nan)
    pool = own[measured]
    rng = np.random.default_rng(int(cfg["seed"]) + 2)
    n_sim = starts.shape[0]
    drawn = rng.choice(pool, size=(n_sim, len(kc))) if len(pool) else np.ones((n_sim, len(kc)))
    pace = np.where(np.isnan(own), drawn, w * np.nan_to_num(own) + (1 - w) * drawn)
    year_end_day = dt.date(data.year, 12, 31)
    left = max(1, (year_end_day - day).days)
    share = np.ones(len(kc))
    started_sim = np.ones((n_sim, len(kc)))
    pos = {pid: i for i, pid in enumerate(kc.index)}
    for j, (pid, e) in enumerate(zip(todo["project_id"], todo["promised"])):
        i = pos[pid]
        share[i] = min(1.0, max(0.0, (year_end_day - max(e, day)).days / left))
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
