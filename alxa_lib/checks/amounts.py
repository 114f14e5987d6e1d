"""Amounts against the project itself (docs/measures.md §9.30).

An investment amount of a report row above the project's total investment (总投资), or a 本年完成投资 above
the annual plan (年度计划投资) by more than ``params/ingest.yaml`` ``annual_over_plan_factor``, is an error
finding on its cell (``CUMULATIVE_GT_TOTAL``, ``AMOUNT_ABOVE_PROJECT``) and counts as missing in every
figure until a corrected version arrives: the checks see it empty where they compare amounts, and
``figures.state.load_year`` empties it (the ledger keeps what was written). When the amount divided by
10,000 passes the same tests, the message says it was probably entered in 元.

The same test serves one row (:func:`implausible`, the checks) and a whole frame (:func:`mask_amounts`, the figures).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from alxa_lib import params
from alxa_lib.values import round2

CHECKED = ("annual_completed", "cumulative_completed")
YUAN = 10000.0
SLIP = 100  # an amount in 元 of a project at least 1 % of its limit is at least this many times the limit in 万元


def factor() -> float:
    return float(params.load("ingest").get("annual_over_plan_factor", 3))


def implausible(field: str, amount: Any, total: Any, annual_plan: Any, k: float | None = None
                ) -> tuple[str, float] | None:
    """Why ``amount`` of ``field`` cannot be the project's: ("total", 总投资) when above the total investment,
    ("annual", k × 年度计划投资) when a 本年完成投资 is above k times the annual plan; None when it can."""
    amount, total, annual_plan = round2(amount), round2(total), round2(annual_plan)
    if amount is None:
        return None
    if total is not None and amount > total:
        return "total", total
    k = factor() if k is None else k
    if field == "annual_completed" and annual_plan is not None and annual_plan > 0 and amount > round(k * annual_plan, 2):
        return "annual", round(k * annual_plan, 2)
    return None


def yuan_hint(field: str, amount: Any, total: Any, annual_plan: Any, k: float | None = None) -> str:
    """"（疑似以元为单位填报，折合…万元）" when the amount looks like 元: at least ``SLIP`` times the limit it
    breaks (an amount just above its limit is no unit slip), and plausible once divided by 10,000; else ""."""
    amount = round2(amount)
    why = implausible(field, amount, total, annual_plan, k)
    if why is None or amount < SLIP * why[1]:
        return ""
    converted = round(amount / YUAN, 2)
    if converted > 0 and implausible(field, converted, total, annual_plan, k) is None:
        return f"（疑似以元为单位填报，折合{converted:,.2f}万元）"
    return ""


def limits(plan_row: dict | None, row: dict) -> tuple[Any, Any]:
    """The project's total investment and annual plan: the plan's (in force on the period), else the row's own."""
    if plan_row is not None:
        return plan_row.get("total_investment"), plan_row.get("annual_planned")
    return row.get("total_investment"), row.get("annual_planned")


def masked_row(row: dict, plan_row: dict | None, k: float | None = None) -> dict:
    """The row with its implausible amounts emptied (a copy when one is)."""
    total, annual_plan = limits(plan_row, row)
    bad = [f for f in CHECKED if implausible(f, row.get(f), total, annual_plan, k) is not None]
    return {**row, **{f: None for f in bad}} if bad else row


def mask_amounts(reports, total, annual_plan, k: float | None = None):
    """``reports`` (a frame with ``annual_completed`` and ``cumulative_completed``) with every implausible
    amount set to None, judged against ``total`` and ``annual_plan`` (one float per row, NaN where unknown):
    the same test as :func:`implausible`, a column at a time. A new frame only when something is emptied."""
    import pandas as pd
    if reports.empty:
        return reports
    total, annual_plan = np.round(total, 2), np.round(annual_plan, 2)
    k = factor() if k is None else k
    out = None
    for f in CHECKED:
        if f not in reports.columns:
            continue
        amount = pd.to_numeric(reports[f], errors="coerce").to_numpy(dtype=float).round(2)
        with np.errstate(invalid="ignore"):
            bad = amount > total
            if f == "annual_completed":
                bad |= (annual_plan > 0) & (amount > np.round(k * annual_plan, 2))
        if bad.any():
            out = reports.copy() if out is None else out
            out[f] = out[f].astype(object).where(~bad, None)
    return reports if out is None else out
