"""Which projects to visit (Art. 9 实地督查; docs/measures.md §12.2): a documented risk score over the
integrity signals, the lights, the start delay, the project's size and the time since its last
inspection. Pure functions of a :class:`YearData`, the signals and the inspection records.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.checks.inspection_rules import mismatches
from alxa_lib.figures.metrics import lights
from alxa_lib.figures.state import YearData

PLAN_COLUMNS = ["project_id", "name", "department", "risk", "reasons", "signals", "light", "annual_planned"]


def _signal_points(sig: pd.DataFrame, day: dt.date) -> tuple[dict[str, float], dict[str, list[dict]]]:
    """Per project: the signals' weighted points (recent ones in full, older ones half, capped) and the
    signals themselves, newest first."""
    r = params.load("integrity")["risk"]
    weights, cap = r["signal_weights"], float(r["signal_cap"])
    recent = set([p for p in cal.periods(day.year) if p <= day][-int(r["recent_periods"]):])
    points: dict[str, float] = {}
    listed: dict[str, list[dict]] = {}
    for s in sig.sort_values("period", ascending=False).itertuples(index=False):
        w = float(weights.get(s.signal, 1)) * (1.0 if s.period in recent else 0.5)
        points[s.project_id] = min(cap, points.get(s.project_id, 0.0) + w)
        listed.setdefault(s.project_id, []).append(
            {"signal": s.signal, "label": s.label, "period": s.period.isoformat(), "reason": s.reason,
             "evidence": s.evidence})
    return points, listed


def _last_inspected(records: pd.DataFrame | None, day: dt.date) -> dict[str, tuple[dt.date, bool]]:
    """Per project: its last inspection by ``day`` and whether that record contradicted what was reported
    (the form carries both; the rule is ``checks.inspection_rules``)."""
    if records is None or records.empty:
        return {}
    on = pd.to_datetime(records["inspected_on"], errors="coerce").dt.date
    seen = records[on.notna() & (on <= day)].sort_values("inspected_on")
    out = {}
    for rec in seen.drop_duplicates("project_id", keep="last").to_dict("records"):
        reported = {rec["project_id"]: {"status": rec.get("status"), "progress_pct": rec.get("progress_pct"),
                                        "annual_completed": rec.get("annual_completed")}}
        out[rec["project_id"]] = (pd.Timestamp(rec["inspected_on"]).date(),
                                  bool(mismatches(pd.DataFrame([rec]), reported)))
    return out


def inspection_plan(data: YearData, signals: pd.DataFrame, day: dt.date, n: int | None = None,
                    records: pd.DataFrame | None = None) -> pd.DataFrame:
    """The KC projects in the plan in force on ``day`` ranked by risk (highest first; ties by project id),
    the first ``n`` of them (all when None), each with its reasons and its signals up to ``day``."""
    r = params.load("integrity")["risk"]
    table = lights(data, day).set_index("project_id")
    plan = data.plan_on(day, copy=False).drop_duplicates("project_id").set_index("project_id")
    sig = signals[signals["period"] <= day] if not signals.empty else signals
    points, listed = _signal_points(sig, day) if not sig.empty else ({}, {})
    inspected = _last_inspected(records, day)
    rows = []
    for pid, t in table.iterrows():
        reasons: list[str] = []
        risk = points.get(pid, 0.0)
        if pid in listed:
            counts: dict[str, int] = {}
            for s in listed[pid]:
                counts[s["label"]] = counts.get(s["label"], 0) + 1
            reasons.append("数据信号：" + "、".join(f"{k}（{v}次）" if v > 1 else k for k, v in counts.items()))
        if t["light"] in ("red", "yellow"):
            risk += float(r[t["light"]])
            reasons.append(("红灯：" if t["light"] == "red" else "黄灯：") + str(t["reasons"]))
        start = plan["planned_start"].get(pid)
        if not t["started"] and start is not None and pd.notna(start) and start < day:
            late = (day - pd.Timestamp(start).date()).days
            risk += min(2.0, float(r["delay_per_30_days"]) * late / 30)
        annual = plan["annual_planned"].get(pid)
        annual = float(annual) if annual is not None and pd.notna(annual) else 0.0
        if annual > 1000:
            risk += min(1.5, float(r["size_per_log10"]) * math.log10(annual / 1000))
        last, contradicted = inspected.get(pid, (None, False))
        if last is not None and (day - last).days <= int(r["inspected_recently_days"]):
            if contradicted:  # the site contradicted the report: follow it up, never deprioritise it
                risk += float(r["mismatch"])
                reasons.append(f"{last:%m月%d日}实地督查发现报送与现场不符")
            else:
                risk *= 0.5
                reasons.append(f"{last:%m月%d日}已实地督查，与报送相符")
        rows.append({"project_id": pid, "name": t["name"], "department": t["department"], "risk": round(risk, 2),
                     "reasons": reasons, "signals": listed.get(pid, []), "light": t["light"],
                     "annual_planned": annual})
    out = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    out = out.sort_values(["risk", "project_id"], ascending=[False, True]).reset_index(drop=True)
    return out if n is None else out.head(n)


def average_precision(ranked_ids: list[str], positives: set[str]) -> float:
    """Average precision of a ranking for a set of relevant ids (1.0: every relevant id first)."""
    if not positives:
        return float("nan")
    hits, total = 0, 0.0
    for k, pid in enumerate(ranked_ids, 1):
        if pid in positives:
            hits += 1
            total += hits / k
    return total / len(positives)
