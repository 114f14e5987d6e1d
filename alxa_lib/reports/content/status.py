"""The small daily questions: who has reported (``alxa status``), what changed since the previous
period (``alxa diff``), and the brief in a few sentences (``alxa summary``).

Each returns a plain dict that ``--json`` prints as it is (the field names are a contract, listed in
the README, "Daily commands"). Figures come from ``figures`` (docs/measures.md §3); submission
states follow §9.2 (on time by the due date, late until the next due date, missing after it).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib.figures.metrics import annual_completed, lights, metrics
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.reports.content.labels import LIGHT_CN, by_units
from alxa_lib.values import clean

STATE_CN = {"on_time": "按时", "late": "迟报", "missing": "未报", "pending": "待报"}
SUMMARY_LIMIT = 500


def _iso(v) -> str | None:
    v = clean(v)
    return v.isoformat() if hasattr(v, "isoformat") else v


def contacts(data: YearData, department: str, period: dt.date) -> list[dict[str, Any]]:
    """Whom to call: the department's registered liaisons, else the project leaders named in the plan."""
    reg = data.registers.get("liaisons", pd.DataFrame())
    out = []
    if not reg.empty and "unit" in reg:
        for r in reg[reg["unit"] == department].to_dict("records"):
            out.append({"name": clean(r.get("name")), "title": clean(r.get("title")), "phone": clean(r.get("phone"))})
    if not out:
        plan = data.plan_on(period)
        leaders = plan.loc[plan["department"] == department, "leader"].dropna() if "leader" in plan else []
        out = [{"name": n, "title": "项目负责人", "phone": None} for n in dict.fromkeys(leaders)]
    return out


def status(data: YearData, files: pd.DataFrame, findings: pd.DataFrame, period: dt.date,
           today: dt.date) -> dict[str, Any]:
    """Who has reported for ``period`` as of ``today``: state, versions, open return lists, contacts.

    ``files`` is every version filed for the period (``queries.period_report_files``); ``findings``
    the period's validation findings on the latest versions. A department with error findings on its
    latest version has an open return list (退回修改清单).
    """
    nxt = cal.next_period(period)
    due = by_units(set(data.plan_on(period)["department"].dropna()))
    live = files[~files["withdrawn"].astype(bool)]
    if len(live):  # as of ``today``: a file received later had not arrived yet
        arrived = pd.to_datetime(live["received"], errors="coerce").dt.date
        live = live[arrived.isna() | (arrived <= today)]
    rows = []
    for d in due:
        mine = live[live["department"] == d].sort_values("version")
        received = clean(mine["received"].iloc[0]) if len(mine) else None
        received = received.date() if isinstance(received, dt.datetime) else received
        if received is None:
            state = "pending" if today <= period else "missing"
        elif received > nxt:
            state = "missing"  # §9.2: received after the next due date counts as not reported
        else:
            state = "late" if received > period else "on_time"
        f = findings[findings["department"] == d] if len(findings) else findings
        errors = int((f["severity"] == "error").sum()) if len(f) else 0
        warnings = int((f["severity"] == "warning").sum()) if len(f) else 0
        rows.append({"department": d, "state": state, "received": _iso(received),
                     "versions": int(len(mine)), "latest_version": int(mine["version"].max()) if len(mine) else None,
                     "withdrawn_versions": int(files[(files["department"] == d) & files["withdrawn"].astype(bool)].shape[0]),
                     "errors": errors, "warnings": warnings, "return_list_open": errors > 0,
                     "contacts": contacts(data, d, period)})
    counts = {k: sum(r["state"] == k for r in rows) for k in STATE_CN}
    return {"period": period.isoformat(), "as_of": today.isoformat(), "due_departments": len(due), **counts,
            "return_lists_open": sum(r["return_list_open"] for r in rows),
            "to_chase": [r["department"] for r in rows if r["state"] in ("pending", "missing")],
            "departments": rows}


def diff(data: YearData, period: dt.date) -> dict[str, Any]:
    """What changed between the previous reporting date and ``period`` (the brief's 较上期)."""
    before = cal.previous_periods(period)
    prev = before[-1] if before else None
    plan = data.plan_on(period).set_index("project_id")
    now_l = lights(data, period).set_index("project_id")
    prev_l = lights(data, prev).set_index("project_id") if prev else now_l.iloc[0:0]
    state = project_state(data, period)
    started_now = started_ids(data, period, state)
    started_prev = started_ids(data, prev) if prev else set()

    def name(p):
        return clean(plan["name"].get(p)) if p in plan.index else None

    def dept(p):
        return clean(plan["department"].get(p)) if p in plan.index else None

    newly_started = [{"project_id": p, "name": name(p), "department": dept(p),
                      "start_date": _iso(state["start_date"].get(p)) if p in state.index else None}
                     for p in sorted(started_now - started_prev)]
    changed, newly_red = [], []
    for p, r in now_l.iterrows():
        old = prev_l["light"].get(p) if p in prev_l.index else None
        if old == r["light"]:
            continue
        changed.append({"project_id": p, "name": name(p), "department": dept(p), "from": old, "to": r["light"],
                        "reasons": clean(r.get("reasons"))})
        if r["light"] == "red":
            newly_red.append({"project_id": p, "name": name(p), "department": dept(p), "reasons": clean(r.get("reasons"))})
    for p, r in prev_l.iterrows():  # projects that left the plan (a replacement, a removal)
        if p not in now_l.index:
            changed.append({"project_id": p, "name": clean(r.get("name")), "department": clean(r.get("department")),
                            "from": r["light"], "to": None, "reasons": "已调出计划"})
    done_now = annual_completed(data, period)
    done_prev = annual_completed(data, prev) if prev else pd.Series(dtype=float)
    by_dept = []
    for d in by_units(set(plan["department"].dropna())):
        ids = [p for p in done_now.index if dept(p) == d]
        cur = round(float(done_now.reindex(ids).fillna(0).sum()), 2)
        old = round(float(done_prev.reindex(ids).fillna(0).sum()), 2)
        by_dept.append({"department": d, "previous": old, "current": cur, "added": round(cur - old, 2)})
    return {"period": period.isoformat(), "previous_period": prev.isoformat() if prev else None,
            "newly_started": newly_started, "newly_red": newly_red, "lights_changed": changed,
            "investment_added": by_dept, "investment_added_total": round(sum(r["added"] for r in by_dept), 2)}


def summary(data: YearData, period: dt.date) -> dict[str, Any]:
    """The brief's key sentences as plain text of at most SUMMARY_LIMIT characters, to paste into a message."""
    from alxa_lib.reports.content.brief import headline  # here: the brief module brings the xlsx writer, status needs neither
    text = headline(metrics(data, period), period)
    d = diff(data, period)
    extra = []
    if d["previous_period"]:
        extra.append(f"较上期新开复工{len(d['newly_started'])}个、新增红灯{len(d['newly_red'])}个，"
                     f"新增完成投资{d['investment_added_total']:,.0f}万元。")
    red = [f"{r['name'] or r['project_id']}（{r['department']}）" for r in d["newly_red"]]
    if red:
        extra.append(f"新增{LIGHT_CN['red']}项目：{'、'.join(red)}。")
    for sentence in extra:
        if len(text) + len(sentence) <= SUMMARY_LIMIT:
            text += sentence
    if len(text) > SUMMARY_LIMIT:
        text = text[:SUMMARY_LIMIT - 1] + "…"
    return {"period": period.isoformat(), "text": text, "characters": len(text)}


def withdrawal_record(rows: pd.DataFrame, by: str, why: str | None, at: dt.datetime) -> dict[str, Any]:
    """The JSON of ``alxa withdraw``: the files withdrawn, who, when, why."""
    return {"withdrawn": [{"file_id": int(r["file_id"]), "sha256": r["sha256"], "original_name": clean(r["original_name"]),
                           "kind": clean(r["kind"]), "department": clean(r["department"]), "period": _iso(r["period"]),
                           "version": None if clean(r["version"]) is None else int(r["version"])}
                          for r in rows.to_dict("records")],
            "by": by, "at": at.isoformat(timespec="seconds"), "why": why}
