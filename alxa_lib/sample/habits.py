"""Dishonest reporting habits planted in the sample year, on request (``alxa sample --habits``;
docs/measures.md §12.4): the test bed of the integrity signals and the inspection list.

Three departments each get one habit, on about two thirds of their KC projects under way; the others
stay honest. The habits change what is *reported* (the delivered files), never the story of the site:

- **copier** repeats a project's previous row (investment, 形象进度, progress text) for two periods in a
  row, twice in the year, then reports the truth again;
- **booker** reports little of a quarter's investment in its first five periods and the rest in its
  last (quarters 2 and 3): the last period is planted, the under-reported ones before it are recorded
  as ``affected`` (neither planted nor honest when the signals are judged);
- **inflater** reports 形象进度 30–45 points above the site from July on (the text says so too).

Every planted project-period is recorded in ``truth.json`` (``habits``: ``departments``, ``planted``,
``affected``). The draws come from a random
number generator of their own, so the rest of the year (story, defects, receipt dates) is the same as
without habits.
"""
from __future__ import annotations

import datetime as dt
import random

from alxa_lib import periods as cal
from alxa_lib.sample.story import SampleYear
from alxa_lib.vocab import UNDER_WAY_STATUSES as UNDER_WAY

HABITS = ("copier", "booker", "inflater")
SHARE_OF_PROJECTS = 0.67


def _rows_by_project(s: SampleYear, dept: str) -> dict[str, list[tuple[dt.date, dict]]]:
    """Each project's version-1 rows of ``dept``, in period order."""
    out: dict[str, list[tuple[dt.date, dict]]] = {}
    for rf in sorted((r for r in s.reports if r.department == dept and r.version == 1), key=lambda r: r.period):
        for row in rf.rows:
            if row.get("class") == "KC" and row.get("project_id"):
                out.setdefault(row["project_id"], []).append((rf.period, row))
    return out


def _under_way(row: dict, period: dt.date) -> bool:
    return row.get("status") in UNDER_WAY and not cal.in_winter(period)


def _text(pct: int) -> str:
    works = ["基础施工", "主体施工", "设备安装", "附属工程"][min(3, pct // 25)]
    return f"完成主体工程{pct}%，正在进行{works}"


def _copy(rng: random.Random, rows: list[tuple[dt.date, dict]]) -> list[dt.date]:
    """Two runs of two copied periods; returns the copied periods."""
    planted: list[dt.date] = []
    ok = [i for i in range(len(rows) - 2)
          if all(_under_way(rows[i + k][1], rows[i + k][0]) for k in range(3))]
    starts: list[int] = []
    for i in rng.sample(ok, len(ok)):
        if all(abs(i - j) >= 4 for j in starts):
            starts.append(i)
        if len(starts) == 2:
            break
    for i in starts:
        src = rows[i][1]
        for k in (1, 2):
            period, row = rows[i + k]
            for f in ("annual_completed", "cumulative_completed", "progress_pct", "progress_text"):
                row[f] = src[f]
            planted.append(period)
    return planted


def _book(s: SampleYear, rows: list[tuple[dt.date, dict]], affected: list[dt.date]) -> list[dt.date]:
    """Quarters 2 and 3: the first periods carry 15 % of the quarter's increase (appended to ``affected``),
    the last the rest (returned: the booking is the habit)."""
    planted: list[dt.date] = []
    by_period = {p: r for p, r in rows}
    for q in (2, 3):
        in_q = [p for p in s.periods if cal.quarter_of(p) == q]
        before = [p for p in s.periods if p < in_q[0]]
        window = [p for p in s.periods if p < in_q[-1]][-3:]
        if not all(p in by_period and _under_way(by_period[p], p) for p in window + [in_q[-1]]):
            continue
        base = float(by_period[before[-1]]["annual_completed"] or 0.0) if before and before[-1] in by_period else 0.0
        for p in in_q[:-1]:
            row = by_period.get(p)
            if row is None or row.get("annual_completed") is None:
                continue
            true = float(row["annual_completed"])
            low = float(round(base + (true - base) * 0.15))
            if low < true:
                row["cumulative_completed"] = float(row["cumulative_completed"]) - (true - low)
                row["annual_completed"] = low
                affected.append(p)
        planted.append(in_q[-1])
    return planted


def _inflate(rng: random.Random, s: SampleYear, rows: list[tuple[dt.date, dict]]) -> list[dt.date]:
    """From July on, 形象进度 30–45 points above the site (at most 99)."""
    k = rng.randint(30, 45)
    planted = []
    for period, row in rows:
        if period < s.day(7, 1) or not _under_way(row, period) or row.get("progress_pct") is None:
            continue
        pct = min(99, int(row["progress_pct"]) + k)
        row["progress_pct"] = pct
        row["progress_text"] = _text(pct)
        planted.append(period)
    return planted


def plant_habits(s: SampleYear) -> dict:
    """Give three departments one habit each (on their version-1 rows, before defects and second
    versions are drawn); return the truth: department → habit, and habit → project → planted periods."""
    rng = random.Random(s.seed * 7919 + s.year)
    started = {}
    for dept in s.banner.names:
        if dept in s.banner.lagging:
            continue
        rows = _rows_by_project(s, dept)
        busy = [pid for pid, rs in rows.items() if sum(_under_way(r, p) for p, r in rs) >= 6]
        if len(busy) >= 3:
            started[dept] = sorted(busy)
    depts = rng.sample(sorted(started), min(len(HABITS), len(started)))
    truth: dict = {"departments": {}, "planted": {}, "affected": {}}
    for dept, habit in zip(depts, HABITS):
        truth["departments"][dept] = habit
        rows = _rows_by_project(s, dept)
        chosen = sorted(rng.sample(started[dept], max(2, round(len(started[dept]) * SHARE_OF_PROJECTS))))
        for pid in chosen:
            if habit == "copier":
                periods = _copy(rng, rows[pid])
            elif habit == "booker":
                affected: list[dt.date] = []
                periods = _book(s, rows[pid], affected)
                if affected:
                    truth["affected"][pid] = [p.isoformat() for p in sorted(affected)]
            else:
                periods = _inflate(rng, s, rows[pid])
            if periods:
                truth["planted"].setdefault(habit, {})[pid] = [p.isoformat() for p in sorted(periods)]
    return truth


def write_inspections(s: SampleYear, root, period: dt.date | None = None, n: int = 10) -> list[dict]:
    """Filled 实地督查记录表 of ``n`` KC projects checked against ``period``'s reports (default 09-28;
    inspected twelve days later): every inflated project of the inflater department, the rest drawn at random
    among the projects under way. What the inspectors saw is the site (the story), so an inflated 形象进度 is a
    mismatch and an honest report is not. Returns the truth: project, period, inspected date, whether the
    report contradicts the site."""
    from pathlib import Path

    from alxa_lib.sample.story import row_at
    from alxa_lib.workbooks.inspection_form import write_form
    period = period or s.day(9, 28)
    on = period + dt.timedelta(days=12)
    rng = random.Random(s.seed * 7919 + s.year + 1)
    reported = {r["project_id"]: (rf.department, r) for rf in s.reports if rf.period == period and rf.version == 1
                for r in rf.rows if r.get("class") == "KC" and r.get("project_id")}
    under_way = sorted(pid for pid, (_, r) in reported.items() if r.get("status") in UNDER_WAY)
    inflated = sorted(pid for pid, ps in (s.habits or {}).get("planted", {}).get("inflater", {}).items()
                      if period.isoformat() in ps and pid in reported)
    rest = [pid for pid in under_way if pid not in inflated]
    chosen = inflated + sorted(rng.sample(rest, max(0, min(len(rest), n - len(inflated)))))
    folder = Path(root) / "inspections" / period.isoformat()
    from alxa_lib import params
    office = params.load("document")["issuer"]
    tol = params.load("integrity")["inspection"]
    out = []
    for k, pid in enumerate(chosen):
        dept, r = reported[pid]
        site = row_at(s, s.project(pid), period)
        row = {"project_id": pid, "name": r["name"], "department": dept, "status": r.get("status"),
               "progress_pct": r.get("progress_pct"), "annual_completed": r.get("annual_completed"),
               "seen_started": "是" if site.get("status") in UNDER_WAY + ("停工", "已完工") else "否",
               "seen_progress_pct": site.get("progress_pct"), "seen_investment": site.get("annual_completed"),
               "workers": 20 + 5 * (k % 7), "equipment": 3 + k % 4, "photos": "是", "remarks": "",
               "inspector": ["王海", "李静"][k % 2], "inspected_on": on}
        write_form(folder / f"实地督查记录表_{pid}.xlsx", row, office, period)
        said_pct, seen_pct = r.get("progress_pct"), site.get("progress_pct")
        said_inv, seen_inv = r.get("annual_completed"), site.get("annual_completed") or 0.0
        mismatch = (row["seen_started"] == "否"
                    or (isinstance(said_pct, (int, float)) and isinstance(seen_pct, (int, float))
                        and said_pct - seen_pct > tol["progress_tolerance"])
                    or (isinstance(said_inv, (int, float)) and said_inv - seen_inv > tol["investment_tolerance"] * seen_inv
                        and said_inv > seen_inv))
        out.append({"project_id": pid, "department": dept, "period": period.isoformat(),
                    "inspected_on": on.isoformat(), "mismatch": bool(mismatch), "planted": pid in inflated,
                    "file": (folder / f"实地督查记录表_{pid}.xlsx").relative_to(Path(root)).as_posix()})
    return out
