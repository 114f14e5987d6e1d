"""Integrity signals on reported figures (Art. 8 及时、准确、完整; docs/measures.md §12.1).

A signal is a reason to look at a project, never proof and never a finding: it changes no figure and
no score, and appears only in the inspection list and the investigation views. Each signal is computed per
project and period from the report versions in the ledger, with its evidence (the numbers that raised
it) and a plain-language reason; every threshold is in ``params/integrity.yaml``.

The input is the *history* frame (``ledger.inspections.version_history``): one row per project per report
version with department, period, version, received, status, annual and cumulative investment, 形象进度
and the progress text. The plan gives each project's annual plan and sector.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.vocab import UNDER_WAY_STATUSES as UNDER_WAY

SIGNAL_COLUMNS = ["project_id", "department", "period", "signal", "label", "reason", "evidence"]
SIGNALS = ("copied", "quarter_end", "pace_jump", "pace_gap", "retro_edit", "round_numbers", "identical_text")


def _cfg() -> dict:
    return params.load("integrity")


def _num(x) -> str:
    """A figure as the evidence prints it: 万元 with at most two decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "空"
    return f"{float(x):,.2f}".rstrip("0").rstrip(".")


def latest_rows(history: pd.DataFrame) -> pd.DataFrame:
    """The latest version of each project's row in each period (what the figures use), sorted by project
    and period."""
    if history.empty:
        return history.copy()
    h = history.sort_values(["project_id", "period", "version"])
    return h.drop_duplicates(["project_id", "period"], keep="last").reset_index(drop=True)


def _signal(rows: pd.DataFrame, mask, code: str, reasons: pd.Series, evidence: pd.Series) -> pd.DataFrame:
    """Signal rows for ``rows[mask]`` (one per row) with their reason and evidence texts."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = rows.loc[mask, ["project_id", "department", "period"]].copy()
    out["signal"] = code
    out["label"] = _cfg()["labels"][code]
    out["reason"] = reasons[mask].to_numpy()
    out["evidence"] = evidence[mask].to_numpy()
    return out


def _previous(rows: pd.DataFrame, col: str, k: int = 1) -> pd.Series:
    """``col`` of the same project's k-th earlier period row (NaN/None at the project's first rows)."""
    return rows.groupby("project_id", sort=False)[col].shift(k)


def copied(rows: pd.DataFrame) -> pd.DataFrame:
    """本年完成投资, 形象进度 and the progress text identical in ``periods`` consecutive reports while the
    project is reported under construction (已开工/已复工, outside the winter stop)."""
    n = int(_cfg()["signals"]["copied"]["periods"])
    same = pd.Series(True, index=rows.index)
    for k in range(1, n):
        same &= _previous(rows, "period", k).notna() & _previous(rows, "status", k).isin(UNDER_WAY)
        for col in ("annual_completed", "progress_pct", "progress_text"):
            prev, cur = _previous(rows, col, k), rows[col]
            same &= ((cur == prev) | (cur.isna() & prev.isna())).fillna(False).astype(bool)
    winter = rows["period"].map(cal.in_winter).astype(bool)
    mask = same & rows["status"].isin(UNDER_WAY) & ~winter & rows["annual_completed"].notna()
    reasons = pd.Series(f"连续{n}期报送的本年完成投资、形象进度和进展描述完全相同，但项目报为在建", index=rows.index)
    evidence = ("本年完成投资" + rows["annual_completed"].map(_num) + "万元，形象进度"
                + rows["progress_pct"].map(_num) + "%，进展描述“" + rows["progress_text"].fillna("").astype(str) + "”")
    return _signal(rows, mask, "copied", reasons, evidence)


def quarter_end(rows: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """A quarter's investment increase booked mostly in its last period report: the last period's share of
    the quarter's increase at least ``share`` and ``margin`` above the banner's median share that quarter,
    on a quarter increase of at least ``min_share_of_annual`` of the plan, for a project started at least
    ``min_started_periods`` reports before (a project that starts in the last weeks books it all then)."""
    c = _cfg()["signals"]["quarter_end"]
    if rows.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    year = int(pd.Timestamp(rows["period"].iloc[0]).year)
    annual = rows["project_id"].map(plan.drop_duplicates("project_id").set_index("project_id")["annual_planned"])
    out = []
    all_periods = cal.periods(year)
    value = rows.pivot_table(index="project_id", columns="period", values="annual_completed", aggfunc="last")
    status = rows.pivot_table(index="project_id", columns="period", values="status", aggfunc="last")
    for q in range(1, 5):
        in_q = [p for p in all_periods if cal.quarter_of(p) == q]
        last, before_last = in_q[-1], in_q[-2]
        prev_end = [p for p in all_periods if p < in_q[0]]
        if last not in value.columns or before_last not in value.columns:
            continue
        start = value[prev_end[-1]] if prev_end and prev_end[-1] in value.columns else pd.Series(0.0, index=value.index)
        start = start.fillna(0.0)
        quarter_inc = value[last] - start
        last_inc = value[last] - value[before_last]
        share = (last_inc / quarter_inc).where(quarter_inc > 0)
        window = [p for p in all_periods if p < last][-int(c["min_started_periods"]):]
        window = [p for p in window if p in status.columns]
        if len(window) < int(c["min_started_periods"]):
            continue
        started_before = status[window].isin(UNDER_WAY).all(axis=1)
        plan_q = annual.groupby(rows["project_id"]).first().reindex(value.index)
        big = quarter_inc >= float(c["min_share_of_annual"]) * plan_q
        median = share[started_before & big].median()
        threshold = max(float(c["share"]), (median if pd.notna(median) else 0.0) + float(c["margin"]))
        hit = started_before & big & (share >= threshold)
        for pid in hit[hit].index:
            r = rows[(rows["project_id"] == pid) & (rows["period"] == last)].iloc[0]
            out.append({"project_id": pid, "department": r["department"], "period": last, "signal": "quarter_end",
                        "label": _cfg()["labels"]["quarter_end"],
                        "reason": f"第{q}季度新增投资的{share[pid]:.0%}在季末最后一期报送（全旗中位数"
                                  f"{(median if pd.notna(median) else 0):.0%}）",
                        "evidence": f"季度新增{_num(quarter_inc[pid])}万元，其中{before_last:%m-%d}至{last:%m-%d}"
                                    f"新增{_num(last_inc[pid])}万元"})
    return pd.DataFrame(out, columns=SIGNAL_COLUMNS)


def pace(rows: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Impossible pace: 形象进度 rising faster between two consecutive reports than the project's sector
    allows, or investment rising by more than ``max_investment_step`` of the annual plan in one half month
    (``pace_jump``); 形象进度 running ahead of the investment share of the annual plan by more than
    ``max_gap`` points while under construction, and by more than ``keep_gap`` in the reports after one that was
    (``pace_gap``)."""
    c = _cfg()["signals"]["pace"]
    p = plan.drop_duplicates("project_id").set_index("project_id")
    annual = rows["project_id"].map(p["annual_planned"]).astype(float)
    sector = rows["project_id"].map(p["sector"]) if "sector" in p else pd.Series(None, index=rows.index)
    caps = c["max_progress_step"]
    cap = sector.map(lambda s: caps.get(s, caps["default"]) if isinstance(s, str) else caps["default"]).astype(float)
    pct = pd.to_numeric(rows["progress_pct"], errors="coerce")
    prev_pct = pd.to_numeric(_previous(rows, "progress_pct"), errors="coerce")
    inv = pd.to_numeric(rows["annual_completed"], errors="coerce")
    prev_inv = pd.to_numeric(_previous(rows, "annual_completed"), errors="coerce")
    under_way = rows["status"].isin(UNDER_WAY)
    was_under_way = _previous(rows, "status").isin(UNDER_WAY)
    pct_jump = (pct - prev_pct) > cap
    inv_jump = ((inv - prev_inv) > float(c["max_investment_step"]) * annual) & (annual > 0)
    jump = (pct_jump | inv_jump).fillna(False) & under_way & was_under_way
    reasons = pd.Series("", index=rows.index)
    reasons[pct_jump.fillna(False)] = ("半月内形象进度增长" + (pct - prev_pct).map(_num) + "个百分点，超过同类项目上限"
                                       + cap.map(_num) + "个百分点")[pct_jump.fillna(False)]
    only_inv = inv_jump.fillna(False) & ~pct_jump.fillna(False)
    reasons[only_inv] = ("半月内本年完成投资增加" + ((inv - prev_inv) / annual).map(lambda x: f"{x:.0%}")
                         + "的年度计划，超过上限" + f"{float(c['max_investment_step']):.0%}")[only_inv]
    evidence = ("形象进度" + prev_pct.map(_num) + "%→" + pct.map(_num) + "%，本年完成投资"
                + prev_inv.map(_num) + "→" + inv.map(_num) + "万元（年度计划" + annual.map(_num) + "万元）")
    jumps = _signal(rows, jump, "pace_jump", reasons, evidence)
    share = inv / annual * 100
    apart = (pct - share).where(under_way & (annual > 0))
    gap = _held(rows["project_id"], apart, float(c["max_gap"]), float(c["keep_gap"]))
    reasons_gap = ("形象进度" + pct.map(_num) + "%，而本年完成投资仅占年度计划的" + share.map(_num) + "%")
    evidence_gap = ("形象进度" + pct.map(_num) + "%，本年完成投资" + inv.map(_num) + "万元，年度计划"
                    + annual.map(_num) + "万元")
    return pd.concat([jumps, _signal(rows, gap, "pace_gap", reasons_gap, evidence_gap)], ignore_index=True)


def _held(project: pd.Series, value: pd.Series, open_at: float, keep_at: float) -> pd.Series:
    """True where ``value`` exceeds ``open_at``, or exceeds ``keep_at`` while the project's previous report was
    already True (hysteresis: an inflated 形象进度 nearing 100 % stays flagged once it was)."""
    out = pd.Series(False, index=value.index)
    prev: dict = {}
    for i, pid, v in zip(value.index, project, value):  # rows are in project and period order
        on = bool(v > open_at) or (bool(v > keep_at) and prev.get(pid, False)) if pd.notna(v) else False
        out[i] = on
        prev[pid] = on
    return out


def retro_edits(history: pd.DataFrame) -> pd.DataFrame:
    """A later version, received once the period's brief was out (``published_after_days`` after the due
    date or later), that lowers a figure of the period's first version."""
    c = _cfg()["signals"]["retro_edit"]
    if history.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    h = history.sort_values(["project_id", "period", "version"])
    first = h.drop_duplicates(["project_id", "period"], keep="first").set_index(["project_id", "period"])
    late = h[(h["version"] > h.groupby(["project_id", "period"])["version"].transform("min"))
             & (pd.to_datetime(h["received"]) >= pd.to_datetime(h["period"])
                + pd.Timedelta(days=int(c["published_after_days"])))]
    names = {"annual_completed": "本年完成投资", "cumulative_completed": "累计完成投资", "progress_pct": "形象进度"}
    out = []
    for r in late.itertuples(index=False):
        base = first.loc[(r.project_id, r.period)]
        for f in c["fields"]:
            old, new = pd.to_numeric(base[f], errors="coerce"), pd.to_numeric(getattr(r, f), errors="coerce")
            if pd.notna(old) and pd.notna(new) and new < old:
                unit = "%" if f == "progress_pct" else "万元"
                out.append({"project_id": r.project_id, "department": r.department, "period": r.period,
                            "signal": "retro_edit", "label": _cfg()["labels"]["retro_edit"],
                            "reason": f"通报发布后报送的第{r.version}版调低了{names[f]}",
                            "evidence": f"{names[f]}由{_num(old)}{unit}改为{_num(new)}{unit}（第{r.version}版，"
                                        f"{pd.Timestamp(r.received):%m-%d}收到）"})
    return pd.DataFrame(out, columns=SIGNAL_COLUMNS).drop_duplicates(["project_id", "period", "evidence"])


def round_numbers(rows: pd.DataFrame) -> pd.DataFrame:
    """The investment rising by a multiple of ``unit`` 万元 in ``repeats`` consecutive reports (an honest
    ledger's increments are rarely all round)."""
    c = _cfg()["signals"]["round_numbers"]
    unit, n = float(c["unit"]), int(c["repeats"])
    inv = pd.to_numeric(rows["annual_completed"], errors="coerce")
    inc = inv - pd.to_numeric(_previous(rows, "annual_completed"), errors="coerce")
    rnd = ((inc > 0) & (np.isclose(np.mod(inc.fillna(0.5), unit), 0) | np.isclose(np.mod(inc.fillna(0.5), unit), unit)))
    rnd = pd.Series(rnd, index=rows.index)
    run = rnd.copy()
    for k in range(1, n):
        run &= rnd.groupby(rows["project_id"]).shift(k).fillna(False).astype(bool)
    reasons = pd.Series(f"连续{n}期本年完成投资的增量均为{_num(unit)}万元的整数倍", index=rows.index)
    evidence = "本期增量" + inc.map(_num) + "万元"
    return _signal(rows, run, "round_numbers", reasons, evidence)


def identical_text(rows: pd.DataFrame) -> pd.DataFrame:
    """The same progress text (at least ``min_chars`` characters) for two or more projects of a
    department in one period while their 形象进度 differ by ``min_pct_apart`` points or more."""
    c = _cfg()["signals"]["identical_text"]
    t = rows["progress_text"].where(rows["progress_text"].map(lambda x: isinstance(x, str)), None)
    ok = t.notna() & (t.fillna("").str.len() >= int(c["min_chars"]))
    pct = pd.to_numeric(rows["progress_pct"], errors="coerce")
    key = [rows["department"], rows["period"], t]
    spread = pct.where(ok).groupby(key, dropna=True).transform(lambda s: s.max() - s.min())
    count = t.where(ok).groupby(key, dropna=True).transform("count")
    mask = ok & (count >= 2) & (spread >= float(c["min_pct_apart"]))
    reasons = pd.Series("与本部门其他项目的进展描述一字不差，而形象进度不同", index=rows.index)
    evidence = "进展描述“" + t.fillna("").astype(str) + "”，" + count.fillna(0).astype(int).astype(str) + "个项目相同"
    return _signal(rows, mask.fillna(False), "identical_text", reasons, evidence)


def signals(history: pd.DataFrame, plan: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every integrity signal of the KC projects in ``history`` with a period ≤ ``as_of`` (all when None),
    sorted by project, period and signal. Never a finding, never a score (§12.1)."""
    if history.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    h = history.copy()
    h["period"] = pd.to_datetime(h["period"]).dt.date
    if as_of is not None:
        h = h[h["period"] <= as_of]
    kc = set(plan.loc[plan["class"] == "KC", "project_id"])
    h = h[h["project_id"].isin(kc)]
    if h.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    rows = latest_rows(h)
    parts = [copied(rows), quarter_end(rows, plan), pace(rows, plan), retro_edits(h), round_numbers(rows),
             identical_text(rows)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    order = {s: i for i, s in enumerate(SIGNALS)}
    out["_o"] = out["signal"].map(order)
    return out.sort_values(["project_id", "period", "_o"]).drop(columns="_o").reset_index(drop=True)
