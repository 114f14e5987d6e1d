"""Writing everything but the period reports: the plan, the reverse schedules, the start reports and
the registers workbook (adjustments, decisions, problems, bonuses, incidents, liaisons)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alxa_lib import periods as cal
from alxa_lib.sample.story import SampleYear, start_report_rows
from alxa_lib.sample.banner import DEPARTMENTS, LAGGING
from alxa_lib.sample.world import PROBLEM_TEXTS, Project
from alxa_lib.sample.writers_reports import write_manifest
from alxa_lib.vocab import (
    PLAN_FIELDS,
    PROBLEM_KINDS,
    REGISTER_SHEET_NAMES,
    REGISTER_SHEETS,
    SCHEDULE_FIELDS,
    START_FIELDS,
)
from alxa_lib.workbooks.xlsx_write import Column, TableSpec, new_workbook, save_workbook, write_table


# ---------------------------------------------------------------- plan
def _plan_columns(mp: bool, adjusted: bool = False) -> list[Column]:
    fields = ["seq", "project_id", "name", "department", "project_unit", "leader", "location", "sector",
              "nature", "invest_type", "scale_content", "years", "total_investment", "cumulative_prior",
              "annual_planned", "planned_start"]
    if mp:
        fields += ["current_stage", "target_stage"]
    if adjusted:
        fields += ["class"]
    return [Column(f, PLAN_FIELDS[f][0]) for f in fields]


def _plan_row(p: Project, seq: int, cols: list[Column]) -> list[Any]:
    ladder = p.ladder
    vals = {
        "seq": seq, "project_id": p.pid, "name": p.name, "department": p.department, "project_unit": p.unit,
        "leader": p.leader, "location": f"阿拉善左旗{p.location}", "sector": p.sector, "nature": p.nature,
        "invest_type": p.invest_type, "scale_content": p.scale, "years": f"{p.years[0]}-{p.years[1]}",
        "total_investment": p.total, "cumulative_prior": p.prior, "annual_planned": p.annual,
        "planned_start": p.planned_start, "current_stage": ladder[p.stage0 - 1] if p.cls == "MP" else None,
        "target_stage": ladder[p.stage_target - 1] if p.cls == "MP" else None,
        "class": "重点建设项目" if p.cls == "KC" else "重大前期项目",
    }
    return [vals[c.field] for c in cols]


def write_plan(s: SampleYear, root: Path) -> str:
    wb = new_workbook()
    first = True
    for sheet, cls, adjusted in (("重点建设项目", "KC", False), ("重大前期项目", "MP", False), ("调整调入项目", "KC", True)):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet
        cols = _plan_columns(cls == "MP", adjusted)
        projs = [p for p in s.projects if p.cls == cls and p.adjusted_in == adjusted]
        spec = TableSpec(title_lines=[f"{s.year}年阿拉善左旗重点建设项目计划表"], columns=cols,
                         rows=[_plan_row(p, i + 1, cols) for i, p in enumerate(projs)], two_row_header=False)
        write_table(ws, spec, styled=True)
    path = root / "plan" / f"{s.year}年重点建设项目计划.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path.relative_to(root).as_posix()


# ---------------------------------------------------------------- reverse schedules
def _nodes(s: SampleYear, p: Project, calibrated: bool) -> list[float]:
    y = s.year
    start, end = p.planned_start, s.day(11, 15)
    span = max(1, (end - start).days)
    out = []
    for q in range(1, 5):
        qe = cal.quarter_end(y, q)
        frac = min(1.0, max(0.0, (qe - start).days / span))
        if calibrated and q in (2, 3):
            frac *= 0.9
        out.append(float(round(p.annual * frac)))
    out[3] = p.annual
    return out


def _schedule_row(s: SampleYear, p: Project, cols: list[Column], calibrated: bool) -> list[Any]:
    ladder = p.ladder
    vals: dict[str, Any] = {"project_id": p.pid, "name": p.name}
    if p.cls == "KC":
        vals["planned_start"] = p.planned_start
        vals["planned_end"] = dt.date(p.years[1], 10, 31)
        for q, node in enumerate(_nodes(s, p, calibrated), start=1):
            vals[f"q{q}_node"] = node
            vals[f"q{q}_goal"] = "完成年度投资" if q == 4 else f"完成第{q}季度形象进度"
    else:
        targets = [p.stage0, min(5, p.stage0 + 1), min(5, p.stage0 + 1), p.stage_target]
        for q, t in enumerate(targets, start=1):
            vals[f"q{q}_stage"] = ladder[t - 1]
            vals[f"q{q}_goal"] = f"完成{ladder[t - 1]}"
    return [vals.get(c.field) for c in cols]


def write_schedules(s: SampleYear, root: Path) -> tuple[list[dict], list[dict]]:
    """Original schedules (a few late: SCHEDULE_LATE) and calibrated ones in May (one outside the window:
    CALIBRATION_OUTSIDE_WINDOW). Draws one receipt day per on-time department from ``s.rng``."""
    y, rng = s.year, s.rng
    folder = root / "schedules"
    folder.mkdir(parents=True, exist_ok=True)
    manifest, defects = [], []
    depts, real = s.banner.names, [d for d, _, _ in DEPARTMENTS]  # (the same departments late in every copy)
    late = {real[3]: s.day(4, 3), real[9]: s.day(4, 8)}
    calibrated = {real[0]: s.day(5, 6), real[1]: s.day(5, 8), real[5]: s.day(5, 9), real[6]: s.day(5, 15)}
    cols = [Column(f, SCHEDULE_FIELDS[f][0]) for f in ("project_id", "name", "planned_start", "planned_end")]
    for i in range(1, 5):
        cols += [Column(f"q{i}_node", SCHEDULE_FIELDS[f"q{i}_node"][0]), Column(f"q{i}_goal", SCHEDULE_FIELDS[f"q{i}_goal"][0]),
                 Column(f"q{i}_stage", SCHEDULE_FIELDS[f"q{i}_stage"][0])]
    for dept in depts:
        # the default is drawn even for a late department (dict.get evaluates it): keep it that way
        like = s.banner.template[dept]
        versions = [("初报", late.get(like, s.day(3, rng.randint(18, 31))))]
        if like in calibrated:
            versions.append(("校准", calibrated[like]))
        for label, received in versions:
            rows = [_schedule_row(s, p, cols, label == "校准") for p in s.projects
                    if p.department == dept and not p.adjusted_in]
            meta = f"填报单位：{dept}（盖章）  版本：{label}  报送日期：{received.year}年{received.month}月{received.day}日"
            spec = TableSpec(title_lines=[f"{y}年重点建设项目倒排工期计划表", meta], columns=cols, rows=rows,
                             two_row_header=False)
            wb = new_workbook()
            ws = wb.active
            ws.title = "倒排工期计划"
            write_table(ws, spec, styled=False)
            name = f"{dept}_倒排工期计划_{label}.xlsx"
            save_workbook(wb, folder / name)
            manifest.append({"file": name, "received": received.isoformat()})
            rule = None
            if label == "初报" and received > s.day(3, 31):
                rule = "SCHEDULE_LATE"
            if label == "校准" and not (s.day(5, 1) <= received <= s.day(5, 10)):
                rule = "CALIBRATION_OUTSIDE_WINDOW"
            if rule:
                defects.append({"rule": rule, "file": f"schedules/{name}", "sheet": "倒排工期计划", "cell": None,
                                "department": dept, "period": None, "project_id": None, "field": None})
    write_manifest(folder, manifest)
    return manifest, defects


# ---------------------------------------------------------------- start reports
def write_start_reports(s: SampleYear, root: Path) -> list[dict]:
    """One file per department and report day; a report sent after the start is START_REPORT_LATE."""
    folder = root / "start_reports"
    folder.mkdir(parents=True, exist_ok=True)
    manifest, defects = [], []
    cols = [Column(f, START_FIELDS[f][0]) for f in ("project_id", "name", "start_type", "start_date", "note")]
    groups: dict[tuple[str, dt.date], list[dict]] = {}
    for r in start_report_rows(s):
        groups.setdefault((r["department"], r["reported"]), []).append(r)
    for (dept, reported), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        meta = f"填报单位：{dept}（盖章）  报送日期：{reported.year}年{reported.month}月{reported.day}日"
        spec = TableSpec(title_lines=["重点建设项目开（复）工动态报送表", meta], columns=cols,
                         rows=[[r["project_id"], r["name"], r["start_type"], r["start_date"], ""] for r in rows],
                         two_row_header=False)
        wb = new_workbook()
        ws = wb.active
        ws.title = "开复工报送"
        placement = write_table(ws, spec, styled=False)
        name = f"{dept}_{reported.strftime('%Y%m%d')}.xlsx"
        save_workbook(wb, folder / name)
        manifest.append({"file": name, "received": reported.isoformat()})
        for i, r in enumerate(rows):
            if reported > r["start_date"]:
                defects.append({"rule": "START_REPORT_LATE", "file": f"start_reports/{name}", "sheet": "开复工报送",
                                "cell": placement.cell(i, "start_date"), "department": dept, "period": None,
                                "project_id": r["project_id"], "field": "start_date"})
    write_manifest(folder, manifest)
    return defects


# ---------------------------------------------------------------- registers workbook
def _register_data(s: SampleYear) -> dict[str, list[dict]]:
    """The registers' rows: each event once in each copy of the departments (problems K times)."""
    y = s.year
    real = [d for d, _, _ in DEPARTMENTS]
    kcs = [p for p in s.projects if p.cls == "KC" and not p.adjusted_in]
    data: dict[str, list[dict]] = {"adjustments": s.adjustments}
    data["decisions"] = []
    for m in range(1, 12):
        meeting = s.day(m, 25)
        due = meeting + dt.timedelta(days=20)
        done = due - dt.timedelta(days=3) if m % 4 else (due + dt.timedelta(days=10) if m % 8 else None)
        for c in s.copies:
            owner = s.banner.counterpart(real[(m * 3) % len(real)], c)
            data["decisions"].append({"meeting_date": meeting, "item": f"协调解决{owner}重点项目推进中的问题（{m}月）",
                                      "owner": owner, "due_date": due, "done_date": done})
    data["problems"] = []
    for i in range(24 * s.banner.scale):
        kind, text = PROBLEM_TEXTS[i % len(PROBLEM_TEXTS)]
        p = kcs[(i * 7) % len(kcs)]
        k = i % 24
        raised = s.day(3 + k % 8, 5 + k % 20)
        due = raised + dt.timedelta(days=30)
        solved = due - dt.timedelta(days=5) if k % 3 else (due + dt.timedelta(days=12) if k % 2 else None)
        owner = next(o for kd, _, o in PROBLEM_KINDS if kd == (kind or "其他"))
        owner = p.department if owner in ("主管部门", "属地苏木镇") else owner
        data["problems"].append({"problem_id": f"WT{y}-{i + 1:03d}", "project_id": "" if k in (10, 21) else p.pid,
                                 "kind": kind, "description": text, "owner": owner, "raised_date": raised,
                                 "due_date": due, "solved_date": solved})
    data["bonuses"], data["incidents"] = [], []
    for c in s.copies:
        data["bonuses"] += _bonuses(s, [s.banner.counterpart(d, c) for d in real])
        data["incidents"] += _incidents(s, [s.banner.counterpart(d, c) for d in real], kcs)
    data["liaisons"] = [{"unit": d, "name": s.liaison[d], "title": "科员", "phone": s.phone[d],
                         "registered_date": s.day(1, 10)} for d in s.banner.names]
    return data


def _bonuses(s: SampleYear, depts: list[str]) -> list[dict]:
    """Bonus points of one copy of the departments (``depts`` in the real banner's order)."""
    y = s.year
    return [
        {"unit": depts[0], "quarter": f"{y}Q2", "points": 3, "reason": "项目推进成效显著", "basis": "旗政府通报表扬"},
        {"unit": depts[6], "quarter": f"{y}Q2", "points": 8, "reason": "争取上级资金成绩突出", "basis": "自治区通报"},
        {"unit": depts[1], "quarter": f"{y}Q3", "points": 2, "reason": "信息报送及时准确", "basis": "发改委认定"},
    ]


def _incidents(s: SampleYear, depts: list[str], kcs: list[Project]) -> list[dict]:
    """Incidents of one copy of the departments (``depts`` in the real banner's order)."""
    lagging = depts[[d for d, _, _ in DEPARTMENTS].index(LAGGING[0])]
    return [
        {"date": s.day(5, 20), "unit": lagging, "project_id": next(p.pid for p in kcs if p.department == lagging),
         "type": "推诿拖延", "description": "项目用地协调推诿，拖延两个月", "source": "旗委督查室"},
        {"date": s.day(8, 12), "unit": depts[5], "project_id": next(p.pid for p in kcs if p.department == depts[5]),
         "type": "安全事故", "description": "施工现场发生一般安全事故，一人受伤", "source": "应急管理局"},
        {"date": s.day(9, 3), "unit": depts[2], "project_id": "", "type": "其他", "description": "资料报送不规范",
         "source": "政府督查室"},
    ]


def write_registers(s: SampleYear, root: Path) -> dict[str, list[dict]]:
    """The registers workbook, one sheet per register; returns the registers' rows."""
    y = s.year
    data = _register_data(s)
    wb = new_workbook()
    for i, (key, sheet) in enumerate(REGISTER_SHEET_NAMES.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        fields = list(REGISTER_SHEETS[key])
        cols = [Column(f, REGISTER_SHEETS[key][f][0]) for f in fields]
        rows = [[r.get(f) if r.get(f) != "" else None for f in fields] for r in data[key]]
        write_table(ws, TableSpec(title_lines=[f"{y}年重点项目监控登记簿——{sheet}"], columns=cols, rows=rows,
                                  two_row_header=False), styled=True)
    path = root / "registers" / f"{y}年重点项目登记簿.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return data
